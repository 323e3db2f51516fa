using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

public class OrphansTests
{
    private static readonly Orphans Rule = new();
    private static Snapshot WithOrphans(long n, long max) => Snap.Base().Sockstat(s => s with { TcpOrphan = n }).Sysctl(SysctlNames.TcpMaxOrphans, max.ToString(CultureInfo.InvariantCulture));
    private static Evidence Ev(CheckResult r, string name) => Assert.Single(r.Finding!.Evidence, e => e.Name == name);

    [Fact]
    public void Over_max_over_4_warns_as_a_risk_with_the_three_limits()
    {
        var r = Snap.Run(Rule, Snap.One(WithOrphans(1001, 4000)));
        Assert.Equal(CheckStatus.Warning, r.Status);
        Assert.Equal(When.Risk, r.Finding!.When);
        Assert.Equal(Confidence.Confirmed, r.Finding.Confidence);
        Assert.Equal(1001, Ev(r, "orphans now").Value);
        Assert.Equal("count", Ev(r, "orphans now").Unit);
        Assert.Equal(4000, Ev(r, "tcp_max_orphans").Value);
        Assert.Equal(1.001, Ev(r, "use of the strictest limit (max/4)").Value!.Value, 3);
        Assert.Contains(r.Finding.Fix, f => f.Setting == SysctlNames.TcpMaxOrphans);
    }

    [Fact]
    public void Exactly_max_over_4_is_still_ok()
    {
        // tcp_too_many_orphans() is a strict ">": 1000 << 2 = 4000 is not > 4000.
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(WithOrphans(1000, 4000))).Status);
    }

    [Fact]
    public void Over_max_over_2_and_over_max_are_critical_now()
    {
        foreach (var n in new long[] { 2001, 4000, 4001 })
        {
            var r = Snap.Run(Rule, Snap.One(WithOrphans(n, 4000)));
            Assert.Equal(CheckStatus.Critical, r.Status);
            Assert.Equal(When.Now, r.Finding!.When);
        }
    }

    [Fact]
    public void The_proposed_limit_clears_max_over_4_with_a_quarter_of_room_and_states_the_minimum_memory()
    {
        // A public report: 65,738 orphans against tcp_max_orphans 65,536 → 65,738 × 4 × 1.25 = 328,690 → 524,288.
        var r = Snap.Run(Rule, Snap.One(WithOrphans(65738, 65536)));
        var fix = r.Finding!.Fix.Single(f => f.Setting == SysctlNames.TcpMaxOrphans);
        Assert.Equal("524288", fix.Value);
        // tcp_sock 2,368 B + one 4 KiB page = 6,464 B is a floor per orphan, and tcp_mem[2] (575,802 pages) the ceiling of their buffers.
        Assert.Contains("At least 6,464 B per orphan", fix.Why, StringComparison.Ordinal);
        Assert.Contains("575,802 pages", fix.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Abort_counter_rising_is_critical_now_and_flat_is_since_boot()
    {
        var before = WithOrphans(10, 4000).Counter("TcpExt", "TCPAbortOnMemory", 5);
        var rising = Snap.Run(Rule, Snap.Pair(before, before.Counter("TcpExt", "TCPAbortOnMemory", 9)));
        Assert.Equal(CheckStatus.Critical, rising.Status);
        Assert.Equal(When.Now, rising.Finding!.When);
        Assert.Equal(9, Ev(rising, "TCPAbortOnMemory").Value);
        var flat = Snap.Run(Rule, Snap.Pair(before, before));
        Assert.Equal(CheckStatus.Warning, flat.Status);
        Assert.Equal(When.SinceBoot, flat.Finding!.When);
        // The counter alone is shared with tcp_mem: the log line would decide.
        Assert.Equal(Confidence.Possible, flat.Finding.Confidence);
        Assert.Contains(Inputs.KernelLog, flat.Finding.ToConfirm);
    }

    [Fact]
    public void A_burst_two_seconds_ago_with_the_counter_flat_now_is_recent_and_critical()
    {
        // The doctor run one second after the kernel reset orphans: the burst is over, the gauge back down.
        var before = WithOrphans(3, 4000).Counter("TcpExt", "TCPAbortOnMemory", 5000);
        var pair = Snap.Pair(before, before);
        var r = Snap.Run(Rule, pair with { Now = pair.Now.Logged("tcp_too_many_orphans", 13, agoSeconds: 2, suppressed: 273) });
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal(When.Recent, r.Finding!.When);
        Assert.Equal(Confidence.Confirmed, r.Finding.Confidence);
        Assert.True(r.Finding.Title.Contains("(2 s ago), 13 in the window", StringComparison.Ordinal), r.Finding.Title);
        Assert.Contains("up to 273 suppressed", r.Finding.Title, StringComparison.Ordinal);
        Assert.Equal(13, r.Finding.Evidence.Single(e => e.Name.StartsWith("log:", StringComparison.Ordinal)).Value);
    }

    [Fact]
    public void The_same_burst_outside_the_window_is_history()
    {
        var s = WithOrphans(3, 4000).Logged("tcp_too_many_orphans", 13, agoSeconds: 2);
        var r = LogSnap.Run(Rule, Snap.One(s), TimeSpan.Zero); // doctor --recent 0
        Assert.Equal(CheckStatus.Warning, r.Status);
        Assert.Equal(When.SinceBoot, r.Finding!.When);
        var old = Snap.Run(Rule, Snap.One(WithOrphans(3, 4000).Logged("tcp_too_many_orphans", 13, agoSeconds: 7200)));
        Assert.Equal(When.SinceBoot, old.Finding!.When);
    }

    [Fact]
    public void A_paste_of_the_kernel_line_alone_is_a_likely_finding_not_unknown()
    {
        var s = Snap.Base().OnlyLog().Logged("tcp_too_many_orphans", 13, agoSeconds: 0, suppressed: 273);
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal(When.Recent, r.Finding!.When);
        Assert.Equal(Confidence.Likely, r.Finding.Confidence);
        Assert.Contains(Inputs.SockStatOrphan, r.Finding.ToConfirm);
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting == SysctlNames.TcpMaxOrphans); // no value without the count
    }

    [Fact]
    public void Out_of_socket_memory_on_an_old_kernel_names_orphans_and_tcp_mem_as_possible()
    {
        var s = Snap.Base().OnlyLog().Logged("out_of_socket_memory", 4, agoSeconds: 30);
        var orphans = Snap.Run(Rule, Snap.One(s));
        var tcpMem = Snap.Run(new TcpMem(), Snap.One(s));
        foreach (var r in new[] { orphans, tcpMem })
        {
            Assert.Equal(Confidence.Possible, r.Finding!.Confidence);
            Assert.Equal(When.Recent, r.Finding.When);
            Assert.NotEmpty(r.Finding.ToConfirm);
        }
        Assert.Contains(Inputs.TcpMaxOrphans, orphans.Finding!.ToConfirm);
        Assert.Contains(Inputs.TcpMem, tcpMem.Finding!.ToConfirm);
    }

    [Theory]
    [InlineData("0", "3")]
    [InlineData("7", "3")]
    [InlineData("1", null)]
    [InlineData("2", null)]
    [InlineData("3", null)]
    [InlineData(null, null)]
    public void Orphan_retries_are_lowered_to_3_only_from_0_or_above_3(string? current, string? proposed)
    {
        var s = WithOrphans(3000, 4000).Sysctl(SysctlNames.TcpOrphanRetries, current);
        var fix = Snap.Run(Rule, Snap.One(s)).Finding!.Fix.SingleOrDefault(f => f.Setting == SysctlNames.TcpOrphanRetries);
        Assert.Equal(proposed, fix?.Value);
    }

    [Fact]
    public void The_idle_threshold_is_twice_the_maximum_rto_where_the_kernel_exposes_it()
    {
        var r = Snap.Run(Rule, Snap.One(WithOrphans(1001, 4000).Sysctl("net.ipv4.tcp_rto_max_ms", "60000")));
        Assert.Contains("idle > 120 s", Ev(r, "effective limits").Text, StringComparison.Ordinal);
        var old = Snap.Run(Rule, Snap.One(WithOrphans(1001, 4000).Sysctl("net.ipv4.tcp_rto_max_ms", null)));
        Assert.Contains("idle > 240 s", Ev(old, "effective limits").Text, StringComparison.Ordinal);
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

    [Fact]
    public void Extreme_kernel_values_do_not_overflow()
    {
        foreach (var (n, max) in new[] { (long.MaxValue, long.MaxValue), (long.MaxValue, 0L), (0L, 0L), (long.MaxValue / 3, 1L) })
        {
            var s = WithOrphans(n, max).Sysctl(SysctlNames.TcpMem, $"{long.MaxValue} {long.MaxValue} {long.MaxValue}").Sysctl("net.ipv4.tcp_rto_max_ms", long.MaxValue.ToString(CultureInfo.InvariantCulture));
            var r = Snap.Run(Rule, Snap.One(s));
            Assert.NotEqual(CheckStatus.Error, r.Status);
        }
    }
}
