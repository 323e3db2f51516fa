using SockDoc.Kernel.Sysctl;
using SockDoc.Load.Lab;

namespace SockDoc.RealKernel.Tests.Lab;

/// <summary>
/// Issue 12 item 4, lab side: `lab run --trace` runs `sockdoc trace` beside each scenario whose failure a trace attributes,
/// and holds the trace against the generator: port_exhaustion, this process and 127.0.0.1:8080 with as many EADDRNOTAVAIL
/// as connect() got; orphans, the resets for memory sent to this run's peer; tcp_mem, this process's refused charges above
/// tcp_mem[2] and its resets for memory; tw_buckets (churn), the connection rate within 5 % of the generator's.
/// </summary>
public sealed class LabTraceTests
{
    public static TheoryData<string> TracedScenarios() => new(["port_exhaustion", "orphans", "tcp_mem", "tw_buckets"]);

    [Theory]
    [MemberData(nameof(TracedScenarios))]
    public void The_trace_attributes_what_the_generator_did(string name)
    {
        Support.RequireRoot();
        RestoreJournal.ReplayLeftovers();
        var before = Support.ReadGlobals();
        var r = LabRunner.Run(LabScenarios.Find(name)!, new LabOptions { SelfCommand = ["dotnet", Support.SockdocDll], Trace = true }, _ => { });
        Assert.Equal(before, Support.ReadGlobals());
        var evidence = string.Join("\n", r.Evidence.Select(e => e.Kind + " " + e.Text));
        Assert.True(r.Error is null, $"{name}: {r.Error}\n{evidence}");
        Assert.True(r.Reproduced, $"{name} did not reproduce\n{evidence}");
        Assert.NotNull(r.Trace);
        Assert.True(r.Trace.Matched, $"{name}: {r.Trace.Text}\n{evidence}");
        Assert.True(r.Pass, $"{name} did not pass\n{evidence}");
    }
}
