using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using SockDoc.Kernel;
using SockDoc.Kernel.KernelLog;
using SockDoc.Kernel.Procfs;
using SockDoc.Kernel.Sysctl;
using SockDoc.Model;

namespace SockDoc.Load.Lab;

/// <summary>
/// Runs one scenario: journal first (leftovers of killed runs are replayed), the global lock when a global setting
/// changes, the namespace, the proposed --with settings, the load, the kernel's evidence (log lines as they come,
/// counter deltas, sockstat), the doctor, then everything back: on the normal path, on an exception, and on
/// SIGINT/SIGTERM. A SIGKILL leaves the journal for the next start or `lab restore`.
/// </summary>
public static class LabRunner
{
    public static LabResult Run(LabScenario scenario, LabOptions options, Action<LabEvidence> onEvidence)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        var sw = Stopwatch.StartNew();
        var with = options.With.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        bool fixMode = with.Count > 0;
        var withText = options.With.Select(kv => $"{kv.Key}={kv.Value}").ToList();
        LabResult Fail(string error, IReadOnlyList<LabEvidence>? evidence = null, bool reproduced = false) => new()
        {
            Name = scenario.Name, Symptom = scenario.Symptom, Expected = scenario.Expected, FixMode = fixMode, With = withText,
            Error = error, Pass = false, Seconds = sw.Elapsed.TotalSeconds, Evidence = evidence ?? [], Reproduced = reproduced,
        };

        var restored = LabRestore.Run(options.JournalDirectory);
        var restoredText = restored.Settings.Concat(restored.Namespaces.Select(n => "namespace " + n + " deleted"))
            .Concat(restored.Cgroups.Select(c => "cgroup " + c + " removed")).ToList();

        bool needsGlobal = scenario.ChangesGlobals || with.Keys.Any(SysctlScope.IsGlobal) || (!scenario.UsesNetns && with.Count > 0);
        GlobalLock? globalLock = null;
        RestoreJournal? journal = null;
        NetNamespace? ns = null;
        IDisposable? load = null;
        LabTrace? trace = null;
        BusyCpus? busy = null;
        TraceAttribution? attribution = null;
        using var cancel = new CancellationTokenSource(options.Timeout);
        using var followStop = new CancellationTokenSource();
        Task? follower = null;
        var gate = new object();
        bool cleaned = false;

        void Cleanup()
        {
            lock (gate)
            {
                if (cleaned) return;
                cleaned = true;
                try { load?.Dispose(); } catch (LoadException) { } catch (IOException) { } catch (InvalidOperationException) { }
                trace?.Dispose();
                busy?.Dispose();
                journal?.Dispose();
                ns?.Dispose();
                globalLock?.Dispose();
            }
        }

        // Ctrl-C / SIGTERM: put everything back, then leave with 128+signal like a shell would report it.
        var registrations = new List<PosixSignalRegistration>();
        foreach (var sig in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            registrations.Add(PosixSignalRegistration.Create(sig, c =>
            {
                c.Cancel = true;
                Cleanup();
                Environment.Exit(sig == PosixSignal.SIGINT ? 130 : 143);
            }));
        }
        try
        {
            try
            {
                if (needsGlobal) globalLock = GlobalLock.Acquire(TimeSpan.FromSeconds(60));
                journal = RestoreJournal.Open(options.JournalDirectory, "lab");
                if (scenario.UsesNetns) ns = LabNetns.Create(scenario.Name);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LoadException or InvalidOperationException)
            {
                Cleanup();
                return Fail("could not prepare: " + e.Message);
            }

            var ctx = new LabContext(ns, journal, with, onEvidence, cancel.Token);
            if (ns is not null) ctx.Note("note", $"network namespace {ns.Name}");
            try
            {
                ctx.ApplyProposed();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LoadException or InvalidOperationException)
            {
                Cleanup();
                return Fail($"could not apply the proposed setting: {e.Message}", ctx.Evidence);
            }

            // Kernel log lines of this scenario, printed as the kernel writes them.
            var followReady = new ManualResetEventSlim();
            if (ScenarioFollowsLog(scenario))
            {
                follower = Task.Run(() =>
                {
                    var r = KernelLogReader.Follow(KernelLogReader.KmsgPath, options.Time, ProcRoot.Live, line =>
                    {
                        if (scenario.LogMatches(line, ctx)) ctx.Reproduce("log", line.Message);
                    }, skipExisting: true, followStop.Token, ready: followReady.Set);
                    followReady.Set(); // also when /dev/kmsg could not be opened: the load must not wait for it
                    return r;
                });
                // The follower stands at the end of the buffer (SEEK_END) before the load starts.
                followReady.Wait(TimeSpan.FromSeconds(5));
            }

            // lab run --trace: `sockdoc trace` attached before the load, so it sees every event the generator causes.
            if (options.Trace && scenario.TraceWhat is { } what)
            {
                try
                {
                    trace = LabTrace.Start(options.SelfCommand, what, TimeSpan.FromSeconds(120));
                    ctx.Note("note", $"sockdoc trace --what {what} attached");
                    // perf loses tracepoint samples raised in softirq on an idle CPU (see BusyCpus): keep them busy meanwhile.
                    busy = BusyCpus.Start(TimeSpan.FromSeconds(120));
                    if (busy.Problem is not null) ctx.Note("note", busy.Problem);
                }
                catch (LoadException e)
                {
                    followStop.Cancel();
                    Cleanup();
                    return Fail(e.Message, ctx.Evidence);
                }
            }

            var before = Counters(ctx);
            try
            {
                load = scenario.Start(ctx);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LoadException or InvalidOperationException
                                      or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                followStop.Cancel();
                Cleanup();
                return Fail($"the load failed: {e.Message}", ctx.Evidence, ctx.Reproduced);
            }
            if (trace is not null)
            {
                try
                {
                    var report = trace.Stop();
                    busy?.Dispose();
                    attribution = scenario.CheckTrace(report, ctx);
                    if (!attribution.Matched) attribution = attribution with { Text = attribution.Text + "; " + LabTrace.Describe(report) };
                }
                catch (Exception e) when (e is LoadException or KeyNotFoundException or InvalidOperationException or FormatException)
                {
                    // A report without the table or field the check reads (an older trace, a probe not attached) is a mismatch, not a crash.
                    attribution = new TraceAttribution(false, e.Message);
                }
                ctx.Note("trace", (attribution.Matched ? "matches: " : "does not match: ") + attribution.Text);
            }
            var after = Counters(ctx);
            foreach (var c in scenario.Counters.Concat(scenario.ReproducingCounters).Distinct())
            {
                var (group, name) = Split(c);
                long? b = before?.Get(group, name), a = after?.Get(group, name);
                if (a is null) continue;
                long delta = a.Value - (b ?? 0);
                var text = $"{group} {name} {a.Value.ToString(CultureInfo.InvariantCulture)} (+{delta.ToString(CultureInfo.InvariantCulture)})";
                if (delta > 0 && scenario.ReproducingCounters.Contains(c)) ctx.Reproduce("counter", text);
                else ctx.Note("counter", text);
            }
            try
            {
                ctx.Note("sockstat", ctx.SockStatTcp() + (ns is null ? "" : $" (in {ns.Name}; orphan and mem are machine-wide)"));
            }
            catch (Exception e) when (e is IOException or LoadException)
            {
            }

            var doctor = LabDoctor.Run(scenario, options.SelfCommand, ns?.Name, TimeSpan.FromSeconds(60));
            Thread.Sleep(follower is null ? 0 : 200);
            followStop.Cancel();
            try { follower?.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
            Cleanup();

            var found = doctor.Findings.Where(f => scenario.Expected.Contains(f.Id)).ToList();
            bool pass;
            if (doctor.Error is not null) pass = false;
            else if (fixMode)
                // A finding that only says "it happened since boot" or "recently" (the kernel's lines of an earlier run within
                // the --recent window) is history; the fix is judged on now: gauges and counters, and ctx.Reproduced.
                pass = !found.Any(f => f.When is not ("since_boot" or "recent") && f.Severity is "warning" or "critical") && !ctx.Reproduced;
            else
                pass = ctx.Reproduced && scenario.Expected.All(id => found.Any(f => f.Id == id && f.Severity is "warning" or "critical"));
            if (attribution is { Matched: false }) pass = false;
            return new LabResult
            {
                Name = scenario.Name, Symptom = scenario.Symptom, Expected = scenario.Expected, Found = found, Evidence = ctx.Evidence,
                Reproduced = ctx.Reproduced, FixMode = fixMode, With = withText, Pass = pass, Seconds = sw.Elapsed.TotalSeconds,
                Netns = ns?.Name, Error = doctor.Error, Restored = restoredText, Trace = attribution,
            };
        }
        finally
        {
            followStop.Cancel();
            Cleanup();
            foreach (var r in registrations) r.Dispose();
        }
    }

    private static bool ScenarioFollowsLog(LabScenario s) => s.DoctorReadsLog && File.Exists(KernelLogReader.KmsgPath);

    /// <summary>/proc/net/netstat + /proc/net/snmp of the scenario's namespace.</summary>
    private static NetStatCounters? Counters(LabContext ctx)
    {
        try
        {
            return NetStatCounters.Merge(
                NetStatReader.Parse(Encoding.ASCII.GetBytes(ctx.ReadNet("netstat"))),
                NetStatReader.Parse(Encoding.ASCII.GetBytes(ctx.ReadNet("snmp"))));
        }
        catch (Exception e) when (e is IOException or LoadException)
        {
            return null;
        }
    }

    private static (string Group, string Name) Split(string c)
    {
        int dot = c.IndexOf('.', StringComparison.Ordinal);
        return (c[..dot], c[(dot + 1)..]);
    }
}
