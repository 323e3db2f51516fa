using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SockDoc.Kernel.Census;
using SockDoc.Kernel.Netlink.SockDiag;
using SockDoc.Model.Census;

namespace SockDoc.RealKernel.Tests.Census;

/// <summary>The census against `ss` on sockets these tests make inside their own namespace (oracle tests, issue 4).</summary>
public sealed partial class CensusRealKernelTests : IDisposable
{
    private readonly List<Socket> _keep = [];

    public void Dispose()
    {
        foreach (var s in _keep) s.Dispose();
    }

    private Socket Keep(Socket s)
    {
        _keep.Add(s);
        return s;
    }

    private Socket Listen(IPAddress address, int port, int backlog)
    {
        var l = Keep(new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        l.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        l.Bind(new IPEndPoint(address, port));
        l.Listen(backlog);
        return l;
    }

    private (Socket Client, Socket Server) Pair(Socket listener)
    {
        var ep = (IPEndPoint)listener.LocalEndPoint!;
        var c = Keep(new Socket(ep.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        c.Connect(ep);
        return (c, Keep(listener.Accept()));
    }

    /// <summary>Several states, IPv4 and IPv6, a full accept queue; built on a thread inside the namespace.</summary>
    private void BuildSocketSet()
    {
        // backlog 2: the accept queue holds 3 (backlog + 1), the 4th client's SYN is dropped: SYN_SENT.
        var full = Listen(IPAddress.Loopback, 7001, 2);
        for (int i = 0; i < 4; i++)
        {
            var c = Keep(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false });
            try { c.Connect(new IPEndPoint(IPAddress.Loopback, 7001)); }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress) { }
            // The first three complete their handshake (writable); the fourth's SYN is dropped and stays SYN_SENT.
            if (i < 3) Assert.True(c.Poll(TimeSpan.FromSeconds(10), SelectMode.SelectWrite), $"client {i} did not connect");
        }
        var v6 = Listen(IPAddress.IPv6Loopback, 7002, 16);
        for (int i = 0; i < 2; i++) Pair(v6);
        var tw = Listen(IPAddress.Loopback, 7003, 16);
        for (int i = 0; i < 3; i++)
        {
            var (c, s) = Pair(tw);
            c.Close(); // client closes first: TIME_WAIT on the client side
            _ = s.Receive(new byte[1]);
            s.Close();
        }
        var half = Listen(IPAddress.Loopback, 7004, 16);
        for (int i = 0; i < 2; i++) Pair(half).Client.Shutdown(SocketShutdown.Send); // FIN_WAIT2 / CLOSE_WAIT
    }

    /// <summary>Waits until ss shows every state BuildSocketSet makes, so the census and ss see the same table.</summary>
    private static void WaitForSocketSet(TestNetns ns)
    {
        bool Settled()
        {
            var states = SsRows(ns.Ss("-tan")).GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Count());
            return states.GetValueOrDefault("TIME_WAIT") >= 3 && states.GetValueOrDefault("FIN_WAIT2") >= 2 && states.GetValueOrDefault("CLOSE_WAIT") >= 2
                && states.GetValueOrDefault("SYN_SENT") >= 1;
        }
        Assert.True(Support.WaitUntil(Settled, TimeSpan.FromSeconds(20)), "the sockets never reached their states:\n" + ns.Ss("-tan"));
    }

    private static SocketCensus Collect(TestNetns netns, bool parallel) =>
        netns.Inside(() =>
        {
            var r = SocketCensusCollector.Collect(new CensusOptions
            {
                Owners = true, BlockedSenders = false, TopN = 1000, ParallelDump = parallel,
            });
            Assert.True(r.Ok, r.Reason);
            return r.Value!;
        });

    [Fact]
    public void Counts_per_state_and_per_port_equal_ss_tan()
    {
        Support.RequireRoot();
        using var ns = new TestNetns("census");
        ns.Inside(() => { BuildSocketSet(); return 0; });
        WaitForSocketSet(ns);

        foreach (bool parallel in new[] { false, true })
        {
            var census = Collect(ns, parallel);
            var ss = SsRows(ns.Ss("-tan"));
            var expectedStates = ss.GroupBy(r => r.State).ToDictionary(g => g.Key, g => (long)g.Count());
            Assert.Equal(expectedStates.OrderBy(kv => kv.Key), census.ByState.OrderBy(kv => kv.Key));
            // And the set itself, independent of ss: 3 queued pairs + 2 IPv6 pairs established, 1 SYN_SENT,
            // 3 TIME_WAIT, 2 half-closed pairs, 4 listeners.
            Assert.Equal(10, census.ByState["ESTABLISHED"]);
            Assert.Equal(1, census.ByState["SYN_SENT"]);
            Assert.Equal(3, census.ByState["TIME_WAIT"]);
            Assert.Equal(2, census.ByState["FIN_WAIT2"]);
            Assert.Equal(2, census.ByState["CLOSE_WAIT"]);
            Assert.Equal(4, census.ByState["LISTEN"]);
            var expectedPorts = ss.Where(r => r.State != "LISTEN").GroupBy(r => r.LocalPort)
                .ToDictionary(g => g.Key, g => (g.LongCount(), g.LongCount(r => r.State == "TIME_WAIT")));
            var gotPorts = census.LocalPorts.ToDictionary(p => p.LocalPort, p => (p.Connections, p.TimeWait));
            Assert.Equal(expectedPorts.OrderBy(kv => kv.Key), gotPorts.OrderBy(kv => kv.Key));

            var listener = Assert.Single(census.Listeners, l => l.Full);
            var ssListener = ss.Single(r => r.State == "LISTEN" && r.LocalPort == 7001);
            Assert.Equal(7001, listener.LocalPort);
            Assert.Equal(ssListener.RecvQ, listener.AcceptQueue);
            Assert.Equal(ssListener.SendQ, listener.Backlog);
            Assert.Equal(Environment.ProcessId, listener.Pid);
            Assert.True(census.Ipv6Sockets >= 5);
            Assert.Equal(3, census.Destinations.Single(d => d.DestinationPort == 7003).TimeWait);
            Assert.Contains(census.Processes, p => p.Pid == Environment.ProcessId && p.Listening == 4 && p.Sockets > 10);
        }
    }

    [Fact]
    public void Skmem_of_an_idle_socket_equals_ss_tm()
    {
        Support.RequireRoot();
        using var ns = new TestNetns("census");
        int clientPort = ns.Inside(() =>
        {
            var l = Listen(IPAddress.Loopback, 7101, 8);
            var (c, s) = Pair(l);
            c.Send("hello"u8.ToArray());
            _ = s.Receive(new byte[16]);
            return ((IPEndPoint)c.LocalEndPoint!).Port;
        });
        // The bytes are ACKed (Send-Q 0) before both the census and ss look, so they see the same memory.
        Assert.True(Support.WaitUntil(() => ns.Ss($"-tnH state established '( sport = :{clientPort} )'").Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, "0", ..],
            TimeSpan.FromSeconds(10)), "the client's bytes were never acknowledged");

        var sockets = ns.Inside(() =>
        {
            var sink = new Collector();
            var outcome = SockDiagDump.DumpTcp(ref sink, InetDiag.AllStates, InetDiag.ExtSkMemInfo);
            Assert.True(outcome.Complete, outcome.Problem);
            return sink.Items;
        });
        var mine = sockets.Single(s => s.SourcePort == clientPort);
        var ss = ns.Ss($"-tmn state established '( sport = :{clientPort} )'");
        var m = SkmemRegex().Match(ss);
        Assert.True(m.Success, ss);
        long F(string name) => long.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture);
        Assert.Equal(F("r"), mine.RmemAlloc);
        Assert.Equal(F("rb"), mine.RcvBuf);
        Assert.Equal(F("t"), mine.WmemAlloc);
        Assert.Equal(F("tb"), mine.SndBuf);
        Assert.Equal(F("f"), mine.FwdAlloc);
        Assert.Equal(F("w"), mine.WmemQueued);
        Assert.Equal(F("o"), mine.OptMem);
        Assert.Equal(F("bl"), mine.Backlog);
        Assert.Equal(F("d"), mine.Drops);
        Assert.True(mine.SndBuf > 0 && mine.RcvBuf > 0);
    }

    [Fact]
    public void A_sender_blocked_on_a_full_send_buffer_is_found_with_pid_thread_and_peer()
    {
        Support.RequireRoot();
        using var ns = new TestNetns("census");
        var (client, server) = ns.Inside(() =>
        {
            var l = Listen(IPAddress.Loopback, 7201, 8);
            var ep = (IPEndPoint)l.LocalEndPoint!;
            var c = Keep(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            c.SendBufferSize = 16 * 1024;
            c.Connect(ep);
            var s = Keep(l.Accept());
            s.ReceiveBufferSize = 16 * 1024; // the receiver never reads: its window closes
            return (c, s);
        });
        int tid = 0;
        using var started = new ManualResetEventSlim();
        var sender = new Thread(() =>
        {
            tid = gettid();
            started.Set();
            try { client.Send(new byte[32 * 1024 * 1024]); }
            catch (SocketException) { }
            catch (ObjectDisposedException) { }
        }) { IsBackground = true };
        sender.Start();
        started.Wait(TimeSpan.FromSeconds(5));
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            SocketCensus census;
            BlockedSender? found;
            do
            {
                Thread.Sleep(300);
                census = ns.Inside(() => SocketCensusCollector.Collect(new CensusOptions
                {
                    Owners = true, BlockedSenders = true, BlockedSamples = 3, BlockedInterval = TimeSpan.FromMilliseconds(100),
                }).Value!);
                found = census.BlockedSenders?.FirstOrDefault(b => b.Tid == tid);
            }
            while (found is null && DateTime.UtcNow < deadline);

            Assert.NotNull(census.BlockedSenders);
            Assert.True(found is not null, $"thread {tid} not found blocked; saw {string.Join(", ", census.BlockedSenders!.Select(b => $"{b.Pid}/{b.Tid}"))}");
            Assert.Equal(Environment.ProcessId, found.Pid);
            Assert.Equal($"127.0.0.1:{((IPEndPoint)server.LocalEndPoint!).Port}", found.Peer);
            Assert.Equal($"127.0.0.1:{((IPEndPoint)client.LocalEndPoint!).Port}", found.Local);
            Assert.Equal((int)client.Handle, found.Fd);
            Assert.True(found.SendQueue > 0);
            Assert.True(found.SamplesBlocked >= 2, $"blocked in {found.SamplesBlocked} of {found.Samples} samples");
            Assert.Contains(census.SendBufferFull!, s => s.Local == found.Local && s.Pid == Environment.ProcessId);
        }
        finally
        {
            server.LingerState = new LingerOption(true, 0); // RST: the blocked send fails and the thread ends
            server.Close();
            client.Close();
            sender.Join(TimeSpan.FromSeconds(10));
        }
    }

    private static List<(string State, int LocalPort, long RecvQ, long SendQ)> SsRows(string text)
    {
        var rows = new List<(string, int, long, long)>();
        foreach (var line in text.Split('\n').Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5) continue;
            string state = f[0] switch
            {
                "ESTAB" => "ESTABLISHED",
                "UNCONN" => "CLOSE",
                _ => f[0].Replace("-", "_", StringComparison.Ordinal).Replace("WAIT_1", "WAIT1", StringComparison.Ordinal).Replace("WAIT_2", "WAIT2", StringComparison.Ordinal),
            };
            rows.Add((state, int.Parse(f[3][(f[3].LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture),
                long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"skmem:\(r(?<r>\d+),rb(?<rb>\d+),t(?<t>\d+),tb(?<tb>\d+),f(?<f>\d+),w(?<w>\d+),o(?<o>\d+),bl(?<bl>\d+),d(?<d>\d+)\)")]
    private static partial System.Text.RegularExpressions.Regex SkmemRegex();

    [LibraryImport("libc")]
    private static partial int gettid();

    private struct Collector : ISockDiagSink
    {
        public List<InetDiagSocket> Items;

        public Collector() => Items = [];

        public readonly void OnSocket(in InetDiagSocket socket) => Items.Add(socket);
    }
}
