using System.CommandLine;
using SockDoc.Cli.Output;
using SockDoc.Cli.Views;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;

namespace SockDoc.Cli.Commands;

/// <summary>`sockdoc doctor`: take two samples, run every rule, render. Exit 0 ok, 1 warning, 2 critical, 3 could not run.</summary>
public static class DoctorCommand
{
    public sealed record Args(bool Json, string? From, string? ProcRoot, string? PageSize, string Interval, string[] Only, string[] Skip, bool NoCensus, bool NoLog, string Recent = "15m", string? History = null);

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
        var npd = new Option<bool>("--npd") { Description = "node-problem-detector custom plugin: one short line; exit 0 ok, 1 socket resource pressure now, 2 unknown." };
        var cmd = new Command("doctor", "Diagnose this host's socket resources from the kernel's own signals: what is wrong now, what went wrong since boot, and what to set.")
        {
            json, from, procRoot, pageSize, interval, only, skip, noCensus, noLog, recent, history, npd,
        };
        cmd.SetAction(p =>
        {
            var args = new Args(p.GetValue(json), p.GetValue(from), p.GetValue(procRoot), p.GetValue(pageSize), p.GetValue(interval)!,
                p.GetValue(only) ?? [], p.GetValue(skip) ?? [], p.GetValue(noCensus), p.GetValue(noLog), p.GetValue(recent)!, p.GetValue(history));
            return p.GetValue(npd) ? NpdOutput.Run(args, io) : Run(args, io);
        });
        return cmd;
    }

    /// <param name="render">Renders the report instead of text or JSON and returns the exit code (doctor --npd).</param>
    public static int Run(Args a, CliIo io, Func<Report, int>? render = null)
    {
        if (a.From is not null && a.ProcRoot is not null) return io.Fail("doctor: --from and --proc-root exclude each other");
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
            if (!All.Ids.Contains(id)) return io.Fail($"doctor: unknown check \"{id}\" (known: {string.Join(", ", All.Ids)})");
        }

        var (pair, error) = SnapshotSource.Take(new SnapshotSource.Request(a.From, a.ProcRoot, page, seconds.Value, !a.NoCensus, !a.NoLog), io);
        if (pair is null) return io.Fail(error!);

        var window = TimeSpan.FromSeconds(recentSeconds.Value);
        IReadOnlyList<HistoryEvidence> recorded = [];
        if (a.History is { } dbPath)
        {
            if (!File.Exists(dbPath)) return io.Fail($"doctor: --history {dbPath}: no such file (write one with `sockdoc record --db {dbPath}`)");
            try
            {
                using var db = History.SqliteHistory.Open(dbPath, create: false);
                recorded = History.RecentHistory.Read(db, pair.Now.TakenAt, window);
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
        var report = All.Engine().Run(pair, only, skip, new RuleOptions { RecentWindow = window, History = recorded });
        var exit = ExitFor(report);
        if (render is not null) return render(report);
        if (a.Json)
            io.Out.WriteLine(ReportJson.Serialize(report, (int)exit));
        else
            io.Console().Write(DoctorView.Render(report));
        return (int)exit;
    }

    public static ExitCode ExitFor(Report report) => report.Severity switch
    {
        Severity.Critical => ExitCode.Critical,
        Severity.Warning => ExitCode.Warning,
        _ => ExitCode.Ok,
    };

    private static HashSet<string> Ids(string[] values) =>
        values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal);
}
