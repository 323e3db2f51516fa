using System.Diagnostics;
using SockDoc.Kernel.Sysctl;
using SockDoc.Load.Lab;

namespace SockDoc.RealKernel.Tests.Lab;

/// <summary>
/// Every lab scenario makes its failure happen on the running kernel; the built doctor must name it, and no
/// global setting may differ afterwards. A run killed with SIGKILL half way is put back by `lab restore`.
/// </summary>
public sealed class LabRealKernelTests
{
    /// <summary>Every machine-wide setting a scenario touches or could disturb.</summary>
    private static readonly string[] Globals =
    [
        "net.ipv4.tcp_mem", "net.ipv4.tcp_max_orphans", "net.ipv4.udp_mem", "fs.file-max", "fs.nr_open",
        "net.netfilter.nf_conntrack_max", "net.core.somaxconn", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_max_tw_buckets",
        "net.ipv4.tcp_tw_reuse",
    ];

    /// <summary>
    /// The settings as they are between changes: read under the global lock, which every change to a global setting
    /// (lab, tests, other processes) holds from its journal entry to its restore, so a parallel test's change in flight
    /// is never compared as if this test had left it behind.
    /// </summary>
    private static Dictionary<string, string> ReadGlobals()
    {
        using var held = GlobalLock.Acquire(TimeSpan.FromSeconds(120));
        return Globals.Where(n => File.Exists("/proc/sys/" + n.Replace('.', '/'))).ToDictionary(n => n, n => RestoreJournal.Read(n));
    }

    private static LabOptions Options(params KeyValuePair<string, string>[] with) =>
        new() { SelfCommand = ["dotnet", Support.SockdocDll], With = with };

    public static TheoryData<string> Names() => new(LabScenarios.All.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void Scenario_reproduces_its_failure_and_the_doctor_names_it(string name)
    {
        Support.RequireRoot();
        var scenario = LabScenarios.Find(name)!;
        var before = ReadGlobals();
        var lines = new List<LabEvidence>();
        var r = LabRunner.Run(scenario, Options(), e => { lock (lines) lines.Add(e); });
        var after = ReadGlobals();
        // nf_conntrack_max appears when the conntrack scenario loads the module: compare what existed before.
        foreach (var (k, v) in before) Assert.Equal(v, after[k]);
        var report = $"{r.Error}\n{string.Join("\n", r.Evidence.Select(e => e.Kind + " " + e.Text))}\nfound: {string.Join(", ", r.Found.Select(f => f.Id + "=" + f.Severity))}";
        Assert.True(r.Reproduced, "the kernel never showed the failure: " + report);
        Assert.True(r.Error is null, report);
        foreach (var id in scenario.Expected)
            Assert.Contains(r.Found, f => f.Id == id && f.Severity is "warning" or "critical");
        Assert.True(r.Pass, report);
        Assert.Null(r.Error);
        Assert.InRange(r.Seconds, 0, 30);
        Assert.Equal(r.Evidence.Count, lines.Count); // every piece was printed as it appeared
        Assert.DoesNotContain(LabNetns.Leftovers(), n => n.Contains(scenario.Name.Replace('_', '-'), StringComparison.Ordinal));
        Assert.False(Directory.Exists("/run/netns/" + (r.Netns ?? "none")), $"namespace {r.Netns} was not removed");
    }

    [Theory]
    [InlineData("orphans", "net.ipv4.tcp_max_orphans", "262144")]
    [InlineData("tw_buckets", "net.ipv4.tcp_max_tw_buckets", "262144")]
    [InlineData("listen_overflow", "net.core.somaxconn", "4096")]
    public void A_proposed_setting_makes_the_finding_go_away(string name, string setting, string value)
    {
        Support.RequireRoot();
        var before = ReadGlobals();
        var r = LabRunner.Run(LabScenarios.Find(name)!, Options(new KeyValuePair<string, string>(setting, value)), _ => { });
        Assert.Equal(before, ReadGlobals());
        Assert.True(r.FixMode);
        Assert.Contains(r.Evidence, e => e.Kind == "setting" && e.Text.StartsWith($"{setting} = {value}", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Found, f => f.When is not ("since_boot" or "recent") && f.Severity is "warning" or "critical");
        Assert.False(r.Reproduced, string.Join("\n", r.Evidence.Select(e => e.Text)));
        Assert.True(r.Pass, r.Error);
    }

    [Fact]
    public void A_run_killed_half_way_is_put_back_by_lab_restore()
    {
        Support.RequireRoot();
        RestoreJournal.ReplayLeftovers();
        var before = ReadGlobals();
        // fd_system holds its lowered fs.file-max while its child holds the files and the doctor looks (seconds);
        // orphans and tcp_mem put theirs back within a second, too short a window to kill the run in.
        var (child, journal) = StartRun("fd_system");
        using var owned = child;
        string changed = "";
        try
        {
            // Half way: the journal holds the old value first, the change follows; wait for the change itself.
            Assert.True(WaitForJournal(child, journal), "the child never wrote its journal");
            Support.WaitUntil(() => child.HasExited || RestoreJournal.Read("fs.file-max").Trim() != before["fs.file-max"].Trim(), TimeSpan.FromSeconds(30));
            changed = RestoreJournal.Read("fs.file-max");
        }
        finally
        {
            if (!child.HasExited) child.Kill(); // SIGKILL: no handler runs, nothing is put back
            child.WaitForExit();
        }
        Assert.NotEqual(before["fs.file-max"].Trim(), changed.Trim());
        Assert.Equal(137, child.ExitCode);
        Assert.True(File.Exists(journal), "the killed run's journal must be left for lab restore");

        var run = Support.Sockdoc(null, "lab", "restore");
        Assert.Equal(0, run.Exit);
        Assert.Contains("restored fs.file-max = " + before["fs.file-max"], run.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, ReadGlobals());
        Assert.False(File.Exists(journal));
    }

    [Fact]
    public void Ctrl_c_half_way_puts_every_setting_back_before_exiting()
    {
        Support.RequireRoot();
        RestoreJournal.ReplayLeftovers();
        var before = ReadGlobals();
        var (child, journal) = StartRun("orphans");
        using var owned = child;
        try
        {
            WaitForJournal(child, journal);
            Assert.False(child.HasExited, "the run ended before it could be interrupted");
            Support.Sh($"kill -INT {child.Id}");
            Assert.True(child.WaitForExit(TimeSpan.FromSeconds(20)), "SIGINT did not end the run");
        }
        finally
        {
            if (!child.HasExited) child.Kill();
            child.WaitForExit();
        }
        Assert.Equal(130, child.ExitCode);
        Assert.Equal(before, ReadGlobals()); // put back by the run itself, not by a later restore
        Assert.False(File.Exists(journal));
    }

    /// <summary>Starts `sockdoc lab run NAME` in a child process; its journal file is lab-PID.restore.</summary>
    private static (Process Child, string Journal) StartRun(string name)
    {
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        // SIGINT back to its default first: when the test run itself was started in the background (nohup, a CI
        // runner), SIGINT is ignored and that is inherited across exec, so the Ctrl-C this test sends would be lost.
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add("dotnet");
        foreach (var a in new[] { Support.SockdocDll, "lab", "run", name }) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        var child = Process.Start(psi)!;
        _ = child.StandardOutput.ReadToEndAsync();
        _ = child.StandardError.ReadToEndAsync();
        return (child, Path.Combine(RestoreJournal.DefaultDirectory, $"lab-{child.Id}.restore"));
    }

    /// <summary>Waits (at most 60 s) until the child has written its journal, the point before any global change.</summary>
    private static bool WaitForJournal(Process child, string journal) =>
        Support.WaitUntil(() => child.HasExited || (File.Exists(journal) && new FileInfo(journal).Length > 0), TimeSpan.FromSeconds(60))
        && File.Exists(journal) && new FileInfo(journal).Length > 0;

    [Fact]
    public void Lab_run_all_json_and_the_totals_line_come_from_the_command()
    {
        Support.RequireRoot();
        var json = Support.Sockdoc(null, "lab", "run", "port_exhaustion", "--json");
        Assert.Equal(0, json.Exit);
        using var doc = System.Text.Json.JsonDocument.Parse(json.Stdout);
        var s = Assert.Single(doc.RootElement.GetProperty("scenarios").EnumerateArray());
        Assert.Equal("port_exhaustion", s.GetProperty("name").GetString());
        Assert.Equal("pass", s.GetProperty("result").GetString());
        Assert.Contains("EADDRNOTAVAIL", s.GetProperty("symptom").GetString(), StringComparison.Ordinal);
        Assert.Contains(s.GetProperty("evidence").EnumerateArray(), e => e.GetProperty("kind").GetString() == "errno");
        Assert.Equal("port_exhaustion", s.GetProperty("found")[0].GetProperty("id").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("passed").GetInt32());

        var text = Support.Sockdoc(null, "lab", "run", "tw_buckets");
        Assert.Equal(0, text.Exit);
        Assert.Contains("TCPTimeWaitOverflow", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("PASS tw_buckets", text.Stdout, StringComparison.Ordinal);
    }
}
