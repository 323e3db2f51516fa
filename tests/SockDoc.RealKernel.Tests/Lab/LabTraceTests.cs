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

    /// <summary>The orphans check's "all resets seen: received RECEIVED 20; ..." lists no sent reset of any reason.</summary>
    private static bool NoSentReset(string text)
    {
        const string Seen = "all resets seen: ";
        int at = text.IndexOf(Seen, StringComparison.Ordinal);
        if (at < 0) return false;
        var list = text[(at + Seen.Length)..];
        int end = list.IndexOf(';', StringComparison.Ordinal);
        if (end >= 0) list = list[..end];
        return !list.Split(", ").Any(x => x.StartsWith("sent ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TracedScenarios))]
    public void The_trace_attributes_what_the_generator_did(string name)
    {
        Support.RequireRoot();
        RestoreJournal.ReplayLeftovers();
        var before = Support.ReadGlobals();
        var r = LabRunner.Run(LabScenarios.Find(name)!, new LabOptions { SelfCommand = ["dotnet", Support.SockdocDll], Trace = true }, _ => { });
        Assert.Equal(before, Support.ReadGlobals());
        // Known and unexplained (2026-11-30, three fresh-clone CI runs with the full suite in parallel, never alone): the
        // kernel counted 39 TCPAbortOnMemory and the listener side saw resets arrive, but perf delivered not one
        // tcp:tcp_send_reset sample to the trace's ring (no PERF_RECORD_LOST either). A trace that saw no sent reset at
        // all is that delivery failure, not a wrong attribution: the run is repeated once, and a second failure fails.
        if (name == "orphans" && r.Trace is { Matched: false } t && NoSentReset(t.Text))
        {
            Console.Error.WriteLine($"LabTraceTests(orphans): the trace saw no sent reset at all, repeating once: {t.Text}");
            r = LabRunner.Run(LabScenarios.Find(name)!, new LabOptions { SelfCommand = ["dotnet", Support.SockdocDll], Trace = true }, _ => { });
            Assert.Equal(before, Support.ReadGlobals());
        }
        var evidence = string.Join("\n", r.Evidence.Select(e => e.Kind + " " + e.Text));
        Assert.True(r.Error is null, $"{name}: {r.Error}\n{evidence}");
        Assert.True(r.Reproduced, $"{name} did not reproduce\n{evidence}");
        Assert.NotNull(r.Trace);
        Assert.True(r.Trace.Matched, $"{name}: {r.Trace.Text}\n{evidence}");
        Assert.True(r.Pass, $"{name} did not pass\n{evidence}");
    }
}
