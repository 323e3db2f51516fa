using System.Text.Json;
using SockDoc.Cli;

namespace SockDoc.Tests.Cli;

/// <summary>
/// `doctor --npd` against node-problem-detector's custom-plugin protocol (exit 0 OK, 1 NonOK, 2 Unknown; one line
/// no longer than max_output_length) and deploy/k8s/npd-sockdoc.json, the plugin config that runs it.
/// </summary>
public class DoctorNpdTests
{
    private static readonly string Snapshot = Path.Combine(Fixtures.Root, "..", "snapshots", "netns-tw-ports.json");
    private static readonly string Repo = Path.GetFullPath(Path.Combine(Fixtures.Root, "..", "..", ".."));

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var exit = Program.Run(args, new CliIo(o, e, outputIsTerminal: false, noColor: true, width: 120));
        return (exit, o.ToString(), e.ToString());
    }

    private static void AssertOneShortLine(string stdout)
    {
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.InRange(lines[0].Length, 1, 80);
    }

    [Fact]
    public void A_limit_hit_now_is_a_problem_naming_the_findings()
    {
        var r = Run("doctor", "--from", Snapshot, "--npd");
        Assert.Equal(1, r.Exit);
        AssertOneShortLine(r.Out);
        // The snapshot's "now" findings (critical) are named; its since-boot ones are history, not pressure.
        using var doc = JsonDocument.Parse(Run("doctor", "--from", Snapshot, "--json").Out);
        var findings = doc.RootElement.GetProperty("report").GetProperty("findings").EnumerateArray().ToList();
        var now = findings.Where(f => f.GetProperty("when").GetString() == "now").Select(f => f.GetProperty("id").GetString()!).ToList();
        var past = findings.Where(f => f.GetProperty("when").GetString() == "since_boot").Select(f => f.GetProperty("id").GetString()!).ToList();
        Assert.NotEmpty(now);
        Assert.NotEmpty(past);
        foreach (var id in now) Assert.Contains(id + " ", r.Out, StringComparison.Ordinal);
        foreach (var id in past.Except(now)) Assert.DoesNotContain(id + " ", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_within_its_limits_is_ok()
    {
        var r = Run("doctor", "--proc-root", Fixtures.Dir("hosts", "debian12-6.18-vm", "proc"), "--npd");
        Assert.Equal(0, r.Exit);
        AssertOneShortLine(r.Out);
        Assert.Equal("no socket resource pressure\n", r.Out.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("--from", "/nonexistent/host.json")]
    [InlineData("--interval", "soon")]
    public void A_doctor_that_cannot_run_is_unknown_with_the_reason_on_stdout(string option, string value)
    {
        var r = Run("doctor", option, value, "--npd");
        Assert.Equal(2, r.Exit);
        AssertOneShortLine(r.Out);
        Assert.StartsWith("unknown: ", r.Out, StringComparison.Ordinal);
        Assert.Equal("", r.Err);
    }

    [Fact]
    public void The_plugin_config_runs_the_doctor_in_npd_mode_for_the_SocketResourcePressure_condition()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo, "deploy", "k8s", "npd-sockdoc.json")));
        var root = doc.RootElement;
        Assert.Equal("custom", root.GetProperty("plugin").GetString());
        Assert.Equal(80, root.GetProperty("pluginConfig").GetProperty("max_output_length").GetInt32());
        Assert.Equal("SocketResourcePressure", root.GetProperty("conditions")[0].GetProperty("type").GetString());
        var rule = root.GetProperty("rules")[0];
        Assert.Equal("permanent", rule.GetProperty("type").GetString());
        Assert.Equal("SocketResourcePressure", rule.GetProperty("condition").GetString());
        var args = rule.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Contains("--npd", args);
        // The configured arguments parse and run (on a fixed tree here so the verdict is known).
        // A copied tree is one sample, so --interval (two live samples) is refused with it: drop it for this run.
        int k = args.IndexOf("--interval");
        if (k >= 0) args.RemoveRange(k, 2);
        var r = Run([.. args, "--proc-root", Fixtures.Dir("hosts", "debian12-6.18-vm", "proc")]);
        Assert.Equal(0, r.Exit);
        AssertOneShortLine(r.Out);
    }
}
