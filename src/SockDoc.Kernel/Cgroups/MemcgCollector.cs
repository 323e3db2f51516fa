using SockDoc.Model;
using SockDoc.Model.Cgroups;

namespace SockDoc.Kernel.Cgroups;

/// <summary>A process that holds sockets, from the fd scan or the census.</summary>
public readonly record struct SocketHolder(int Pid, string Command, long Sockets);

/// <summary>
/// Reads the memory cgroups of the processes that hold sockets (a socket is charged to the memcg of the task that
/// made it): /proc/PID/cgroup names the cgroup in the hierarchy that carries the memory controller, found from the
/// mounts, never assumed. The root memcg is skipped (mem_cgroup_sk_alloc() never charges it). Bounded: the
/// processes with the most sockets first, at most MaxProcesses read and MemcgSample.MaxCgroups cgroups.
/// </summary>
public static class MemcgCollector
{
    public const int MaxProcesses = 2048;
    public const int MaxPidsPerCgroup = 8;

    public static MemcgSample? Collect(ProcRoot root, IEnumerable<SocketHolder> holders, List<SourceProblem> problems)
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
        int read = 0, denied = 0;
        foreach (var h in holders.Where(h => h.Sockets > 0).GroupBy(h => h.Pid).Select(g => g.OrderByDescending(x => x.Sockets).First())
                     .OrderByDescending(h => h.Sockets).Take(MaxProcesses))
        {
            var r = ProcPidCgroupReader.Read(root, h.Pid);
            read++;
            if (!r.Ok)
            {
                if (r.Status == ReadStatus.Denied) denied++;
                continue; // the process has gone
            }
            var path = controller == "v1" ? r.Value!.V1MemoryPath : r.Value!.V2Path;
            if (path is null || path == "/") continue;
            if (!byCgroup.TryGetValue(path, out var g)) byCgroup[path] = g = ([], [], 0);
            if (g.Pids.Count < MaxPidsPerCgroup)
            {
                g.Pids.Add(h.Pid);
                g.Commands.Add(h.Command);
            }
            byCgroup[path] = (g.Pids, g.Commands, g.Sockets + h.Sockets);
        }
        if (denied > 0) problems.Add(new SourceProblem(root.PathOf("PID/cgroup"), $"{denied} processes' cgroups could not be read", NeedsRoot: true));
        var mount = controller == "v1" ? m.V1MemoryMount! : m.V2Mount!;
        var cgroups = byCgroup.OrderByDescending(kv => kv.Value.Sockets).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(MemcgSample.MaxCgroups)
            .Select(kv =>
            {
                var one = controller == "v1" ? MemcgSocketReader.ReadV1(mount, kv.Key) : MemcgSocketReader.ReadV2(mount, kv.Key);
                return one with { Pids = kv.Value.Pids, Commands = kv.Value.Commands.Distinct().ToList(), Sockets = kv.Value.Sockets };
            })
            .ToList();
        if (controller == "v1")
            notes.Add("cgroup v1 charges socket buffers to memory.kmem.tcp only in cgroups whose kmem.tcp limit was set, and only sockets made after that (memcg_update_tcp_max(), mem_cgroup_sk_alloc())");
        return new MemcgSample
        {
            Layout = m.Layout,
            V2Mount = m.V2Mount,
            V1MemoryMount = m.V1MemoryMount,
            MemoryController = controller,
            Cgroups = cgroups,
            Truncated = byCgroup.Count > MemcgSample.MaxCgroups || read >= MaxProcesses,
            Notes = notes,
        };
    }

    private static bool V2HasMemory(string mount)
    {
        var r = ProcFile.ReadAll(Path.Join(mount, "cgroup.controllers"), 4096);
        return r.Ok && System.Text.Encoding.ASCII.GetString(r.Value!).Split(' ', '\n').Contains("memory");
    }
}
