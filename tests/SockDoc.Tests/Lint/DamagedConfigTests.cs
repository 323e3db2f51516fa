using SockDoc.Cli;
using SockDoc.Kernel.Config;
using static SockDoc.Tests.Lint.LintFixtures;

namespace SockDoc.Tests.Lint;

/// <summary>Damaged files: a clear message with file and line, never a crash.</summary>
public class DamagedConfigTests
{
    [Fact]
    public void Binary_file_line_without_equals_and_bad_fields_are_reported_with_file_and_line()
    {
        var r = Fixture("damaged");
        Assert.Contains("not an assignment", One(r, "damaged_file", "20-no-equals.conf", 2).Message, StringComparison.Ordinal);
        Assert.Contains("binary", One(r, "damaged_file", "30-binary.conf", 2).Message, StringComparison.Ordinal);
        Assert.Contains("expected 4 fields", One(r, "damaged_file", "limits.conf", 1).Message, StringComparison.Ordinal);
        Assert.Contains("LimitNOFILE=lots", One(r, "damaged_file", "bad.service", 2).Message, StringComparison.Ordinal);
        // The good line before the line without "=" is still read.
        Assert.Contains(r.Effective, e => e.Key == "net.core.somaxconn");
    }

    [Fact]
    public void Huge_file_and_overlong_line()
    {
        using var t = new TempTree();
        var huge = t.Write("etc/sysctl.d/10-huge.conf", string.Concat(Enumerable.Repeat("net.core.somaxconn = 4096\n", 100_000))); // 2.6 MB
        t.Write("etc/sysctl.d/20-long.conf", "net.core.somaxconn = 4096\nnet.ipv4.tcp_mem = " + new string('9', 100_000) + "\n");
        var r = Run(t.Root);
        var f = Assert.Single(r.Findings, f => f.Id == "damaged_file" && f.File == huge);
        Assert.Contains("larger than 1 MiB", f.Message, StringComparison.Ordinal);
        Assert.NotNull(f.Line);
        One(r, "damaged_file", "20-long.conf", 2);
    }

    [Fact]
    public void Random_bytes_in_every_reader_never_throw()
    {
        var rnd = new Random(7);
        for (int i = 0; i < 50; i++)
        {
            var bytes = new byte[rnd.Next(0, 4000)];
            rnd.NextBytes(bytes);
            // Keep NULs out half the time so the line parsers run on the noise too.
            if (i % 2 == 0) for (int j = 0; j < bytes.Length; j++) if (bytes[j] == 0) bytes[j] = (byte)'=';
            var problems = new List<SockDoc.Model.Config.ConfigProblem>();
            var text = ConfigFileText.Parse(bytes, "noise.conf", problems);
            SysctlConfigReader.Parse(text, problems);
            LimitsConfigReader.Parse(text, problems);
            _ = SystemdLimitsReader.ParseAssignments(text, "LimitNOFILE").ToList();
        }
    }
}
