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
    // Every scenario whose failure the kernel logs. orphans: the last close() meets tcp_max_orphans lowered below the
    // orphan count (tcp_check_oom(sk, 0) in __tcp_close()). tcp_mem: the senders close with data queued after tcp_mem[2]
    // went below memory_allocated (tcp_out_of_memory()). fd_system: file-max is set above this boot's last printed mark,
    // since alloc_empty_file() prints only above its old_max; past MaxOpens above today's count it cannot, and says so.
    public static TheoryData<string> LoggedScenarios() => new(["syn_flood", "conntrack", "oom_kill", "orphans", "tcp_mem", "fd_system"]);

    [Theory]
    [MemberData(nameof(LoggedScenarios))]
    public void After_the_run_the_doctor_reports_it_as_recent_and_critical_and_with_recent_0_as_history(string name)
    {
        Support.RequireRoot();
        RestoreJournal.ReplayLeftovers();
        // The SYN-flood, orphan and tcp_mem lines share one budget, net_ratelimit(): message_burst (10) lines per
        // message_cost (5) seconds, machine-wide. Another scenario's burst just before (the orphans recipe prints
        // ten at once) would swallow this run's line, so wait until the budget is whole again.
        var cost = int.TryParse(File.ReadAllText("/proc/sys/net/core/message_cost").Trim(), out var c) ? c : 5;
        Thread.Sleep(TimeSpan.FromSeconds(cost + 1));
        var before = Support.ReadGlobals();
        var r = LabRunner.Run(LabScenarios.Find(name)!, new LabOptions { SelfCommand = ["dotnet", Support.SockdocDll] }, _ => { });
        Assert.Equal(before, Support.ReadGlobals());
        var evidence = string.Join("\n", r.Evidence.Select(e => e.Kind + " " + e.Text));
        Assert.True(r.Reproduced, $"{name} did not reproduce: {r.Error}\n{evidence}");
        // fd_system only: once this boot's "VFS: file-max limit" mark (alloc_empty_file()'s old_max) is more than
        // FdSystemScenario.MaxOpens above today's open files, no bounded run can make the kernel print again before a
        // reboot; the run says so and its ENFILE (asserted above) is what is left to test.
        if (name == "fd_system" && r.Evidence.Any(e => e.Text.Contains("will not print the line again", StringComparison.Ordinal))) return;
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

    /// <summary>
    /// alloc_empty_file() prints "VFS: file-max limit" only above its old_max (kept until reboot): the recipe sets file-max
    /// above this boot's last mark, so a second run right after the first prints again (while the mark is within
    /// FdSystemScenario.MaxOpens of today's file count; past that the run says the kernel will not print).
    /// </summary>
    [Fact]
    public void Fd_system_prints_its_kernel_line_again_on_a_second_run()
    {
        Support.RequireRoot();
        RestoreJournal.ReplayLeftovers();
        var before = Support.ReadGlobals();
        var options = new LabOptions { SelfCommand = ["dotnet", Support.SockdocDll] };
        for (int run = 1; run <= 2; run++)
        {
            long mark = SockDoc.Load.Lab.Recipes.FdSystemScenario.LastMark();
            var r = LabRunner.Run(LabScenarios.Find("fd_system")!, options, _ => { });
            Assert.Equal(before, Support.ReadGlobals());
            var evidence = string.Join("\n", r.Evidence.Select(e => e.Kind + " " + e.Text));
            Assert.True(r.Reproduced, $"run {run}: {r.Error}\n{evidence}");
            // Past MaxOpens above today's count (many runs this boot) the kernel cannot be made to print in bounded
            // resources: what is left to test is the ENFILE itself, asserted above, and that the run says why.
            if (r.Evidence.Any(e => e.Text.Contains("will not print the line again", StringComparison.Ordinal))) return;
            Assert.True(r.Evidence.Any(e => e.Kind == "log"), $"run {run} (mark before it {mark}) printed no kernel line:\n{evidence}");
            Assert.True(SockDoc.Load.Lab.Recipes.FdSystemScenario.LastMark() > mark, $"run {run}: the mark did not rise above {mark}");
        }
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
