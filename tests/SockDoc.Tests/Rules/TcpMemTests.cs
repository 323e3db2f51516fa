using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

public class TcpMemTests
{
    private static readonly TcpMem Rule = new();
    private static Snapshot With(long mem, string tcpMem = "750 1000 1500") => Snap.Base().Sockstat(s => s with { TcpMemPages = mem }).Sysctl(SysctlNames.TcpMem, tcpMem);
    private static long[] Proposed(CheckResult r) =>
        r.Finding!.Fix.Single(f => f.Setting == SysctlNames.TcpMem).Value.Split(' ').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void Over_pressure_is_critical_and_proposes_kernel_ratios()
    {
        var r = Snap.Run(Rule, Snap.One(With(1001)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal(When.Now, r.Finding!.When);
        Assert.Equal([1500, 2002, 3000], Proposed(r)); // pressure = 2×1001; min = 2002/4×3; high = 2×min
        var mem = r.Finding.Evidence.Single(e => e.Name == "TCP buffer memory");
        Assert.Equal(1001, mem.Value);
        Assert.Equal("pages", mem.Unit);
    }

    [Fact]
    public void Over_high_and_at_high_are_both_critical_now()
    {
        Assert.Equal(When.Now, Snap.Run(Rule, Snap.One(With(1501))).Finding!.When);
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.One(With(1500))).Status);
    }

    [Fact]
    public void Past_80_percent_of_pressure_warns_as_a_risk_and_just_below_is_ok()
    {
        var r = Snap.Run(Rule, Snap.One(With(801)));
        Assert.Equal((CheckStatus.Warning, When.Risk), (r.Status, r.Finding!.When));
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(800))).Status);
    }

    [Fact]
    public void Pressure_transitions_rising_is_critical_flat_is_since_boot()
    {
        var before = With(10).Counter("TcpExt", "TCPMemoryPressures", 3);
        var rising = Snap.Run(Rule, Snap.Pair(before, before.Counter("TcpExt", "TCPMemoryPressures", 4)));
        Assert.Equal((CheckStatus.Critical, When.Now), (rising.Status, rising.Finding!.When));
        var flat = Snap.Run(Rule, Snap.Pair(before, before));
        Assert.Equal((CheckStatus.Warning, When.SinceBoot), (flat.Status, flat.Finding!.When));
    }

    [Fact]
    public void A_rising_pressure_counter_with_use_below_the_mark_does_not_claim_use_over_pressure()
    {
        var before = With(10).Counter("TcpExt", "TCPMemoryPressures", 3);
        var r = Snap.Run(Rule, Snap.Pair(before, before.Counter("TcpExt", "TCPMemoryPressures", 4)));
        Assert.DoesNotContain("> pressure", r.Finding!.Title, StringComparison.Ordinal);
        Assert.Contains("10 pages", r.Finding.Title, StringComparison.Ordinal);
        // Nothing to size on: today's tcp_mem stays; no lower value is ever proposed.
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting == SysctlNames.TcpMem);
    }

    [Fact]
    public void A_hand_set_min_and_high_are_never_lowered()
    {
        // min 1000 and high 100000 set by hand; use 1002 over pressure 1001: the kernel ratios would give min 1503, high 3006.
        var r = Snap.Run(Rule, Snap.One(With(1002, "1600 1001 100000")));
        var p = Proposed(r);
        Assert.Equal(2004, p[1]);
        Assert.True(p[0] >= 1600, $"min {p[0]} lowered");
        Assert.True(p[2] >= 100000, $"high {p[2]} lowered");
    }

    [Fact]
    public void A_kernel_line_two_seconds_ago_with_use_back_down_is_recent_and_critical()
    {
        var s = With(10).Logged("tcp_out_of_memory", 40, agoSeconds: 2, suppressed: 120);
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal((CheckStatus.Critical, When.Recent, Confidence.Confirmed), (r.Status, r.Finding!.When, r.Finding.Confidence));
        Assert.Contains("(2 s ago), 40 in the window", r.Finding.Title, StringComparison.Ordinal);
        Assert.Equal(When.SinceBoot, LogSnap.Run(Rule, Snap.One(s), TimeSpan.Zero).Finding!.When);
    }

    [Fact]
    public void A_paste_of_the_kernel_line_alone_is_likely()
    {
        var r = Snap.Run(Rule, Snap.One(Snap.Base().OnlyLog().Logged("tcp_out_of_memory", 3, agoSeconds: 5)));
        Assert.Equal((CheckStatus.Critical, When.Recent, Confidence.Likely), (r.Status, r.Finding!.When, r.Finding.Confidence));
        Assert.Contains(Inputs.SockStatTcpMem, r.Finding.ToConfirm);
    }

    [Fact]
    public void A_paste_of_netstat_with_pressure_rising_is_confirmed_without_the_gauge()
    {
        var b = Snap.Base().Counter("TcpExt", "TCPMemoryPressures", 3) with { SockStat = null };
        var r = Snap.Run(Rule, Snap.Pair(b, b.Counter("TcpExt", "TCPMemoryPressures", 9)));
        Assert.Equal((CheckStatus.Critical, When.Now, Confidence.Confirmed), (r.Status, r.Finding!.When, r.Finding.Confidence));
    }

    [Fact]
    public void Pressure_since_boot_with_low_use_sizes_nothing_on_today()
    {
        var b = With(10).Counter("TcpExt", "TCPMemoryPressures", 12);
        var r = Snap.Run(Rule, Snap.Pair(b, b));
        Assert.Equal(When.SinceBoot, r.Finding!.When);
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting == SysctlNames.TcpMem && f.Value.Length > 0);
        Assert.Contains(r.Finding.Fix, f => f.Setting.StartsWith($"Keep {SysctlNames.TcpMem} for now", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_tcp_mem_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(With(10).Sysctl(SysctlNames.TcpMem, null))).Status);
    }

    [Fact]
    public void Extreme_kernel_values_do_not_overflow()
    {
        var max = long.MaxValue.ToString(CultureInfo.InvariantCulture);
        foreach (var (mem, limits) in new[] { (long.MaxValue, $"{max} {max} {max}"), (long.MaxValue, "0 0 0"), (0L, "0 0 0"), (long.MaxValue / 2 + 1, "1 2 3") })
        {
            var s = With(mem, limits).Sysctl(SysctlNames.MemPcpuRsv, max) with { Host = Snap.Base().Host with { CpuCount = int.MaxValue } };
            Assert.NotEqual(CheckStatus.Error, Snap.Run(Rule, Snap.One(s)).Status);
        }
    }
}
