using SockDoc.Kernel.Census;
using SockDoc.Kernel.Netlink.SockDiag;
using SockDoc.Model.Census;

namespace SockDoc.Tests.Census;

/// <summary>The parser and aggregator on a sock_diag dump captured on the test VM, checked against `ss -tan` taken with it.</summary>
public class CapturedDumpTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "netlink", name);

    private static readonly DateTimeOffset At = new(2026, 11, 24, 12, 45, 0, TimeSpan.Zero);

    private static (SocketCensus Census, DumpOutcome Outcome) Mixed() =>
        SocketCensusCollector.FromCapture(File.ReadAllBytes(Fixture("census-mixed.bin")), 1000, (32768, 60999), At);

    /// <summary>ss -tan lines → (state in kernel spelling, local port, peer port, recv-q, send-q).</summary>
    internal static List<(string State, int LocalPort, int PeerPort, long RecvQ, long SendQ)> ReadSs(string text)
    {
        var rows = new List<(string, int, int, long, long)>();
        foreach (var line in text.Split('\n').Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5) continue;
            rows.Add((SsState(f[0]), Port(f[3]), f[4].EndsWith(":*", StringComparison.Ordinal) ? 0 : Port(f[4]), long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture),
                long.Parse(f[2], System.Globalization.CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    internal static string SsState(string ss) => ss switch
    {
        "ESTAB" => "ESTABLISHED",
        "UNCONN" => "CLOSE",
        "SYN-RECV" => "SYN_RECV",
        _ => ss.Replace("-", "_", StringComparison.Ordinal).Replace("WAIT_1", "WAIT1", StringComparison.Ordinal).Replace("WAIT_2", "WAIT2", StringComparison.Ordinal),
    };

    private static int Port(string endpoint) => int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void The_capture_parses_completely()
    {
        var (census, outcome) = Mixed();
        Assert.True(outcome.Complete);
        Assert.Null(outcome.Problem);
        Assert.False(census.Partial);
        Assert.Equal(25, census.TotalSockets);
        Assert.Equal(5, census.Ipv6Sockets);
    }

    [Fact]
    public void Counts_per_state_equal_ss()
    {
        var ss = ReadSs(File.ReadAllText(Fixture("census-mixed.ss-tan.txt")));
        var expected = ss.GroupBy(r => r.State).ToDictionary(g => g.Key, g => (long)g.Count());
        var (census, _) = Mixed();
        Assert.Equal(expected.OrderBy(kv => kv.Key), census.ByState.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Connections_per_local_port_equal_ss()
    {
        var ss = ReadSs(File.ReadAllText(Fixture("census-mixed.ss-tan.txt")));
        var expected = ss.Where(r => r.State != "LISTEN").GroupBy(r => r.LocalPort)
            .ToDictionary(g => g.Key, g => (g.LongCount(), g.LongCount(r => r.State == "TIME_WAIT")));
        var (census, _) = Mixed();
        var got = census.LocalPorts.ToDictionary(p => p.LocalPort, p => (p.Connections, p.TimeWait));
        Assert.Equal(expected.OrderBy(kv => kv.Key), got.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void The_full_accept_queue_and_the_unread_data_are_seen()
    {
        var ss = ReadSs(File.ReadAllText(Fixture("census-mixed.ss-tan.txt")));
        var (census, _) = Mixed();
        var full = Assert.Single(census.Listeners, l => l.Full);
        var ssListener = ss.Single(r => r.State == "LISTEN" && r.LocalPort == 7001);
        Assert.Equal(7001, full.LocalPort);
        Assert.Equal(ssListener.RecvQ, full.AcceptQueue);
        Assert.Equal(ssListener.SendQ, full.Backlog);
        Assert.Equal(5, census.Listeners.Count);
        // The 5000 unread bytes sit in the accepted socket's receive queue: skmem r > 0.
        Assert.True(census.Memory!.RmemAllocBytes >= 5000);
        Assert.Contains(census.TopByMemory!, m => m.Local == "127.0.0.2:7005" && m.RmemAlloc >= 5000);
        Assert.Equal(22, census.Memory!.SocketsWithMemInfo); // every full socket; the 3 TIME_WAIT buckets carry no skmem
        Assert.Equal(3, census.TimeWaitBuckets);
    }

    [Fact]
    public void Ephemeral_destinations_are_grouped_by_source_destination_and_port()
    {
        var (census, _) = Mixed();
        var to7001 = census.Destinations.Single(d => d.DestinationPort == 7001);
        Assert.Equal(4, to7001.Connections); // 3 queued + 1 SYN_SENT
        var to7003 = census.Destinations.Single(d => d.DestinationPort == 7003);
        Assert.Equal(3, to7003.TimeWait);
        Assert.Contains(census.Destinations, d => d.DestinationAddress == "127.0.0.2" && d.DestinationPort == 7005);
        Assert.Contains(census.Destinations, d => d.DestinationAddress == "::1" && d.DestinationPort == 7002);
    }

    [Fact]
    public void Tcp_info_of_the_running_kernel_is_read_by_its_length()
    {
        var sink = new ListSink();
        var outcome = SockDiagDump.Replay(File.ReadAllBytes(Fixture("census-mixed.bin")), ref sink);
        Assert.True(outcome.Complete);
        var established = sink.Items.Where(s => s.State == InetDiag.TCP_ESTABLISHED).ToList();
        // Captured on 6.18, whose struct tcp_info is 280 bytes (BTF of that kernel; fixtures/netlink/SOURCE.md).
        Assert.All(established, s => Assert.Equal(280, s.TcpInfoLength));
        Assert.All(established, s => Assert.True(s.TcpiSndWnd > 0));
        Assert.All(established, s => Assert.True(s.TcpiRtt >= 0));
    }

    [Fact]
    public void Every_cut_of_the_capture_ends_in_a_clear_outcome()
    {
        var bytes = File.ReadAllBytes(Fixture("census-mixed.bin"));
        for (int cut = 0; cut < bytes.Length; cut += 97)
        {
            var (census, outcome) = SocketCensusCollector.FromCapture(bytes.AsSpan(0, cut), 10, (32768, 60999), At);
            Assert.True(census.Partial || outcome.Complete);
            Assert.True(census.TotalSockets <= 25);
        }
    }
}
