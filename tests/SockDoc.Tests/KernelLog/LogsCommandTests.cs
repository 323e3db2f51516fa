using System.Text.Json;
using SockDoc.Cli;
using SockDoc.Cli.Commands;

namespace SockDoc.Tests.KernelLog;

public class LogsCommandTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 13, 0, 0, TimeSpan.Zero);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var io = new CliIo(o, e, outputIsTerminal: false, noColor: true, width: 160) { Time = new FakeTime(Now) };
        int code = Program.Run(["logs", .. args], io);
        return (code, o.ToString(), e.ToString());
    }

    private static string Fx(string name) => Fixtures.Dir("kernellog", name);

    [Fact]
    public void Text_output_has_one_line_per_incident_kind()
    {
        var (code, output, err) = Run(Fx("journal-short-6.18.txt"));
        Assert.Equal(1, code); // incidents in the log, none in the last 15 minutes (README exit codes)
        Assert.Equal("sockdoc: exit 1: incidents in the log (none in the last 15 minutes)\n", err);
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("tcp_too_many_orphans [orphans] 10x (+0..90 suppressed), 2026-11-24 12:18:50Z", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("syn_flood [syn_flood] 4x, 2026-11-24 12:18:31Z .. 2026-11-24 12:18:33Z, peak 4/min", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Trim() == "killed pid 7408 (python3) anon-rss 32384 kB cgroup /sdk-klog-oom");
        Assert.Contains(lines, l => l.Trim() == "port [::]:8081 TCPv6, Sending cookies");
    }

    [Fact]
    public void Json_output_is_the_summary()
    {
        var (code, output, _) = Run("--json", Fx("kmsg-6.18.txt"));
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(output);
        var incidents = doc.RootElement.GetProperty("incidents");
        Assert.Equal(5, incidents.GetArrayLength());
        var orphans = incidents.EnumerateArray().Single(i => i.GetProperty("kind").GetString() == "tcp_too_many_orphans");
        Assert.Equal("orphans", orphans.GetProperty("finding_id").GetString());
        Assert.Equal(90, orphans.GetProperty("suppressed_up_to").GetInt64());
        Assert.Equal(109, doc.RootElement.GetProperty("lines_read").GetInt64());
    }

    [Fact]
    public void Since_relative_to_now_and_until_iso()
    {
        // Now is 13:00Z; the capture is 12:18..12:19Z.
        var (_, recent, _) = Run("--json", "--since", "30m", Fx("journal-short-6.18.txt"));
        Assert.Equal(0, JsonDocument.Parse(recent).RootElement.GetProperty("incidents").GetArrayLength());
        var (_, window, _) = Run("--json", "--since", "2026-11-24T12:18:30Z", "--until", "2026-11-24T12:18:40Z", Fx("journal-short-6.18.txt"));
        var kinds = JsonDocument.Parse(window).RootElement.GetProperty("incidents").EnumerateArray().Select(i => i.GetProperty("kind").GetString()).ToList();
        Assert.Equal(["syn_flood"], kinds);
    }

    [Fact]
    public void Unreadable_file_exits_3_with_one_line()
    {
        var (code, output, err) = Run(Fx("dmesg-6.18.txt"), "/nonexistent/kern.log");
        Assert.Equal(3, code);
        Assert.Equal("", output);
        Assert.Equal("sockdoc: logs: cannot read /nonexistent/kern.log: does not exist", err.TrimEnd());
    }

    [Theory]
    [InlineData("--since", "yesterday")]
    [InlineData("--until", "12x")]
    [InlineData("--for", "forever")]
    public void Bad_time_arguments_exit_3(string option, string value)
    {
        var (code, _, err) = Run(option, value, Fx("dmesg-6.18.txt"));
        Assert.Equal(3, code);
        Assert.Contains(option, err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Follow_with_files_is_refused()
    {
        var (code, _, err) = Run("--follow", Fx("dmesg-6.18.txt"));
        Assert.Equal(3, code);
        Assert.Contains("--follow", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("2h", 7200)]
    [InlineData("1d", 86400)]
    public void Durations(string text, int seconds)
    {
        Assert.True(LogsCommand.TryDuration(text, out var span));
        Assert.Equal(TimeSpan.FromSeconds(seconds), span);
    }

    [Fact]
    public void Binary_input_is_refused_with_one_line_naming_the_file()
    {
        // Before: a binary file was read as text and reported "no incident" with exit 0.
        var path = Path.Combine(Path.GetTempPath(), $"sockdoc-logs-binary-{Environment.ProcessId}.bin");
        var noise = new byte[8192];
        new Random(7).NextBytes(noise);
        noise[100] = 0;
        File.WriteAllBytes(path, noise);
        try
        {
            var (code, output, err) = Run(path);
            Assert.Equal(3, code);
            Assert.Equal("", output);
            Assert.Contains(path, err, StringComparison.Ordinal);
            Assert.Contains("binary", err, StringComparison.Ordinal);
            Assert.Single(err.Trim().Split('\n'));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
