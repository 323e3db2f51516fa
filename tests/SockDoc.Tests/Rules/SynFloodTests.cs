using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

public class SynFloodTests
{
    private static readonly SynFlood Rule = new();

    private static Snapshot Counters(long drop = 0, long cookies = 0, long overflows = 0, long listenDrops = 0) => Snap.Base()
        .Counter("TcpExt", "TCPReqQFullDrop", drop).Counter("TcpExt", "TCPReqQFullDoCookies", cookies)
        .Counter("TcpExt", "ListenOverflows", overflows).Counter("TcpExt", "ListenDrops", listenDrops);

    [Fact]
    public void Drops_rising_are_critical_cookies_rising_too_flat_warns()
    {
        var b = Counters();
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.Pair(b, Counters(drop: 3, listenDrops: 3))).Status);
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.Pair(b, Counters(cookies: 3))).Status);
        var flat = Counters(cookies: 3);
        var r = Snap.Run(Rule, Snap.Pair(flat, flat));
        Assert.Equal((CheckStatus.Warning, When.SinceBoot), (r.Status, r.Finding!.When));
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.Pair(b, b)).Status);
    }

    [Fact]
    public void With_syncookies_2_every_syn_counts_as_a_cookie_so_cookies_are_ignored()
    {
        var b = Counters().Sysctl(SysctlNames.TcpSyncookies, "2");
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.Pair(b, Counters(cookies: 500).Sysctl(SysctlNames.TcpSyncookies, "2"))).Status);
    }

    [Fact]
    public void Syncookies_off_proposes_turning_them_on()
    {
        var b = Counters(drop: 5).Sysctl(SysctlNames.TcpSyncookies, "0");
        var r = Snap.Run(Rule, Snap.One(b));
        Assert.Contains(r.Finding!.Fix, f => f.Setting == SysctlNames.TcpSyncookies && f.Value == "1");
    }

    [Fact]
    public void Without_cookies_the_quarter_rule_drops_show_only_in_ListenDrops()
    {
        // Issue 14 #8: syncookies 0, ListenDrops +50 while ListenOverflows and TCPReqQFullDrop stay flat.
        var before = Counters(listenDrops: 10).Sysctl(SysctlNames.TcpSyncookies, "0").Sysctl(SysctlNames.TcpMaxSynBacklog, "256");
        var now = Counters(listenDrops: 60).Sysctl(SysctlNames.TcpSyncookies, "0").Sysctl(SysctlNames.TcpMaxSynBacklog, "256");
        var r = Snap.Run(Rule, Snap.Pair(before, now));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal((When.Now, Confidence.Likely), (r.Finding!.When, r.Finding.Confidence));
        Assert.Equal(60, r.Finding.Evidence.Single(e => e.Name == "ListenDrops beyond ListenOverflows and TCPReqQFullDrop").Value);
        Assert.Contains(r.Finding.Fix, f => f.Setting == SysctlNames.TcpMaxSynBacklog && f.Value == "8192");
    }

    [Fact]
    public void Syn_queue_counters_rising_with_ListenOverflows_point_to_a_slow_accept()
    {
        var r = Snap.Run(Rule, Snap.Pair(Counters(), Counters(cookies: 40, overflows: 30, listenDrops: 30)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Contains("listen_overflow", r.Finding!.Fix[0].Setting, StringComparison.Ordinal);
        // A flood alone (ListenOverflows flat) gets no accept-queue fix first.
        var flood = Snap.Run(Rule, Snap.Pair(Counters(), Counters(cookies: 40)));
        Assert.DoesNotContain("listen_overflow", flood.Finding!.Fix[0].Setting, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(16384)]
    [InlineData(long.MaxValue)]
    public void Never_proposes_a_tcp_max_syn_backlog_below_the_running_one(long current)
    {
        var b = Counters(drop: 5, listenDrops: 5).Sysctl(SysctlNames.TcpSyncookies, "0").Sysctl(SysctlNames.TcpMaxSynBacklog, current.ToString(CultureInfo.InvariantCulture));
        var r = Snap.Run(Rule, Snap.One(b));
        foreach (var f in r.Finding!.Fix.Where(f => f.Setting is SysctlNames.TcpMaxSynBacklog or SysctlNames.Somaxconn))
            Assert.True(long.Parse(f.Value, CultureInfo.InvariantCulture) > (f.Setting == SysctlNames.TcpMaxSynBacklog ? current : 4096), $"{f.Setting}={f.Value}");
    }

    [Fact]
    public void The_2_6_era_log_line_alone_is_a_likely_finding_not_unknown()
    {
        // "possible SYN flooding on port 80. Sending cookies." pasted on its own.
        var r = SnapEvidence.Run(Rule, SnapEvidence.Empty().Log("syn_flood", 1, 5));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal((When.Recent, Confidence.Likely), (r.Finding!.When, r.Finding.Confidence));
        Assert.Contains(r.Finding.ToConfirm, i => i == Inputs.TcpReqQFullDoCookies);
    }

    [Fact]
    public void Missing_counters_are_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(Snap.Base() with { NetStat = new NetStatCounters() })).Status);
    }
}
