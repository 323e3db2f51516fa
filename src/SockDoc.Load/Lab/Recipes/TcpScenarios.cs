using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SockDoc.Kernel.KernelLog;

namespace SockDoc.Load.Lab.Recipes;

/// <summary>
/// Orphans over tcp_max_orphans, as the kernel checks it in __tcp_close(): 40 loopback clients fill their send buffers
/// towards a receiver that never reads; 39 close and stay orphans in FIN_WAIT1 (kernel-facts §1.1). tcp_max_orphans
/// (global, journaled, under the lock) is then lowered to 20, below the count, and after the orphan count cache has
/// been refreshed (tcp_orphan_update(), every 100 ms) the last client closes: tcp_check_oom(sk, 0) finds
/// tcp_orphan_cache &lt;&lt; 0 &gt; tcp_max_orphans, prints "TCP: too many orphaned sockets", resets the socket and counts
/// TCPAbortOnMemory. The limit goes back at once: the window in which other sockets of the machine could be reset is
/// well under a second.
/// </summary>
public sealed class OrphansScenario : LabScenario
{
    public const int Orphans = 40;
    public const int LoweredMax = Orphans / 2;
    public override string Name => "orphans";
    public override string Symptom => "TCP: too many orphaned sockets (the kernel kills orphans and counts TCPAbortOnMemory)";
    public override IReadOnlyList<string> Expected => ["orphans"];
    public override string How => $"{Orphans - 1} FIN_WAIT1 orphans on loopback, tcp_max_orphans lowered to {LoweredMax} (global, journaled, under a second), then one more close";
    public override bool ChangesGlobals => true;
    public override bool DoctorReadsLog => true;
    // Machine-wide in the host namespace, but any orphan killed for memory while the lowered limit is in force is the failure
    // this reproduces (tcp_mem's scenario counts it the same way); the log line, which net_ratelimit() may suppress when runs
    // follow each other within seconds, is not needed too.
    public override IReadOnlyList<string> ReproducingCounters => ["TcpExt.TCPAbortOnMemory"];
    public override string? FixExample => "net.ipv4.tcp_max_orphans=262144";

    /// <summary>The peers of the clients that were reset (the listener's address): a trace of resets names them.</summary>
    public IPEndPoint? Peer { get; private set; }

    public override bool LogMatches(KernelLogLine line, LabContext ctx) => line.Kind == LogLineKind.TooManyOrphans;

    public override string? TraceWhat => "resets";

    /// <summary>The resets tcp_check_oom() sent for memory all went to this run's peer (the listener), from this process.</summary>
    public override TraceAttribution CheckTrace(JsonElement report, LabContext ctx)
    {
        var peer = Peer?.ToString() ?? "?";
        var forMemory = LabTrace.Rows(report, "resets").Where(r => LabTrace.Text(r, "reason") == "TCP_ABORT_ON_MEMORY").ToList();
        long toPeer = forMemory.Where(r => LabTrace.Text(r, "peer") == peer).Sum(r => (LabTrace.Long(r, "count") ?? 0));
        var peers = forMemory.Select(r => LabTrace.Text(r, "peer")).Distinct().ToList();
        bool ok = toPeer >= 1 && forMemory.Where(r => LabTrace.Text(r, "peer") == peer).All(r => LabTrace.Text(r, "direction") == "sent");
        long other = LabTrace.Rows(report, "resets").Where(r => LabTrace.Text(r, "reason") == "(other)").Sum(r => LabTrace.Long(r, "count") ?? 0);
        var all = LabTrace.Rows(report, "resets").GroupBy(r => $"{LabTrace.Text(r, "direction")} {LabTrace.Text(r, "reason")}")
            .Select(g => $"{g.Key} {g.Sum(r => LabTrace.Long(r, "count") ?? 0)}").ToList();
        return new(ok, $"trace: {toPeer} resets for memory (TCP_ABORT_ON_MEMORY) sent to {peer}, this run's peer; reset peers seen: {string.Join(", ", peers)}" +
                       (ok ? "" : $"; all resets seen: {(all.Count == 0 ? "none" : string.Join(", ", all))}") +
                       (other > 0 ? $"; {other} resets past the table's rows, in (other)" : "") +
                       (report.TryGetProperty("totals", out var t) && LabTrace.Long(t, "lost") is > 0 and var lost ? $"; {lost} events lost by the ring" : ""));
    }

    public override IDisposable Start(LabContext ctx)
    {
        var held = new Holder();
        try
        {
            var listener = LabSockets.Listener(0, Orphans * 2, receiveBuffer: 4096);
            held.Add(listener);
            var ep = (IPEndPoint)listener.LocalEndPoint!;
            Peer = ep;
            var clients = new List<Socket>();
            for (int i = 0; i < Orphans && !ctx.Cancel.IsCancellationRequested; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 65536 };
                held.Add(client);
                client.Connect(ep);
                held.Add(listener.Accept()); // never reads: the window closes
                LabSockets.Fill(client, 16 * 1024 * 1024);
                clients.Add(client);
            }
            foreach (var c in clients.Take(clients.Count - 1)) c.Close(); // unsent data: FIN_WAIT1 orphans
            var tcp = ctx.SockStatTcp();
            long orphans = LabContext.Field(tcp, "orphan");
            ctx.Note("sockstat", $"{tcp} (orphan is machine-wide)");
            // tcp_too_many_orphans() compares tcp_orphan_cache, which tcp_orphan_timer refreshes every 100 ms; that timer is
            // TIMER_DEFERRABLE (tcp_init()), so on an idle NOHZ CPU it waits for the next wakeup and the cache can stay at its
            // old value past the wait below (CI saw 41 orphans over a limit of 20 and no reset, TCPAbortOnMemory +0). Keeping
            // the CPUs out of idle keeps their tick, and the timer, running.
            using var busy = BusyCpus.Start(TimeSpan.FromSeconds(10));
            if (busy.Problem is not null) ctx.Note("note", busy.Problem);
            var max = long.Parse(ctx.Set("net.ipv4.tcp_max_orphans", LoweredMax.ToString(CultureInfo.InvariantCulture)).Trim(), CultureInfo.InvariantCulture);
            Thread.Sleep(350);
            if (orphans > max) ctx.Note("note", $"orphans {orphans} > tcp_max_orphans {max}: the next close() is reset by tcp_check_oom(sk, 0)");
            clients[^1].Close();
            Thread.Sleep(200); // the line reaches the follower
            ctx.RestoreNow();
            return held;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }
}

/// <summary>TIME_WAIT bucket overflow: tcp_max_tw_buckets = 8 in a namespace, 60 short connections, client closes first.</summary>
public sealed class TwBucketsScenario : LabScenario
{
    public override string Name => "tw_buckets";
    public override string Symptom => "TCP: time wait bucket table overflow (old kernels); today only TcpExt TCPTimeWaitOverflow rises";
    public override IReadOnlyList<string> Expected => ["tw_buckets"];
    public override string How => "namespace, tcp_max_tw_buckets=8, 60 short loopback connections closed by the client";
    public override bool UsesNetns => true;
    public override IReadOnlyList<string> ReproducingCounters => ["TcpExt.TCPTimeWaitOverflow"];
    public override IReadOnlyList<string> Counters => ["TcpExt.TW"];
    public override string? FixExample => "net.ipv4.tcp_max_tw_buckets=262144";

    /// <summary>The generator's connection rate, (made - 1) over the time from its first to its last connect().</summary>
    public double Rate { get; private set; }
    public int Made { get; private set; }

    public override string? TraceWhat => "churn";

    public override IDisposable Start(LabContext ctx)
    {
        ctx.Set("net.ipv4.tcp_max_tw_buckets", "8");
        // 150 connections about 8 ms apart (a bit over a second), so a few milliseconds of scheduling noise stay
        // well inside the 5 % a trace's rate is held to.
        var (made, rate) = ctx.Inside(() => LabSockets.PacedShortConnections(150, TimeSpan.FromMilliseconds(7), ctx.Cancel));
        (Made, Rate) = (made, rate);
        ctx.Note("note", $"{made} short connections made at {rate:F1}/s, the client closed first");
        return new Holder();
    }

    /// <summary>The trace's rate of opened connections from this process to the generator's listener, within 5 % of the generator's.</summary>
    public override TraceAttribution CheckTrace(JsonElement report, LabContext ctx)
    {
        int pid = Environment.ProcessId;
        var rows = LabTrace.Rows(report, "churn")
            .Where(r => r.TryGetProperty("pid", out var p) && p.ValueKind == JsonValueKind.Number && p.GetInt32() == pid
                        && r.TryGetProperty("opened", out var o) && o.GetInt64() == Made && r.TryGetProperty("opened_per_active_second", out var s) && s.ValueKind == JsonValueKind.Number)
            .ToList();
        if (rows.Count != 1)
            return new(false, $"trace: no single churn row of pid {pid} with {Made} opened (rows of this pid: " +
                              string.Join("; ", LabTrace.Rows(report, "churn").Where(r => r.TryGetProperty("pid", out var p) && p.ValueKind == JsonValueKind.Number && p.GetInt32() == pid).Select(r => r.ToString())) + ")");
        double rate = rows[0].GetProperty("opened_per_active_second").GetDouble();
        double off = Rate > 0 ? Math.Abs(rate - Rate) / Rate : double.PositiveInfinity;
        return new(off <= 0.05, $"trace: {rows[0].GetProperty("destination").GetString()} opened {Made} at {rate:F1}/s; the generator made {Made} at {Rate:F1}/s ({off:P1} apart)");
    }
}

/// <summary>Ephemeral ports exhausted: ip_local_port_range 40000 40009 in a namespace, tcp_tw_reuse 0, the 11th connect fails.</summary>
public sealed class PortExhaustionScenario : LabScenario
{
    public override string Name => "port_exhaustion";
    public override string Symptom => "connect(): EADDRNOTAVAIL (Cannot assign requested address)";
    public override IReadOnlyList<string> Expected => ["port_exhaustion"];
    public override string How => "namespace, ip_local_port_range 40000 40009, tcp_tw_reuse 0, 12 connects to one server whose ports stay in TIME_WAIT";
    public override bool UsesNetns => true;
    public override string? FixExample => "net.ipv4.ip_local_port_range=10000 60999";

    public const int Port = 8080;
    public const int Attempts = 12;

    /// <summary>How many connect() got EADDRNOTAVAIL in this run (a trace must count as many for this process and destination).</summary>
    public int AddressNotAvailable { get; private set; }

    public override string? TraceWhat => "ports";

    public override IDisposable Start(LabContext ctx)
    {
        ctx.Set("net.ipv4.ip_local_port_range", "40000 40009");
        ctx.Set("net.ipv4.tcp_tw_reuse", "0");
        var (ok, notAvailable, other) = ctx.Inside(() => LabSockets.ConnectCounting(Port, Attempts));
        AddressNotAvailable = notAvailable;
        if (notAvailable > 0)
            ctx.Reproduce("errno", $"{notAvailable} of {Attempts} connect() to 127.0.0.1:{Port}: EADDRNOTAVAIL (Cannot assign requested address) after {ok} connections");
        else
            ctx.Note("note", $"{ok} connections made" + (other is { } e ? $", then {e}" : ", no error"));
        return new Holder();
    }

    public override TraceAttribution CheckTrace(JsonElement report, LabContext ctx)
    {
        int pid = Environment.ProcessId;
        var dest = $"127.0.0.1:{Port}";
        var mine = LabTrace.Rows(report, "connect_errors")
            .Where(r => (LabTrace.Long(r, "pid") ?? -1) == pid && LabTrace.Text(r, "error") == "EADDRNOTAVAIL").ToList();
        long toDest = mine.Where(r => LabTrace.Text(r, "destination") == dest).Sum(r => (LabTrace.Long(r, "count") ?? 0));
        long elsewhere = mine.Where(r => LabTrace.Text(r, "destination") != dest).Sum(r => (LabTrace.Long(r, "count") ?? 0));
        bool ok = AddressNotAvailable > 0 && toDest == AddressNotAvailable && elsewhere == 0;
        return new(ok, $"trace: {toDest} EADDRNOTAVAIL for pid {pid} to {dest}" + (elsewhere > 0 ? $" (+{elsewhere} elsewhere)" : "") +
                       $"; the generator saw {AddressNotAvailable}");
    }
}

/// <summary>
/// Accept queue overflow: the application asks listen(4096) but somaxconn is 1 in the namespace, so the queue
/// holds backlog+1 = 2 (kernel-facts §6); 6 connects, nobody accepts.
/// </summary>
public sealed class ListenOverflowScenario : LabScenario
{
    public const int Port = 9000;
    public override string Name => "listen_overflow";
    public override string Symptom => "clients time out on connect; TcpExt ListenOverflows / ListenDrops rise (no log line)";
    public override IReadOnlyList<string> Expected => ["listen_overflow"];
    public override string How => "namespace, somaxconn=1 caps listen(4096), 6 connects to 127.0.0.1:9000, nobody accepts";
    public override bool UsesNetns => true;
    public override bool DoctorNeedsCensus => true;
    public override IReadOnlyList<string> ReproducingCounters => ["TcpExt.ListenOverflows"];
    public override IReadOnlyList<string> Counters => ["TcpExt.ListenDrops"];
    public override string? FixExample => "net.core.somaxconn=4096";

    public override IDisposable Start(LabContext ctx)
    {
        ctx.Set("net.core.somaxconn", "1");
        var held = new Holder();
        ctx.Inside(() =>
        {
            held.Add(LabSockets.Listener(Port, 4096));
            for (int i = 0; i < 6; i++)
            {
                var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                held.Add(c);
                LabSockets.Connect(c, new IPEndPoint(IPAddress.Loopback, Port));
            }
            return 0;
        });
        Thread.Sleep(1500); // SYN-ACK retransmits meet the full queue: ListenOverflows rises
        return held;
    }
}

/// <summary>
/// SYN queue overflow: an nft rule in the namespace drops the client's final ACK, so requests stay in SYN_RECV;
/// somaxconn=1 caps the SYN queue of listen(4096) (min(backlog, somaxconn)); 20 connects.
/// </summary>
public sealed class SynFloodScenario : LabScenario
{
    public override string Name => "syn_flood";
    public override string Symptom => "TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:PORT. Sending cookies.";
    public override IReadOnlyList<string> Expected => ["syn_flood"];
    public override string How => "namespace, nft drops the final ACK, somaxconn=1 caps listen(4096), 20 connects";
    public override bool UsesNetns => true;
    public override bool DoctorReadsLog => true;
    public override IReadOnlyList<string> ReproducingCounters => ["TcpExt.TCPReqQFullDoCookies", "TcpExt.TCPReqQFullDrop"];
    public override IReadOnlyList<string> Counters => ["TcpExt.SyncookiesSent"];
    public override string? FixExample => "net.core.somaxconn=4096";

    // A port of our own so a line of another run or test is not taken for ours.
    private readonly int _port = 42000 + Environment.ProcessId % 1000;

    public override bool LogMatches(KernelLogLine line, LabContext ctx) => line.Kind == LogLineKind.SynFlood && line.Port == _port;

    public override IDisposable Start(LabContext ctx)
    {
        var ns = ctx.Netns!.Name;
        LabShell.Sh($"ip netns exec {ns} nft add table inet sdklab && " +
                    $"ip netns exec {ns} nft add chain inet sdklab o '{{ type filter hook output priority 0; }}' && " +
                    $"ip netns exec {ns} nft add rule inet sdklab o tcp dport {_port} 'tcp flags & (syn|ack) == ack' drop");
        ctx.Note("note", $"nft in {ns}: drop the client's final ACK to port {_port}");
        ctx.Set("net.core.somaxconn", "1");
        var held = new Holder();
        ctx.Inside(() =>
        {
            var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            held.Add(l);
            l.Bind(new IPEndPoint(IPAddress.Any, _port));
            l.Listen(4096);
            for (int i = 0; i < 20; i++)
            {
                // Linger 0: close() sends a reset, so no client lingers as a FIN_WAIT1 orphan after the run.
                var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { LingerState = new LingerOption(true, 0) };
                held.Add(c);
                LabSockets.Connect(c, new IPEndPoint(IPAddress.Loopback, _port));
            }
            return 0;
        });
        // Released first: without the rule the clients' FINs reach the closed port and get a reset, so no
        // FIN_WAIT1 orphan (the rule matches FIN|ACK too) outlives the run.
        held.Add(() => LabShell.Run("ip", ["netns", "exec", ns, "nft", "delete", "table", "inet", "sdklab"], TimeSpan.FromSeconds(10)));
        Thread.Sleep(500);
        return held;
    }
}

/// <summary>
/// A sender blocked on a receiver that stopped reading: one blocking 64 MiB send on loopback fills the peer's
/// receive buffer and our send buffer, then sleeps in sk_stream_wait_memory() (kernel-facts §11). Host
/// namespace: the doctor's census reads this thread's kernel stack.
/// </summary>
public sealed class SendBufferFullScenario : LabScenario
{
    public override string Name => "send_buffer_full";
    public override string Symptom => "the writer hangs in send() (wchan wait_woken, stack sk_stream_wait_memory); the peer's Recv-Q is full";
    public override IReadOnlyList<string> Expected => ["send_buffer_full"];
    public override string How => "a blocking 64 MiB send on loopback to a receiver that never reads";
    public override bool DoctorNeedsCensus => true;

    public override IDisposable Start(LabContext ctx)
    {
        var held = new Holder();
        var listener = LabSockets.Listener(0, 1);
        held.Add(listener);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect((IPEndPoint)listener.LocalEndPoint!);
        var receiver = listener.Accept(); // never reads
        var sender = new Thread(() =>
        {
            try { client.Send(new byte[64 * 1024 * 1024]); }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        }) { IsBackground = true, Name = "lab sender" };
        sender.Start();
        held.Add(() => sender.Join(TimeSpan.FromSeconds(5)));
        held.Add(client);
        held.Add(receiver);
        held.Add(() => { try { client.Shutdown(SocketShutdown.Both); } catch (SocketException) { } });
        // Wait (≤ 5 s) until the kernel shows the thread asleep in sk_stream_wait_memory().
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline && !ctx.Cancel.IsCancellationRequested)
        {
            Thread.Sleep(200);
            if (BlockedThread() is { } blocked)
            {
                ctx.Reproduce("stack", blocked);
                break;
            }
        }
        ctx.Note("note", $"receiver Recv-Q {receiver.Available} bytes, sender buffer {client.SendBufferSize} bytes");
        return held;
    }

    /// <summary>The thread of this process asleep in sk_stream_wait_memory(), read from /proc/self/task/TID/stack (root).</summary>
    private static string? BlockedThread()
    {
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string stack;
            try { stack = File.ReadAllText(Path.Combine(task, "stack")); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { return null; }
            if (!stack.Contains("sk_stream_wait_memory", StringComparison.Ordinal)) continue;
            // "[<0>] wait_woken+0x50/0x60" → "wait_woken"
            var frames = stack.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(4).Select(f => f.Split(' ').Last().Split('+')[0]);
            return $"thread {Path.GetFileName(task)}: {string.Join(" <- ", frames)}";
        }
        return null;
    }
}
