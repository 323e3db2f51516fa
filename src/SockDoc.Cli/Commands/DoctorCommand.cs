using System.CommandLine;
using SockDoc.Cli.Output;
using SockDoc.Cli.Views;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Diagnosis.Text;

namespace SockDoc.Cli.Commands;

/// <summary>`sockdoc doctor`: take two samples, run every rule, render. Exit 0 ok, 1 warning, 2 critical, 3 could not run.</summary>
public static class DoctorCommand
{
    public sealed record Args(bool Json, string? From, string? ProcRoot, string? PageSize, string Interval, string[] Only, string[] Skip, bool NoCensus, bool NoLog, string Recent = "15m", string? History = null)
    {
        /// <summary>null = the default (every namespace when root in the initial namespace).</summary>
        public bool? AllNamespaces { get; init; }
        public string? Netns { get; init; }
        /// <summary>Only the summary and the settings to change.</summary>
        public bool Brief { get; init; }
        /// <summary>Write the settings to change as a sysctl.d drop-in (and a limits.d snippet beside it).</summary>
        public string? Write { get; init; }
        /// <summary>Whether --interval was given (it contradicts --from and --proc-root, which take no samples).</summary>
        public bool IntervalGiven { get; init; }
    }

    public static Command Create(CliIo io)
    {
        var json = CommonOptions.Json();
        var from = new Option<string?>("--from") { Description = "Diagnose a snapshot file written by `sockdoc collect -o FILE` (another machine's).", HelpName = "FILE" };
        var procRoot = CommonOptions.ProcRoot();
        var pageSize = CommonOptions.PageSize();
        var interval = CommonOptions.Interval("1");
        var only = new Option<string[]>("--only") { Description = "Run only these checks (ids, comma-separated).", AllowMultipleArgumentsPerToken = true };
        var skip = new Option<string[]>("--skip") { Description = "Skip these checks (ids, comma-separated).", AllowMultipleArgumentsPerToken = true };
        var noCensus = new Option<bool>("--no-census") { Description = "Do not take the netlink socket census." };
        var noLog = new Option<bool>("--no-log") { Description = "Do not read the kernel log." };
        var recent = new Option<string>("--recent")
        {
            Description = "Kernel-log incidents this close to the sample are recent: critical, reported with what happens now (e.g. 15m, 1h; 0 treats every log line as history).",
            DefaultValueFactory = _ => "15m",
            HelpName = "DURATION",
        };
        var history = new Option<string?>("--history")
        {
            Description = "A `sockdoc record` database: counters that rose and checks that were critical within --recent count as recent.",
            HelpName = "DB",
        };
        var allNs = new Option<bool?>("--all-namespaces")
        {
            Description = "Diagnose every network namespace (containers, pods, ip netns) as well as the host: per-namespace checks run in each. " +
                "Default: on when run as root in the initial namespace; --all-namespaces false turns it off.",
        };
        var netns = new Option<string?>("--netns") { Description = "Diagnose only this network namespace: an `ip netns` name, a PID in it, or a path (/run/netns/X, /proc/PID/ns/net).", HelpName = "NAME|PID|PATH" };
        var brief = new Option<bool>("--brief") { Description = "Print only the summary and the settings to change." };
        var write = new Option<string?>("--write")
        {
            Description = "Write the settings to change as a sysctl.d drop-in to FILE (plan's format), and a limits.d snippet to FILE.limits.conf when an open-files limit is asked for.",
            HelpName = "FILE",
        };
        var npd = new Option<bool>("--npd") { Description = "node-problem-detector custom plugin: one short line; exit 0 ok, 1 socket resource pressure now, 2 unknown." };
        var cmd = new Command("doctor", "Diagnose this host's socket resources from the kernel's own signals: what is wrong now, what went wrong since boot, and what to set.")
        {
            json, from, procRoot, pageSize, interval, only, skip, noCensus, noLog, recent, history, allNs, netns, brief, write, npd,
        };
        cmd.SetAction(p =>
        {
            var args = new Args(p.GetValue(json), p.GetValue(from), p.GetValue(procRoot), p.GetValue(pageSize), p.GetValue(interval)!,
            p.GetValue(only) ?? [], p.GetValue(skip) ?? [], p.GetValue(noCensus), p.GetValue(noLog), p.GetValue(recent)!, p.GetValue(history))
        {
            AllNamespaces = p.GetValue(allNs),
            Netns = p.GetValue(netns),
            Brief = p.GetValue(brief),
            Write = p.GetValue(write),
            IntervalGiven = p.GetResult(interval) is { Implicit: false },
        };
            return p.GetValue(npd) ? NpdOutput.Run(args, io) : Run(args, io);
        });
        return cmd;
    }

    /// <param name="render">Renders the report instead of text or JSON and returns the exit code (doctor --npd).</param>
    public static int Run(Args a, CliIo io, Func<Report, int>? render = null)
    {
        if (a.From is not null && a.ProcRoot is not null) return io.Fail("doctor: --from and --proc-root exclude each other");
        if (a.IntervalGiven && (a.From is not null || a.ProcRoot is not null))
            return io.Fail($"doctor: --interval takes two live samples; {(a.From is not null ? "--from reads a file" : "--proc-root reads a copied tree")} and takes none");
        if (a.Json && a.Brief) return io.Fail("doctor: --brief shortens the text view; --json always has everything");
        var seconds = CommonOptions.ParseDuration(a.Interval);
        if (seconds is null) return io.Fail($"doctor: --interval \"{a.Interval}\" is not a duration (examples: 1, 500ms, 2s)");
        if (seconds > 600) return io.Fail("doctor: --interval is at most 600 s");
        var recentSeconds = CommonOptions.ParseDuration(a.Recent);
        if (recentSeconds is null or < 0) return io.Fail($"doctor: --recent \"{a.Recent}\" is not a duration (examples: 15m, 1h, 0)");
        long? page = null;
        if (a.PageSize is not null)
        {
            page = CommonOptions.ParsePageSize(a.PageSize);
            if (page is null) return io.Fail($"doctor: --page-size \"{a.PageSize}\" is not a power of two of at least 1024 (examples: 4096, 16K, 64K)");
        }
        var only = Ids(a.Only);
        var skip = Ids(a.Skip);
        foreach (var id in only.Concat(skip))
        {
            if (All.Ids.Contains(id)) continue;
            var hint = Parse.Suggest(id, All.Ids) is { } near ? $"did you mean \"{near}\"? " : "";
            return io.Fail($"doctor: unknown check \"{id}\": {hint}(known: {string.Join(", ", All.Ids)}; example: --only orphans,tcp_mem)");
        }

        if (a.Netns is not null && a.AllNamespaces == true) return io.Fail("doctor: --netns and --all-namespaces exclude each other");
        var request = new SnapshotSource.Request(a.From, a.ProcRoot, page, seconds.Value, !a.NoCensus, !a.NoLog) { Netns = a.Netns };
        request = request with { AllNamespaces = a.Netns is null && (a.AllNamespaces ?? SnapshotSource.DefaultAllNamespaces(request)) };
        var (host, error) = SnapshotSource.TakeHost(request, io);
        if (host is null) return io.Fail(error!);

        var window = TimeSpan.FromSeconds(recentSeconds.Value);
        IReadOnlyList<HistoryEvidence> recorded = [];
        if (a.History is { } dbPath)
        {
            if (!File.Exists(dbPath)) return io.Fail($"doctor: --history {dbPath}: no such file (write one with `sockdoc record --db {dbPath}`)");
            try
            {
                using var db = History.SqliteHistory.Open(dbPath, create: false);
                recorded = History.RecentHistory.Read(db, host.Machine.Now.TakenAt, window);
            }
            catch (History.HistoryException e)
            {
                return io.Fail("doctor: --history " + e.Message);
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                return io.Fail($"doctor: --history {dbPath}: {e.Message}");
            }
        }
        var report = NamespaceDoctor.Run(All.Engine(), host, only, skip, new RuleOptions { RecentWindow = window, History = recorded });
        report = Blindspots.Apply(report, host.Machine.Now);
        if (a.From is not null) report = report with { Origin = a.From };
        var exit = ExitFor(report);
        if (render is not null) return render(report);
        var settings = SettingsToChange.From(report, host.Machine.Now.Sysctls.Values);
        if (a.Write is { } file)
        {
            var (sysctl, limits) = settings.DropIns($"Settings the doctor asks for on {report.Hostname ?? "this host"} at {report.TakenAt:u}");
            var written = new List<string> { file };
            try
            {
                File.WriteAllText(file, sysctl);
                if (limits is not null)
                {
                    File.WriteAllText(file + ".limits.conf", limits);
                    written.Add(file + ".limits.conf");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return io.Fail($"doctor: cannot write {file}: {e.Message}");
            }
            io.Err.WriteLine($"sockdoc: wrote {string.Join(", ", written)} ({settings.Sysctls.Count} settings)");
        }
        if (a.Json)
            io.Out.WriteLine(ReportJson.Serialize(report, (int)exit));
        else
            io.Write(DoctorView.Render(report, settings, a.Brief));
        return (int)exit;
    }

    public static ExitCode ExitFor(Report report) => report.Severity switch
    {
        Severity.Critical => ExitCode.Critical,
        Severity.Warning => ExitCode.Warning,
        _ => ExitCode.Ok,
    };

    private static HashSet<string> Ids(string[] values) => Parse.List(values).ToHashSet(StringComparer.Ordinal);
}
