using SockDoc.Model;

namespace SockDoc.Kernel.Sysctl;

/// <summary>
/// Reads sysctls from /proc/sys: "net.ipv4.tcp_mem" ↔ sys/net/ipv4/tcp_mem. The top-level files of
/// net.ipv4, net.core and net.netfilter are read whole (no recursion into conf/ and neigh/), plus the
/// named fs and vm values. A file that does not exist is simply absent (a child network namespace has
/// no tcp_mem); one that exists but cannot be read is reported.
/// </summary>
public static class SysctlReader
{
    public static readonly IReadOnlyList<string> Directories = ["net/ipv4", "net/core", "net/netfilter"];

    public static readonly IReadOnlyList<string> Named =
    [
        SysctlNames.FileMax, SysctlNames.FileNr, SysctlNames.NrOpen, SysctlNames.EpollMaxUserWatches,
        SysctlNames.OvercommitMemory, SysctlNames.OvercommitRatio, SysctlNames.OvercommitKbytes,
        SysctlNames.Swappiness, SysctlNames.PanicOnOom, SysctlNames.MinFreeKbytes,
        "net.nf_conntrack_max",
    ];

    public static string PathOf(string name) => "sys/" + name.Replace('.', '/');

    /// <summary>Reads every sysctl SockDoc uses; problems lists the ones that exist but could not be read.</summary>
    public static Sysctls Read(ProcRoot root, List<SourceProblem> problems)
    {
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in Directories)
        {
            var full = root.PathOf("sys/" + dir);
            if (!Directory.Exists(full)) continue;
            IEnumerable<string> files;
            try
            {
                files = Directory.EnumerateFiles(full).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new SourceProblem(full, e.Message));
                continue;
            }
            int denied = 0;
            foreach (var file in files)
            {
                var name = dir.Replace('/', '.') + "." + Path.GetFileName(file);
                var r = ReadValue(file);
                if (r.Ok) values[name] = r.Value!;
                else if (r.Status == ReadStatus.Denied) denied++;
            }
            // Write-only files (e.g. net.ipv4.route.flush) are expected to be unreadable; only report
            // a directory where nothing could be read.
            if (denied > 0 && denied == files.Count()) problems.Add(new SourceProblem(full, "permission denied", NeedsRoot: true));
        }
        foreach (var name in Named)
        {
            var r = ReadValue(root.PathOf(PathOf(name)));
            if (r.Ok) values[name] = r.Value!;
            else if (r.Status is ReadStatus.Denied or ReadStatus.Failed) problems.Add(new SourceProblem(r.Path, r.Reason ?? "unreadable", r.Status == ReadStatus.Denied));
        }
        return new Sysctls { Values = values };
    }

    /// <summary>Reads one value: whitespace runs (tabs in tcp_mem) become single spaces.</summary>
    public static ReadResult<string> ReadValue(string path)
    {
        var bytes = ProcFile.ReadAll(path, 1024 * 1024);
        if (!bytes.Ok) return new ReadResult<string>(bytes.Status, null, path, bytes.Reason);
        var text = System.Text.Encoding.UTF8.GetString(bytes.Value!);
        return ReadResult<string>.Success(Normalise(text), path);
    }

    public static string Normalise(string text) =>
        string.Join(' ', text.Split([' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

    public static ReadResult<string> ReadValue(ProcRoot root, string name) => ReadValue(root.PathOf(PathOf(name)));
}
