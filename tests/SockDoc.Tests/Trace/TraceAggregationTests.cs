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
