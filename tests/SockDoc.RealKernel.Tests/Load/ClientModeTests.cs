using SockDoc.Kernel.Interop;
using SockDoc.Load;
using SockDoc.Load.Client;
using SockDoc.Load.Lab;
using SockDoc.Load.Scenarios;

namespace SockDoc.RealKernel.Tests.Load;

[Trait("Category", "RealKernel")]
public class ClientModeTests
{
    private static string Suffix(string what) => $"t{Environment.ProcessId}-{what}";

    [Fact]
    public void Long_mode_holds_a_few_thousand_idle_connections_on_raw_epoll()
    {
        var ep = new Endpoint4(0x7F000001, LoadHarness.FreshPort());
        var (c, s) = LoadHarness.Run(new ClientOptions { Targets = [ep], Mode = ClientMode.Long, Connections = 3000, Concurrency = 128 },
            ep, null, seconds: 3);
        Assert.Equal(3000, c.Attempted);
        Assert.Equal(3000, c.Established);
        Assert.Equal(3000, c.Open); // still held when the run's duration ended
        Assert.Equal(0, c.Failed);
        Assert.True(c.EstablishSeconds > 0);
        Assert.Equal(3000, c.ConnectLatency.Count);
        Assert.Equal(3000, s.Accepted);
        Assert.Equal(0, s.Failed);
    }

    [Fact]
    public void Long_mode_heartbeats_are_echoed()
    {
        var ep = new Endpoint4(0x7F000001, LoadHarness.FreshPort());
        var (c, s) = LoadHarness.Run(new ClientOptions { Targets = [ep], Mode = ClientMode.Long, Connections = 200, HeartbeatSeconds = 0.3 }, ep, null, seconds: 1.5);
        Assert.Equal(200, c.Open);
        Assert.True(c.HeartbeatsSent >= 600, $"heartbeats {c.HeartbeatsSent}");
        Assert.True(c.BytesReceived >= 400, $"echoed {c.BytesReceived}");
        Assert.Equal(c.BytesSent, s.BytesReceived);
    }

    [Fact]
    public void Refused_connects_are_counted_by_errno()
    {
        // A port bound but not listening: the kernel answers the SYN with RST, connect() reports ECONNREFUSED.
        using var holder = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        holder.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var ep = new Endpoint4(0x7F000001, (ushort)((System.Net.IPEndPoint)holder.LocalEndPoint!).Port);
        using var client = new LoadClient(new ClientOptions { Targets = [ep], Mode = ClientMode.Long, Connections = 50 });
        var control = new RunControl(TimeSpan.FromSeconds(3));
        client.Run(control, new LoadHarness.StopWhenEstablished(control));
        Assert.Equal(50, client.Stats.Attempted);
        Assert.Equal(0, client.Stats.Established);
        Assert.Equal(50, client.Stats.Errors[Errno.ECONNREFUSED]);
    }

    [Fact]
    public void Long_mode_sees_a_peer_that_sends_and_closes_at_once()
    {
        // The server writes one byte and closes: data and FIN are queued before the client looks, so the client's
        // edge-triggered registration gets one edge for both. A read that stops at the short read (enough under level
        // triggering) would leave the FIN unread and the connection counted open for good.
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(256);
        const int n = 100;
        var server = new Thread(() =>
        {
            for (int i = 0; i < n; i++)
            {
                using var accepted = listener.Accept();
                accepted.Send("x"u8);
            }
        }) { IsBackground = true };
        server.Start();
        var ep = new Endpoint4(0x7F000001, (ushort)((System.Net.IPEndPoint)listener.LocalEndPoint!).Port);
        using var client = new LoadClient(new ClientOptions { Targets = [ep], Mode = ClientMode.Long, Connections = n, Concurrency = 16 });
        var control = new RunControl(TimeSpan.FromSeconds(10));
        client.Run(control, new StopWhenAllClosed(control, n));
        Assert.True(server.Join(TimeSpan.FromSeconds(5)));
        Assert.Equal(n, client.Stats.Established);
        Assert.Equal(n, client.Stats.PeerClosed);
        Assert.Equal(0, client.Stats.Open);
        Assert.Equal(n, client.Stats.BytesReceived);
    }

    private sealed class StopWhenAllClosed(RunControl control, long n) : IProgressSink
    {
        public void Progress(LoadStats stats)
        {
            if (stats.PeerClosed >= n) control.RequestStop();
        }
    }

    [Fact]
    public void Pool_mode_counts_requests_whose_send_fails_and_ends_at_the_requested_count()
    {
        // A loopback server that answers one request per connection and then resets it (SO_LINGER 0). The client reads
        // the reply, puts the connection back in its pool, and its next request on it fails in send() (ECONNRESET, then
        // EPIPE). Every failed request must count, or --requests 20 can only end at the 20 s deadline.
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        listener.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        listener.Listen(64);
        var server = new Thread(() =>
        {
            while (true)
            {
                System.Net.Sockets.Socket accepted;
                try { accepted = listener.Accept(); }
                catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException) { return; } // listener closed
                // One thread per connection: an idle pooled connection must not hold up the others.
                new Thread(() => AnswerOnceThenReset(accepted)) { IsBackground = true }.Start();
            }
        }) { IsBackground = true };
        server.Start();
        var ep = new Endpoint4(0x7F000001, (ushort)((System.Net.IPEndPoint)listener.LocalEndPoint!).Port);
        using var client = new LoadClient(new ClientOptions { Targets = [ep], Mode = ClientMode.Pool, Pool = 4, Requests = 20 });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        client.Run(new RunControl(TimeSpan.FromSeconds(20)), null);
        watch.Stop();
        listener.Close();
        server.Join(TimeSpan.FromSeconds(5));
        Assert.Equal(20, client.Stats.Requests);
        Assert.InRange(client.Stats.Replies, 1, 19);
        Assert.True(client.Stats.Failed >= 20 - client.Stats.Replies, $"failed {client.Stats.Failed}, replies {client.Stats.Replies}");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the run took {watch.Elapsed.TotalSeconds:0.0} s: not every failed request was counted");
    }

    private static void AnswerOnceThenReset(System.Net.Sockets.Socket accepted)
    {
        using (accepted)
        {
            var request = new byte[16];
            int got = 0;
            try
            {
                accepted.ReceiveTimeout = 10_000;
                while (got < 16)
                {
                    int n = accepted.Receive(request, got, 16 - got, System.Net.Sockets.SocketFlags.None);
                    if (n == 0) break;
                    got += n;
                }
                if (got == 16) accepted.Send(request);
                accepted.LingerState = new System.Net.Sockets.LingerOption(true, 0);
            }
            catch (System.Net.Sockets.SocketException)
            {
            }
        }
    }

    [Fact]
    public void Short_mode_leaves_one_time_wait_per_request_at_the_client()
    {
        using var ns = NetNamespace.Create(Suffix("short"));
        var ep = new Endpoint4(0x7F000001, 7000);
        var (c, s) = LoadHarness.Run(new ClientOptions { Targets = [ep], Mode = ClientMode.Short, Rate = 4000, Requests = 2000, Concurrency = 64 }, ep, ns, seconds: 10);
        Assert.Equal(2000, c.Replies);
        Assert.Equal(2000, c.Attempted);
        Assert.Equal(0, c.Failed);
        Assert.Equal(2000, s.Accepted);
        Assert.Equal(2000, c.RequestLatency.Count);
        long tw = ns.TimeWait();
        // The client closed first: TIME_WAIT lives on its side (tcp_time_wait()). A few may already have been reused:
        // tcp_tw_reuse defaults to 2 (loopback only) and lets connect() take over a TIME_WAIT older than 1 s.
        Assert.InRange(tw, 1500, 2000);
    }

    [Fact]
    public void Pool_mode_serves_the_same_requests_over_K_connections_and_leaves_no_time_wait()
    {
        using var ns = NetNamespace.Create(Suffix("pool"));
        var ep = new Endpoint4(0x7F000001, 7000);
        var (c, _) = LoadHarness.Run(new ClientOptions { Targets = [ep], Mode = ClientMode.Pool, Rate = 4000, Requests = 2000, Pool = 8 }, ep, ns, seconds: 10);
        Assert.Equal(2000, c.Replies);
        Assert.Equal(8, c.Attempted);
        Assert.Equal(0, c.Failed);
        Assert.Equal(0, ns.TimeWait());
    }

    [Fact]
    public void A_ten_port_range_runs_out_with_EADDRNOTAVAIL()
    {
        using var ns = NetNamespace.Create(Suffix("ports"));
        ns.SetSysctl("net.ipv4.ip_local_port_range", "40000 40009");
        Assert.Equal("40000\t40009", ns.ReadInside("/proc/sys/net/ipv4/ip_local_port_range").Trim());
        var ep = new Endpoint4(0x7F000001, 7000);
        var (c, _) = LoadHarness.Run(new ClientOptions { Targets = [ep], Mode = ClientMode.Short, Rate = 2000, Requests = 200, Concurrency = 16 }, ep, ns, seconds: 5);
        // Ten ports to one destination; each one sits in TIME_WAIT after its request, so connect() finds none free
        // (__inet_hash_connect → -EADDRNOTAVAIL) until tcp_tw_reuse's one-second delay passes.
        Assert.True(c.Errors[Errno.EADDRNOTAVAIL] > 100, $"EADDRNOTAVAIL {c.Errors[Errno.EADDRNOTAVAIL]}");
        Assert.InRange(c.Replies, 10, 60);
        Assert.Equal(200, c.Replies + c.Failed);
    }

    [Fact]
    public void Storm_puts_short_and_pool_side_by_side_and_removes_its_namespaces()
    {
        var r = Storm.Run(new StormOptions { Rate = 3000, Seconds = 0.7, Concurrency = 32, Pool = 4, Suffix = Suffix("storm") }, CancellationToken.None);
        Assert.Equal(2100, r.Short.ConnectionsCreated);
        Assert.Equal(2100, r.Short.Replies);
        Assert.Equal(4, r.Pool.ConnectionsCreated);
        Assert.Equal(2100, r.Pool.Replies);
        Assert.True(r.Short.TimeWaitLeft >= 2000, $"short TIME_WAIT {r.Short.TimeWaitLeft}");
        Assert.Equal(0, r.Pool.TimeWaitLeft);
        var left = Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns") : [];
        Assert.DoesNotContain(left, f => f.Contains(Suffix("storm"), StringComparison.Ordinal));
    }
}
