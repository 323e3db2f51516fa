using System.Text.Json;
using SockDoc.Kernel.Sysctl;
using SockDoc.Load.Lab;

namespace SockDoc.RealKernel.Tests.Lab;

/// <summary>
/// Issue 18 item 5: when a lab scenario whose failure the kernel logs has ended (the burst is over, the gauges back to
/// normal), a doctor run within the --recent window names it as recent and critical; with --recent 0 the same lines are
/// history (since boot, warning). The doctor reads the kernel log, so this holds on the host, outside the scenario's namespace.
/// </summary>
public sealed class LabRecencyTests
{
    // Not orphans: the lab's recipe keeps 40 orphans under tcp_max_orphans 100 and the timer check has shift 0 until an
    // orphan has been idle 240 s, so the kernel kills none and prints nothing. Not fd_system: the kernel prints
    // "VFS: file-max limit N reached" only at a new high-water mark (once per boot for the lab's value), so a second
    // run prints nothing. Not tcp_mem: the recipe's pressure reaches tcp_check_oom() (and its "TCP: out of memory" line)
    // only in some runs (TCPMemoryPressures rises in every one). These are counted by their rules' other evidence.
    public static TheoryData<string> LoggedScenarios() => new(["syn_flood", "conntrack", "oom_kill"]);

    [Theory]
    [MemberData(nameof(LoggedScenarios))]
    public void After_the_run_the_doctor_reports_it_as_recent_and_critical_and_with_recent_0_as_history(string name)
    {
        Support.RequireRoot();
        RestoreJournal.ReplayLeftovers();
        var before = Support.ReadGlobals();
        var r = LabRunner.Run(LabScenarios.Find(name)!, new LabOptions { SelfCommand = ["dotnet", Support.SockdocDll] }, _ => { });
        Assert.Equal(before, Support.ReadGlobals());
        var evidence = string.Join("\n", r.Evidence.Select(e => e.Kind + " " + e.Text));
        Assert.True(r.Reproduced, $"{name} did not reproduce: {r.Error}\n{evidence}");
        Assert.True(r.Evidence.Any(e => e.Kind == "log"), $"{name} printed no kernel line this run, so nothing can be recent:\n{evidence}");

        // The run is over: its sockets, files and settings are gone; only the kernel's lines remain.
        var recent = Doctor(name, "15m");
        Assert.True(recent.TryGetValue(name, out var f), $"doctor did not report {name} after the run");
        Assert.Equal(("critical", "recent"), f);

        var history = Doctor(name, "0");
        Assert.True(history.TryGetValue(name, out var h), $"doctor --recent 0 did not report {name}");
        Assert.Equal("since_boot", h.When);
        Assert.Equal("warning", h.Severity);
    }

    /// <summary>`doctor --json --only ID --recent WINDOW` on the host: id → (severity, when).</summary>
    private static Dictionary<string, (string Severity, string When)> Doctor(string id, string window)
    {
        var run = Support.Sockdoc(null, "doctor", "--json", "--interval", "0", "--no-census", "--only", id, "--recent", window);
        Assert.True(run.Exit is >= 0 and <= 2, $"doctor exit {run.Exit}: {run.Stderr}");
        using var doc = JsonDocument.Parse(run.Stdout);
        var result = new Dictionary<string, (string, string)>();
        foreach (var f in doc.RootElement.GetProperty("report").GetProperty("findings").EnumerateArray())
            result[f.GetProperty("id").GetString()!] = (f.GetProperty("severity").GetString()!, f.GetProperty("when").GetString()!);
        return result;
    }
}
