using System.Text.Json;
using SockDoc.Cli;
using SockDoc.Diagnosis.Rules;
using SockDoc.Tests.Rules;

namespace SockDoc.Tests.Cli;

/// <summary>The doctor and collect commands run in-process on StringWriters.</summary>
public class DoctorCliTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var exit = Program.Run(args, new CliIo(o, e, outputIsTerminal: false, noColor: true, width: 120));
        return (exit, o.ToString(), e.ToString());
    }

    private static string Temp(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), "sockdoc-test-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Proc_root_of_the_captured_vm_is_healthy_and_exit_0()
    {
        var (exit, output, err) = Run("doctor", "--proc-root", Fixtures.Dir("hosts", "debian12-6.18-vm"), "--page-size", "4096");
        Assert.True(exit == 0, err + output);
        Assert.Contains("Nothing to report", output, StringComparison.Ordinal);
        Assert.Contains("one sample", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal); // no colour when not a terminal
    }

    [Fact]
    public void Json_output_follows_the_documented_schema()
    {
        var (exit, output, _) = Run("doctor", "--json", "--proc-root", Fixtures.Dir("hosts", "debian12-6.18-vm"), "--page-size", "4096");
        Assert.Equal(0, exit);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("schema_version").GetInt32());
        Assert.Equal("ok", root.GetProperty("severity").GetString());
        var report = root.GetProperty("report");
        Assert.Equal("6.18.44-fc-v657", report.GetProperty("kernel_release").GetString());
        var checks = report.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(All.Ids.Count, checks.Count);
        Assert.All(checks, c => Assert.Contains(c.GetProperty("status").GetString(), new[] { "ok", "unknown" }));
        Assert.Equal(3712, report.GetProperty("socket_slab").GetProperty("floor_bytes_per_tcp_socket").GetDouble());
    }

    [Fact]
    public void Collect_then_doctor_from_the_file_gives_the_same_checks()
    {
        var path = Path.Combine(Path.GetTempPath(), "sockdoc-collect-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            var (cexit, _, cerr) = Run("collect", "-o", path, "--proc-root", Fixtures.Dir("hosts", "debian12-6.18-vm"), "--page-size", "4096");
            Assert.True(cexit == 0, cerr);
            var (exit, output, err) = Run("doctor", "--json", "--from", path);
            Assert.True(exit == 0, err);
            using var doc = JsonDocument.Parse(output);
            Assert.Equal(All.Ids.Count, doc.RootElement.GetProperty("report").GetProperty("checks").GetArrayLength());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_snapshot_with_trouble_exits_with_its_severity()
    {
        // Take the captured VM, then make TIME_WAIT overflow during the interval: critical, exit 2.
        var before = Rules.Snap.Base().Counter("TcpExt", "TCPTimeWaitOverflow", 10);
        var now = before.Counter("TcpExt", "TCPTimeWaitOverflow", 90);
        var path = Temp(SockDoc.Model.SnapshotJson.Serialize(Rules.Snap.Pair(before, now)));
        try
        {
            var (exit, output, _) = Run("doctor", "--from", path);
            Assert.Equal(2, exit);
            Assert.Contains("TIME_WAIT table overflowing now", output, StringComparison.Ordinal);
            Assert.Contains("sysctl -w net.ipv4.tcp_max_tw_buckets", output, StringComparison.Ordinal);
            var (wexit, _, _) = Run("doctor", "--from", path, "--skip", "tw_buckets");
            Assert.Equal(0, wexit);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("{\"now\": {\"taken_at\": \"2026-01-01T00:00:00Z\"", "not valid JSON (line 1")]
    [InlineData("[1,2,3]", "expected a JSON object")]
    [InlineData("{\"hello\": 1}", "not a SockDoc snapshot")]
    [InlineData("{\"taken_at\": \"yesterday\"}", "not a SockDoc snapshot")]
    [InlineData("{\"format\": 99, \"taken_at\": \"2026-01-01T00:00:00Z\"}", "newer than this sockdoc")]
    public void Bad_from_files_give_one_clear_line_and_exit_3(string content, string expected)
    {
        var path = Temp(content);
        try
        {
            var (exit, output, err) = Run("doctor", "--from", path);
            Assert.Equal(3, exit);
            Assert.Empty(output);
            Assert.StartsWith("sockdoc: " + path + ": ", err, StringComparison.Ordinal);
            Assert.Contains(expected, err, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", err, StringComparison.Ordinal); // no stack trace
            Assert.Single(err.TrimEnd().Split('\n'));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Binary_from_file_is_refused_clearly()
    {
        var path = Path.Combine(Path.GetTempPath(), "sockdoc-bin-" + Guid.NewGuid().ToString("N"));
        var noise = new byte[10000];
        new Random(1).NextBytes(noise);
        File.WriteAllBytes(path, noise);
        try
        {
            var (exit, _, err) = Run("doctor", "--from", path);
            Assert.Equal(3, exit);
            Assert.Contains("not valid JSON", err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new[] { "doctor", "--from", "/nonexistent/host.json" }, "no such file")]
    [InlineData(new[] { "doctor", "--proc-root", "/nonexistent" }, "no such directory")]
    [InlineData(new[] { "doctor", "--proc-root", "/tmp" }, "does not look like a /proc tree")]
    [InlineData(new[] { "doctor", "--interval", "soon" }, "not a duration")]
    [InlineData(new[] { "doctor", "--page-size", "3000" }, "power of two")]
    [InlineData(new[] { "doctor", "--only", "orphanz" }, "unknown check \"orphanz\"")]
    [InlineData(new[] { "doctor", "--bogus" }, "--bogus")]
    public void Bad_arguments_exit_3_with_a_reason(string[] args, string expected)
    {
        var (exit, _, err) = Run(args);
        Assert.Equal(3, exit);
        Assert.Contains(expected, err, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_is_there_for_doctor_and_collect()
    {
        var (exit, output, _) = Run("doctor", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("--proc-root", output, StringComparison.Ordinal);
        Assert.Contains("--interval", output, StringComparison.Ordinal);
        Assert.Contains("--output", Run("collect", "--help").Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Durations_parse()
    {
        Assert.Equal(0.5, SockDoc.Cli.Commands.CommonOptions.ParseDuration("500ms"));
        Assert.Equal(2, SockDoc.Cli.Commands.CommonOptions.ParseDuration("2s"));
        Assert.Equal(1, SockDoc.Cli.Commands.CommonOptions.ParseDuration("1"));
        Assert.Null(SockDoc.Cli.Commands.CommonOptions.ParseDuration("-1"));
        Assert.Equal(65536, SockDoc.Cli.Commands.CommonOptions.ParsePageSize("64K"));
    }
}
