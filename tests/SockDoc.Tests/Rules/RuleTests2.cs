using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

public class ConntrackRuleTests
{
    private static readonly Conntrack Rule = new();
    private static Snapshot With(long count, long max) => Snap.Base()
        .Sysctl(SysctlNames.NfConntrackCount, count.ToString(System.Globalization.CultureInfo.InvariantCulture))
        .Sysctl(SysctlNames.NfConntrackMax, max.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Full_table_is_critical_and_80_percent_warns()
    {
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.One(With(1000, 1000))).Status);
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.One(With(801, 1000))).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(800, 1000))).Status);
    }

    [Fact]
    public void Drops_rising_are_critical()
    {
        var before = With(10, 1000) with { ConntrackStat = new ConntrackStat { Columns = new Dictionary<string, long> { ["drop"] = 1 } } };
        var now = before with { ConntrackStat = new ConntrackStat { Columns = new Dictionary<string, long> { ["drop"] = 7 } } };
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.Pair(before, now)).Status);
    }

    [Fact]
    public void Module_not_loaded_is_ok_not_unknown()
    {
        var s = Snap.Base().Sysctl(SysctlNames.NfConntrackCount, null).Sysctl(SysctlNames.NfConntrackMax, null) with { ConntrackStat = null };
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Contains("not loaded", r.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_max_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(With(1, 2).Sysctl(SysctlNames.NfConntrackMax, null))).Status);
    }
}

public class ListenOverflowRuleTests
{
    private static readonly ListenOverflow Rule = new();

    [Fact]
    public void Rising_overflows_are_critical_flat_ones_warn_zero_is_ok()
    {
        var before = Snap.Base().Counter("TcpExt", "ListenOverflows", 7);
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.Pair(before, before.Counter("TcpExt", "ListenOverflows", 8))).Status);
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.Pair(before, before)).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(Snap.Base().Counter("TcpExt", "ListenOverflows", 0))).Status);
    }

    [Fact]
    public void A_full_listener_in_the_census_is_critical()
    {
        var s = Snap.Base().Counter("TcpExt", "ListenOverflows", 0) with
        {
            Census = new Model.Census.SocketCensus { TakenAt = DateTimeOffset.UnixEpoch, Listeners = [new("0.0.0.0", 8080, 6, 5), new("0.0.0.0", 9090, 5, 5)] },
        };
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Contains(r.Finding!.Evidence, e => e.Name.Contains("8080", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Finding.Evidence, e => e.Name.Contains("9090", StringComparison.Ordinal)); // backlog + 1 fits
    }

    [Fact]
    public void Missing_counter_is_unknown()
    {
        var s = Snap.Base() with { NetStat = new NetStatCounters() };
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(s)).Status);
    }
}

public class SynFloodRuleTests
{
    private static readonly SynFlood Rule = new();

    [Fact]
    public void Drops_rising_are_critical_cookies_rising_too_flat_warns()
    {
        var b = Snap.Base().Counter("TcpExt", "TCPReqQFullDrop", 0).Counter("TcpExt", "TCPReqQFullDoCookies", 0);
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.Pair(b, b.Counter("TcpExt", "TCPReqQFullDrop", 3))).Status);
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.Pair(b, b.Counter("TcpExt", "TCPReqQFullDoCookies", 3))).Status);
        var flat = b.Counter("TcpExt", "TCPReqQFullDoCookies", 3);
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.Pair(flat, flat)).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.Pair(b, b)).Status);
    }

    [Fact]
    public void With_syncookies_2_every_syn_counts_as_a_cookie_so_cookies_are_ignored()
    {
        var b = Snap.Base().Counter("TcpExt", "TCPReqQFullDrop", 0).Counter("TcpExt", "TCPReqQFullDoCookies", 0).Sysctl(SysctlNames.TcpSyncookies, "2");
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.Pair(b, b.Counter("TcpExt", "TCPReqQFullDoCookies", 500))).Status);
    }

    [Fact]
    public void Syncookies_off_proposes_turning_them_on()
    {
        var b = Snap.Base().Counter("TcpExt", "TCPReqQFullDrop", 5).Sysctl(SysctlNames.TcpSyncookies, "0");
        var r = Snap.Run(Rule, Snap.One(b));
        Assert.Contains(r.Finding!.Fix, f => f.Setting == SysctlNames.TcpSyncookies && f.Value == "1");
    }

    [Fact]
    public void Missing_counters_are_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(Snap.Base() with { NetStat = new NetStatCounters() })).Status);
    }
}

public class FdProcessRuleTests
{
    private static readonly FdProcess Rule = new();
    private static Snapshot With(long open, long soft) => Snap.Base() with
    {
        Processes = [new ProcessFiles { Pid = 7, Command = "proxy", OpenFds = open, SoftLimit = soft, HardLimit = soft }, new ProcessFiles { Pid = 8, Command = "idle", OpenFds = 3, SoftLimit = 1024 }],
    };

    [Fact]
    public void At_the_limit_is_critical_with_a_LimitNOFILE_line()
    {
        var r = Snap.Run(Rule, Snap.One(With(1024, 1024)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Contains("proxy (pid 7)", r.Finding!.Title, StringComparison.Ordinal);
        Assert.Contains(r.Finding.Fix, f => f.Command.Contains("LimitNOFILE=5000", StringComparison.Ordinal));
    }

    [Fact]
    public void Past_80_percent_warns_at_80_ok()
    {
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.One(With(820, 1024))).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(800, 1000))).Status);
    }

    [Fact]
    public void No_processes_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(Snap.Base() with { Processes = null })).Status);
    }
}

public class FdSystemRuleTests
{
    private static readonly FdSystem Rule = new();

    [Fact]
    public void Thresholds()
    {
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.One(Snap.Base().Sysctl(SysctlNames.FileNr, "1000 0 1000").Sysctl(SysctlNames.FileMax, "1000"))).Status);
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.One(Snap.Base().Sysctl(SysctlNames.FileNr, "801 0 1000").Sysctl(SysctlNames.FileMax, "1000"))).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(Snap.Base().Sysctl(SysctlNames.FileNr, "800 0 1000").Sysctl(SysctlNames.FileMax, "1000"))).Status);
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(Snap.Base().Sysctl(SysctlNames.FileNr, null))).Status);
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
    public void Tw_overflow_since_boot_with_few_time_waits()
    {
        var b = Snap.Base().Sockstat(s => s with { TcpTw = 3 }).Sysctl(SysctlNames.TcpMaxTwBuckets, "1000").Counter("TcpExt", "TCPTimeWaitOverflow", 500);
        AssertKeeps(Snap.Run(new TwBuckets(), Snap.Pair(b, b)), SysctlNames.TcpMaxTwBuckets);
    }

    [Fact]
    public void Conntrack_drops_since_boot_with_an_empty_table()
    {
        var b = Snap.Base().Sysctl(SysctlNames.NfConntrackCount, "0").Sysctl(SysctlNames.NfConntrackMax, "1000")
            with { ConntrackStat = new ConntrackStat { Columns = new Dictionary<string, long> { ["drop"] = 4 } } };
        AssertKeeps(Snap.Run(new Conntrack(), Snap.Pair(b, b)), SysctlNames.NfConntrackMax);
    }

    [Fact]
    public void But_a_gauge_near_its_limit_still_gets_a_computed_value()
    {
        var b = Snap.Base().Sockstat(s => s with { TcpTw = 900 }).Sysctl(SysctlNames.TcpMaxTwBuckets, "1000");
        var r = Snap.Run(new TwBuckets(), Snap.One(b));
        Assert.Contains(r.Finding!.Fix, f => f.Setting == SysctlNames.TcpMaxTwBuckets && f.Value == "2048");
    }
}

public class ConntrackNamespaceTests
{
    [Fact]
    public void Table_full_lines_from_other_namespaces_are_named_as_such()
    {
        var log = new SockDoc.Model.KernelLog.KernelLogSummary
        {
            Source = "/dev/kmsg",
            Incidents =
            [
                new SockDoc.Model.KernelLog.KernelLogIncident
                {
                    Kind = "conntrack_table_full", Description = "conntrack table full", Count = 16,
                    Details = ["netns 4026532246 x12", "netns 4026531833 x4"],
                },
            ],
        };
        // The captured VM is net:[4026531833]; 4026532246 is another namespace.
        var s = Snap.Base().Sysctl(SysctlNames.NfConntrackCount, "0").Sysctl(SysctlNames.NfConntrackMax, "1000") with { KernelLog = log };
        var r = Snap.Run(new Conntrack(), Snap.One(s));
        Assert.Equal(CheckStatus.Warning, r.Status);
        var caveat = Assert.Single(r.Finding!.Caveats, x => x.Contains("other network namespaces", StringComparison.Ordinal));
        Assert.Contains("4026532246", caveat, StringComparison.Ordinal);
        Assert.DoesNotContain("4026531833", caveat, StringComparison.Ordinal);
    }
}
