using SockDoc.Cli;
using SockDoc.Cli.Commands;
using SockDoc.Cli.Views;
using SockDoc.Diagnosis.Trace;
using SockDoc.Model.Trace;

namespace SockDoc.Tests.Trace;

public class TraceAggregationTests
{
    private sealed class Counter
    {
        public long N;
    }

    [Fact]
    public void BoundedTable_KeysPastCapacityGoToOther()
    {
        var t = new BoundedTable<int, Counter>(4);
        for (int i = 0; i < 10; i++) t.Get(i).N++;
        t.Get(0).N++;
        Assert.Equal(4, t.Rows.Count);
        Assert.Equal(6, t.Other.N);
        Assert.Equal(6, t.Dropped);
        Assert.Equal(2, t.Rows[0].N);
    }

    private static ResetEvent Reset(uint local, ushort localPort, uint remote, ushort remotePort, string reason = "TCP_ABORT_ON_MEMORY") =>
        new(1, 0, true, true, reason, TcpState.FinWait1, new TraceEndpoint(2, local, localPort), new TraceEndpoint(2, remote, remotePort));

    [Fact]
    public void Resets_CountAgainstTheService_NotOneRowPerConnection()
    {
        // The lab's orphans run on a busy host (CI run of 2026-11-30): a listener on an ephemeral port (bind to port 0),
        // 39 clients reset for memory, while other tests reset 600 connections of their own first. Keyed by both
        // ports, the 600 filled the 512-row table and the 39 ended in "(other)".
        var agg = new TraceAggregator(TraceBy.Peer | TraceBy.Port, pid => new TraceProcess(pid, "x", "/"));
        agg.SetServicePorts(new HashSet<ushort> { 40107, 8080 }, (32768, 60999));
        for (ushort p = 0; p < 600; p++) agg.OnReset(Reset(0x7F000001, 8080, 0x0A000000u + p % 30u, (ushort)(33000 + p), "NOT_SPECIFIED"));
        for (ushort p = 0; p < 39; p++) agg.OnReset(Reset(0x7F000001, (ushort)(50000 + p), 0x7F000001, 40107));
        var rows = TraceReportBuilder.Build(agg, TraceDecoderTests.Info(TraceWhat.Resets, TraceBy.Peer | TraceBy.Port), 500).Resets!;
        var memory = Assert.Single(rows, r => r.Reason == "TCP_ABORT_ON_MEMORY");
        Assert.Equal(("127.0.0.1:40107", 40107, 39L), (memory.Peer, memory.Port, memory.Count));
        // Inbound to our listener on 8080 from 30 client addresses: one row per address (their ephemeral ports dropped).
        var inbound = rows.Where(r => r.Reason == "NOT_SPECIFIED").ToList();
        Assert.Equal((30, 600L), (inbound.Count, inbound.Sum(r => r.Count)));
        Assert.All(inbound, r => Assert.Equal(8080, r.Port));
        Assert.DoesNotContain(rows, r => r.Reason == TraceReportBuilder.OtherLabel);
    }

    [Theory]
    [InlineData(8080, 51000, true)]     // only the peer's port is ephemeral: a client of ours
    [InlineData(51000, 443, false)]     // only our port is ephemeral: we connected out
    [InlineData(40107, 50001, true)]    // both ephemeral, our port has a listener
    [InlineData(50001, 40107, false)]   // both ephemeral, the peer's port has a listener (loopback)
    [InlineData(5000, 6000, false)]     // nothing tells: outbound, the peer with its port
    public void Resets_ServiceSideFromListenersThenPortRange(int localPort, int remotePort, bool inbound)
    {
        var agg = new TraceAggregator(TraceBy.Peer | TraceBy.Port, pid => new TraceProcess(pid, "x", "/"));
        agg.SetServicePorts(new HashSet<ushort> { 40107 }, (32768, 60999));
        agg.OnReset(Reset(0x7F000001, (ushort)localPort, 0x7F000002, (ushort)remotePort));
        var row = Assert.Single(TraceReportBuilder.Build(agg, TraceDecoderTests.Info(TraceWhat.Resets, TraceBy.Peer | TraceBy.Port), 20).Resets!);
        Assert.Equal(inbound ? ("127.0.0.2", localPort) : ($"127.0.0.2:{remotePort}", remotePort), (row.Peer, row.Port));
    }

    [Fact]
    public void Histogram_QuantilesWithinOneEighth()
    {
        var h = new LogHistogram();
        Assert.Null(h.Quantile(0.5));
        for (int i = 1; i <= 10_000; i++) h.Add(i);
        Assert.InRange(h.Quantile(0.5)!.Value, 5000, 5000 * 1.125);
        Assert.InRange(h.Quantile(0.99)!.Value, 9900, 9900 * 1.125);
        h.Add(long.MaxValue);
        h.Add(-5);
        Assert.Equal(10_002, h.Count);
    }

    [Fact]
    public void Report_TopRowsThenOther_AndBlockedEpisodes()
    {
        var agg = new TraceAggregator(TraceBy.Process | TraceBy.Peer, pid => new TraceProcess(pid, "p" + pid, "/"), maxRows: 8);
        var peer = new SockDoc.Model.Trace.TraceEndpoint(2, 0x7F000001, 9000);
        // Thread 1 blocked for 3 samples, gone, then blocked again once: 2 episodes, longest 3 intervals.
        agg.OnBlockedSample([new BlockedThreadSample(1, 1, 5, peer)], 100);
        agg.OnBlockedSample([new BlockedThreadSample(1, 1, 5, peer)], 100);
        agg.OnBlockedSample([new BlockedThreadSample(1, 1, 5, peer)], 100);
        agg.OnBlockedSample([], 100);
        agg.OnBlockedSample([new BlockedThreadSample(1, 1, 5, peer)], 100);
        for (int pid = 10; pid < 30; pid++) agg.OnBlockedSample([new BlockedThreadSample(pid, pid, 3, peer)], 100);
        var r = TraceReportBuilder.Build(agg, TraceDecoderTests.Info(TraceWhat.Blocked, TraceBy.Process | TraceBy.Peer), 3);
        var first = r.Blocked![0];
        Assert.Equal(("p1", "127.0.0.1:9000", 2L, 4L, 400.0, 300.0), (first.Process, first.Peer, first.Episodes, first.Samples, first.BlockedMs, first.LongestMs));
        Assert.Equal(4, r.Blocked.Count);
        var other = r.Blocked[^1];
        Assert.Equal(TraceReportBuilder.OtherLabel, other.Process);
        Assert.Equal(20 - 2, other.Episodes); // 20 single-sample episodes, 2 shown
        Assert.Equal(2, r.Totals.MaxRowsPerTable / 4); // 8 rows
    }

    [Fact]
    public void Json_HasSchemaVersionAndSnakeCase()
    {
        var agg = new TraceAggregator(TraceBy.Peer, pid => new TraceProcess(pid, "x", "/"));
        var json = TraceJson.Serialize(TraceReportBuilder.Build(agg, TraceDecoderTests.Info(TraceWhat.Ports | TraceWhat.Churn, TraceBy.Peer), 5));
        Assert.Contains("\"schema_version\": 1", json, StringComparison.Ordinal);
        Assert.Contains("\"connect_errors\": []", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"drops\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void View_DropsColumnsNotInBy()
    {
        var agg = new TraceAggregator(TraceBy.Peer, pid => new TraceProcess(pid, "x", "/"));
        agg.OnConnectExit(new ConnectExitEvent(1, 5, 5, -99));
        var report = TraceReportBuilder.Build(agg, TraceDecoderTests.Info(TraceWhat.Ports | TraceWhat.Drops, TraceBy.Peer), 5);
        var sw = new StringWriter();
        var io = new CliIo(sw, new StringWriter(), false, true, 160);
        io.Console().Write(TraceView.Render(report));
        var text = sw.ToString();
        Assert.Contains("EADDRNOTAVAIL", text, StringComparison.Ordinal);
        Assert.Contains("destination", text, StringComparison.Ordinal);
        Assert.DoesNotContain("cgroup", text, StringComparison.Ordinal);
        Assert.Contains("no packet dropped", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--what", "resets,bogus", "--what bogus")]
    [InlineData("--by", "host", "--by host")]
    [InlineData("--duration", "forever", "--duration forever")]
    [InlineData("--ring-kb", "1000", "--ring-kb 1000")]
    public void BadArguments_OneClearLineExit3(string option, string value, string expected)
    {
        var err = new StringWriter();
        var io = new CliIo(new StringWriter(), err, false, true);
        int rc = Program.Run(["trace", option, value], io);
        Assert.Equal((int)ExitCode.CouldNotRun, rc);
        Assert.Contains(expected, err.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Help_ListsEveryOption()
    {
        var o = new StringWriter();
        Program.Run(["trace", "--help"], new CliIo(o, new StringWriter(), false, true));
        foreach (var opt in new[] { "--duration", "--what", "--by", "--json", "--cleanup", "--top" })
            Assert.Contains(opt, o.ToString(), StringComparison.Ordinal);
    }
}
