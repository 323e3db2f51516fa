using System.Text.Json;
using SockDoc.Cli;

namespace SockDoc.Tests.Lint;

/// <summary>`sockdoc lint --root` in-process: exit 0 clean, 1 warnings, 2 errors, 3 could not run.</summary>
public class LintCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.Run(args, new CliIo(o, e, false, true, 200));
        return (code, o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData("clean", 0)]
    [InlineData("not_applied", 1)]
    [InlineData("unknown_key", 1)]
    [InlineData("wrong_unit", 2)]
    [InlineData("limits", 2)]
    [InlineData("damaged", 1)]
    public void Exit_code_follows_the_worst_finding(string fixture, int expected)
    {
        var (code, output, _) = Run("lint", "--root", LintFixtures.Root(fixture));
        Assert.Equal(expected, code);
        Assert.Contains("SockDoc lint", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_lists_findings_with_file_and_line()
    {
        var (code, output, _) = Run("lint", "--root", LintFixtures.Root("traps"), "--json");
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(code, doc.RootElement.GetProperty("exit_code").GetInt32());
        var findings = doc.RootElement.GetProperty("report").GetProperty("findings");
        Assert.Contains(findings.EnumerateArray(), f => f.GetProperty("id").GetString() == "trap_orphan_retries" && f.GetProperty("line").GetInt32() == 1
            && f.GetProperty("file").GetString()!.EndsWith("80-folklore.conf", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tree_without_proc_skips_running_comparisons_and_says_so()
    {
        using var t = new TempTree();
        t.Write("etc/sysctl.d/10.conf", "net.ipv4.tcp_bogus = 1\nnet.ipv4.tcp_tw_recycle = 0\n");
        var (code, output, _) = Run("lint", "--root", t.Root);
        Assert.Contains("comparisons with the running kernel skipped", output, StringComparison.Ordinal);
        // Without a kernel to ask, an unknown key cannot be told; the removed tcp_tw_recycle still can.
        Assert.Contains("removed_key", output, StringComparison.Ordinal);
        Assert.DoesNotContain("unknown_key", output, StringComparison.Ordinal);
        Assert.Equal(1, code);
    }

    [Fact]
    public void Missing_root_is_could_not_run()
    {
        var (code, _, err) = Run("lint", "--root", "/nonexistent/sockdoc-tree");
        Assert.Equal(3, code);
        Assert.Contains("/nonexistent/sockdoc-tree", err, StringComparison.Ordinal);
    }
}
