using System.Collections.Concurrent;
using System.Globalization;
using SockDoc.Kernel.Namespaces;

namespace SockDoc.Kernel.Cgroups;

/// <summary>
/// Every process's /proc/PID/cgroup, each file read at most once and shared by the readers that need it (namespace
/// discovery names containers from it, the memcg collector finds each process's memory cgroup in it), so the full
/// doctor walks /proc/*/cgroup once. Parsed with the one lenient parser (CgroupNaming.Parse).
/// </summary>
public sealed class ProcCgroups(ProcRoot root)
{
    private readonly ConcurrentDictionary<int, IReadOnlyList<CgroupLine>?> _lines = new();
    private int _denied;
    private int _partial;

    public ProcRoot Root { get; } = root;

    /// <summary>Processes whose file could not be read for lack of permission.</summary>
    public int Denied => _denied;

    /// <summary>Processes whose file held malformed lines (they were skipped; the rest of the file was used).</summary>
    public int Partial => _partial;

    /// <summary>Distinct processes read so far.</summary>
    public int Read => _lines.Count;

    /// <summary>The cgroup lines of pid; null when the process has gone or its file cannot be read.</summary>
    public IReadOnlyList<CgroupLine>? Of(int pid) => _lines.GetOrAdd(pid, Load);

    private IReadOnlyList<CgroupLine>? Load(int pid)
    {
        var r = ProcFile.ReadAll(Root.PathOf(pid.ToString(CultureInfo.InvariantCulture) + "/cgroup"), 64 * 1024);
        if (!r.Ok)
        {
            if (r.Status == ReadStatus.Denied) Interlocked.Increment(ref _denied);
            return null;
        }
        var lines = CgroupNaming.Parse(System.Text.Encoding.UTF8.GetString(r.Value!), out bool partial);
        if (partial || r.Partial) Interlocked.Increment(ref _partial);
        return lines;
    }
}
