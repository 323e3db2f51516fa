using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

public class MemoryOvercommitTests
{
    private static readonly MemoryOvercommit Rule = new();
    private static Snapshot Strict(long committedKb, long limitKb) => Snap.Base().Sysctl(SysctlNames.OvercommitMemory, "2").Meminfo("Committed_AS", committedKb).Meminfo("CommitLimit", limitKb);

    [Fact]
    public void Strict_mode_at_the_limit_is_critical_past_80_warns()
    {
        var at = Snap.Run(Rule, Snap.One(Strict(1000, 1000)));
        Assert.Equal((CheckStatus.Critical, When.Now), (at.Status, at.Finding!.When));
        Assert.Equal(1.0, at.Finding.Evidence.Single(e => e.Name == "Committed_AS / CommitLimit").Value);
        Assert.Equal((CheckStatus.Warning, When.Risk), (Snap.Run(Rule, Snap.One(Strict(801, 1000))).Status, Snap.Run(Rule, Snap.One(Strict(801, 1000))).Finding!.When));
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(Strict(800, 1000))).Status);
    }

    [Fact]
    public void The_ratio_is_computed_from_the_commit_charge_and_puts_it_at_80_percent()
    {
        // MemTotal 24,684,092 kB, no swap, no hugetlb; Committed_AS 12,342,044 kB at the ratio-50 limit.
        // 80 %: limit 15,427,555 kB → ratio = ceil(15,427,555 × 100 / 24,684,092) = 63.
        var s = Strict(12_342_044, 12_342_044).Sysctl(SysctlNames.OvercommitRatio, "50").Sysctl(SysctlNames.OvercommitKbytes, "0");
        var fix = Snap.Run(Rule, Snap.One(s)).Finding!.Fix.Single(f => f.Setting == SysctlNames.OvercommitRatio);
        Assert.Equal("63", fix.Value);
    }

    [Fact]
    public void A_higher_ratio_than_the_computed_one_is_never_lowered()
    {
        // Today's ratio 90: the old fix proposed 80, a lower limit.
        var s = Strict(18_000_000, 22_215_682).Sysctl(SysctlNames.OvercommitRatio, "90").Sysctl(SysctlNames.OvercommitKbytes, "0");
        var fix = Snap.Run(Rule, Snap.One(s)).Finding!.Fix.SingleOrDefault(f => f.Setting == SysctlNames.OvercommitRatio);
        Assert.NotNull(fix);
        Assert.True(int.Parse(fix.Value, CultureInfo.InvariantCulture) >= 90, fix.Value);
    }

    [Fact]
    public void Overcommit_kbytes_replaces_the_ratio_and_is_what_the_fix_raises()
    {
        var s = Strict(1_000_000, 1_000_000).Sysctl(SysctlNames.OvercommitKbytes, "1000000").Sysctl(SysctlNames.OvercommitRatio, "0");
        var fix = Snap.Run(Rule, Snap.One(s)).Finding!.Fix;
        Assert.DoesNotContain(fix, f => f.Setting == SysctlNames.OvercommitRatio);
        Assert.Equal("1250000", fix.Single(f => f.Setting == SysctlNames.OvercommitKbytes).Value); // 1,000,000 kB at 80 %
    }

    [Fact]
    public void Commits_beyond_ram_and_swap_get_no_ratio_above_100()
    {
        var s = Strict(40_000_000, 12_342_044).Sysctl(SysctlNames.OvercommitRatio, "50").Sysctl(SysctlNames.OvercommitKbytes, "0");
        var fix = Snap.Run(Rule, Snap.One(s)).Finding!.Fix;
        Assert.DoesNotContain(fix, f => f.Setting == SysctlNames.OvercommitRatio);
        Assert.Contains(fix, f => f.Setting.StartsWith("Add RAM or swap", StringComparison.Ordinal));
    }

    [Fact]
    public void Heuristic_mode_ignores_commit_but_sees_socket_memory_with_low_available()
    {
        var s = Snap.Base().Sysctl(SysctlNames.OvercommitMemory, "0").Meminfo("Committed_AS", 10_000_000).Meminfo("CommitLimit", 1000)
            .Meminfo("MemAvailable", 1_000_000).Sockstat(x => x with { TcpMemPages = 1_000_000 });
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal((CheckStatus.Warning, When.Risk), (r.Status, r.Finding!.When));
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting == SysctlNames.OvercommitRatio);
    }

    [Fact]
    public void A_paste_of_the_kernel_line_alone_is_likely()
    {
        var r = Snap.Run(Rule, Snap.One(Snap.Base().OnlyLog().Logged("memory_overcommit", 5, agoSeconds: 3)));
        Assert.Equal((CheckStatus.Critical, When.Recent, Confidence.Likely), (r.Status, r.Finding!.When, r.Finding.Confidence));
    }

    [Fact]
    public void Missing_mode_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(Snap.Base().Sysctl(SysctlNames.OvercommitMemory, null))).Status);
    }

    [Fact]
    public void Extreme_values_do_not_overflow()
    {
        var max = long.MaxValue.ToString(CultureInfo.InvariantCulture);
        foreach (var s in new[]
        {
            Strict(long.MaxValue / 1024, long.MaxValue / 1024).Sysctl(SysctlNames.OvercommitKbytes, max),
            Strict(long.MaxValue / 1024, 0).Sysctl(SysctlNames.OvercommitRatio, max).Sysctl(SysctlNames.OvercommitKbytes, "0"),
            Strict(0, 0).Meminfo("MemTotal", 0),
        })
            Assert.NotEqual(CheckStatus.Error, Snap.Run(Rule, Snap.One(s)).Status);
    }
}
