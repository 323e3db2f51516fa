using SockDoc.Model;
using SockDoc.Model.Cgroups;

namespace SockDoc.Kernel.Cgroups;

/// <summary>A process that holds sockets, from the fd scan or the census.</summary>
public readonly record struct SocketHolder(int Pid, string Command, long Sockets);

/// <summary>
/// Reads the memory cgroups that hold socket memory (a socket is charged to the memcg of the task that made it):
/// /proc/PID/cgroup names each process's cgroup in the hierarchy that carries the memory controller, found from the
/// mounts, never assumed; each distinct cgroup's counters say whether it holds socket memory (v2 memory.stat sock,
/// v1 memory.kmem.tcp.usage_in_bytes). Processes known to hold sockets come first. The root memcg is skipped
/// (mem_cgroup_sk_alloc() never charges it). Bounded: MaxProcesses process files, MaxCgroupsRead cgroups read,
/// MemcgSample.MaxCgroups kept.
/// </summary>
public static class MemcgCollector
{
    public const int MaxProcesses = 2048;
    public const int MaxPidsPerCgroup = 8;
    /// <summary>Distinct cgroups whose memory files are read (a few small files each).</summary>
    public const int MaxCgroupsRead = 512;

    /// <summary>procCgroups: the shared /proc/PID/cgroup reads (namespace discovery's), or null to read them here.</summary>
    public static MemcgSample? Collect(ProcRoot root, IEnumerable<SocketHolder> holders, List<SourceProblem> problems, ProcCgroups? procCgroups = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(holders);
        ArgumentNullException.ThrowIfNull(problems);
        // Cgroup mounts are the live host's: a copied /proc tree has no /sys/fs/cgroup beside it.
        if (!root.IsLive) return null;
        var mounts = CgroupMounts.Read(root);
        if (!mounts.Ok)
        {
            problems.Add(new SourceProblem(mounts.Path, mounts.Reason ?? "unreadable", mounts.Status == ReadStatus.Denied));
            return null;
        }
        var m = mounts.Value!;
        string? controller = m.V1MemoryMount is not null ? "v1"
            : m.V2Mount is not null && V2HasMemory(m.V2Mount) ? "v2" : null;
        var notes = new List<string>();
        if (controller is null)
        {
            notes.Add("no memory controller is mounted (cgroup v1 memory or cgroup v2 with memory in cgroup.controllers): sockets are charged to no memory cgroup");
            return new MemcgSample { Layout = m.Layout, V2Mount = m.V2Mount, V1MemoryMount = m.V1MemoryMount, Notes = notes };
        }
        var byCgroup = new Dictionary<string, (List<int> Pids, List<string> Commands, long Sockets)>(StringComparer.Ordinal);
        var table = procCgroups ?? new ProcCgroups(root);
        int deniedBefore = table.Denied;
        int read = 0, outside = 0;
        void Add(int pid, string? command, long sockets)
        {
            var lines = table.Of(pid);
            read++;
            if (lines is null) return; // gone, or denied (counted by the table)
            var path = controller == "v1" ? Namespaces.CgroupNaming.ControllerPath(lines, "memory") : Namespaces.CgroupNaming.V2Path(lines);
            if (path is null || path == "/") return;
            // Outside our cgroup namespace's root: no file under our mount is that cgroup's.
            if (Namespaces.CgroupNaming.OutsideNamespaceRoot(path))
            {
                outside++;
                return;
            }
            if (!byCgroup.TryGetValue(path, out var g)) byCgroup[path] = g = ([], [], 0);
            if (g.Pids.Count < MaxPidsPerCgroup && !g.Pids.Contains(pid))
            {
                g.Pids.Add(pid);
                g.Commands.Add(command ?? Comm(root, pid));
            }
            byCgroup[path] = (g.Pids, g.Commands, g.Sockets + sockets);
        }
        // Processes known to hold sockets first (the fd scan counting sockets, the census's owners), then every other
        // process: the fd scan does not always count sockets, and a cgroup's own counter says whether it holds any.
        var known = holders.Where(h => h.Sockets > 0).GroupBy(h => h.Pid).Select(g => g.OrderByDescending(x => x.Sockets).First())
            .OrderByDescending(h => h.Sockets).Take(MaxProcesses).ToList();
        foreach (var h in known) Add(h.Pid, h.Command, h.Sockets);
        var seen = known.Select(h => h.Pid).ToHashSet();
        foreach (var pid in Namespaces.NetNamespaceDiscovery.EnumeratePids(root))
        {
            if (read >= MaxProcesses) break;
            if (seen.Add(pid)) Add(pid, null, 0);
        }
        int denied = table.Denied - deniedBefore;
        if (denied > 0) problems.Add(new SourceProblem(root.PathOf("PID/cgroup"), $"{denied} processes' cgroups could not be read", NeedsRoot: true));
        if (outside > 0)
            notes.Add($"{outside} processes are in cgroups outside sockdoc's cgroup namespace (their /proc/PID/cgroup paths start with \"/..\"): their memory cgroups were not read; run sockdoc in the host's cgroup namespace");
        var mount = controller == "v1" ? m.V1MemoryMount! : m.V2Mount!;
        // Every distinct cgroup is read (bounded by the process bound); those holding socket memory, or whose processes
        // hold sockets, are kept, the most socket memory first.
        var cgroups = byCgroup.Take(MaxCgroupsRead)
            .Select(kv =>
            {
                var one = controller == "v1" ? MemcgSocketReader.ReadV1(mount, kv.Key) : MemcgSocketReader.ReadV2(mount, kv.Key);
                return one with { Pids = kv.Value.Pids, Commands = kv.Value.Commands.Distinct().ToList(), Sockets = kv.Value.Sockets };
            })
            .Where(g => g.Sockets > 0 || g.SockBytes > 0)
            .OrderByDescending(g => g.SockBytes ?? 0).ThenByDescending(g => g.Sockets).ThenBy(g => g.Path, StringComparer.Ordinal)
            .ToList();
        bool cut = cgroups.Count > MemcgSample.MaxCgroups || byCgroup.Count > MaxCgroupsRead;
        cgroups = cgroups.Take(MemcgSample.MaxCgroups).ToList();
        if (controller == "v1")
            notes.Add("cgroup v1 charges socket buffers to memory.kmem.tcp only in cgroups whose kmem.tcp limit was set, and only sockets made after that (memcg_update_tcp_max(), mem_cgroup_sk_alloc())");
        return new MemcgSample
        {
            Layout = m.Layout,
            V2Mount = m.V2Mount,
            V1MemoryMount = m.V1MemoryMount,
            MemoryController = controller,
            Cgroups = cgroups,
            Truncated = cut || read >= MaxProcesses,
            Notes = notes,
        };
    }

    private static string Comm(ProcRoot root, int pid)
    {
        var r = ProcFile.ReadAll(root.PathOf(pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/comm"), 256);
        return r.Ok ? System.Text.Encoding.UTF8.GetString(r.Value!).Trim() : "?";
    }

    private static bool V2HasMemory(string mount)
    {
        var r = ProcFile.ReadAll(Path.Join(mount, "cgroup.controllers"), 4096);
        return r.Ok && System.Text.Encoding.ASCII.GetString(r.Value!).Split(' ', '\n').Contains("memory");
    }
}
