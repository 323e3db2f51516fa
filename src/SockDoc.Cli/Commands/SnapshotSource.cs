using SockDoc.Kernel;
using SockDoc.Kernel.Procfs;
using SockDoc.Model;

namespace SockDoc.Cli.Commands;

/// <summary>
/// Takes the snapshot pair the doctor and collect work on: two live samples an interval apart, one
/// sample of a copied /proc tree, or a file written by collect.
/// </summary>
public static class SnapshotSource
{
    public sealed record Request(string? FromFile, string? ProcRoot, long? PageSize, double IntervalSeconds, bool Census = true, bool KernelLog = true);

    /// <summary>Returns the pair, or an error sentence naming the file and what is wrong.</summary>
    public static (SnapshotPair? Pair, string? Error) Take(Request request, CliIo io)
    {
        if (request.FromFile is { } file)
        {
            string json;
            try
            {
                var info = new FileInfo(file);
                if (!info.Exists) return (null, $"{file}: no such file");
                if (info.Length > 256L * 1024 * 1024) return (null, $"{file}: {info.Length} bytes is too large for a snapshot (limit 256 MiB)");
                json = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, $"{file}: cannot read: {e.Message}");
            }
            try
            {
                return (SnapshotJson.Deserialize(json), null);
            }
            catch (SnapshotFormatException e)
            {
                return (null, $"{file}: {e.Message}");
            }
        }

        ProcRoot root;
        if (request.ProcRoot is { } dir)
        {
            if (!Directory.Exists(dir)) return (null, $"{dir}: no such directory (--proc-root wants a copied /proc tree)");
            root = ProcRoot.FromUserPath(dir);
            if (!File.Exists(root.PathOf("net/sockstat")) && !File.Exists(root.PathOf("meminfo")))
                return (null, $"{dir}: does not look like a /proc tree (no net/sockstat, no meminfo)");
        }
        else
        {
            root = ProcRoot.Live;
        }

        var full = new CollectOptions
        {
            PageSize = request.PageSize,
            Census = request.Census && root.IsLive ? LiveSources.Census(io.Time) : null,
            KernelLog = !request.KernelLog ? null : root.IsLive ? LiveSources.KernelLog(io.Time) : LiveSources.CopiedKernelLog(root, io.Time),
        };
        // A copied tree does not change: one sample, no rates.
        if (!root.IsLive || request.IntervalSeconds <= 0)
        {
            var one = SnapshotCollector.Collect(root, full, io.Time);
            // The reader names the problem; how to give the page size is this command line's to say.
            one = one with
            {
                Problems = [.. one.Problems.Select(p => p.Source == HostReader.PageSizeSource && p.Reason == HostReader.PageSizeUnknown
                    ? p with { Reason = p.Reason + "; pass --page-size" } : p)],
            };
            return (new SnapshotPair(one, null), null);
        }

        // The first sample needs only the counters; the costly parts are read once, in the second.
        var light = new CollectOptions { PageSize = request.PageSize, Processes = false, SlabInfo = false };
        var before = SnapshotCollector.Collect(root, light, io.Time);
        Thread.Sleep(TimeSpan.FromSeconds(request.IntervalSeconds));
        var now = SnapshotCollector.Collect(root, full, io.Time);
        return (new SnapshotPair(now, before), null);
    }
}
