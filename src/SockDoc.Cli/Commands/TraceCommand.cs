using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using SockDoc.Cli.Views;
using SockDoc.Diagnosis.Trace;
using SockDoc.Kernel;
using SockDoc.Kernel.Census;
using SockDoc.Kernel.Tracing;
using SockDoc.Model.Trace;
using Spectre.Console;

namespace SockDoc.Cli.Commands;

/// <summary>Arguments of `sockdoc trace`, parsed and checked.</summary>
public sealed record TraceArgs(double Seconds, TraceWhat What, TraceBy By, bool Json, int Top, bool Cleanup, double SampleIntervalMs, int RingKiB);

/// <summary>`sockdoc trace`: who and which peer, from the kernel's tracepoints as it happens (issue 12).</summary>
public static class TraceCommand
{
    public const string AttachedMarker = "sockdoc trace: attached";

    public static Command Create(CliIo io)
    {
        var duration = new Option<string>("--duration") { Description = "How long to trace (e.g. 30s, 2m, 500ms).", DefaultValueFactory = _ => "30s", HelpName = "DURATION" };
        var what = new Option<string>("--what") { Description = "Comma list: resets, memory, ports, churn, drops, blocked (default: all).", DefaultValueFactory = _ => "all" };
        var by = new Option<string>("--by") { Description = "Row keys, comma list: process, cgroup, peer, port (port = destination port outbound, local port inbound).", DefaultValueFactory = _ => "process,peer" };
        var json = new Option<bool>("--json") { Description = "Write the final tables as JSON (schema_version 1); no live table." };
        var top = new Option<int>("--top") { Description = "Rows per table; the rest is summed in an (other) row.", DefaultValueFactory = _ => 20, HelpName = "N" };
        var cleanup = new Option<bool>("--cleanup") { Description = "Remove what a killed trace left behind (a private tracefs mount under /run/sockdoc) and exit." };
        var sample = new Option<string>("--sample-interval") { Description = "Blocked senders: time between stack samples.", DefaultValueFactory = _ => "100ms", HelpName = "DURATION" };
        var ring = new Option<int>("--ring-kb") { Description = "Perf ring per CPU in KiB (power of two pages); events beyond it are counted as lost.", DefaultValueFactory = _ => 1024, HelpName = "KIB" };
        var cmd = new Command("trace", "Attach to the kernel's socket tracepoints (perf_event_open, nothing compiled or installed) and say who: " +
            "failed connects by process and destination, connection churn and lifetimes, resets and their reasons, refused memory charges, drops by reason, blocked senders.")
        {
            duration, what, by, json, top, cleanup, sample, ring,
        };
        cmd.SetAction(parse =>
        {
            var a = Check(io, parse.GetValue(duration)!, parse.GetValue(what)!, parse.GetValue(by)!, parse.GetValue(json), parse.GetValue(top),
                parse.GetValue(cleanup), parse.GetValue(sample)!, parse.GetValue(ring), out int fail);
            return a is null ? fail : Run(io, a);
        });
        return cmd;
    }

    public static TraceArgs? Check(CliIo io, string duration, string what, string by, bool json, int top, bool cleanup, string sample, int ringKiB, out int fail)
    {
        ArgumentNullException.ThrowIfNull(io);
        fail = 0;
        var seconds = CommonOptions.ParseDuration(duration);
        if (seconds is null || seconds <= 0 || seconds > 86400)
        {
            fail = io.Fail($"trace: --duration {duration}: expected a duration from 1ms to 24h, such as 30s or 2m");
            return null;
        }
        var w = TraceWhat.None;
        foreach (var raw in what.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var x = raw.ToLowerInvariant() switch
            {
                "all" => TraceWhat.All,
                "resets" or "reset" => TraceWhat.Resets,
                "memory" or "mem" => TraceWhat.Memory,
                "ports" or "port" or "connect" => TraceWhat.Ports,
                "churn" => TraceWhat.Churn,
                "drops" or "drop" => TraceWhat.Drops,
                "blocked" => TraceWhat.Blocked,
                _ => TraceWhat.None,
            };
            if (x == TraceWhat.None)
            {
                fail = io.Fail($"trace: --what {raw}: expected resets, memory, ports, churn, drops, blocked or all");
                return null;
            }
            w |= x;
        }
        if (w == TraceWhat.None)
        {
            fail = io.Fail("trace: --what is empty: expected resets, memory, ports, churn, drops, blocked or all");
            return null;
        }
        var b = TraceBy.None;
        foreach (var raw in by.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var x = raw.ToLowerInvariant() switch
            {
                "process" or "proc" => TraceBy.Process,
                "cgroup" => TraceBy.Cgroup,
                "peer" or "dest" or "destination" => TraceBy.Peer,
                "port" => TraceBy.Port,
                _ => TraceBy.None,
            };
            if (x == TraceBy.None)
            {
                fail = io.Fail($"trace: --by {raw}: expected process, cgroup, peer or port");
                return null;
            }
            b |= x;
        }
        if (top is < 1 or > 10_000)
        {
            fail = io.Fail($"trace: --top {top}: expected 1 to 10000");
            return null;
        }
        var interval = CommonOptions.ParseDuration(sample);
        if (interval is null || interval < 0.001 || interval > 10)
        {
            fail = io.Fail($"trace: --sample-interval {sample}: expected 1ms to 10s");
            return null;
        }
        if (ringKiB < 8 || ringKiB > 256 * 1024 || (ringKiB & (ringKiB - 1)) != 0)
        {
            fail = io.Fail($"trace: --ring-kb {ringKiB}: expected a power of two from 8 to 262144");
            return null;
        }
        return new TraceArgs(seconds.Value, w, b, json, top, cleanup, interval.Value * 1000, ringKiB);
    }

    public static int Run(CliIo io, TraceArgs a)
    {
        ArgumentNullException.ThrowIfNull(io);
        ArgumentNullException.ThrowIfNull(a);
        if (!TraceAccess.IsRoot)
            return io.Fail("trace: needs root: it attaches to kernel tracepoints for every process (perf_event_open with pid -1) " +
                           "and reads other processes' stacks; run it with sudo");
        var removed = Tracefs.CleanupLeftovers(out var cleanupProblems);
        if (a.Cleanup)
        {
            foreach (var r in removed) io.Out.WriteLine($"removed {r} (a private tracefs mount left by a killed sockdoc trace)");
            foreach (var p in cleanupProblems) io.Err.WriteLine($"sockdoc: trace --cleanup: {p}");
            if (removed.Count == 0 && cleanupProblems.Count == 0)
                io.Out.WriteLine("nothing to clean: no leftover tracefs mount under /run/sockdoc; perf events are released by the kernel when their process exits");
            return cleanupProblems.Count == 0 ? (int)ExitCode.Ok : (int)ExitCode.Warning;
        }

        var started = io.Time.GetUtcNow();
        var procRoot = ProcRoot.Live;
        var agg = new TraceAggregator(a.By, pid => TraceProcesses.Resolve(procRoot, pid));
        var decoder = new TraceDecoder(agg);
        var portRange = SocketCensusCollector.ReadPortRange(procRoot);
        void RefreshServicePorts()
        {
            if ((a.What & TraceWhat.Resets) != 0) agg.SetServicePorts(TraceProcesses.ListeningPorts(), portRange);
        }
        RefreshServicePorts();
        var wanted = TraceDecoder.Known.Where(k => (k.UsedBy & a.What) != 0).ToList();
        string how = "no tracepoint needed";
        var lookups = wanted.Count == 0 ? [] : Tracefs.Lookup(wanted.Select(k => (k.System, k.Name)), out how);
        var attaches = new List<TraceAttach>();
        var prepareProblems = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var l in lookups)
        {
            if (l.Format is null) continue;
            var att = decoder.Prepare(l.Format, a.What, out var problem);
            if (att is null) prepareProblems[l.FullName] = problem ?? "cannot decode";
            else attaches.Add(att);
        }
        int pages = a.RingKiB * 1024 / Environment.SystemPageSize;
        using var session = TraceSession.Open(attaches, Math.Max(pages, 2), out _);
        var probes = new List<TraceProbeStatus>();
        foreach (var k in wanted)
        {
            var l = lookups.First(x => x.System == k.System && x.Name == k.Name);
            var r = session.Results.FirstOrDefault(x => x.Event == l.FullName);
            string? problem = l.Problem ?? (prepareProblems.TryGetValue(l.FullName, out var pp) ? pp : null) ?? r?.Problem;
            string? filter = r?.Filter is null ? null : r.FilterApplied ? r.Filter : r.Filter + " (refused by the kernel: unfiltered)";
            probes.Add(new TraceProbeStatus(l.FullName, k.Purpose, l.Format is not null, r?.Attached == true, filter, problem));
        }
        bool anyAttached = probes.Any(p => p.Attached);
        if (!anyAttached && (a.What & TraceWhat.Blocked) == 0)
            return io.Fail("trace: no tracepoint could be attached: " + string.Join("; ", probes.Select(p => $"{p.Event}: {p.Problem}")));

        var notes = new List<string>();
        var blockedMethod = $"stack sampling every {a.SampleIntervalMs:0.#} ms of /proc/*/task/*/syscall and stack for sk_stream_wait_memory: " +
                            "no tracepoint fires inside sk_stream_wait_memory(), and this tool loads no kprobe; an episode shorter than one interval can be missed; each sample is credited with the time since the previous pass";
        if ((a.What & TraceWhat.Resets) != 0)
            notes.Add("TCP_ABORT_ON_MEMORY resets come from tcp_out_of_resources() → tcp_check_oom(): the reason does not say whether the orphan limit or tcp_mem fired; the kernel log line does ('too many orphaned sockets' vs 'out of memory -- consider tuning tcp_mem', see `sockdoc logs`)");
        // Measured on 6.18: an ftrace instance saw all 80 resets of the orphans lab, perf rings (ours and `perf record -a`) 9 to 80,
        // with no PERF_RECORD_LOST; a busy CPU loses none. Timers and packet receive run in softirq, so every table can be short.
        notes.Add("on a quiet machine some kernels drop tracepoint samples raised in softirq while the CPU is idle, without counting them as lost: counts are a lower bound then (`lab run --trace` keeps the CPUs busy)");
        if ((a.What & TraceWhat.Ports) != 0)
            notes.Add("connect errors: the syscall tracepoint holds only a pointer to the sockaddr; the destination comes from the same thread's failed SYN_SENT→CLOSE state change (TCP only; other protocols show '?')");
        if ((a.What & TraceWhat.Churn) != 0)
            notes.Add("TIME_WAIT entered counts FIN_WAIT2/CLOSING→CLOSE, the path through tcp_time_wait(); it includes timewait buckets refused by tcp_max_tw_buckets (TCPTimeWaitOverflow)");
        io.Err.WriteLine($"{AttachedMarker} {probes.Count(p => p.Attached)} tracepoints on {session.Cpus.Count} CPUs ({how}); tracing for {a.Seconds:0.###} s, Ctrl-C stops");

        using var cts = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cts.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
        var blocked = (a.What & TraceWhat.Blocked) != 0 ? new BlockedSenderProbe(procRoot) : null;
        var clock = Stopwatch.StartNew();
        double end = a.Seconds;

        TraceReport Report(bool finished)
        {
            var info = new TraceRunInfo(started, clock.Elapsed.TotalSeconds, finished, a.What, a.By, "perf_event_open on tracepoints (PERF_TYPE_TRACEPOINT, one mmap ring per CPU, kernel-side filters)",
                probes, session.Samples, session.Lost, session.Malformed, blocked is null ? null : blockedMethod + (blocked.Problem is null ? "" : "; " + blocked.Problem),
                notes);
            return TraceReportBuilder.Build(agg, info, a.Top);
        }

        void Loop(Action? everySecond)
        {
            long nextSample = 0, nextSecond = 1000, lastSample = -1;
            while (!cts.IsCancellationRequested && clock.Elapsed.TotalSeconds < end)
            {
                session.Poll(decoder);
                long ms = clock.ElapsedMilliseconds;
                if (blocked is not null && ms >= nextSample)
                {
                    // Credit the time that really passed since the previous pass: a pass over every thread can take
                    // longer than the interval on a busy machine, and the nominal interval would then undercount.
                    double since = lastSample < 0 ? a.SampleIntervalMs : ms - lastSample;
                    lastSample = ms;
                    agg.OnBlockedSample(blocked.Sample(), since);
                    nextSample = ms + (long)a.SampleIntervalMs;
                }
                if (ms >= nextSecond)
                {
                    RefreshServicePorts();
                    everySecond?.Invoke();
                    nextSecond += 1000;
                }
                // 10 ms between drains: at 1 MiB per CPU a ring holds ~10,000 events, so ~1M events/s per CPU before loss.
                cts.Token.WaitHandle.WaitOne(10);
            }
            session.Poll(decoder);
        }

        var console = io.Console();
        try
        {
            if (!a.Json && io.OutputIsTerminal && console.Profile.Capabilities.Ansi && console.Profile.Capabilities.Interactive)
            {
                console.Live(TraceView.Render(Report(false))).AutoClear(true).Overflow(VerticalOverflow.Ellipsis).Cropping(VerticalOverflowCropping.Bottom)
                    .Start(ctx => Loop(() => ctx.UpdateTarget(TraceView.Render(Report(false)))));
            }
            else
            {
                Loop(null);
            }
        }
        finally
        {
            session.Dispose(); // detach before rendering: nothing stays attached while we print
        }
        var report = Report(true);
        if (a.Json) io.Out.WriteLine(TraceJson.Serialize(report));
        else console.Write(TraceView.Render(report));
        bool trouble = (report.ConnectErrors?.Any(r => r.Count > 0) ?? false) || (report.Memory?.Any(r => r.Refused > 0) ?? false)
                       || (report.Resets?.Any(r => r.Reason == "TCP_ABORT_ON_MEMORY") ?? false) || report.Totals.Lost > 0;
        return trouble ? (int)ExitCode.Warning : (int)ExitCode.Ok;
    }
}
