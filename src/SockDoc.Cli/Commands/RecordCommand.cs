using System.CommandLine;
using SockDoc.Cli.History;
using SockDoc.Kernel;

namespace SockDoc.Cli.Commands;

/// <summary>`sockdoc record`: a history of samples in SQLite (docs/history-schema.md).</summary>
public static class RecordCommand
{
    public sealed record Args(string Db, TimeSpan Interval, TimeSpan Retention, string? ProcRoot, long? Count, bool Census, bool KernelLog, string? PageSize = null);

    public static Command Create(CliIo io)
    {
        var interval = new Option<string>("--interval") { Description = "Time between samples (e.g. 5s).", DefaultValueFactory = _ => "5s" };
        var db = new Option<string>("--db") { Description = "History database (SQLite); created when missing, appended to when present.", DefaultValueFactory = _ => "sockdoc.db" };
        var retention = new Option<string>("--retention") { Description = "Delete samples older than this (e.g. 7d).", DefaultValueFactory = _ => "7d" };
        var procRoot = CommonOptions.ProcRoot();
        var pageSize = CommonOptions.PageSize();
        var count = new Option<long?>("--count") { Description = "Stop after this many samples (default: until Ctrl+C)." };
        var noCensus = new Option<bool>("--no-census") { Description = "Skip the sock_diag socket census (states, busiest destination)." };
        var noLog = new Option<bool>("--no-log") { Description = "Skip the kernel log (incidents in the report's timeline)." };
        var cmd = new Command("record", "Keep a history of this host's socket signals in SQLite, one transaction per sample.")
        {
            interval, db, retention, procRoot, pageSize, count, noCensus, noLog,
        };
        cmd.SetAction((parse, cancel) =>
        {
            if (!DurationText.TryParse(parse.GetValue(interval), out var i) || i < TimeSpan.FromMilliseconds(10))
                return Task.FromResult(io.Fail($"--interval: expected a duration of at least 10ms such as 5s, got '{parse.GetValue(interval)}'"));
            if (!DurationText.TryParse(parse.GetValue(retention), out var r) || r <= TimeSpan.Zero)
                return Task.FromResult(io.Fail($"--retention: expected a duration such as 7d, got '{parse.GetValue(retention)}'"));
            if (parse.GetValue(count) is <= 0)
                return Task.FromResult(io.Fail("--count: expected a positive number of samples"));
            return RunAsync(new Args(parse.GetValue(db)!, i, r, parse.GetValue(procRoot), parse.GetValue(count), !parse.GetValue(noCensus), !parse.GetValue(noLog), parse.GetValue(pageSize)), io, cancel);
        });
        return cmd;
    }

    public static async Task<int> RunAsync(Args args, CliIo io, CancellationToken cancel)
    {
        if (!LiveCollect.TryRoot(args.ProcRoot, out var root, out var rootError)) return io.Fail(rootError);
        if (!LiveCollect.TryPageSize(args.PageSize, out var page, out var pageError)) return io.Fail(pageError);
        SqliteHistory history;
        try
        {
            history = SqliteHistory.Open(args.Db, create: true);
        }
        catch (HistoryException e)
        {
            return io.Fail(e.Message);
        }
        using (history)
        {
            var source = LiveSource.Create(root, LiveCollect.Options(root, census: args.Census, processes: true, kernelLog: args.KernelLog, time: io.Time, pageSize: page), io.Time);
            using var _ = source;
            // The census, the process scan and the kernel log refresh in the background so samples
            // keep their interval even when those take seconds (LiveSource); the first sample waits for them.
            source.Start(args.Interval > TimeSpan.FromSeconds(5) ? args.Interval : TimeSpan.FromSeconds(5));
            var waitFirst = System.Diagnostics.Stopwatch.StartNew();
            while (!source.ExpensiveReady && waitFirst.Elapsed < TimeSpan.FromSeconds(10) && !cancel.IsCancellationRequested) await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
            var existing = history.Count();
            history.BeginSession(io.Time.GetUtcNow(), args.Interval, null);
            io.Err.WriteLine(existing > 0
                ? $"sockdoc record: resuming {args.Db} ({existing} samples kept), every {DurationText.Format(args.Interval)}, retention {DurationText.Format(args.Retention)}"
                : $"sockdoc record: writing {args.Db} every {DurationText.Format(args.Interval)}, retention {DurationText.Format(args.Retention)}");
            using var timer = new PeriodicTimer(args.Interval, io.Time);
            long written = 0;
            var lastPrune = DateTimeOffset.MinValue;
            try
            {
                do
                {
                    var (snapshot, report) = source.Next();
                    var id = history.Append(Sample.From(snapshot, report.Findings));
                    written++;
                    // Progress on stdout, one line per committed sample: a reader (or a test) knows what is on disk.
                    io.Out.WriteLine($"sample {id} {snapshot.TakenAt.ToUnixTimeMilliseconds()} committed");
                    io.Out.Flush();
                    var now = io.Time.GetUtcNow();
                    if (now - lastPrune > TimeSpan.FromMinutes(1))
                    {
                        history.Prune(now - args.Retention);
                        lastPrune = now;
                    }
                    if (args.Count is { } max && written >= max) break;
                }
                while (await timer.WaitForNextTickAsync(cancel).ConfigureAwait(false));
            }
            catch (OperationCanceledException)
            {
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                return io.Fail($"{args.Db}: write failed after {written} samples ({e.Message.Split('\n')[0]})");
            }
            io.Err.WriteLine($"sockdoc record: {written} samples written to {args.Db}");
        }
        return (int)ExitCode.Ok;
    }
}
