using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

// One class per rule: a snapshot that triggers it, one just below its threshold, and one with an input missing.

public class OrphansRuleTests
{
    private static readonly Orphans Rule = new();
    private static Snapshot WithOrphans(long n, long max) => Snap.Base().Sockstat(s => s with { TcpOrphan = n }).Sysctl(SysctlNames.TcpMaxOrphans, max.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Over_max_over_4_warns_with_the_three_limits()
    {
        var r = Snap.Run(Rule, Snap.One(WithOrphans(1001, 4000)));
        Assert.Equal(CheckStatus.Warning, r.Status);
        Assert.Contains("max/4 = 1,000", r.Finding!.Title, StringComparison.Ordinal);
        Assert.Contains(r.Finding.Evidence, e => e.Text.Contains("4,000 at close(), 2,000", StringComparison.Ordinal));
        Assert.Contains(r.Finding.Fix, f => f.Setting == SysctlNames.TcpMaxOrphans);
    }

    [Fact]
    public void Exactly_max_over_4_is_still_ok()
    {
        // tcp_too_many_orphans() is a strict ">": 1000 << 2 = 4000 is not > 4000.
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(WithOrphans(1000, 4000))).Status);
    }

    [Fact]
    public void At_max_nothing_is_killed_at_close_yet_but_over_max_2_is_critical()
    {
        var r = Snap.Run(Rule, Snap.One(WithOrphans(4000, 4000)));
        Assert.Contains("max/2", r.Finding!.Title, StringComparison.Ordinal); // not the close() title: 4000 > 4000 is false
        Assert.Contains("exceed tcp_max_orphans", Snap.Run(Rule, Snap.One(WithOrphans(4001, 4000))).Finding!.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void The_proposed_limit_clears_max_over_4_with_a_quarter_of_room_and_states_its_memory()
    {
        // A public report: 65,738 orphans against tcp_max_orphans 65,536 → 65,738 × 4 × 1.25 = 328,722 → 524,288.
        var r = Snap.Run(Rule, Snap.One(WithOrphans(65738, 65536)));
        var fix = r.Finding!.Fix.Single(f => f.Setting == SysctlNames.TcpMaxOrphans);
        Assert.Equal("524288", fix.Value);
        Assert.Contains("524,288 orphans × 6,464 B (tcp_sock + one page)", fix.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Over_max_over_2_is_critical()
    {
        var r = Snap.Run(Rule, Snap.One(WithOrphans(2001, 4000)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal(When.Now, r.Finding!.When);
    }

    [Fact]
    public void Abort_counter_rising_is_critical_now_and_flat_is_since_boot()
    {
        var before = WithOrphans(10, 4000).Counter("TcpExt", "TCPAbortOnMemory", 5);
        var rising = Snap.Run(Rule, Snap.Pair(before, before.Counter("TcpExt", "TCPAbortOnMemory", 9)));
        Assert.Equal(CheckStatus.Critical, rising.Status);
        Assert.Contains("+4 in 1.0 s", rising.Finding!.Title, StringComparison.Ordinal);
        var flat = Snap.Run(Rule, Snap.Pair(before, before));
        Assert.Equal(CheckStatus.Warning, flat.Status);
        Assert.Equal(When.SinceBoot, flat.Finding!.When);
    }

    [Fact]
    public void Missing_limit_in_a_child_namespace_is_unknown_and_says_why()
    {
        var s = WithOrphans(10, 4000).Sysctl(SysctlNames.TcpMaxOrphans, null);
        s = s with { Host = s.Host with { InitialNetNs = false } };
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal(CheckStatus.Unknown, r.Status);
        Assert.Contains("namespace", r.MissingInputs[0], StringComparison.Ordinal);
    }
}

public class TcpMemRuleTests
{
    private static readonly TcpMem Rule = new();
    private static Snapshot With(long mem) => Snap.Base().Sockstat(s => s with { TcpMemPages = mem }).Sysctl(SysctlNames.TcpMem, "750 1000 1500");

    [Fact]
    public void Over_pressure_is_critical_and_proposes_kernel_ratios()
    {
        var r = Snap.Run(Rule, Snap.One(With(1001)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        var fix = Assert.Single(r.Finding!.Fix, f => f.Setting == SysctlNames.TcpMem);
        Assert.Equal("1500 2002 3000", fix.Value); // pressure = 2×1001; min = 2002/4×3; high = 2×min
        Assert.Contains(r.Finding.Evidence, e => e.Text.Contains("pages (", StringComparison.Ordinal));
    }

    [Fact]
    public void Over_high_is_refusal_and_at_high_is_pressure()
    {
        Assert.Contains("over tcp_mem high", Snap.Run(Rule, Snap.One(With(1501))).Finding!.Title, StringComparison.Ordinal);
        Assert.Contains("memory pressure", Snap.Run(Rule, Snap.One(With(1500))).Finding!.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Past_80_percent_of_pressure_warns_and_just_below_is_ok()
    {
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.One(With(801))).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(800))).Status);
    }

    [Fact]
    public void Pressure_transitions_rising_is_critical()
    {
        var before = With(10).Counter("TcpExt", "TCPMemoryPressures", 3);
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.Pair(before, before.Counter("TcpExt", "TCPMemoryPressures", 4))).Status);
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.Pair(before, before)).Status);
    }

    [Fact]
    public void Missing_tcp_mem_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(With(10).Sysctl(SysctlNames.TcpMem, null))).Status);
    }
}

public class TwBucketsRuleTests
{
    private static readonly TwBuckets Rule = new();
    private static Snapshot With(long tw, long max) => Snap.Base().Sockstat(s => s with { TcpTw = tw }).Sysctl(SysctlNames.TcpMaxTwBuckets, max.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Overflow_counter_rising_is_critical()
    {
        var before = With(100, 100).Counter("TcpExt", "TCPTimeWaitOverflow", 0);
        var r = Snap.Run(Rule, Snap.Pair(before, before.Counter("TcpExt", "TCPTimeWaitOverflow", 50)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Contains(r.Finding!.Fix, f => f.Setting == SysctlNames.TcpMaxTwBuckets);
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
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(With(1, 10).Sysctl(SysctlNames.TcpMaxTwBuckets, null))).Status);
    }
}

public class PortExhaustionRuleTests
{
    private static readonly PortExhaustion Rule = new();
    private static Snapshot With(long tw, string range) => Snap.Base().Sockstat(s => s with { TcpTw = tw }).Sysctl(SysctlNames.IpLocalPortRange, range);

    [Fact]
    public void Tw_at_the_range_size_warns()
    {
        var r = Snap.Run(Rule, Snap.One(With(10, "40000 40009")));
        Assert.Equal(CheckStatus.Warning, r.Status);
        Assert.Contains(r.Finding!.Evidence, e => e.Text.StartsWith("10 (40000–40009", StringComparison.Ordinal));
    }

    [Fact]
    public void Default_range_gives_470_per_second_per_destination()
    {
        var r = Snap.Run(Rule, Snap.One(With(28000, "32768 60999")));
        Assert.Contains(r.Finding!.Evidence, e => e.Text.Contains("28,232 ports / 60 s TIME_WAIT = 470.5/s", StringComparison.Ordinal));
    }

    [Fact]
    public void Below_80_percent_is_ok()
    {
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(8, "40000 40009"))).Status);
    }

    [Fact]
    public void Census_per_destination_decides_when_present()
    {
        var census = new Model.Census.SocketCensus
        {
            TakenAt = DateTimeOffset.UnixEpoch,
            Destinations = [new("127.0.0.1", "127.0.0.2", 80, 10, 9)],
        };
        var r = Snap.Run(Rule, Snap.One(With(0, "40000 40009") with { Census = census }));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Contains("127.0.0.2:80", r.Finding!.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Reserved_ports_are_subtracted()
    {
        Assert.Equal(3, PortExhaustion.CountReserved("40000-40001,40005,9", 40000, 40009));
        Assert.Equal(0, PortExhaustion.CountReserved("", 1, 2));
    }

    [Fact]
    public void Missing_range_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(With(0, "x").Sysctl(SysctlNames.IpLocalPortRange, null))).Status);
    }
}

public class TwBucketsDemandTests
{
    [Fact]
    public void Refused_buckets_count_in_the_demand_for_the_new_limit()
    {
        // 8 buckets full; in 1 s TW rose by 0 and TCPTimeWaitOverflow by 20: demand 20/s × 60 s = 1,200 → ×1.5 → 2048.
        var before = Snap.Base().Sockstat(s => s with { TcpTw = 8 }).Sysctl(SysctlNames.TcpMaxTwBuckets, "8")
            .Counter("TcpExt", "TCPTimeWaitOverflow", 8).Counter("TcpExt", "TW", 100);
        var now = before.Counter("TcpExt", "TCPTimeWaitOverflow", 28);
        var r = Snap.Run(new TwBuckets(), Snap.Pair(before, now));
        Assert.Equal("2048", r.Finding!.Fix.First(f => f.Setting == SysctlNames.TcpMaxTwBuckets).Value);
    }
}
