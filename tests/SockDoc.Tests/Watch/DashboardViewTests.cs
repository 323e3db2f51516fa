using SockDoc.Cli.History;
using SockDoc.Cli.Views;
using SockDoc.Diagnosis.Engine;

namespace SockDoc.Tests.Watch;

public sealed class DashboardViewTests
{
    private static string Render(DashboardModel model, int width = 160)
    {
        // The terminal frame (bars and sparklines), laid out at the width without colour.
        return DashboardView.Doc(model, graphics: true).Render(width, color: false);
    }

    private static DashboardModel Model(bool census)
    {
        var history = Enumerable.Range(0, 40).Select(i => Sample.From(WatchSnapshots.Busy(WatchSnapshots.T0.AddSeconds(i), orphans: 1000 * i, census: census))).ToList();
        return new DashboardModel
        {
            Current = history[^1],
            History = history,
            KernelRelease = "6.18.44",
            Findings = [new Finding { Id = "orphans", Severity = Severity.Warning, Title = "Orphans above tcp_max_orphans/4", When = When.Risk, Explanation = "e" }],
            TopProcesses = census ? WatchSnapshots.Busy(WatchSnapshots.T0).Census!.Processes : null,
        };
    }

    [Fact]
    public void A_frame_shows_every_gauge_against_its_limits()
    {
        var text = Render(Model(census: true));
        Assert.Contains("TCP buffer memory", text, StringComparison.Ordinal);
        Assert.Contains("1.1 GiB", text, StringComparison.Ordinal); // 300,000 pages × 4 KiB
        Assert.Contains("pressure 1.5 GiB, max 2.2 GiB", text, StringComparison.Ordinal);
        Assert.Contains("max 131,072, /2 65,536, /4 32,768", text, StringComparison.Ordinal);
        Assert.Contains("39,000", text, StringComparison.Ordinal); // orphans of the last sample
        Assert.Contains("tcp_max_tw_buckets 262,144", text, StringComparison.Ordinal);
        Assert.Contains("10.0.0.1 → 10.0.0.9:5432 of 28,232 ports", text, StringComparison.Ordinal);
        Assert.Contains("nf_conntrack_max 262,144", text, StringComparison.Ordinal);
        Assert.Contains("file-max 2,466,170", text, StringComparison.Ordinal);
        Assert.Contains("nginx[4242] nofile 65,536", text, StringComparison.Ordinal);
        Assert.Contains("Orphans above tcp_max_orphans/4", text, StringComparison.Ordinal);
        Assert.Contains("postgres", text, StringComparison.Ordinal);
        // Orphans rose steadily over the window (16,000 → 39,000 in the last 24 samples, scaled from 0):
        // the orphan row's sparkline climbs from a middle block to the full one, never down.
        var row = text.Split('\n').First(l => l.Contains("Orphans ", StringComparison.Ordinal) && l.Contains("131,072", StringComparison.Ordinal));
        var spark = System.Text.RegularExpressions.Regex.Match(row, "[▁▂▃▄▅▆▇█]{20,}").Value;
        Assert.Equal(24, spark.Length);
        Assert.Equal('▄', spark[0]);
        Assert.Equal('█', spark[^1]);
        Assert.True(spark.Zip(spark.Skip(1)).All(p => p.First <= p.Second), spark);
    }

    [Fact]
    public void Without_a_census_the_census_gauges_say_n_a()
    {
        var text = Render(Model(census: false));
        Assert.Contains("n/a (no census)", text, StringComparison.Ordinal);
        Assert.Contains("n/a (no socket census)", text, StringComparison.Ordinal);
        Assert.Contains("TIME_WAIT", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Paused_is_shown()
    {
        Assert.Contains("PAUSED", Render(Model(census: true) with { Paused = true }), StringComparison.Ordinal);
        Assert.DoesNotContain("PAUSED", Render(Model(census: true)), StringComparison.Ordinal);
    }

    [Fact]
    public void Sparklines_scale_from_zero_and_leave_gaps_for_missing_points()
    {
        Assert.Equal("▁▅█ ", DashboardView.Sparkline([0, 50, 100, null])); // 3.5 rounds to even: level 4
        Assert.Equal("▁▁▁", DashboardView.Sparkline([0, 0, 0]));
        // Scaled from 0, not from the window's minimum: 131,000 ± 8 is flat and full.
        Assert.Equal("████", DashboardView.Sparkline([131_000, 131_008, 131_000, 131_004]));
        Assert.Equal("", DashboardView.Sparkline([null, null]));
        Assert.Equal("██████░░░░░░", DashboardView.Bar(0.5));
        Assert.Equal("████████████", DashboardView.Bar(3));
    }
}
