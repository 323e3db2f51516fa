using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

public class UdpMemTests
{
    private static readonly UdpMem Rule = new();
    private static Snapshot With(long mem, string udpMem = "500 700 1000") => Snap.Base().Sockstat(s => s with { UdpMemPages = mem }).Sysctl(SysctlNames.UdpMem, udpMem);
    private static long[] Proposed(CheckResult r) =>
        r.Finding!.Fix.Single(f => f.Setting == SysctlNames.UdpMem).Value.Split(' ').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void Thresholds_are_against_udp_mem_min_because_udp_has_no_pressure_mode()
    {
        Assert.Equal((CheckStatus.Critical, When.Now), Outcome(Snap.One(With(501))));
        Assert.Equal((CheckStatus.Warning, When.Risk), Outcome(Snap.One(With(401))));
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(400).Counter("Udp", "MemErrors", 0))).Status);
        var b = With(10).Counter("Udp", "MemErrors", 1);
        Assert.Equal((CheckStatus.Critical, When.Now), Outcome(Snap.Pair(b, b.Counter("Udp", "MemErrors", 2))));
        Assert.Equal((CheckStatus.Warning, When.SinceBoot), Outcome(Snap.Pair(b, b)));
        Assert.Equal([1200, 1600, 2400], Proposed(Snap.Run(Rule, Snap.One(With(600)))));
    }

    private static (CheckStatus, When?) Outcome(SnapshotPair p)
    {
        var r = Snap.Run(Rule, p);
        return (r.Status, r.Finding?.When);
    }

    [Fact]
    public void Never_proposes_a_value_below_the_running_one()
    {
        // Pressure 5000 and high 100000 set by hand: the udp_init() ratios on 2 × 600 would give 1600 and 2400.
        var p = Proposed(Snap.Run(Rule, Snap.One(With(600, "500 5000 100000"))));
        Assert.Equal(1200, p[0]);
        Assert.True(p[1] >= 5000 && p[2] >= 100000, string.Join(' ', p));
    }

    [Fact]
    public void Udp_rmem_min_is_read_from_the_sysctl()
    {
        var r = Snap.Run(Rule, Snap.One(With(501).Sysctl(SysctlNames.UdpRmemMin, "16384")));
        var e = r.Finding!.Evidence.Single(x => x.Name.StartsWith("udp_rmem_min", StringComparison.Ordinal));
        Assert.Equal(16384, e.Value);
        Assert.Equal("bytes", e.Unit);
    }

    [Fact]
    public void Without_the_sysctl_udp_rmem_min_is_one_page_not_4_KiB()
    {
        var s = With(501).Sysctl(SysctlNames.UdpRmemMin, null);
        s = s with { Host = s.Host with { PageSize = 65536 } };
        var e = Snap.Run(Rule, Snap.One(s)).Finding!.Evidence.Single(x => x.Name.StartsWith("udp_rmem_min", StringComparison.Ordinal));
        Assert.Equal(65536, e.Value);
    }

    [Fact]
    public void A_paste_of_netstat_with_mem_errors_rising_is_a_finding_without_the_gauge()
    {
        var b = Snap.Base().Counter("Udp", "MemErrors", 10) with { SockStat = null };
        var r = Snap.Run(Rule, Snap.Pair(b, b.Counter("Udp", "MemErrors", 50)));
        Assert.Equal((CheckStatus.Critical, When.Now), (r.Status, r.Finding!.When));
        Assert.Equal(50, r.Finding.Evidence.Single().Value);
        Assert.Contains(Inputs.SockStatUdpMem, r.Finding.ToConfirm);
    }

    [Fact]
    public void Missing_udp_mem_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(With(1).Sysctl(SysctlNames.UdpMem, null))).Status);
    }

    [Fact]
    public void Extreme_kernel_values_do_not_overflow()
    {
        var max = long.MaxValue.ToString(CultureInfo.InvariantCulture);
        foreach (var (mem, limits) in new[] { (long.MaxValue, $"{max} {max} {max}"), (long.MaxValue, "0 0 0"), (0L, "0 0 0") })
            Assert.NotEqual(CheckStatus.Error, Snap.Run(Rule, Snap.One(With(mem, limits).Sysctl(SysctlNames.UdpRmemMin, max))).Status);
    }
}
