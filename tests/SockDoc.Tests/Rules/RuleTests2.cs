using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

public class OomKillRuleTests
{
    private static readonly OomKill Rule = new();

    [Fact]
    public void Rising_kills_are_critical_flat_warn_none_ok()
    {
        var b = Snap.Base().Vmstat("oom_kill", 2);
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.Pair(b, b.Vmstat("oom_kill", 3))).Status);
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.Pair(b, b)).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(Snap.Base().Vmstat("oom_kill", 0))).Status);
    }

    [Fact]
    public void Large_socket_memory_is_named_and_the_raised_tcp_mem_halved()
    {
        // 24 GiB host whose tcp_mem was raised to 6,000,000 pages; 1,000,000 pages (3.8 GiB) of buffers in use.
        var s = Snap.Base().Vmstat("oom_kill", 1).Sockstat(x => x with { TcpMemPages = 1_000_000 }).Sysctl(SysctlNames.TcpMem, "3000000 4000000 6000000");
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal("1500000 2000000 3000000", r.Finding!.Fix.Single(f => f.Setting == SysctlNames.TcpMem).Value);
        Assert.Contains(r.Finding.Caveats, c => c.Contains("likely contributor", StringComparison.Ordinal));
    }

    [Fact]
    public void Never_proposes_a_tcp_mem_higher_than_today()
    {
        var s = Snap.Base().Vmstat("oom_kill", 1).Sockstat(x => x with { TcpMemPages = 1_000_000 });
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.DoesNotContain(r.Finding!.Fix, f => f.Setting == SysctlNames.TcpMem);
    }

    [Fact]
    public void Missing_vmstat_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(Snap.Base() with { VmStat = null })).Status);
    }
}

public class MemoryOvercommitRuleTests
{
    private static readonly MemoryOvercommit Rule = new();
    private static Snapshot Strict(long committedKb, long limitKb) => Snap.Base().Sysctl(SysctlNames.OvercommitMemory, "2").Meminfo("Committed_AS", committedKb).Meminfo("CommitLimit", limitKb);

    [Fact]
    public void Strict_mode_at_the_limit_is_critical_past_80_warns()
    {
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.One(Strict(1000, 1000))).Status);
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.One(Strict(801, 1000))).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(Strict(800, 1000))).Status);
    }

    [Fact]
    public void Heuristic_mode_ignores_commit_but_sees_socket_memory_with_low_available()
    {
        var s = Snap.Base().Sysctl(SysctlNames.OvercommitMemory, "0").Meminfo("Committed_AS", 10_000_000).Meminfo("CommitLimit", 1000)
            .Meminfo("MemAvailable", 1_000_000).Sockstat(x => x with { TcpMemPages = 1_000_000 });
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal(CheckStatus.Warning, r.Status);
        Assert.Contains("unswappable", r.Finding!.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_mode_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(Snap.Base().Sysctl(SysctlNames.OvercommitMemory, null))).Status);
    }
}

public class SendBufferFullRuleTests
{
    private static readonly SendBufferFull Rule = new();

    [Fact]
    public void Blocked_thread_is_critical_full_buffers_warn_none_ok()
    {
        var full = new Model.Census.SendBufferFullSocket("127.0.0.1:5000", "127.0.0.1:6000", "ESTABLISHED", 3_847_872, 4_194_304, 3_782_144, true, 99, "sender");
        var blocked = new Model.Census.BlockedSender(99, 100, "sender", 5, "127.0.0.1:5000", "127.0.0.1:6000", 3_847_872, 4_194_304, 0.3);
        Model.Census.SocketCensus C(bool withBlocked, bool withFull) => new()
        {
            TakenAt = DateTimeOffset.UnixEpoch,
            SendBufferFull = withFull ? [full] : [],
            SendBufferFullCount = withFull ? 1 : 0,
            BlockedSenders = withBlocked ? [blocked] : [],
        };
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.One(Snap.Base() with { Census = C(true, true) })).Status);
        var warn = Snap.Run(Rule, Snap.One(Snap.Base() with { Census = C(false, true) }));
        Assert.Equal(CheckStatus.Warning, warn.Status);
        Assert.Contains("zero window", warn.Finding!.Title, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(Snap.Base() with { Census = C(false, false) })).Status);
    }

    [Fact]
    public void No_census_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(Snap.Base() with { Census = null })).Status);
    }
}

public class UdpMemRuleTests
{
    private static readonly UdpMem Rule = new();
    private static Snapshot With(long mem) => Snap.Base().Sockstat(s => s with { UdpMemPages = mem }).Sysctl(SysctlNames.UdpMem, "500 700 1000");

    [Fact]
    public void Thresholds_are_against_udp_mem_min_because_udp_has_no_pressure_mode()
    {
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.One(With(501))).Status);
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.One(With(401))).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(400).Counter("Udp", "MemErrors", 0))).Status);
        var b = With(10).Counter("Udp", "MemErrors", 1);
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.Pair(b, b.Counter("Udp", "MemErrors", 2))).Status);
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.Pair(b, b)).Status);
        var fix = Snap.Run(Rule, Snap.One(With(600))).Finding!.Fix.Single(f => f.Setting == SysctlNames.UdpMem);
        Assert.Equal("1200 1600 2400", fix.Value);
    }

    [Fact]
    public void Missing_udp_mem_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(With(1).Sysctl(SysctlNames.UdpMem, null))).Status);
    }
}

public class EngineTests
{
    private sealed class Throws : IRule
    {
        public RuleDescriptor Descriptor { get; } = new("boom", "boom", "", []);
        public CheckResult Evaluate(RuleContext context) => throw new InvalidOperationException("bad");
    }

    [Fact]
    public void A_failing_rule_is_reported_and_the_others_run()
    {
        var engine = new RuleEngine([new Throws(), new FdSystem()]);
        var report = engine.Run(Snap.One(Snap.Base()));
        Assert.Equal(CheckStatus.Error, report.Checks[0].Status);
        Assert.Equal("fd_system", report.Checks[1].Id);
    }

    [Fact]
    public void Ids_are_the_stable_contract()
    {
        Assert.Equal(
            ["orphans", "tcp_mem", "tw_buckets", "port_exhaustion", "conntrack", "listen_overflow", "syn_flood", "fd_process", "fd_system", "oom_kill", "memory_overcommit", "send_buffer_full", "udp_mem"],
            All.Ids);
    }

    [Fact]
    public void The_captured_healthy_vm_has_no_findings()
    {
        var report = All.Engine().Run(Snap.One(Snap.Base()));
        Assert.Empty(report.Findings);
        Assert.DoesNotContain(report.Checks, c => c.Status == CheckStatus.Error);
        Assert.NotNull(report.SocketSlab);
    }
}

/// <summary>A limit hit only in the past while today's use is low: no value sized on today's use, the peak formula instead.</summary>
public class PastPeakFixTests
{
    private static void AssertKeeps(CheckResult r, string setting)
    {
        Assert.Equal(When.SinceBoot, r.Finding!.When);
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting == setting && f.Value.Length > 0);
        Assert.Contains(r.Finding.Fix, f => f.Setting.StartsWith($"Keep {setting} for now", StringComparison.Ordinal) && f.Why.Contains("peak", StringComparison.Ordinal));
    }

    [Fact]
    public void Tcp_mem_pressure_since_boot_with_low_use()
    {
        var b = Snap.Base().Sockstat(s => s with { TcpMemPages = 10 }).Sysctl(SysctlNames.TcpMem, "750 1000 1500").Counter("TcpExt", "TCPMemoryPressures", 12);
        AssertKeeps(Snap.Run(new TcpMem(), Snap.Pair(b, b)), SysctlNames.TcpMem);
    }
}

