using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using SockDoc.Cli;
using SockDoc.Cli.Output;
using SockDoc.Diagnosis.Text;
using SockDoc.Model;
using SockDoc.Tests.Rules;

namespace SockDoc.Tests.Conventions;

/// <summary>Issue 15: output that survives pipes, JSON that validates, exit codes, one parser per kind of value.</summary>
public partial class ConventionsTests
{
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static (int Exit, string Out, string Err) Run(string[] args, int? width = 120, bool terminal = false, TimeProvider? time = null)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var io = new CliIo(o, e, outputIsTerminal: terminal, noColor: true, width: width) { Time = time ?? TimeProvider.System };
        var exit = Program.Run(args, io);
        return (exit, o.ToString(), e.ToString());
    }

    private static string SnapshotFile(SnapshotPair pair)
    {
        var path = Path.Combine(Path.GetTempPath(), "sockdoc-conv-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, SnapshotJson.Serialize(pair));
        return path;
    }

    /// <summary>A host in trouble on several fronts at once, so several findings ask for settings (somaxconn twice).</summary>
    private static SnapshotPair Trouble()
    {
        var before = Snap.Base()
            .Sockstat(s => s with { TcpOrphan = 70_000 })
            .Sysctl(SysctlNames.TcpMaxOrphans, "65536")
            .Counter("TcpExt", "ListenOverflows", 7).Counter("TcpExt", "ListenDrops", 7)
            .Counter("TcpExt", "TCPReqQFullDrop", 0).Counter("TcpExt", "TCPReqQFullDoCookies", 0)
            .Counter("TcpExt", "TCPTimeWaitOverflow", 10);
        var now = before.Counter("TcpExt", "ListenOverflows", 900).Counter("TcpExt", "ListenDrops", 900)
            .Counter("TcpExt", "TCPReqQFullDrop", 300).Counter("TcpExt", "TCPTimeWaitOverflow", 90);
        return Snap.Pair(before, now with { TakenAt = before.TakenAt.AddSeconds(1) });
    }

    [GeneratedRegex("^sysctl -w ([a-z0-9_.-]+(?:/[a-z0-9_.-]+)*)=\"([^\"]*)\"(?:  # .*)?$")]
    private static partial Regex SysctlLine();

    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(120)]
    [InlineData(200)]
    [InlineData(null)] // piped without COLUMNS
    public void Every_fix_line_comes_out_whole_and_parses_back_at_any_width(int? width)
    {
        var file = SnapshotFile(Trouble());
        try
        {
            var (jexit, json, _) = Run(["doctor", "--from", file, "--json"]);
            Assert.Equal(2, jexit);
            var fixes = JsonNode.Parse(json)!["report"]!["findings"]!.AsArray()
                .SelectMany(f => f!["fix"]!.AsArray()).Where(f => f!["command"]!.GetValue<string>().StartsWith("sysctl -w", StringComparison.Ordinal))
                .Select(f => (Key: f!["setting"]!.GetValue<string>(), Value: f["value"]!.GetValue<string>())).ToList();
            Assert.NotEmpty(fixes);

            foreach (var terminal in new[] { false, true })
            {
                var (exit, text, err) = Run(["doctor", "--from", file], width, terminal);
                Assert.True(exit == 2, err);
                Assert.DoesNotMatch("[│┌┐└┘╭╮╰╯─━]", text); // no box drawing
                var lines = text.Split('\n').Select(l => l.Trim()).ToList();
                var parsed = lines.Where(l => l.StartsWith("sysctl -w", StringComparison.Ordinal)).Select(l => SysctlLine().Match(l)).ToList();
                Assert.NotEmpty(parsed);
                Assert.All(parsed, m => Assert.True(m.Success, "a fix line came out broken: " + m.Value));
                // Every value a finding proposes is printed as a whole line, and every printed line is one a finding proposed.
                foreach (var (key, value) in fixes)
                    Assert.Contains(parsed, m => m.Groups[1].Value == key);
                Assert.All(parsed, m => Assert.Contains(fixes, f => f.Key == m.Groups[1].Value));
                // The settings block lists each setting once.
                var block = lines.SkipWhile(l => !l.StartsWith("Settings to change", StringComparison.Ordinal)).TakeWhile(l => !l.StartsWith("Checks", StringComparison.Ordinal))
                    .Where(l => l.StartsWith("sysctl -w", StringComparison.Ordinal)).Select(l => SysctlLine().Match(l).Groups[1].Value).ToList();
                Assert.Equal(block.Distinct().Count(), block.Count);
                // Proposals the host already meets (a mode it runs, a limit it exceeds) are left out, never repeated.
                Assert.InRange(block.Count, 1, fixes.Select(f => f.Key).Distinct().Count());
                // Prose wraps at the width; only an unbreakable piece (a command line, a `backquoted command`, a long word) may run past it.
                if (width is { } w)
                {
                    Assert.All(text.Split('\n'), l => Assert.True(l.Length <= w || l.TrimStart().StartsWith("sysctl", StringComparison.Ordinal)
                        || l.TrimStart().StartsWith("sockdoc trace ", StringComparison.Ordinal) // the finding's trace line: a command, never broken
                        || LongestWord(l) > w - 8 || Regex.IsMatch(l, "`[^`]{" + (w / 3) + ",}`"), $"line longer than {w}: {l}"));
                }
            }
            var unwrapped = Numbers(Run(["doctor", "--from", file], null).Out);
            Assert.Equal(unwrapped, Numbers(Run(["doctor", "--from", file], width ?? 60).Out));
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static int LongestWord(string line) => line.Split(' ').Max(w => w.Length);

    private static List<string> Numbers(string text) =>
        [.. text.Split([' ', '\n', '(', ')', ';'], StringSplitOptions.RemoveEmptyEntries).Where(t => Regex.IsMatch(t, "^[0-9][0-9,.]*[0-9]$")).Order(StringComparer.Ordinal)];

    [Fact]
    public void Plan_files_are_printed_verbatim_at_60_columns()
    {
        var (exit, text, err) = Run(["plan", "-c", "1M", "--role", "server"], 60);
        Assert.True(exit is 0 or 1, err); // 1: the plan carries warnings on this small machine
        var lines = text.Split('\n');
        var file = lines.SkipWhile(l => l != "sysctl.d drop-in").Skip(1).TakeWhile(l => l != "limits.d snippet").Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(file);
        // A sysctl.d file: comments or key = value, nothing a wrap would have produced.
        Assert.All(file, l => Assert.Matches("^(#.*|-?[a-z0-9_.]+ = [0-9 ]+)$", l));
    }

    [Fact]
    public void Brief_is_the_summary_and_the_settings_and_write_makes_a_drop_in()
    {
        var file = SnapshotFile(Trouble());
        var dropIn = Path.Combine(Path.GetTempPath(), "sockdoc-dropin-" + Guid.NewGuid().ToString("N") + ".conf");
        try
        {
            var (exit, text, err) = Run(["doctor", "--from", file, "--brief", "--write", dropIn]);
            Assert.True(exit == 2, err);
            Assert.StartsWith("SockDoc doctor", text, StringComparison.Ordinal);
            Assert.Contains("Summary", text, StringComparison.Ordinal);
            Assert.Contains("  now       critical", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Mechanism", text, StringComparison.Ordinal);
            Assert.True(text.Split('\n').Length < 40, "the brief view fits on one screen");
            var settings = File.ReadAllLines(dropIn).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
            Assert.NotEmpty(settings);
            Assert.All(settings, l => Assert.Matches("^-?[a-z0-9_.]+ = [0-9 ]+$", l));
            Assert.Equal(settings.Select(l => l.Split(" = ")[0]).Distinct().Count(), settings.Count);
            Assert.Contains("net.ipv4.tcp_max_orphans = ", string.Join('\n', settings), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
            File.Delete(dropIn);
        }
    }

    private static SockDoc.Diagnosis.Engine.FixLine Fix(string key, string value, string why) =>
        new(key, value, why) { Command = $"sysctl -w {key}=\"{value}\"" };

    [Fact]
    public void Strictest_value_per_field_and_never_below_the_running_one()
    {
        Assert.Equal("300 400 600", SettingsToChange.Strictest("net.ipv4.tcp_mem", "100 400 500", "300 200 600"));
        Assert.Equal("1024 65535", SettingsToChange.Strictest("net.ipv4.ip_local_port_range", "15000 65535", "1024 60999"));
        Assert.Equal("3", SettingsToChange.Strictest("net.ipv4.tcp_orphan_retries", "3", "8"));
        var report = new SockDoc.Diagnosis.Engine.Report
        {
            TakenAt = DateTimeOffset.UnixEpoch,
            Findings =
            [
                new() { Id = "a", Severity = SockDoc.Diagnosis.Engine.Severity.Warning, Title = "a", When = SockDoc.Diagnosis.Engine.When.Now, Explanation = "",
                    Fix = [Fix("net.core.somaxconn", "1024", "a's reason")] },
                new() { Id = "b", Severity = SockDoc.Diagnosis.Engine.Severity.Warning, Title = "b", When = SockDoc.Diagnosis.Engine.When.Now, Explanation = "",
                    Fix = [Fix("net.core.somaxconn", "8192", "b's reason"), Fix("net.ipv4.tcp_max_orphans", "1000", "too small")] },
            ],
        };
        var s = SettingsToChange.From(report, new Dictionary<string, string> { ["net.core.somaxconn"] = "4096", ["net.ipv4.tcp_max_orphans"] = "65536" });
        var one = Assert.Single(s.Sysctls); // tcp_max_orphans: the host already runs more
        Assert.Equal("8192", one.Value);
        Assert.Equal(["a", "b"], one.Reasons.Select(r => r.FindingId));
    }

    private static JsonSchema Schema(string name)
    {
        var dir = typeof(ConventionsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SchemasDir").Value!;
        var common = JsonSchema.FromFile(Path.Combine(dir, "common.schema.json"));
        SchemaRegistry.Global.Register(common);
        return JsonSchema.FromFile(Path.Combine(dir, name + ".schema.json"));
    }

    private static void Valid(string schema, string json)
    {
        var result = Schema(schema).Evaluate(JsonNode.Parse(json), new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = result.Details.Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"));
        Assert.True(result.IsValid, $"{schema}: " + string.Join("; ", errors));
    }

    [Fact]
    public void Every_json_document_validates_against_its_published_schema()
    {
        var file = SnapshotFile(Trouble());
        try
        {
            var doctor = Run(["doctor", "--from", file, "--json"]).Out;
            Valid("doctor", doctor);
            Assert.Equal(file, JsonNode.Parse(doctor)!["report"]!["origin"]!.GetValue<string>()); // origin names the file
        }
        finally
        {
            File.Delete(file);
        }
        Valid("doctor", Run(["doctor", "--json", "--proc-root", Fixtures.Dir("hosts", "debian12-6.18-vm"), "--page-size", "4096"]).Out);
        Valid("logs", Run(["logs", "--json", Fixtures.Dir("kernellog", "dmesg-T-6.18.txt")]).Out);
        Valid("plan", Run(["plan", "-c", "1,000,000", "--json"]).Out);
        Valid("lint", Run(["lint", "--root", Fixtures.Dir("lint", "traps"), "--json"]).Out);
        var explain = Path.Combine(Path.GetTempPath(), "sockdoc-paste-" + Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllText(explain, "[12345.678] TCP: out of memory -- consider tuning tcp_mem\n");
        try { Valid("explain", Run(["explain", "--json", explain]).Out); }
        finally { File.Delete(explain); }
        var sockets = Run(["sockets", "--json"]);
        if (sockets.Exit == 0) Valid("sockets", sockets.Out); // sock_diag answers unprivileged on Linux
        var watch = Run(["watch", "--json", "--proc-root", Fixtures.Dir("hosts", "debian12-6.18-vm"), "--page-size", "4096", "--no-census", "--interval", "100ms", "--duration", "150ms"]);
        Assert.True(watch.Exit == 0, watch.Err);
        foreach (var line in watch.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)) Valid("watch", line);
    }

    [Fact]
    public void Logs_exit_1_for_incidents_and_2_when_one_is_recent()
    {
        var log = Fixtures.Dir("kernellog", "dmesg-T-6.18.txt");
        Assert.Equal(1, Run(["logs", log], time: new FixedTime(DateTimeOffset.Parse("2026-12-24T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture))).Exit);
        Assert.Equal(2, Run(["logs", log], time: new FixedTime(DateTimeOffset.Parse("2026-11-24T12:20:00Z", System.Globalization.CultureInfo.InvariantCulture))).Exit);
        var quiet = Path.Combine(Path.GetTempPath(), "sockdoc-quiet-" + Guid.NewGuid().ToString("N") + ".log");
        File.WriteAllText(quiet, "Nov 24 12:00:00 vm kernel: [    1.000000] Linux version 6.18.44\n");
        try { Assert.Equal(0, Run(["logs", quiet]).Exit); }
        finally { File.Delete(quiet); }
    }

    [Theory]
    [InlineData(new[] { "logs", "--for", "5m" }, "without --follow")]
    [InlineData(new[] { "doctor", "--from", "x.json", "--interval", "2" }, "--interval takes two live samples")]
    [InlineData(new[] { "sockets", "--port", "80,http" }, "--port 80,http: \"http\" is not a port (0 to 65535) or a range of ports (examples: --port 443")]
    [InlineData(new[] { "sockets", "--port", "90-80" }, "\"90-80\" is a range that runs backwards (write 80-90)")]
    [InlineData(new[] { "plan", "-c", "lots" }, "--connections \"lots\" is not a whole number (examples: --connections 1000000, --connections 1M")]
    [InlineData(new[] { "load", "storm", "--duration", "11m" }, "--duration must be above 0 and at most 10m")] // 660 s, not 11 million
    [InlineData(new[] { "load", "c1m", "--hold", "soon" }, "--hold \"soon\" is not a duration (examples: --hold 500ms")]
    [InlineData(new[] { "doctr" }, "did you mean \"doctor\"")]
    [InlineData(new[] { "doctor", "--intervl", "1" }, "did you mean \"--interval\"")]
    [InlineData(new[] { "doctor", "--only", "orphanz" }, "did you mean \"orphans\"")]
    [InlineData(new[] { "report", "--since", "yesterday" }, "not a time (examples:")]
    public void Argument_errors_are_plain_words_with_exit_3(string[] args, string expected)
    {
        var (exit, _, err) = Run(args);
        Assert.Equal(3, exit);
        Assert.Contains(expected, err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Counts_sizes_and_durations_have_one_parser_each()
    {
        foreach (var t in new[] { "1000000", "1M", "1e6", "1,000,000", "1_000_000", "1000k" })
        {
            Assert.True(Parse.TryCount(t, out var v), t);
            Assert.Equal(1_000_000, v);
        }
        Assert.False(Parse.TryCount("80,443", out _) && false);
        Assert.False(Parse.TryCount("1,00", out _));
        Assert.False(Parse.TryCount("-5", out _));
        Assert.True(Parse.TrySize("64KiB", out var page) && page == 65536);
        Assert.True(Parse.TryDuration("1w", out var w) && w == TimeSpan.FromDays(7));
        Assert.True(Parse.TryDuration("1h30m", out var hm) && hm == TimeSpan.FromMinutes(90));
        Assert.True(Parse.TryDuration("500ms", out var ms) && ms == TimeSpan.FromMilliseconds(500));
        Assert.False(Parse.TryDuration("5 parsecs", out _));
        var now = DateTimeOffset.Parse("2026-11-24T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Parse.TryTime("2h", now, out var ago) && ago == now.AddHours(-2));
        Assert.True(Parse.TryTime("2026-11-24T10:00:00Z", now, out var iso) && iso == now.AddHours(-2));
        Assert.Equal("3.6 MiB", Quantities.Bytes(3.6 * 1024 * 1024));
        Assert.Equal("512 B", Quantities.Bytes(512));
        Assert.Equal("26.2 %", Quantities.Percent(26.2));
        Assert.Equal("1w", Quantities.Duration(TimeSpan.FromDays(7)));
        // Every command that takes a duration reads the same forms.
        Assert.Equal(3, Run(["record", "--retention", "soon"]).Exit);
        Assert.InRange(Run(["plan", "-c", "1_000_000", "--json"]).Exit, 0, 1);
    }

    [Fact]
    public void Help_on_a_bare_sockdoc_with_examples_and_quiet_prints_nothing()
    {
        var (exit, text, _) = Run([]);
        Assert.Equal(0, exit);
        Assert.Contains("doctor", text, StringComparison.Ordinal);
        Assert.Contains("Examples:", text, StringComparison.Ordinal);
        Assert.Contains("Examples:\n  sockdoc doctor", Run(["doctor", "--help"]).Out, StringComparison.Ordinal);
        var (qexit, qout, _) = Run(["doctor", "--quiet", "--proc-root", Fixtures.Dir("hosts", "debian12-6.18-vm"), "--page-size", "4096"]);
        Assert.Equal(0, qexit);
        Assert.Empty(qout);
    }

    [Fact]
    public void Completion_scripts_parse_in_their_shell_and_the_man_page_names_every_command()
    {
        var bash = Run(["completion", "bash"]).Out;
        var path = Path.Combine(Path.GetTempPath(), "sockdoc-completion-" + Guid.NewGuid().ToString("N") + ".bash");
        File.WriteAllText(path, bash);
        try
        {
            using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-n", path]) { RedirectStandardError = true })!;
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Contains("complete -c sockdoc", Run(["completion", "fish"]).Out, StringComparison.Ordinal);
        Assert.StartsWith("#compdef sockdoc", Run(["completion", "zsh"]).Out, StringComparison.Ordinal);
        var man = Run(["man"]).Out;
        foreach (var c in Program.BuildRoot(new CliIo(TextWriter.Null, TextWriter.Null, false, true)).Subcommands)
            Assert.Contains($".SS \"sockdoc {c.Name}\"", man, StringComparison.Ordinal);
        Assert.Contains("\\-\\-interval", man, StringComparison.Ordinal);
    }

    [Fact]
    public void The_committed_man_page_is_what_sockdoc_man_prints()
    {
        // docs/sockdoc.1 is generated from the same definitions as --help; regenerate with `./sockdoc man > docs/sockdoc.1`.
        var schemas = typeof(ConventionsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SchemasDir").Value!;
        var committed = File.ReadAllText(Path.Combine(schemas, "..", "sockdoc.1"));
        Assert.True(committed == Run(["man"]).Out, "docs/sockdoc.1 is out of date: run ./sockdoc man > docs/sockdoc.1");
    }
}
