using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

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
            ["orphans", "tcp_mem", "tw_buckets", "port_exhaustion", "conntrack", "listen_overflow", "syn_flood", "fd_process", "fd_system", "oom_kill", "memory_overcommit", "send_buffer_full", "udp_mem", "udp_rcvbuf"],
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
