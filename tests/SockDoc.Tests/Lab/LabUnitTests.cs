using SockDoc.Cli;
using SockDoc.Cli.Views;
using SockDoc.Load.Lab;
using SockDoc.Load.Lab.Recipes;

namespace SockDoc.Tests.Lab;

/// <summary>The lab's pure parts: reading the doctor's JSON, the conntrack stat columns, scopes, JSON output, argument errors.</summary>
public sealed class LabUnitTests
{
    // The shape of README "doctor --json schema", values as a lab run printed them.
    private const string DoctorJson = """
        {"schema_version":1,"severity":"warning","exit_code":1,"report":{"checks":[],"findings":[
          {"id":"orphans","severity":"warning","title":"t","when":"risk",
           "evidence":[{"name":"orphans now","value":"40 (machine-wide, IPv4 and IPv6)","source":"/proc/net/sockstat"},
                       {"name":"use of the strictest limit (max/4)","value":"160 %","source":"computed"}]},
          {"id":"syn_flood","severity":"warning","when":"since_boot","evidence":[]}],
          "unreadable":[]}}
        """;

    [Fact]
    public void Doctor_findings_are_read_from_the_json_report()
    {
        var f = LabDoctor.Parse(DoctorJson);
        Assert.Equal(2, f.Count);
        Assert.Equal(("orphans", "warning", "risk"), (f[0].Id, f[0].Severity, f[0].When));
        Assert.Equal("orphans now: 40 (machine-wide, IPv4 and IPv6) (/proc/net/sockstat)", f[0].Evidence[0]);
        Assert.Equal("since_boot", f[1].When);
        Assert.Empty(f[1].Evidence);
    }

    [Fact]
    public void Schema_2_evidence_is_read_from_its_text_not_its_numeric_value()
    {
        // One finding as `sockdoc doctor --json` (schema 2) printed it on the VM, 2026-11-30.
        const string v2 = """
            {"schema_version":2,"report":{"findings":[{"id":"conntrack","severity":"warning","when":"since_boot","confidence":"confirmed",
              "evidence":[{"name": "entries", "text": "0 (this network namespace)", "source": "/proc/sys/net/netfilter/nf_conntrack_count", "value": 0, "unit": "count"}]}]}}
            """;
        Assert.Equal("entries: 0 (this network namespace) (/proc/sys/net/netfilter/nf_conntrack_count)", LabDoctor.Parse(v2).Single().Evidence.Single());
    }

    [Fact]
    public void Doctor_output_without_a_report_is_an_error_not_a_crash()
    {
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => LabDoctor.Parse("sockdoc: internal error"));
        Assert.Throws<KeyNotFoundException>(() => LabDoctor.Parse("{\"schema_version\":1}"));
    }

    [Fact]
    public void Doctor_command_line_runs_in_the_namespace_and_only_the_expected_checks()
    {
        var argv = LabDoctor.CommandLine(new TwBucketsScenario(), ["dotnet", "/x/sockdoc.dll"], "sdk-lab-tw-buckets-1");
        Assert.Equal(["ip", "netns", "exec", "sdk-lab-tw-buckets-1", "dotnet", "/x/sockdoc.dll", "doctor", "--json", "--interval", "0",
            "--only", "tw_buckets", "--no-log", "--no-census"], argv);
        var syn = LabDoctor.CommandLine(new SynFloodScenario(), ["sockdoc"], null);
        Assert.DoesNotContain("--no-log", syn);
        var mixed = LabDoctor.CommandLine(new MixedScenario(), ["sockdoc"], null);
        Assert.Contains("tw_buckets,listen_overflow", mixed);
        Assert.DoesNotContain("--no-census", mixed);
    }

    [Fact]
    public void Conntrack_drops_are_summed_over_the_hexadecimal_per_cpu_rows()
    {
        // /proc/net/stat/nf_conntrack layout of 6.18 (header of this VM), values made up: 0x0a + 0x03.
        const string stat = """
            entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
            00000002  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 0000000a 00000001 00000000  00000000 00000000 00000000 00000000
            00000002  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000003 00000000 00000000  00000000 00000000 00000000 00000000
            """;
        Assert.Equal(13, ConntrackScenario.SumColumn(stat, "drop"));
        Assert.Equal(1, ConntrackScenario.SumColumn(stat, "early_drop"));
        Assert.Equal(0, ConntrackScenario.SumColumn(stat, "no_such_column"));
        Assert.Equal(0, ConntrackScenario.SumColumn("", "drop"));
    }

    [Theory]
    [InlineData("net.ipv4.tcp_mem", true)]
    [InlineData("net.ipv4.tcp_max_orphans", true)]
    [InlineData("fs.file-max", true)]
    [InlineData("net.netfilter.nf_conntrack_max", true)]
    [InlineData("net.ipv4.tcp_max_tw_buckets", false)]
    [InlineData("net.core.somaxconn", false)]
    [InlineData("net.ipv4.ip_local_port_range", false)]
    public void Global_settings_are_never_set_inside_a_namespace(string name, bool global) =>
        Assert.Equal(global, SysctlScope.IsGlobal(name));

    [Fact]
    public void Every_scenario_names_a_symptom_and_an_expected_finding_and_names_are_unique()
    {
        Assert.Equal(12, LabScenarios.All.Count);
        Assert.Equal(LabScenarios.All.Count, LabScenarios.All.Select(s => s.Name).Distinct().Count());
        foreach (var s in LabScenarios.All)
        {
            Assert.NotEmpty(s.Symptom);
            Assert.NotEmpty(s.Expected);
            Assert.Matches("^[a-z_]+$", s.Name);
        }
        var ids = SockDoc.Diagnosis.Rules.All.Ids;
        Assert.All(LabScenarios.All.SelectMany(s => s.Expected), id => Assert.Contains(id, ids));
    }

    [Fact]
    public void Json_result_has_expected_found_evidence_and_verdict()
    {
        var r = new LabResult
        {
            Name = "orphans", Symptom = "TCP: too many orphaned sockets", Expected = ["orphans"],
            Found = [new LabFinding("orphans", "warning", "risk", ["orphans now: 40"])],
            Evidence = [new LabEvidence("sockstat", "TCP: inuse 82 orphan 40")], Reproduced = true, Pass = true, Seconds = 0.61,
        };
        var failed = r with { Name = "tw_buckets", Pass = false, Error = "doctor exited 3: x" };
        using var doc = System.Text.Json.JsonDocument.Parse(LabView.Json([r, failed]));
        var s = doc.RootElement.GetProperty("scenarios")[0];
        Assert.Equal("orphans", s.GetProperty("expected")[0].GetString());
        Assert.Equal("warning", s.GetProperty("found")[0].GetProperty("severity").GetString());
        Assert.Equal("sockstat", s.GetProperty("evidence")[0].GetProperty("kind").GetString());
        Assert.Equal("pass", s.GetProperty("result").GetString());
        Assert.Equal(0.61, s.GetProperty("seconds").GetDouble());
        Assert.Equal("fail", doc.RootElement.GetProperty("scenarios")[1].GetProperty("result").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("failed").GetInt32());
        Assert.Equal("1 passed, 1 failed", LabView.Totals([r, failed]));
    }

    [Theory]
    [InlineData(new[] { "lab", "run", "nosuch" }, "no scenario 'nosuch'")]
    [InlineData(new[] { "lab", "run", "orphans", "--with", "net.ipv4.tcp_max_orphans" }, "is not name=value")]
    [InlineData(new[] { "lab", "run", "orphans", "--with", "net.ipv4.no_such_thing=1" }, "no such sysctl")]
    [InlineData(new[] { "lab", "run", "orphans", "--timeout", "0" }, "--timeout")]
    public void Bad_arguments_give_one_line_and_exit_3(string[] args, string message)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, new CliIo(o, e, outputIsTerminal: false, noColor: true));
        Assert.Equal(3, code);
        Assert.Contains(message, e.ToString(), StringComparison.Ordinal);
        Assert.Single(e.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void List_names_every_scenario()
    {
        var o = new StringWriter();
        int code = Program.Run(["lab", "list", "--json"], new CliIo(o, new StringWriter(), outputIsTerminal: false, noColor: true));
        Assert.Equal(0, code);
        using var doc = System.Text.Json.JsonDocument.Parse(o.ToString());
        Assert.Equal(LabScenarios.All.Select(s => s.Name), doc.RootElement.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
    }

    [Fact]
    public void Dead_owner_is_told_from_the_pid_in_the_name()
    {
        Assert.True(SockDoc.Kernel.Sysctl.RestoreJournal.OwnerGone("sdk-lab-oom-999999999"));
        Assert.False(SockDoc.Kernel.Sysctl.RestoreJournal.OwnerGone("sdk-lab-oom-1"));
        Assert.False(SockDoc.Kernel.Sysctl.RestoreJournal.OwnerGone("sdk-lab-oom-" + Environment.ProcessId));
        Assert.False(SockDoc.Kernel.Sysctl.RestoreJournal.OwnerGone("no-pid-here"));
    }
}
