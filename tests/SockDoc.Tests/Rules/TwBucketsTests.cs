using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

public class TwBucketsTests
{
    private static readonly TwBuckets Rule = new();
    private static Snapshot With(long tw, long max) => Snap.Base().Sockstat(s => s with { TcpTw = tw }).Sysctl(SysctlNames.TcpMaxTwBuckets, max.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Overflow_counter_rising_is_critical()
    {
        var before = With(100, 100).Counter("TcpExt", "TCPTimeWaitOverflow", 0);
        var r = Snap.Run(Rule, Snap.Pair(before, before.Counter("TcpExt", "TCPTimeWaitOverflow", 50)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal((When.Now, Confidence.Confirmed), (r.Finding!.When, r.Finding.Confidence));
        Assert.Contains(r.Finding.Fix, f => f.Setting == SysctlNames.TcpMaxTwBuckets);
        SnapEvidence.AssertNumeric(r.Finding, "TIME_WAIT now", "tcp_max_tw_buckets", "use", "TCPTimeWaitOverflow");
    }

    [Fact]
    public void Past_80_percent_warns_and_at_80_is_ok()
    {
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.One(With(801, 1000))).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(800, 1000).Counter("TcpExt", "TCPTimeWaitOverflow", 0))).Status);
    }

    [Fact]
    public void Missing_limit_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(With(1, 10).Sysctl(SysctlNames.TcpMaxTwBuckets, null).Counter("TcpExt", "TCPTimeWaitOverflow", 0))).Status);
    }

    [Fact]
    public void Refused_buckets_count_in_the_demand_for_the_new_limit()
    {
        // 8 buckets full; in 1 s TW rose by 0 and TCPTimeWaitOverflow by 20: demand 20/s × 60 s = 1,200 → ×1.5 → 2048.
        var before = Snap.Base().Sockstat(s => s with { TcpTw = 8 }).Sysctl(SysctlNames.TcpMaxTwBuckets, "8")
            .Counter("TcpExt", "TCPTimeWaitOverflow", 8).Counter("TcpExt", "TW", 100);
        var now = before.Counter("TcpExt", "TCPTimeWaitOverflow", 28);
        var r = Snap.Run(Rule, Snap.Pair(before, now));
        Assert.Equal("2048", r.Finding!.Fix.First(f => f.Setting == SysctlNames.TcpMaxTwBuckets).Value);
        Assert.Equal(20, r.Finding.Evidence.Single(e => e.Unit == "per_second").Value);
    }

    [Fact]
    public void Overflow_since_boot_with_few_time_waits_sizes_on_the_peak()
    {
        var b = Snap.Base().Sockstat(s => s with { TcpTw = 3 }).Sysctl(SysctlNames.TcpMaxTwBuckets, "1000").Counter("TcpExt", "TCPTimeWaitOverflow", 500);
        PastPeak.AssertKeeps(Snap.Run(Rule, Snap.Pair(b, b)), SysctlNames.TcpMaxTwBuckets);
    }

    [Fact]
    public void A_gauge_near_its_limit_still_gets_a_computed_value()
    {
        var b = Snap.Base().Sockstat(s => s with { TcpTw = 900 }).Sysctl(SysctlNames.TcpMaxTwBuckets, "1000");
        var r = Snap.Run(Rule, Snap.One(b));
        Assert.Contains(r.Finding!.Fix, f => f.Setting == SysctlNames.TcpMaxTwBuckets && f.Value == "2048");
    }

    [Fact]
    public void The_old_kernels_log_line_alone_is_likely_and_recent_is_critical()
    {
        var recent = SnapEvidence.Run(Rule, SnapEvidence.Empty().Log("tw_bucket_overflow", 13, 40, suppressed: 273));
        Assert.Equal(CheckStatus.Critical, recent.Status);
        Assert.Equal((When.Recent, Confidence.Likely), (recent.Finding!.When, recent.Finding.Confidence));
        Assert.Equal(13, recent.Finding.Evidence.Single(e => e.Source == "test").Value);
        var old = SnapEvidence.Run(Rule, SnapEvidence.Empty().Log("tw_bucket_overflow", 13, 86400));
        Assert.Equal((Severity.Warning, When.SinceBoot), (old.Finding!.Severity, old.Finding.When));
    }

    [Fact]
    public void A_recent_log_line_with_the_gauges_low_is_critical_recent()
    {
        var r = Snap.Run(Rule, Snap.One(With(10, 1000).Counter("TcpExt", "TCPTimeWaitOverflow", 0).Log("tw_bucket_overflow", 2, 30)));
        Assert.Equal((Severity.Critical, When.Recent), (r.Finding!.Severity, r.Finding.When));
    }

    [Fact]
    public void The_overflow_counter_alone_from_a_netstat_paste_is_confirmed()
    {
        var s = SnapEvidence.Empty() with { NetStat = new NetStatCounters { Groups = new Dictionary<string, IReadOnlyDictionary<string, long>> { ["TcpExt"] = new Dictionary<string, long> { ["TCPTimeWaitOverflow"] = 4711 } } } };
        var r = SnapEvidence.Run(Rule, s);
        Assert.Equal((Severity.Warning, When.SinceBoot, Confidence.Confirmed), (r.Finding!.Severity, r.Finding.When, r.Finding.Confidence));
        Assert.Equal(4711, r.Finding.Evidence.Single(e => e.Name == "TCPTimeWaitOverflow").Value);
    }

    [Fact]
    public void A_limit_at_long_max_proposes_nothing_and_does_not_overflow()
    {
        var before = With(100, long.MaxValue).Counter("TcpExt", "TCPTimeWaitOverflow", 0);
        var r = Snap.Run(Rule, Snap.Pair(before, before.Counter("TcpExt", "TCPTimeWaitOverflow", 5)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.DoesNotContain(r.Finding!.Fix, f => f.Setting == SysctlNames.TcpMaxTwBuckets);
    }
}

/// <summary>A limit hit only in the past while today's use is low: no value sized on today's use, the peak formula instead.</summary>
internal static class PastPeak
{
    public static void AssertKeeps(CheckResult r, string setting)
    {
        Assert.Equal(When.SinceBoot, r.Finding!.When);
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting == setting && f.Value.Length > 0);
        Assert.Contains(r.Finding.Fix, f => f.Setting.StartsWith($"Keep {setting} for now", StringComparison.Ordinal));
    }
}
