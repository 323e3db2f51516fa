using SockDoc.Kernel.Cgroups;
using SockDoc.Kernel.Interop;
using SockDoc.Model.Namespaces;

namespace SockDoc.Kernel.Namespaces;

/// <summary>
/// Maps the cgroup v2 ids sock_diag reports (INET_DIAG_CGROUP_ID = cgroup_id() = the kernfs node id, which is
/// the directory's inode number on 64-bit) to paths under the v2 hierarchy, and on to the container or unit.
/// The socket's cgroup is always a v2 one (sock_cgroup_ptr() points into the default hierarchy), so:
/// pure v2 hosts mount it at /sys/fs/cgroup, hybrid hosts (v1 controllers) at /sys/fs/cgroup/unified — found
/// from /proc/self/mountinfo, not guessed; a v1-only host has no v2 mount and every socket reports the root
/// id (1), so attribution falls back to the namespace and the owning process.
/// </summary>
public sealed class CgroupIndex
{
    private readonly Dictionary<ulong, string> _paths;
    public string? Mount { get; }
    /// <summary>Set when the walk stopped early (bound reached) or the mount could not be read.</summary>
    public string? Problem { get; }

    private CgroupIndex(string? mount, Dictionary<ulong, string> paths, string? problem)
    {
        Mount = mount;
        _paths = paths;
        Problem = problem;
    }

    public const int MaxDirectories = 200_000;

    /// <summary>Walks the v2 hierarchy until every wanted id is found (or all of it, wanted null), bounded by MaxDirectories.</summary>
    public static CgroupIndex Build(IReadOnlyCollection<ulong>? wanted, string? mountinfoPath = "/proc/self/mountinfo")
    {
        var text = mountinfoPath is null ? null : NetNamespaceDiscovery.ReadSmall(mountinfoPath);
        var mount = text is null ? null : CgroupMounts.Parse(System.Text.Encoding.UTF8.GetBytes(text)).V2Mount;
        var paths = new Dictionary<ulong, string>();
        if (mount is null) return new CgroupIndex(null, paths, "no cgroup2 mount (cgroup v1 only): sockets cannot be attributed to cgroups");
        var left = wanted is null ? null : new HashSet<ulong>(wanted);
        var stack = new Stack<string>();
        stack.Push(mount);
        int seen = 0;
        while (stack.Count > 0 && (left is null || left.Count > 0))
        {
            var dir = stack.Pop();
            if (++seen > MaxDirectories) return new CgroupIndex(mount, paths, $"stopped after {MaxDirectories} cgroups");
            if (Libc.InodeOf(dir, out _) is { } id)
            {
                var rel = dir.Length == mount.Length ? "/" : dir[mount.Length..];
                if (left is null || left.Remove(id)) paths[id] = rel;
            }
            try
            {
                foreach (var sub in Directory.EnumerateDirectories(dir)) stack.Push(sub);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // a cgroup removed during the walk
            }
        }
        return new CgroupIndex(mount, paths, null);
    }

    public string? PathOf(ulong id) => _paths.TryGetValue(id, out var p) ? p : null;

    /// <summary>cgroup v2 memory.stat "sock" (bytes of socket buffers charged to it), when its memory controller is on.</summary>
    public long? MemoryStatSock(string relPath)
    {
        if (Mount is null || CgroupNaming.OutsideNamespaceRoot(relPath)) return null;
        var stat = MemoryStatReader.Read(Path.Join(Mount, relPath, MemoryStatReader.Stat));
        return stat.Ok && stat.Value!.TryGetValue("sock", out var sock) ? sock : null;
    }

    /// <summary>Fills path, container, unit and memory.stat sock of each cgroup use.</summary>
    public IReadOnlyList<CgroupSocketUse> Name(IEnumerable<CgroupSocketUse> uses, Func<ContainerRef, ContainerRef>? resolve = null) =>
        uses.Select(u =>
        {
            var path = PathOf(u.Id);
            if (path is null) return u;
            var c = CgroupNaming.Container(path);
            if (c is not null && resolve is not null) c = resolve(c);
            return u with { Path = path, Container = c, Unit = c is null ? CgroupNaming.Unit(path) : null, MemoryStatSockBytes = MemoryStatSock(path) };
        }).ToList();
}
