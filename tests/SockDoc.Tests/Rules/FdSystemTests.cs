using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Kernel;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

public class FdSystemTests
{
    private static readonly FdSystem Rule = new();
    private const string LongMax = "9223372036854775807";

    [Fact]
    public void Thresholds()
    {
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.One(Snap.Base().Sysctl(SysctlNames.FileNr, "1000 0 1000").Sysctl(SysctlNames.FileMax, "1000"))).Status);
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.One(Snap.Base().Sysctl(SysctlNames.FileNr, "801 0 1000").Sysctl(SysctlNames.FileMax, "1000"))).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(Snap.Base().Sysctl(SysctlNames.FileNr, "800 0 1000").Sysctl(SysctlNames.FileMax, "1000"))).Status);
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(Snap.Base().Sysctl(SysctlNames.FileNr, null))).Status);
    }

    [Fact]
    public void The_proposal_is_above_todays_limit_and_numeric()
    {
        var r = Snap.Run(Rule, Snap.One(Snap.Base().Sysctl(SysctlNames.FileNr, "1000 0 1000").Sysctl(SysctlNames.FileMax, "1000")));
        Assert.Equal("2000", Assert.Single(r.Finding!.Fix).Value);
        SnapEvidence.AssertNumeric(r.Finding, "files allocated", "fs.file-max", "use");
    }

    [Fact]
    public void File_max_at_long_max_with_a_past_log_line_does_not_overflow()
    {
        // Issue 14 #7: systemd sets fs.file-max to LONG_MAX; `limit + 1` overflowed and the rule reported an error.
        var s = Snap.Base().Sysctl(SysctlNames.FileNr, "5000 0 " + LongMax).Sysctl(SysctlNames.FileMax, LongMax).Log("file_max_reached", 1, 86400 * 3);
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal(CheckStatus.Warning, r.Status);
        Assert.Equal((When.SinceBoot, Confidence.Likely), (r.Finding!.When, r.Finding.Confidence));
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting == SysctlNames.FileMax);
    }

    [Fact]
    public void File_max_at_long_max_in_a_copied_proc_tree_runs_every_rule_without_error()
    {
        var dir = Path.Combine(Path.GetTempPath(), "sockdoc-filemax-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            CopyTree(Fixtures.Vm.Directory_, dir);
            File.WriteAllText(Path.Combine(dir, "sys", "fs", "file-max"), LongMax + "\n");
            File.WriteAllText(Path.Combine(dir, "sys", "fs", "file-nr"), "5000\t0\t" + LongMax + "\n");
            var snap = SnapshotCollector.Collect(new ProcRoot(dir), new CollectOptions { PageSize = 4096 }, TimeProvider.System);
            Assert.Equal(long.MaxValue, snap.Sysctls.Long(SysctlNames.FileMax));
            snap = snap.Log("file_max_reached", 2, 600);
            var results = All.Engine().Run(new SnapshotPair(snap, null)).Checks;
            Assert.DoesNotContain(results, x => x.Status == CheckStatus.Error);
            var fd = results.Single(x => x.Id == "fd_system");
            Assert.Equal(CheckStatus.Warning, fd.Status);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Enfile_alone_is_a_likely_finding_and_the_file_max_line_alone_too()
    {
        var r = SnapEvidence.Run(Rule, SnapEvidence.Empty().AppError("ENFILE", "open", 4));
        Assert.Equal((CheckStatus.Critical, When.Recent, Confidence.Likely), (r.Status, r.Finding!.When, r.Finding.Confidence));
        var log = SnapEvidence.Run(Rule, SnapEvidence.Empty().Log("file_max_reached", 1, 120));
        Assert.Equal((CheckStatus.Critical, When.Recent, Confidence.Likely), (log.Status, log.Finding!.When, log.Finding.Confidence));
    }

    /// <summary>Copies a captured /proc tree, keeping symlinks (/proc/PID/fd) as symlinks.</summary>
    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link) File.CreateSymbolicLink(target, link);
            else if (entry is DirectoryInfo d) CopyTree(d.FullName, target);
            else File.Copy(entry.FullName, target);
        }
    }
}
