using SockDoc.Diagnosis.Lint;
using SockDoc.Kernel.Config;
using SockDoc.Model.Config;

namespace SockDoc.Tests.Lint;

internal static class LintFixtures
{
    public static string Root(string name) => Fixtures.Dir("lint", name);

    public static HostConfig Config(string root) => new()
    {
        Root = root,
        Sysctl = SysctlConfigReader.Read(root),
        Limits = LimitsConfigReader.Read(root),
        Systemd = SystemdLimitsReader.Read(root),
    };

    /// <summary>Lints a tree: its own proc/ is the "running kernel" (page size 4096, the VM's).</summary>
    public static LintReport Run(string root)
    {
        var config = Config(root);
        var proc = Path.Combine(root, "proc");
        var keys = config.Sysctl.Assignments.Select(a => a.ProcPath).Append("fs/nr_open").Append("net/ipv4/tcp_syncookies");
        var running = Directory.Exists(Path.Combine(proc, "sys"))
            ? RunningKernelReader.Read(proc, keys, 4096)
            : new RunningKernel { Available = false, Reason = "no proc/sys in the tree" };
        return ConfigLint.Run(config, running);
    }

    public static LintReport Fixture(string name) => Run(Root(name));

    public static LintFinding One(LintReport r, string id, string fileEnds, int line)
    {
        var matches = r.Findings.Where(f => f.Id == id && f.File.EndsWith(fileEnds, StringComparison.Ordinal) && f.Line == line).ToList();
        Assert.True(matches.Count == 1, $"expected one {id} at {fileEnds}:{line}; findings:\n" + string.Join("\n", r.Findings.Select(f => $"{f.Id} {f.Where} {f.Message}")));
        return matches[0];
    }
}

/// <summary>A configuration tree in a temporary directory, deleted on dispose.</summary>
internal sealed class TempTree : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("sockdoc-lint-").FullName;

    public string Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public string Path_(string relative) => Path.Combine(Root, relative);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
