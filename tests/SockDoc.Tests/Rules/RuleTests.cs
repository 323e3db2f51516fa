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

