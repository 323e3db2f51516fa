using System.CommandLine;
using SockDoc.Model;

namespace SockDoc.Cli.Commands;

/// <summary>`sockdoc collect -o FILE`: write the snapshot pair the doctor would diagnose, for another machine.</summary>
public static class CollectCommand
{
    public static Command Create(CliIo io)
    {
        var output = new Option<string>("--output", "-o") { Description = "File to write (\"-\" for standard output).", Required = true, HelpName = "FILE" };
        var procRoot = CommonOptions.ProcRoot();
        var pageSize = CommonOptions.PageSize();
        var interval = CommonOptions.Interval("1");
        var noCensus = new Option<bool>("--no-census") { Description = "Do not take the netlink socket census." };
        var noLog = new Option<bool>("--no-log") { Description = "Do not read the kernel log." };
        var allNs = new Option<bool?>("--all-namespaces")
        {
            Description = "Also sample every other network namespace (containers, pods, ip netns) into \"namespaces\" (docs/namespaces.md). " +
                "Default: on when run as root in the initial namespace.",
        };
        var cmd = new Command("collect", "Write a snapshot of this host's socket signals (two samples for rates) to a JSON file; diagnose it anywhere with `doctor --from FILE`.")
        {
            output, procRoot, pageSize, interval, noCensus, noLog, allNs,
        };
        cmd.SetAction(p => Run(p.GetValue(output)!, p.GetValue(procRoot), p.GetValue(pageSize), p.GetValue(interval)!, p.GetValue(noCensus), p.GetValue(noLog), io,
            p.GetValue(allNs)));
        return cmd;
    }

    public static int Run(string output, string? procRoot, string? pageSizeText, string intervalText, bool noCensus, bool noLog, CliIo io, bool? allNamespaces = null)
    {
        var seconds = CommonOptions.ParseDuration(intervalText);
        if (seconds is null || seconds > 600) return io.Fail($"collect: --interval \"{intervalText}\" is not a duration of at most 600 s");
        long? page = null;
        if (pageSizeText is not null && (page = CommonOptions.ParsePageSize(pageSizeText)) is null)
            return io.Fail($"collect: --page-size \"{pageSizeText}\" is not a power of two of at least 1024");
        var request = new SnapshotSource.Request(null, procRoot, page, seconds.Value, !noCensus, !noLog);
        request = request with { AllNamespaces = allNamespaces ?? SnapshotSource.DefaultAllNamespaces(request) };
        var (host, error) = SnapshotSource.TakeHost(request, io);
        if (host is null) return io.Fail(error!);
        var pair = host.Machine;
        var json = SnapshotJson.Serialize(host);
        if (output == "-")
        {
            io.Out.WriteLine(json);
            return 0;
        }
        // Write beside the target and rename, so a crash never leaves half a snapshot under the name.
        var full = Path.GetFullPath(output);
        var tmp = full + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            File.WriteAllText(tmp, json + "\n");
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            return io.Fail($"collect: cannot write {output}: {e.Message}");
        }
        io.Err.WriteLine($"sockdoc: wrote {output} ({pair.Now.Problems.Count} sources not read" +
            (host.Namespaces.Count > 0 ? $"; {host.Namespaces.Count} other network namespaces)" : ")"));
        return 0;
    }
}
