using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SockDoc.Kernel.KernelLog;

namespace SockDoc.Load.Lab.Recipes;

/// <summary>
/// Orphans over tcp_max_orphans/4: 40 loopback clients fill their send buffers towards a receiver that never
/// reads, then close: each stays an orphan in FIN_WAIT1 (kernel-facts §1.1). tcp_max_orphans (global) is then
/// lowered to 100, so 40 &gt; max/4 = 25, the limit tcp_out_of_resources() applies to an orphan whose peer
/// sent an error and that has been idle (shift 2, kernel-facts §1.4).
/// </summary>
public sealed class OrphansScenario : LabScenario
{
    public const int Orphans = 40;
    public override string Name => "orphans";
    public override string Symptom => "TCP: too many orphaned sockets (the kernel kills orphans and counts TCPAbortOnMemory)";
    public override IReadOnlyList<string> Expected => ["orphans"];
    public override string How => $"{Orphans} FIN_WAIT1 orphans on loopback, tcp_max_orphans lowered to 100 (global, journaled)";
    public override bool ChangesGlobals => true;
    public override IReadOnlyList<string> Counters => ["TcpExt.TCPAbortOnMemory"];
    public override string? FixExample => "net.ipv4.tcp_max_orphans=262144";

    public override bool LogMatches(KernelLogLine line, LabContext ctx) => line.Kind == LogLineKind.TooManyOrphans;

    public override IDisposable Start(LabContext ctx)
    {
        var held = new Holder();
        try
        {
            var listener = LabSockets.Listener(0, Orphans * 2, receiveBuffer: 4096);
            held.Add(listener);
            var ep = (IPEndPoint)listener.LocalEndPoint!;
            for (int i = 0; i < Orphans && !ctx.Cancel.IsCancellationRequested; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 65536 };
                client.Connect(ep);
                held.Add(listener.Accept()); // never reads: the window closes
                LabSockets.Fill(client, 16 * 1024 * 1024);
                client.Close(); // unsent data: FIN_WAIT1 orphan
            }
            var tcp = ctx.SockStatTcp();
            long orphans = LabContext.Field(tcp, "orphan");
            ctx.Note("sockstat", $"{tcp} (orphan is machine-wide)");
            var max = long.Parse(ctx.Set("net.ipv4.tcp_max_orphans", "100").Trim(), CultureInfo.InvariantCulture);
            if (orphans * 4 > max)
                ctx.Reproduce("note", $"orphans {orphans} > tcp_max_orphans/4 = {max / 4}: tcp_out_of_resources() may kill them now (shift 2)");
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

    public override IDisposable Start(LabContext ctx)
    {
        ctx.Set("net.ipv4.tcp_max_tw_buckets", "8");
        int made = ctx.Inside(() => LabSockets.ShortConnections(60, ctx.Cancel));
        ctx.Note("note", $"{made} short connections made, the client closed first");
        return new Holder();
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

    public override IDisposable Start(LabContext ctx)
    {
        ctx.Set("net.ipv4.ip_local_port_range", "40000 40009");
        ctx.Set("net.ipv4.tcp_tw_reuse", "0");
        var (ok, error) = ctx.Inside(() => LabSockets.ConnectUntilRefused(8080, 12));
        if (error == SocketError.AddressNotAvailable)
            ctx.Reproduce("errno", $"connect() #{ok + 1}: EADDRNOTAVAIL (Cannot assign requested address) after {ok} connections");
        else
            ctx.Note("note", $"{ok} connections made" + (error is { } e ? $", then {e}" : ", no error"));
        return new Holder();
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
