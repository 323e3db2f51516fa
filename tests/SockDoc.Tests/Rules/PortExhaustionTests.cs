using SockDoc.Diagnosis.Advice;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;
using SockDoc.Model.Census;

namespace SockDoc.Tests.Rules;

public class PortExhaustionTests
{
    private static readonly PortExhaustion Rule = new();
    private static Snapshot With(long tw, string range) => Snap.Base().Sockstat(s => s with { TcpTw = tw }).Sysctl(SysctlNames.IpLocalPortRange, range);

    private static Snapshot Census(string src, string dst, long conns, long tw, string reuse) =>
        With(0, "40000 40009").Sysctl(SysctlNames.TcpTwReuse, reuse).WithCensus([new DestinationPortUse(src, dst, 80, conns, tw)]);

    [Fact]
    public void Tw_at_the_range_size_warns()
    {
        var r = Snap.Run(Rule, Snap.One(With(10, "40000 40009").Sysctl(SysctlNames.TcpTwReuse, "2")));
        Assert.Equal(CheckStatus.Warning, r.Status);
        Assert.Equal(When.Now, r.Finding!.When);
        Assert.Equal(10, r.Finding.Evidence.Single(e => e.Name == "ephemeral ports per destination").Value);
    }

    [Fact]
    public void Default_range_gives_470_per_second_per_destination()
    {
        var r = Snap.Run(Rule, Snap.One(With(28000, "32768 60999").Sysctl(SysctlNames.TcpTwReuse, "0")));
        var rate = r.Finding!.Evidence.Single(e => e.Name == "sustainable new connections per destination");
        Assert.Equal("per_second", rate.Unit);
        Assert.Equal(28232 / 60.0, rate.Value!.Value, 3);
        SnapEvidence.AssertNumeric(r.Finding, "ephemeral ports per destination", "tcp_tw_reuse", "TIME_WAIT in this namespace");
    }

    [Fact]
    public void Below_80_percent_is_ok()
    {
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(8, "40000 40009"))).Status);
    }

    [Fact]
    public void Census_per_destination_decides_when_time_wait_is_not_reusable()
    {
        // tcp_tw_reuse=0: 10 ports to 127.0.0.2:80 (9 in TIME_WAIT) take the whole 10-port range.
        var r = Snap.Run(Rule, Snap.One(Census("127.0.0.1", "127.0.0.2", 10, 9, "0")));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal(When.Now, r.Finding!.When);
        Assert.Equal(Confidence.Confirmed, r.Finding.Confidence);
        Assert.Equal(10, r.Finding.Evidence.Single(e => e.Name == "busiest destination").Value);
    }

    [Fact]
    public void Census_evidence_names_where_the_sockets_were_read()
    {
        // A census from the /proc/net/tcp fallback (no sock_diag) must not be labelled as a sock_diag one.
        var snap = Census("127.0.0.1", "127.0.0.2", 10, 9, "0");
        Assert.Equal("sock_diag census", Snap.Run(Rule, Snap.One(snap)).Finding!.Evidence.Single(e => e.Name == "busiest destination").Source);
        var proc = snap with { Census = snap.Census! with { Source = SocketCensus.SourceProcNetTcp, SockDiagUnavailable = "EPROTONOSUPPORT" } };
        Assert.Equal("/proc/net/tcp census", Snap.Run(Rule, Snap.One(proc)).Finding!.Evidence.Single(e => e.Name == "busiest destination").Source);
    }

    [Fact]
    public void Loopback_time_wait_with_the_default_reuse_2_is_reusable_so_no_exhaustion()
    {
        // Issue 14 #1: tcp_twsk_unique() reuses a loopback TIME_WAIT with tcp_tw_reuse=2 (timestamps on): 9 of the 10
        // ports are free for connect() again, 1 is taken. The old rule said "used up".
        var r = Snap.Run(Rule, Snap.One(Census("127.0.0.1", "127.0.0.2", 10, 9, "2")));
        Assert.Equal(CheckStatus.Ok, r.Status);
        Assert.Null(r.Finding);
    }

    [Fact]
    public void Reuse_2_does_not_apply_between_two_non_loopback_addresses()
    {
        var r = Snap.Run(Rule, Snap.One(Census("10.0.0.1", "10.0.0.2", 10, 9, "2")));
        Assert.Equal(CheckStatus.Critical, r.Status);
    }

    [Fact]
    public void Reuse_1_applies_to_any_destination_but_only_with_timestamps()
    {
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(Census("10.0.0.1", "10.0.0.2", 10, 10, "1"))).Status);
        var noTs = Census("10.0.0.1", "10.0.0.2", 10, 10, "1").Sysctl(SysctlNames.TcpTimestamps, "0");
        var r = Snap.Run(Rule, Snap.One(noTs));
        Assert.Equal(CheckStatus.Critical, r.Status);
        // Without timestamps reuse cannot happen: the advice is timestamps first, not tcp_tw_reuse.
        Assert.Contains(r.Finding!.Fix, f => f.Setting == SysctlNames.TcpTimestamps && f.Value == "1");
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting == SysctlNames.TcpTwReuse);
    }

    [Fact]
    public void Established_ports_are_taken_whatever_tw_reuse_says()
    {
        var r = Snap.Run(Rule, Snap.One(Census("127.0.0.1", "127.0.0.2", 10, 0, "1")));
        Assert.Equal(CheckStatus.Critical, r.Status);
    }

    [Fact]
    public void Without_census_reuse_1_makes_the_time_wait_count_no_evidence()
    {
        var r = Snap.Run(Rule, Snap.One(With(50, "40000 40009").Sysctl(SysctlNames.TcpTwReuse, "1")));
        Assert.Equal(CheckStatus.Ok, r.Status);
    }

    [Fact]
    public void Connect_eaddrnotavail_alone_is_a_likely_finding_on_a_partial_snapshot()
    {
        var s = SnapEvidence.Empty().AppError("EADDRNOTAVAIL", "connect", 12);
        var r = SnapEvidence.Run(Rule, s);
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal(When.Recent, r.Finding!.When);
        Assert.Equal(Confidence.Likely, r.Finding.Confidence);
        Assert.Contains(r.Finding.ToConfirm, i => i == Inputs.IpLocalPortRange);
        Assert.Equal(12, r.Finding.Evidence.Single(e => e.Source == "application errors").Value);
    }

    [Fact]
    public void Eaddrinuse_on_an_outgoing_connection_is_port_exhaustion_too()
    {
        var r = SnapEvidence.Run(Rule, SnapEvidence.Empty().AppError("EADDRINUSE", "connect", 3));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal(Confidence.Likely, r.Finding!.Confidence);
    }

    [Fact]
    public void Bind_eaddrnotavail_is_not_port_exhaustion_and_a_server_eaddrinuse_neither()
    {
        var s = SnapEvidence.Empty().AppError("EADDRNOTAVAIL", "bind", 5).AppError("EADDRINUSE", "bind", 5);
        Assert.Equal(CheckStatus.Unknown, SnapEvidence.Run(Rule, s).Status);
    }

    [Fact]
    public void Eaddrnotavail_without_the_call_is_possible()
    {
        var r = SnapEvidence.Run(Rule, SnapEvidence.Empty().AppError("EADDRNOTAVAIL", "unknown", 5));
        Assert.Equal(Confidence.Possible, r.Finding!.Confidence);
    }

    [Fact]
    public void A_single_eaddrnotavail_without_the_call_is_no_finding()
    {
        // bind() to an absent address fails once and the program stops; exhaustion repeats.
        Assert.Null(SnapEvidence.Run(Rule, SnapEvidence.Empty().AppError("EADDRNOTAVAIL", "unknown", 1)).Finding);
        Assert.NotNull(SnapEvidence.Run(Rule, SnapEvidence.Empty().AppError("EADDRNOTAVAIL", "unknown", 2)).Finding);
    }

    [Fact]
    public void An_old_error_line_is_history_and_a_recent_one_is_critical()
    {
        var old = SnapEvidence.Run(Rule, SnapEvidence.Empty().AppError("EADDRNOTAVAIL", "connect", 5, lastAgeSeconds: 3600));
        Assert.Equal((Severity.Warning, When.SinceBoot), (old.Finding!.Severity, old.Finding.When));
        var recent = SnapEvidence.Run(Rule, SnapEvidence.Empty().AppError("EADDRNOTAVAIL", "connect", 5, lastAgeSeconds: 30));
        Assert.Equal((Severity.Critical, When.Recent), (recent.Finding!.Severity, recent.Finding.When));
    }

    [Fact]
    public void The_proposed_range_is_the_advice_tables_and_never_narrower_than_today()
    {
        var r = Snap.Run(Rule, Snap.One(With(0, "32768 60999").Sysctl(SysctlNames.TcpTwReuse, "0").WithCensus([new DestinationPortUse("10.0.0.1", "10.0.0.2", 80, 28232, 28000)])));
        Assert.Contains(r.Finding!.Fix, f => f.Setting == SysctlNames.IpLocalPortRange && f.Value == "10000 65535");
        Assert.Contains(r.Finding.Fix, f => f.Setting == SysctlNames.TcpTwReuse && f.Value == "1");

        // Already wider than the proposal: no range change is proposed at all.
        var wide = Snap.Run(Rule, Snap.One(With(0, "1024 65535").Sysctl(SysctlNames.TcpTwReuse, "0").WithCensus([new DestinationPortUse("10.0.0.1", "10.0.0.2", 80, 64512, 64000)])));
        Assert.Equal(CheckStatus.Critical, wide.Status);
        Assert.DoesNotContain(wide.Finding!.Fix, f => f.Setting == SysctlNames.IpLocalPortRange);
        Assert.Null(PortAdvice.ProposedRange(1024, 65535));
        Assert.Equal(new PortAdvice.PortRange(5000, 65535), PortAdvice.ProposedRange(5000, 60999));
    }

    [Fact]
    public void Listeners_inside_the_proposed_range_are_reserved()
    {
        var s = With(0, "32768 60999").Sysctl(SysctlNames.TcpTwReuse, "0").Sysctl(SysctlNames.IpLocalReservedPorts, "")
            .WithCensus([new DestinationPortUse("10.0.0.1", "10.0.0.2", 80, 28232, 28000)], [new ListenerQueue("0.0.0.0", 11211, 0, 128), new ListenerQueue("0.0.0.0", 443, 0, 128)]);
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Contains(r.Finding!.Fix, f => f.Setting == SysctlNames.IpLocalReservedPorts && f.Value == "11211");
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
