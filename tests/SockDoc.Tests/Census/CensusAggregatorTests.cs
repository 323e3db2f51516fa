using SockDoc.Kernel.Census;
using SockDoc.Model.Census;
using static SockDoc.Kernel.Netlink.SockDiag.InetDiag;

namespace SockDoc.Tests.Census;

public class CensusAggregatorTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly uint[] Idle = [0, 131072, 0, 16384, 0, 0, 0, 0, 0];

    private static SocketCensus Census(DiagEncoder e, int top = 20, (int, int)? range = null, int[]? ports = null)
    {
        var (census, outcome) = SocketCensusCollector.FromCapture(DiagEncoder.Capture(e.Done().ToArray()), top, range ?? (32768, 60999), At, ports);
        Assert.Null(outcome.Problem);
        return census;
    }

    [Fact]
    public void Counts_states_and_a_full_accept_queue()
    {
        var e = new DiagEncoder()
            .Add(new("0.0.0.0", 80, "0.0.0.0", 0, TCP_LISTEN, RQueue: 129, WQueue: 128))
            .Add(new("0.0.0.0", 81, "0.0.0.0", 0, TCP_LISTEN, RQueue: 128, WQueue: 128))
            .Add(new("10.0.0.1", 80, "10.0.0.2", 50000, TCP_ESTABLISHED, MemInfo: Idle))
            .Add(new("10.0.0.1", 80, "10.0.0.2", 50001, TCP_ESTABLISHED, MemInfo: Idle));
        var c = Census(e);
        Assert.Equal(4, c.TotalSockets);
        Assert.Equal(2, c.ByState["LISTEN"]);
        Assert.Equal(2, c.ByState["ESTABLISHED"]);
        // sk_acceptq_is_full(): rqueue > backlog; 128 of 128 is not yet full.
        var full = Assert.Single(c.Listeners, l => l.Full);
        Assert.Equal(80, full.LocalPort);
        Assert.Equal(129, full.AcceptQueue);
        Assert.False(c.Listeners.Single(l => l.LocalPort == 81).Full);
        Assert.Equal(c.Listeners[0], full); // full listeners come first
    }

    [Fact]
    public void Orphans_are_full_sockets_without_inode_and_a_fin_wait2_tw_bucket_is_not_one()
    {
        var e = new DiagEncoder()
            .Add(new("10.0.0.1", 40000, "10.0.0.2", 80, TCP_FIN_WAIT1, Inode: 0, MemInfo: Idle))
            .Add(new("10.0.0.1", 40001, "10.0.0.2", 80, TCP_LAST_ACK, Inode: 0, MemInfo: Idle))
            .Add(new("10.0.0.1", 40002, "10.0.0.2", 80, TCP_FIN_WAIT2, Inode: 0, Timer: TimerTimeWait)) // tw_substate FIN_WAIT2
            .Add(new("10.0.0.1", 40003, "10.0.0.2", 80, TCP_FIN_WAIT1, Inode: 55, MemInfo: Idle)) // still owned
            .Add(new("10.0.0.1", 40004, "10.0.0.2", 80, TCP_TIME_WAIT, Inode: 0, Timer: TimerTimeWait));
        var c = Census(e);
        Assert.Equal(1, c.OrphansByState["FIN_WAIT1"]);
        Assert.Equal(1, c.OrphansByState["LAST_ACK"]);
        Assert.Equal(0, c.OrphansByState["FIN_WAIT2"]);
        Assert.Equal(0, c.OrphansByState["CLOSING"]);
        Assert.Equal(2, c.TimeWaitBuckets);
    }

    [Fact]
    public void Destinations_count_only_ephemeral_local_ports_and_their_time_wait()
    {
        var e = new DiagEncoder()
            .Add(new("10.0.0.1", 40000, "10.0.0.2", 5432, TCP_ESTABLISHED, MemInfo: Idle))
            .Add(new("10.0.0.1", 40001, "10.0.0.2", 5432, TCP_TIME_WAIT, Inode: 0, Timer: TimerTimeWait))
            .Add(new("10.0.0.1", 40002, "10.0.0.2", 5432, TCP_TIME_WAIT, Inode: 0, Timer: TimerTimeWait))
            .Add(new("10.0.0.1", 5432, "10.0.0.9", 40000, TCP_ESTABLISHED, MemInfo: Idle)) // accepted: local port is the service port
            .Add(new("10.0.0.1", 61000, "10.0.0.3", 80, TCP_ESTABLISHED, MemInfo: Idle)); // outside the range
        var c = Census(e, range: (32768, 60999));
        var d = Assert.Single(c.Destinations);
        Assert.Equal("10.0.0.1", d.SourceAddress);
        Assert.Equal("10.0.0.2", d.DestinationAddress);
        Assert.Equal(5432, d.DestinationPort);
        Assert.Equal(3, d.Connections);
        Assert.Equal(2, d.TimeWait);
        Assert.Equal(28232, c.LocalPortRangeSize);
        var peer = c.Peers.Single(p => p.PeerAddress == "10.0.0.2");
        Assert.Equal(3, peer.Connections);
        Assert.Equal(2, peer.TimeWait);
    }

    [Fact]
    public void Send_buffer_full_needs_two_thirds_of_sndbuf_and_queued_data()
    {
        uint[] Mem(uint w, uint tb) => [0, 131072, 0, tb, 0, w, 0, 0, 0];
        var e = new DiagEncoder()
            .Add(new("10.0.0.1", 40000, "10.0.0.2", 80, TCP_ESTABLISHED, WQueue: 100000, MemInfo: Mem(3_000_000, 4_000_000), TcpInfoLen: 232, NotSent: 90000, SndWnd: 0))
            .Add(new("10.0.0.1", 40001, "10.0.0.2", 80, TCP_ESTABLISHED, WQueue: 100000, MemInfo: Mem(2_666_000, 4_000_000))) // just below 2/3
            .Add(new("10.0.0.1", 40002, "10.0.0.2", 80, TCP_ESTABLISHED, WQueue: 0, MemInfo: Mem(4_000_000, 4_000_000))); // nothing queued
        var c = Census(e);
        Assert.Equal(1, c.SendBufferFullCount);
        var s = Assert.Single(c.SendBufferFull!);
        Assert.Equal("10.0.0.1:40000", s.Local);
        Assert.Equal("10.0.0.2:80", s.Peer);
        Assert.True(s.PeerWindowZero);
        Assert.Equal(90000, s.NotSentBytes);
        Assert.Equal(100000, s.SendQueue);
        Assert.Equal(3_000_000 + 2_666_000 + 4_000_000, c.Memory!.WmemQueuedBytes);
    }

    [Fact]
    public void Top_lists_are_bounded_and_sorted()
    {
        var e = new DiagEncoder();
        for (int i = 0; i < 50; i++)
            e.Add(new("10.0.0.1", 40000 + i, "10.0.0.2", 80, TCP_ESTABLISHED, MemInfo: [(uint)(i * 1000), 131072, 0, 16384, 0, 0, 0, 0, 0]));
        var c = Census(e, top: 5);
        Assert.Equal(5, c.TopByMemory!.Count);
        Assert.Equal([49000L, 48000, 47000, 46000, 45000], c.TopByMemory!.Select(m => m.RmemAlloc));
        Assert.Equal(5, c.LocalPorts.Count);
        Assert.Equal(Enumerable.Range(0, 50).Sum(i => i * 1000L), c.Memory!.RmemAllocBytes);
        Assert.Equal(50, c.Memory!.SocketsWithMemInfo);
    }

    [Fact]
    public void Port_filter_keeps_sockets_with_that_local_or_peer_port()
    {
        var e = new DiagEncoder()
            .Add(new("10.0.0.1", 40000, "10.0.0.2", 80, TCP_ESTABLISHED))
            .Add(new("10.0.0.2", 80, "10.0.0.1", 40000, TCP_ESTABLISHED))
            .Add(new("10.0.0.1", 40001, "10.0.0.2", 443, TCP_ESTABLISHED));
        Assert.Equal(2, Census(e, ports: [80]).TotalSockets);
    }

    [Fact]
    public void A_port_list_keeps_sockets_with_any_of_its_ports()
    {
        var e = new DiagEncoder()
            .Add(new("10.0.0.1", 40000, "10.0.0.2", 80, TCP_ESTABLISHED))
            .Add(new("10.0.0.2", 80, "10.0.0.1", 40000, TCP_ESTABLISHED))
            .Add(new("10.0.0.1", 40001, "10.0.0.2", 443, TCP_ESTABLISHED))
            .Add(new("10.0.0.1", 40002, "10.0.0.2", 8080, TCP_ESTABLISHED))
            .Add(new("0.0.0.0", 8443, "0.0.0.0", 0, TCP_LISTEN));
        Assert.Equal(3, Census(e, ports: [80, 443]).TotalSockets);
        Assert.Equal(4, Census(e, ports: [80, 443, 8443]).TotalSockets);
        Assert.Equal(5, Census(e).TotalSockets);
    }

    [Fact]
    public void A_capture_cut_in_the_middle_is_partial_with_the_sockets_before_the_cut()
    {
        var d = new DiagEncoder()
            .Add(new("10.0.0.1", 40000, "10.0.0.2", 80, TCP_ESTABLISHED))
            .Add(new("10.0.0.1", 40001, "10.0.0.2", 80, TCP_ESTABLISHED))
            .ToArray();
        var (census, outcome) = SocketCensusCollector.FromCapture(DiagEncoder.Capture(d[..120]), 20, null, At);
        Assert.True(census.Partial);
        Assert.Equal(1, census.TotalSockets);
        Assert.NotNull(outcome.Problem);
    }
}
