using SockDoc.Model.Cgroups;

namespace SockDoc.Kernel.Cgroups;

/// <summary>
/// One memory cgroup's socket charges and the limit they meet. page_counter_try_charge() (mm/page_counter.c) charges
/// the cgroup and every ancestor and fails at the first counter over its max, so the limit that refuses a socket may be
/// a parent's: each level up to (not including) the root is read and the one with the least headroom is kept.
/// v2: mem_cgroup_charge_skmem() → try_charge_memcg() against memory.max, the bytes shown as memory.stat "sock".
/// v1: memcg1_charge_skmem() against the separate memory.kmem.tcp counter, only in cgroups whose
/// memory.kmem.tcp.limit_in_bytes was ever written (memcg_update_tcp_max() sets tcpmem_active, and
/// mem_cgroup_sk_alloc() attaches sockets made after that only).
/// </summary>
public static class MemcgSocketReader
{
    /// <summary>Levels read up the hierarchy (cgroup trees deeper than this are not seen in practice).</summary>
    public const int MaxDepth = 16;

    public static MemcgSocketMemory ReadV2(string mount, string path)
    {
        var problems = new List<string>();
        // A cgroup without the memory controller enabled is charged to its nearest ancestor that has it.
        var levels = Levels(path);
        string own = levels.FirstOrDefault(l => File.Exists(Join(mount, l, MemoryStatReader.Stat))) ?? path;
        long? sock = null;
        var stat = MemoryStatReader.Read(Join(mount, own, MemoryStatReader.Stat));
        if (stat.Ok) sock = stat.Value!.TryGetValue("sock", out var s) ? s : null;
        else problems.Add($"{stat.Path}: {stat.Reason}");

        var (limitPath, usage, limit) = Binding(levels.SkipWhile(l => l != own), l =>
        {
            var cur = CgroupValueReader.Read(Join(mount, l, CgroupValueReader.Current));
            var max = CgroupValueReader.Read(Join(mount, l, CgroupValueReader.Max));
            if (!cur.Ok && l == own) problems.Add($"{cur.Path}: {cur.Reason}");
            return (cur.Ok ? cur.Value.Value : null, max.Ok ? max.Value.Value : null);
        });
        var events = MemoryStatReader.Read(Join(mount, limitPath ?? own, MemoryStatReader.Events));
        long? Ev(string name) => events.Ok && events.Value!.TryGetValue(name, out var v) ? v : null;
        if (!events.Ok) problems.Add($"{events.Path}: {events.Reason}");
        return new MemcgSocketMemory
        {
            Path = own,
            Version = "v2",
            SockBytes = sock,
            LimitPath = limitPath ?? own,
            UsageBytes = usage,
            LimitBytes = limit,
            EventsMax = Ev("max"),
            EventsOom = Ev("oom"),
            EventsOomKill = Ev("oom_kill"),
            EventsSockThrottled = Ev("sock_throttled"),
            Problem = problems.Count > 0 ? string.Join("; ", problems) : null,
        };
    }

    public static MemcgSocketMemory ReadV1(string mount, string path)
    {
        var problems = new List<string>();
        var levels = Levels(path);
        var own = CgroupValueReader.Read(Join(mount, path, CgroupValueReader.TcpUsage));
        if (!own.Ok) problems.Add($"{own.Path}: {own.Reason}");
        var (limitPath, usage, limit) = Binding(levels, l =>
        {
            var u = CgroupValueReader.Read(Join(mount, l, CgroupValueReader.TcpUsage));
            var m = CgroupValueReader.Read(Join(mount, l, CgroupValueReader.TcpLimit));
            return (u.Ok ? u.Value.Value : null, m.Ok ? m.Value.Value : null);
        });
        var at = limitPath ?? path;
        var peak = CgroupValueReader.Read(Join(mount, at, CgroupValueReader.TcpMaxUsage));
        var fail = CgroupValueReader.Read(Join(mount, at, CgroupValueReader.TcpFailcnt));
        return new MemcgSocketMemory
        {
            Path = path,
            Version = "v1",
            SockBytes = own.Ok ? own.Value.Value : null,
            LimitPath = at,
            UsageBytes = usage,
            LimitBytes = limit,
            PeakBytes = peak.Ok ? peak.Value.Value : null,
            FailCount = fail.Ok ? fail.Value.Value : null,
            Problem = problems.Count > 0 ? string.Join("; ", problems) : null,
        };
    }

    /// <summary>"/a/b/c" → "/a/b/c", "/a/b", "/a" (the root has no limit of its own: it cannot be set there).</summary>
    public static IReadOnlyList<string> Levels(string path)
    {
        var list = new List<string>();
        var p = path.TrimEnd('/');
        while (p.Length > 0 && list.Count < MaxDepth)
        {
            list.Add(p);
            int i = p.LastIndexOf('/');
            p = i <= 0 ? "" : p[..i];
        }
        return list;
    }

    /// <summary>The level with the least headroom (limit − usage) among those with a limit; else the first level's usage and no limit.</summary>
    private static (string? Path, long? Usage, long? Limit) Binding(IEnumerable<string> levels, Func<string, (long? Usage, long? Limit)> read)
    {
        (string? Path, long? Usage, long? Limit) best = (null, null, null);
        long? bestRoom = null;
        bool first = true;
        foreach (var l in levels)
        {
            var (usage, limit) = read(l);
            if (first) { best = (l, usage, null); first = false; }
            if (limit is not { } lim) continue;
            long room = lim - (usage ?? 0);
            if (bestRoom is null || room < bestRoom)
            {
                bestRoom = room;
                best = (l, usage, lim);
            }
        }
        return best;
    }

    private static string Join(string mount, string cgroup, string file) => Path.Join(mount, cgroup, file);
}
