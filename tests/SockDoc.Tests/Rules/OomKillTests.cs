using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;
using SockDoc.Model.KernelLog;

namespace SockDoc.Tests.Rules;

public class OomKillTests
{
    private static readonly OomKill Rule = new();

    [Fact]
    public void Rising_kills_are_critical_flat_warn_none_ok()
    {
        var b = Snap.Base().Vmstat("oom_kill", 2);
        var rising = Snap.Run(Rule, Snap.Pair(b, b.Vmstat("oom_kill", 3)));
        Assert.Equal((CheckStatus.Critical, When.Now), (rising.Status, rising.Finding!.When));
        var flat = Snap.Run(Rule, Snap.Pair(b, b));
        Assert.Equal((CheckStatus.Warning, When.SinceBoot), (flat.Status, flat.Finding!.When));
        Assert.Equal(3, rising.Finding.Evidence.Single(e => e.Name == "processes killed by the OOM killer").Value);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(Snap.Base().Vmstat("oom_kill", 0))).Status);
    }

    [Fact]
    public void Tcp_buffers_dominating_halve_the_raised_tcp_mem()
    {
        // 24 GiB host whose tcp_mem was raised to 6,000,000 pages; 1,000,000 pages (3.8 GiB) of TCP buffers in use.
        var s = Snap.Base().Vmstat("oom_kill", 1).Sockstat(x => x with { TcpMemPages = 1_000_000 }).Sysctl(SysctlNames.TcpMem, "3000000 4000000 6000000");
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal("1500000 2000000 3000000", r.Finding!.Fix.Single(f => f.Setting == SysctlNames.TcpMem).Value);
        Assert.Equal(4_096_000_000, r.Finding.Evidence.Single(e => e.Name == "TCP buffers").Value);
    }

    [Fact]
    public void Never_proposes_a_tcp_mem_higher_than_today()
    {
        var s = Snap.Base().Vmstat("oom_kill", 1).Sockstat(x => x with { TcpMemPages = 1_000_000 });
        Assert.DoesNotContain(Snap.Run(Rule, Snap.One(s)).Finding!.Fix, f => f.Setting == SysctlNames.TcpMem);
    }

    [Fact]
    public void Udp_buffers_dominating_cap_udp_mem_not_tcp_mem()
    {
        var s = Snap.Base().Vmstat("oom_kill", 1).Sockstat(x => x with { TcpMemPages = 1000, UdpMemPages = 1_000_000 })
            .Sysctl(SysctlNames.TcpMem, "3000000 4000000 6000000").Sysctl(SysctlNames.UdpMem, "3000000 4000000 6000000");
        var fix = Snap.Run(Rule, Snap.One(s)).Finding!.Fix;
        Assert.DoesNotContain(fix, f => f.Setting == SysctlNames.TcpMem);
        Assert.Equal("1500000 2000000 3000000", fix.Single(f => f.Setting == SysctlNames.UdpMem).Value);
    }

    [Fact]
    public void Slab_dominating_points_at_the_number_of_sockets_not_tcp_mem()
    {
        // 2,000,000 idle TCP sockets: 4.4 GiB of tcp_sock slab, 400 pages of buffers.
        var s = Snap.Base().Vmstat("oom_kill", 1).Sockstat(x => x with { TcpMemPages = 400 }).Sysctl(SysctlNames.TcpMem, "3000000 4000000 6000000");
        s = s with { SlabInfo = s.SlabInfo! with { Caches = [.. s.SlabInfo.Caches.Where(c => c.Name != "TCP"), new SlabCache("TCP", 2_000_000, 2_000_000, 2368, 13, 8)] } };
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.DoesNotContain(r.Finding!.Fix, f => f.Setting == SysctlNames.TcpMem);
        Assert.Contains(r.Finding.Fix, f => f.Setting.StartsWith("Cut the number of sockets", StringComparison.Ordinal));
    }

    [Fact]
    public void A_memory_cgroup_kill_points_at_the_cgroup_limit_not_the_host_tcp_mem()
    {
        var victim = new OomVictim { Pid = 4242, Name = "java", AnonRssKb = 1_000_000, Cgroup = "/system.slice/app.service", Constraint = "CONSTRAINT_MEMCG" };
        var s = Snap.Base().Vmstat("oom_kill", 1).Sockstat(x => x with { TcpMemPages = 1_000_000 }).Sysctl(SysctlNames.TcpMem, "3000000 4000000 6000000")
            .Logged("memcg_oom_kill", 1, agoSeconds: 7200, victims: [victim]);
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.DoesNotContain(r.Finding!.Fix, f => f.Setting == SysctlNames.TcpMem);
        Assert.Contains(r.Finding.Fix, f => f.Setting.Contains("/sys/fs/cgroup/system.slice/app.service/memory.max", StringComparison.Ordinal));
        Assert.Equal(1_024_000_000, r.Finding.Evidence.Single(e => e.Name == "victim java (4242)").Value);
    }

    [Fact]
    public void A_kill_logged_a_minute_ago_is_recent_and_critical_and_with_recent_0_history()
    {
        var s = Snap.Base().Vmstat("oom_kill", 1).Logged("oom_kill", 1, agoSeconds: 60);
        var r = Snap.Run(Rule, Snap.Pair(s, s));
        Assert.Equal((CheckStatus.Critical, When.Recent), (r.Status, r.Finding!.When));
        Assert.Equal(When.SinceBoot, LogSnap.Run(Rule, Snap.Pair(s, s), TimeSpan.Zero).Finding!.When);
    }

    [Fact]
    public void A_paste_of_the_kill_line_alone_is_likely()
    {
        var r = Snap.Run(Rule, Snap.One(Snap.Base().OnlyLog().Logged("oom_kill", 2, agoSeconds: 10)));
        Assert.Equal((CheckStatus.Critical, When.Recent, Confidence.Likely), (r.Status, r.Finding!.When, r.Finding.Confidence));
    }

    [Fact]
    public void Missing_vmstat_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(Snap.Base() with { VmStat = null })).Status);
    }

    [Fact]
    public void Extreme_values_do_not_overflow()
    {
        var max = long.MaxValue.ToString(CultureInfo.InvariantCulture);
        var s = Snap.Base().Vmstat("oom_kill", long.MaxValue).Sockstat(x => x with { TcpMemPages = long.MaxValue, UdpMemPages = long.MaxValue })
            .Sysctl(SysctlNames.TcpMem, $"{max} {max} {max}").Sysctl(SysctlNames.UdpMem, "0 0 0").Meminfo("MemTotal", long.MaxValue / 1024);
        Assert.NotEqual(CheckStatus.Error, Snap.Run(Rule, Snap.One(s)).Status);
    }
}
