using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using SockDoc.Cli.History;
using SockDoc.Diagnosis.Text;
using SockDoc.Cli.Views;
using SockDoc.Kernel;

namespace SockDoc.Cli.Commands;

/// <summary>`sockdoc watch`: the live dashboard.</summary>
public static class WatchCommand
{
    public sealed record Args(TimeSpan Interval, TimeSpan? Duration, string? ProcRoot, bool Census, string? PageSize = null, bool Json = false, int? Count = null);

    /// <summary>Samples kept for the sparklines (a few minutes at the default 1 s).</summary>
    private const int HistoryLength = 300;

    /// <summary>How often the expensive sources (census, /proc/PID/fd scan, slab) are refreshed.</summary>
    private static readonly TimeSpan ExpensiveEvery = TimeSpan.FromSeconds(5);

    public static Command Create(CliIo io)
    {
        var interval = new Option<string>("--interval") { Description = "Refresh interval (e.g. 1s).", DefaultValueFactory = _ => "1s" };
        var duration = new Option<string?>("--duration") { Description = "Stop after this long (e.g. 30s); default: until q or Ctrl+C." };
        var count = new Option<string?>("--count", "-n") { Description = "Stop after this many samples (as vmstat's count); with --duration, whichever comes first." };
        var procRoot = CommonOptions.ProcRoot();
        var pageSize = CommonOptions.PageSize();
        var json = CommonOptions.Json();
        json.Description = "Print one JSON object per sample (gauges, limits, findings) instead of the dashboard.";
        var noCensus = new Option<bool>("--no-census") { Description = "Skip the sock_diag socket census (states, busiest destination, top processes)." };
        var cmd = new Command("watch", "Live dashboard of socket resources against their kernel limits (q quits, p pauses).")
        {
            interval, duration, count, procRoot, pageSize, noCensus, json,
        };
        cmd.SetAction((parse, cancel) =>
        {
            if (!DurationText.TryParse(parse.GetValue(interval), out var i) || i < TimeSpan.FromMilliseconds(100))
                return Task.FromResult(io.Fail($"--interval: expected a duration of at least 100ms such as 1s, got '{parse.GetValue(interval)}'"));
            TimeSpan? d = null;
            if (parse.GetValue(duration) is { } dText)
            {
                if (!DurationText.TryParse(dText, out var dv) || dv <= TimeSpan.Zero)
                    return Task.FromResult(io.Fail($"--duration: expected a duration such as 30s, got '{dText}'"));
                d = dv;
            }
            int? n = null;
            if (parse.GetValue(count) is { } nText)
            {
                if (!Parse.TryCount(nText, out var nv) || nv < 1 || nv > int.MaxValue)
                    return Task.FromResult(io.Fail($"--count: expected a number of samples of at least 1 such as 10, got '{nText}'"));
                n = (int)nv;
            }
            return RunAsync(new Args(i, d, parse.GetValue(procRoot), !parse.GetValue(noCensus), parse.GetValue(pageSize), parse.GetValue(json), n), io, cancel);
        });
        return cmd;
    }

    public static async Task<int> RunAsync(Args args, CliIo io, CancellationToken cancel)
    {
        if (!LiveCollect.TryRoot(args.ProcRoot, out var root, out var rootError)) return io.Fail(rootError);
        if (!LiveCollect.TryPageSize(args.PageSize, out var page, out var pageError)) return io.Fail(pageError);
        var source = LiveSource.Create(root, LiveCollect.Options(root, census: args.Census, processes: true, pageSize: page), io.Time);
        var console = io.Console();
        using var _ = source;
        // The census and the process scan take seconds on a host with hundreds of thousands of
        // sockets: they refresh in the background, the gauges every interval (LiveSource).
        source.Start(args.Interval > ExpensiveEvery ? args.Interval : ExpensiveEvery);
        var waitFirst = Stopwatch.StartNew();
        while (!source.ExpensiveReady && waitFirst.Elapsed < TimeSpan.FromSeconds(2) && !cancel.IsCancellationRequested) await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        var state = new WatchState(source, args.Interval);
        var deadline = args.Duration is { } d ? Stopwatch.GetTimestamp() + (long)(d.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        var samples = 0;
        bool Expired() => Stopwatch.GetTimestamp() >= deadline || cancel.IsCancellationRequested || samples >= (args.Count ?? int.MaxValue);

        state.Take();
        if (args.Json)
        {
            // A stream of samples for scripts: one line each, flushed, until --duration or Ctrl+C.
            while (true)
            {
                io.Out.WriteLine(SampleJson.WatchLine(state.Model().Current, LiveCollect.LeftOut(args.Census)));
                io.Out.Flush();
                samples++;
                if (Expired()) break;
                try
                {
                    await Task.Delay(args.Interval, cancel).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                if (Expired()) break;
                state.Take();
            }
            return (int)ExitCode.Ok;
        }
        // A live, redrawn frame needs a terminal that understands cursor movement (SSH and tmux do);
        // anywhere else each frame is printed after the previous one.
        if (io.OutputIsTerminal && console.Profile.Capabilities.Ansi && console.Profile.Capabilities.Interactive)
        {
            samples = 1; // the first frame shows the sample taken above
            await console.Live(DashboardView.Render(state.Model())).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Cropping(VerticalOverflowCropping.Bottom)
                .StartAsync(async ctx =>
                {
                    var next = Stopwatch.GetTimestamp() + Ticks(args.Interval);
                    while (!Expired())
                    {
                        if (ReadKey(console) is { } key)
                        {
                            if (key is 'q' or 'Q') break;
                            if (key is 'p' or 'P') { state.Paused = !state.Paused; ctx.UpdateTarget(DashboardView.Render(state.Model())); }
                        }
                        if (Stopwatch.GetTimestamp() >= next)
                        {
                            next += Ticks(args.Interval);
                            if (!state.Paused) { state.Take(); samples++; }
                            ctx.UpdateTarget(DashboardView.Render(state.Model()));
                        }
                        try
                        {
                            await Task.Delay(50, cancel).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                    }
                }).ConfigureAwait(false);
            return (int)ExitCode.Ok;
        }

        console.Write(DashboardView.Render(state.Model()));
        console.WriteLine();
        samples++;
        while (!Expired())
        {
            try
            {
                await Task.Delay(args.Interval, cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            state.Take();
            console.Write(DashboardView.Render(state.Model()));
            console.WriteLine();
            io.Out.Flush();
            samples++;
        }
        return (int)ExitCode.Ok;
    }

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    private static char? ReadKey(IAnsiConsole console)
    {
        try
        {
            if (!console.Input.IsKeyAvailable()) return null;
            return console.Input.ReadKey(intercept: true)?.KeyChar;
        }
        catch (InvalidOperationException)
        {
            // stdin redirected: no keys, only --duration or Ctrl+C end the view.
            return null;
        }
    }

    private sealed class WatchState(LiveSource source, TimeSpan interval)
    {
        private readonly Queue<Sample> _history = new();
        private DashboardModel? _last;

        public bool Paused { get; set; }

        public void Take()
        {
            var (snapshot, report) = source.Next();
            var sample = Sample.From(snapshot, report.Findings);
            _history.Enqueue(sample);
            while (_history.Count > HistoryLength) _history.Dequeue();
            _last = new DashboardModel
            {
                LeftOut = LiveCollect.LeftOut(census: snapshot.Census is not null),
                Current = sample,
                History = _history.ToList(),
                Findings = report.Findings,
                TopProcesses = snapshot.Census?.Processes,
                KernelRelease = snapshot.Host.KernelRelease,
                Interval = interval,
                SourceProblems = snapshot.Problems.Count,
            };
        }

        public DashboardModel Model() => _last! with { Paused = Paused };
    }
}
