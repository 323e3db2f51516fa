using System.Diagnostics;
using SockDoc.Kernel.Procfs;
using SockDoc.Load.Worker;
using SockDoc.Model;

namespace SockDoc.Load.Scenarios;

public sealed record C1mOptions
{
    public long Connections { get; init; } = 1_000_000;
    public double HoldSeconds { get; init; } = 10;
    /// <summary>Upper bound of the whole run; workers get it too and stop by themselves.</summary>
    public double DurationSeconds { get; init; } = 600;
    public int Ports { get; init; } = 8;
    public ushort BasePort { get; init; } = 20000;
    public double HeartbeatSeconds { get; init; }
    public string Tag { get; init; } = "";
    /// <summary>At most this many connections per client worker (tests use small values to get several workers).</summary>
    public int PerWorkerCap { get; init; } = 16000;
}

/// <summary>
/// Runs C1M: server workers (SO_REUSEPORT on every port), then client workers (one 127.1.x.y source each),
/// all ready before the clock starts, then "go", progress, hold, measure, stop. Workers are processes because
/// a process may hold only RLIMIT_NOFILE fds.
/// </summary>
public sealed class C1mRunner(WorkerLauncher launcher, C1mOptions options)
{
    /// <summary>Runs from a host sample (HostLimits.Sample(): the doctor's collector); its slab and sockstat are the "before".</summary>
    public C1mResult Run(Snapshot host, Action<C1mProgress>? onProgress, CancellationToken ct)
    {
        var limits = HostLimits.From(host);
        var plan = C1mPlan.Make(options.Connections, limits.NofileHard ?? 1024, options.Ports, options.BasePort, heartbeat: options.HeartbeatSeconds, perWorkerCap: options.PerWorkerCap);
        var checks = C1mChecks.Check(plan, limits);
        var baseResult = new C1mResult
        {
            Planned = plan.Connections, ClientWorkers = plan.ClientWorkers, ServerWorkers = plan.ServerWorkers,
            ListenPorts = plan.Listen.Count, SourceAddresses = plan.Sources.Count, Checks = checks,
            KernelFloorPerConnection = 2 * C1mChecks.KernelBytesPerSocket(limits),
        };
        if (checks.Any(c => c.Status == CheckStatus.Fail)) return baseResult with { Refused = true, StoppedBy = "a limit check failed; nothing was started" };

        var deadline = Stopwatch.GetTimestamp() + (long)(options.DurationSeconds * Stopwatch.Frequency);
        double Left() => Math.Max(1, (deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
        var slabBefore = host.SlabInfo;
        var sockBefore = host.SockStat;
        var servers = new List<WorkerProcess>();
        var clients = new List<WorkerProcess>();
        string? stoppedBy = null;
        int me = Environment.ProcessId;
        try
        {
            var startClock = Stopwatch.StartNew();
            for (int i = 0; i < plan.ServerWorkers; i++)
            {
                servers.Add(WorkerProcess.Start(launcher, new WorkerArgs
                {
                    Role = "server", Endpoints = plan.Listen, DurationSeconds = Left() + 30, ParentPid = me, Tag = options.Tag,
                }));
            }
            if (!WaitReady(servers, ct, out var err)) return baseResult with { StoppedBy = "server worker: " + err };
            long remaining = plan.Connections;
            for (int i = 0; i < plan.ClientWorkers; i++)
            {
                int n = (int)Math.Min(plan.PerWorker, remaining);
                remaining -= n;
                clients.Add(WorkerProcess.Start(launcher, new WorkerArgs
                {
                    Role = "client", Endpoints = plan.Listen, Sources = [plan.Sources[i]], Connections = n,
                    Concurrency = plan.ConcurrencyPerWorker, HeartbeatSeconds = plan.HeartbeatSeconds,
                    DurationSeconds = Left() + 10, ParentPid = me, Tag = options.Tag,
                }));
            }
            if (!WaitReady(clients, ct, out err)) return baseResult with { StoppedBy = "client worker: " + err };
            double startup = startClock.Elapsed.TotalSeconds;
            foreach (var w in servers.Concat(clients)) w.RssAtReady = HostLimits.Memory(w.Pid)?.RssBytes ?? 0;

            // The clock starts when every worker is ready, the same for the C reference in bench/c1m.sh.
            var clock = Stopwatch.StartNew();
            long goAt = Stopwatch.GetTimestamp();
            foreach (var c in clients) c.Send("go");
            double? establish = null;
            long lastEst = 0;
            double lastT = 0, rate = 0;
            while (true)
            {
                if (ct.WaitHandle.WaitOne(250)) { stoppedBy = "interrupted"; break; }
                var agg = Aggregate(clients);
                var srv = Aggregate(servers);
                double t = clock.Elapsed.TotalSeconds;
                if (t - lastT >= 1 || lastT == 0)
                {
                    rate = (agg.Established - lastEst) / Math.Max(1e-3, t - lastT);
                    lastEst = agg.Established;
                    lastT = t;
                }
                onProgress?.Invoke(new C1mProgress("connecting", agg.Open, plan.Connections, srv.Open, agg.Failed, rate, Errors(agg, srv), t));
                if (clients.All(c => c.EstablishedAt != 0))
                {
                    // Timed when each worker's line arrived, not at this 250 ms poll.
                    establish = (clients.Max(c => c.EstablishedAt) - goAt) / (double)Stopwatch.Frequency;
                    break;
                }
                if (clients.Any(c => c.HasExited)) { stoppedBy = "a client worker exited: " + clients.First(c => c.HasExited).Error; break; }
                if (servers.Any(c => c.HasExited)) { stoppedBy = "a server worker exited: " + servers.First(c => c.HasExited).Error; break; }
                if (Stopwatch.GetTimestamp() >= deadline) { stoppedBy = "--duration ended before every connection was made"; break; }
            }

            // Hold: the connections stay idle; at the end of the hold we measure.
            var holdClock = Stopwatch.StartNew();
            while (stoppedBy is null && holdClock.Elapsed.TotalSeconds < options.HoldSeconds && Stopwatch.GetTimestamp() < deadline)
            {
                if (ct.WaitHandle.WaitOne(500)) { stoppedBy = "interrupted"; break; }
                var agg = Aggregate(clients);
                var srv = Aggregate(servers);
                onProgress?.Invoke(new C1mProgress("holding", agg.Open, plan.Connections, srv.Open, agg.Failed, 0, Errors(agg, srv), clock.Elapsed.TotalSeconds));
            }
            // Progress lines are up to 250 ms old and servers accept a little behind the clients' handshakes:
            // give the server side up to 5 s to report every connection the clients hold before measuring.
            var settle = Stopwatch.StartNew();
            while (stoppedBy is null && settle.Elapsed.TotalSeconds < 5 && Aggregate(servers).Open < Aggregate(clients).Open)
            {
                if (ct.WaitHandle.WaitOne(100)) { stoppedBy = "interrupted"; break; }
            }
            var after = HostLimits.Sample();
            var slabAfter = after.SlabInfo;
            var sockAfter = after.SockStat;
            long rssC = 0, rssS = 0, dC = 0, dS = 0, pssC = 0, pssS = 0;
            foreach (var w in clients)
            {
                var m = HostLimits.Memory(w.Pid) ?? default;
                rssC += m.RssBytes; pssC += m.PssBytes; dC += m.RssBytes - w.RssAtReady;
            }
            foreach (var w in servers)
            {
                var m = HostLimits.Memory(w.Pid) ?? default;
                rssS += m.RssBytes; pssS += m.PssBytes; dS += m.RssBytes - w.RssAtReady;
            }
            var heldAgg = Aggregate(clients);
            var heldSrv = Aggregate(servers);

            // Stop: clients abort (RST, no TIME_WAIT), servers then see resets and close.
            foreach (var c in clients) c.Send("stop");
            foreach (var c in clients) c.WaitDone(TimeSpan.FromSeconds(30));
            foreach (var s in servers) s.Send("stop");
            foreach (var s in servers) s.WaitDone(TimeSpan.FromSeconds(30));
            var final = new LoadStats();
            foreach (var c in clients) final.Merge(c.Final ?? c.Latest);
            var finalSrv = new LoadStats();
            foreach (var s in servers) finalSrv.Merge(s.Final ?? s.Latest);

            var slab = new List<SlabDelta>();
            long? slabBytes = null;
            if (slabBefore is not null && slabAfter is not null)
            {
                slabBytes = 0;
                foreach (var name in SlabInfo.SocketCaches)
                {
                    if (slabAfter.Find(name) is not { } a) continue;
                    var b = slabBefore.Find(name) ?? a with { ActiveObjects = 0 };
                    var d = new SlabDelta(name, a.ObjectSize, a.ActiveObjects - b.ActiveObjects, a.ActiveBytes - b.ActiveBytes);
                    slab.Add(d);
                    slabBytes += d.Bytes;
                }
            }
            long? bufBytes = sockBefore?.TcpMemPages is { } sb && sockAfter?.TcpMemPages is { } sa ? (sa - sb) * limits.PageSize : null;
            return baseResult with
            {
                Held = heldAgg.Open,
                ServerOpen = heldSrv.Open,
                Established = final.Established,
                Failed = final.Failed + finalSrv.Failed,
                Errors = Errors(final, finalSrv),
                EstablishSeconds = establish,
                ConnectsPerSecond = establish is { } e && e > 0 ? final.Established / e : null,
                StartupSeconds = startup,
                ConnectP50Micros = final.ConnectLatency.Percentile(50),
                ConnectP99Micros = final.ConnectLatency.Percentile(99),
                ConnectMaxMicros = final.ConnectLatency.Count > 0 ? final.ConnectLatency.MaxMicros : null,
                Slab = slab,
                KernelSlabBytes = slabBytes,
                KernelBufferBytes = bufBytes,
                UserRssClientBytes = rssC,
                UserRssServerBytes = rssS,
                UserRssClientDeltaBytes = dC,
                UserRssServerDeltaBytes = dS,
                UserPssClientBytes = pssC,
                UserPssServerBytes = pssS,
                StoppedBy = stoppedBy,
            };
        }
        finally
        {
            foreach (var w in clients) w.Dispose();
            foreach (var w in servers) w.Dispose();
        }
    }

    private static bool WaitReady(List<WorkerProcess> workers, CancellationToken ct, out string? error)
    {
        error = null;
        var sw = Stopwatch.StartNew();
        foreach (var w in workers)
        {
            while (!w.WaitReady(TimeSpan.FromMilliseconds(200)))
            {
                if (ct.IsCancellationRequested) { error = "interrupted"; return false; }
                if (sw.Elapsed.TotalSeconds > 120) { error = "not ready after 120 s"; return false; }
            }
            if (w.Error is { } e) { error = e; return false; }
        }
        return true;
    }

    private static LoadStats Aggregate(List<WorkerProcess> workers)
    {
        var s = new LoadStats();
        foreach (var w in workers)
        {
            var l = w.Latest;
            s.Attempted += l.Attempted; s.Established += l.Established; s.Failed += l.Failed; s.Open += l.Open;
            for (int i = 0; i < s.Errors.Length; i++) s.Errors[i] += l.Errors[i];
        }
        return s;
    }

    private static Dictionary<string, long> Errors(LoadStats client, LoadStats server)
    {
        var d = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var kv in client.ErrorsByName()) d["client " + kv.Key] = kv.Value;
        foreach (var kv in server.ErrorsByName()) d["server " + kv.Key] = kv.Value;
        return d;
    }
}
