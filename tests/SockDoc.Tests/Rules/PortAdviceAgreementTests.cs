using SockDoc.Cli.Explain;
using SockDoc.Diagnosis.Advice;
using SockDoc.Diagnosis.Capacity;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Explain;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;
using SockDoc.Model.Census;
using SockDoc.Tests.Capacity;

namespace SockDoc.Tests.Rules;

/// <summary>
/// Issue 14 defect 12: plan, doctor and explain give the same port advice for the same situation, from the one table
/// (PortAdvice). The situation is the one captured on this VM (fixtures/explain/vm-port-exhaustion.txt): a client to
/// 127.0.0.1:8080 with ip_local_port_range 40000 40007 and tcp_tw_reuse 0, every port in TIME_WAIT.
/// </summary>
public class PortAdviceAgreementTests
{
    private const string Range = "40000 40007";

    private static Finding Doctor()
    {
        var s = Snap.Base().Sockstat(x => x with { TcpTw = 8 }).Sysctl(SysctlNames.IpLocalPortRange, Range).Sysctl(SysctlNames.TcpTwReuse, "0")
            .WithCensus([new DestinationPortUse("127.0.0.1", "127.0.0.1", 8080, 8, 8)]);
        return Snap.Run(new PortExhaustion(), Snap.One(s)).Finding!;
    }

    private static ExplainResult Explain()
    {
        var text = File.ReadAllText(Fixtures.Dir("explain", "vm-port-exhaustion.txt"));
        var lines = PasteText.Clean(text, PasteInput.Stamp(TimeProvider.System));
        var (kernelLines, summary) = PasteInput.KernelLog(lines, TimeProvider.System);
        var evidence = PasteReader.Read(lines, kernelLines.Keys.ToHashSet());
        return Explainer.Explain(lines, evidence, summary, kernelLines, TimeProvider.System.GetUtcNow());
    }

    private static CapacityPlan Plan() =>
        PlanHosts.Plan(new PlanInputs { Role = PlanRole.Client, RatePerSecond = 100, Destinations = 1, LifetimeSeconds = 0.01 },
            PlanHosts.Snapshot(PlanHosts.With((SysctlNames.IpLocalPortRange, Range), (SysctlNames.TcpTwReuse, "0"))));

    [Fact]
    public void Plan_doctor_and_explain_propose_the_same_port_range_and_reuse()
    {
        var doctor = Doctor();
        var explained = Explain();
        var explainFinding = explained.Report.Findings.Single(f => f.Id == "port_exhaustion");
        var plan = Plan();

        string expectedRange = $"{PortAdvice.ProposedLow} {PortAdvice.ProposedHigh}";
        Assert.Equal(expectedRange, doctor.Fix.Single(f => f.Setting == SysctlNames.IpLocalPortRange).Value);
        Assert.Equal(expectedRange, explainFinding.Fix.Single(f => f.Setting == SysctlNames.IpLocalPortRange).Value);
        Assert.Contains(plan.Sysctls, s => s.Key == SysctlNames.IpLocalPortRange && s.Value == expectedRange);

        Assert.Equal("1", doctor.Fix.Single(f => f.Setting == SysctlNames.TcpTwReuse).Value);
        Assert.Equal("1", explainFinding.Fix.Single(f => f.Setting == SysctlNames.TcpTwReuse).Value);
        Assert.Contains(plan.Sysctls, s => s.Key == SysctlNames.TcpTwReuse && s.Value == "1");

        // The same fix lines, word for word, in the doctor and in explain (both are the rule's, from PortAdvice).
        Assert.Equal(doctor.Fix.Select(f => (f.Setting, f.Value)), explainFinding.Fix.Select(f => (f.Setting, f.Value)));
        var pooling = PortAdvice.Pooling(60).Setting;
        Assert.Contains(doctor.Fix, f => f.Setting == pooling);
    }

    [Fact]
    public void Explains_errno_commentary_names_the_same_remedies_as_the_table()
    {
        var explained = Explain();
        var note = explained.Extra.Single(x => x.Errno == "EADDRNOTAVAIL").Explanation;
        Assert.Contains(PortAdvice.InBrief, note, StringComparison.Ordinal);
        Assert.Contains($"ip_local_port_range {PortAdvice.ProposedLow} {PortAdvice.ProposedHigh}", PortAdvice.InBrief, StringComparison.Ordinal);
        Assert.DoesNotContain("1024 65535", note, StringComparison.Ordinal);
    }
}
