using System.Globalization;
using SockDoc.Kernel.Interop;
using SockDoc.Model;
using SockDoc.Model.Namespaces;

namespace SockDoc.Kernel.Namespaces;

/// <summary>A namespace found on the host: who is in it and the paths through which it can be entered.</summary>
public sealed record DiscoveredNamespace(NetNamespaceIdentity Identity, IReadOnlyList<string> EnterPaths)
{
    /// <summary>
    /// The memory cgroups of its processes, as "v1:PATH" (the v1 memory hierarchy) and "v2:PATH" keys, so the
    /// machine's memcg sample can be split by namespace (MemcgSample paths are in the controller's hierarchy).
    /// </summary>
    public IReadOnlySet<string> MemoryCgroups { get; init; } = new HashSet<string>();
}

/// <summary>
/// Finds every network namespace of the host: the /proc/PID/ns/net link of every process (deduplicated by the
/// nsfs inode) plus the bind mounts that keep namespaces alive without a process (`ip netns add` under
/// /run/netns and /var/run/netns, docker's /run/docker/netns). Each is named by what lives in it (cgroup path
/// → container, pod, unit; ip-netns name; process names). Root sees every process; others only their own.
/// </summary>
public static class NetNamespaceDiscovery
{
    public static readonly IReadOnlyList<string> BindMountDirectories = ["/run/netns", "/var/run/netns", "/run/docker/netns"];

    /// <summary>Inode of a "net:[N]" link (/proc/PID/ns/net), or null.</summary>
    public static long? LinkInode(string link)
    {
        try
        {
            var target = new FileInfo(link).LinkTarget;
            return ParseNsLink(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>"net:[4026531840]" → 4026531840 (or "cgroup:[…]" with kind "cgroup"); null for anything else.</summary>
    public static long? ParseNsLink(string? target, string kind = "net") =>
        target is not null && target.StartsWith(kind + ":[", StringComparison.Ordinal) && target.EndsWith(']') &&
        long.TryParse(target.AsSpan(kind.Length + 2, target.Length - kind.Length - 3), NumberStyles.None, CultureInfo.InvariantCulture, out var ino) ? ino : null;

    /// <summary>
    /// Inode of the initial cgroup namespace: init_cgroup_ns.ns.inum is fixed at PROC_CGROUP_INIT_INO
    /// (0xEFFFFFFB, include/linux/proc_ns.h), the same on every boot and every host.
    /// </summary>
    public const long InitialCgroupNamespaceInode = 0xEFFFFFFB;

    /// <summary>
    /// False when sockdoc runs in a cgroup namespace other than the initial one (a container: private cgroup
    /// namespaces are the default on cgroup v2). Ours (/proc/self/ns/cgroup) is compared with PID 1's when its link
    /// can be read, else with the initial namespace's fixed inode (PID 1's link needs ptrace access, refused on
    /// some hosts even to root). Null when our own link cannot be read (a kernel without cgroup namespaces: then
    /// every path is absolute).
    /// </summary>
    public static bool? InInitialCgroupNamespace(ProcRoot root)
    {
        long? own = CgroupLinkInode(root.PathOf("self/ns/cgroup"));
        if (own is null) return null;
        long initial = CgroupLinkInode(root.PathOf("1/ns/cgroup")) ?? InitialCgroupNamespaceInode;
        return own == initial;
    }

    /// <summary>The note the namespaces section carries when paths are relative to our own cgroup namespace.</summary>
    public const string PrivateCgroupNamespaceNote =
        "cgroup paths are relative to sockdoc's cgroup namespace (it is not the host's): other processes' /proc/PID/cgroup read \"/../…\", so their " +
        "memory cgroups (memory.stat sock, limits) are not read, and sockets' cgroup ids are named only where the node's cgroup tree is mounted in; " +
        "run with --cgroupns=host (podman/docker) or enter the host's cgroup namespace (nsenter --cgroup=/proc/1/ns/cgroup with hostPID) for container names and per-cgroup memory";

    private static long? CgroupLinkInode(string link)
    {
        try
        {
            return ParseNsLink(new FileInfo(link).LinkTarget, "cgroup");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The initial namespace's inode: PID 1's, when its link can be read (ptrace access may be refused even to
    /// root, e.g. when PID 1 is not dumpable); else ours, if ours is the initial one — which the kernel tells by
    /// the global-only sysctls (net.ipv4.tcp_mem exists only in init_net, kernel-facts §9).
    /// </summary>
    public static long? InitialInode(ProcRoot root) =>
        LinkInode(root.PathOf("1/ns/net")) ?? (InInitialNamespace(root) ? LinkInode(root.PathOf("self/ns/net")) : null);

    /// <summary>True when the caller's namespace has net.ipv4.tcp_mem, which only the initial namespace has.</summary>
    public static bool InInitialNamespace(ProcRoot root) => File.Exists(root.PathOf("sys/net/ipv4/tcp_mem"));

    /// <summary>cgroups: the /proc/PID/cgroup reads to share with the memcg collector (null: read here only).</summary>
    public static List<DiscoveredNamespace> Discover(ProcRoot root, List<SourceProblem> problems, IReadOnlyList<string>? bindMountDirectories = null,
        Cgroups.ProcCgroups? cgroups = null)
    {
        long? initial = InitialInode(root);
        var table = cgroups ?? new Cgroups.ProcCgroups(root);
        if (root.IsLive && InInitialCgroupNamespace(root) == false)
            problems.Add(new SourceProblem(root.PathOf("self/ns/cgroup"), PrivateCgroupNamespaceNote));
        var members = new SortedDictionary<long, List<int>>();
        int denied = 0;
        foreach (var dir in EnumeratePids(root))
        {
            var ino = LinkInode(root.PathOf($"{dir}/ns/net"));
            if (ino is null)
            {
                if (Directory.Exists(root.PathOf(dir.ToString(CultureInfo.InvariantCulture)))) denied++;
                continue;
            }
            if (!members.TryGetValue(ino.Value, out var list)) members[ino.Value] = list = [];
            list.Add(dir);
        }
        if (denied > 0) problems.Add(new SourceProblem(root.PathOf("PID/ns/net"), $"{denied} processes' network namespaces could not be read" + (Environment.IsPrivilegedProcess ? " (ptrace access refused)" : ""), NeedsRoot: !Environment.IsPrivilegedProcess));

        var mounts = new Dictionary<long, List<(string Name, string Path)>>();
        foreach (var dir in bindMountDirectories ?? BindMountDirectories)
        {
            if (!Directory.Exists(dir)) continue;
            IEnumerable<string> files;
            try
            {
                files = Directory.EnumerateFiles(dir).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new SourceProblem(dir, e.Message));
                continue;
            }
            foreach (var f in files)
            {
                // statx of an nsfs bind mount gives the namespace's inode; an unmounted placeholder file gives its own (tmpfs) inode,
                // which matches no process and is dropped below unless it is an nsfs file.
                var ino = Libc.InodeOf(f, out _);
                if (ino is null || !IsNsfs(f)) continue;
                if (!mounts.TryGetValue((long)ino.Value, out var l)) mounts[(long)ino.Value] = l = [];
                if (!l.Any(x => x.Name == Path.GetFileName(f))) l.Add((Path.GetFileName(f), f));
            }
        }

        var result = new List<DiscoveredNamespace>();
        foreach (var ino in members.Keys.Union(mounts.Keys).Order())
        {
            members.TryGetValue(ino, out var pids);
            pids ??= [];
            mounts.TryGetValue(ino, out var named);
            named ??= [];
            result.Add(Describe(root, table, ino, ino == initial, pids, named));
        }
        return result;
    }

    /// <summary>True when the file is on nsfs (statfs f_type NSFS_MAGIC): a bind-mounted namespace, not a leftover placeholder.</summary>
    private static bool IsNsfs(string path) => Libc.FileSystemType(path) == Libc.NSFS_MAGIC;

    /// <summary>The PIDs under a /proc root (also used by the memcg collector).</summary>
    internal static IEnumerable<int> EnumeratePids(ProcRoot root)
    {
        IEnumerable<string> dirs;
        try
        {
            dirs = Directory.EnumerateDirectories(root.Directory_).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (var d in dirs)
        {
            if (int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) yield return pid;
        }
    }

    private static DiscoveredNamespace Describe(ProcRoot root, Cgroups.ProcCgroups table, long inode, bool initial, List<int> pids, List<(string Name, string Path)> named)
    {
        var memory = new HashSet<string>(StringComparer.Ordinal);
        pids.Sort();
        var processes = new List<NamespaceProcess>();
        var containers = new Dictionary<string, ContainerRef>(StringComparer.Ordinal);
        var units = new List<string>();
        var cgroups = new SortedSet<string>(StringComparer.Ordinal);
        // Every member's cgroup names the namespace (a pod's pause and app containers share it); the process
        // list kept is bounded, the cgroup scan is not, since a sidecar may come after the first 16 pids.
        foreach (var pid in pids)
        {
            var lines = table.Of(pid);
            string? best = null;
            if (lines is not null)
            {
                best = CgroupNaming.BestPath(lines);
                if (CgroupNaming.ControllerPath(lines, "memory") is { } v1) memory.Add("v1:" + v1);
                if (CgroupNaming.V2Path(lines) is { } v2) memory.Add("v2:" + v2);
                if (!initial)
                {
                    foreach (var l in lines)
                    {
                        if (CgroupNaming.Container(l.Path) is { } c && !containers.ContainsKey(c.Id)) containers[c.Id] = c;
                    }
                }
                if (best is not null && cgroups.Count < 256) cgroups.Add(best);
                if (best is not null && CgroupNaming.Container(best) is null && CgroupNaming.Unit(best) is { } u && !units.Contains(u) && units.Count < 16) units.Add(u);
            }
            if (processes.Count < NetNamespaceIdentity.MaxProcesses)
                processes.Add(new NamespaceProcess(pid, ReadSmall(root.PathOf($"{pid}/comm"))?.TrimEnd('\n') ?? "?", best));
        }
        var enter = new List<string>();
        // A member process's link first (the namespace is alive while it runs), then the bind mounts.
        foreach (var pid in pids.Take(8)) enter.Add(root.PathOf($"{pid}/ns/net"));
        foreach (var (_, path) in named) enter.Add(path);
        // A pod's sandbox (pause, podman's infra) usually has the lowest pid but carries no pod labels: the containers
        // the runtime named a pod for come first, so the namespace is shown and tagged by its pod.
        var resolved = containers.Values.Select(c => ContainerState.Resolve(root, c, pids))
            .OrderBy(c => c.Pod?.Name is null && c.Pod?.Namespace is null ? 1 : 0).ToList();
        var identity = new NetNamespaceIdentity
        {
            Inode = inode,
            Initial = initial,
            NetnsNames = named.Select(n => n.Name).Distinct().ToList(),
            Containers = resolved,
            Units = units,
            Processes = processes,
            ProcessCount = pids.Count,
            Cgroups = cgroups.ToList(),
            EnteredThrough = enter.FirstOrDefault(),
        };
        return new DiscoveredNamespace(identity, enter) { MemoryCgroups = memory };
    }

    internal static string? ReadSmall(string path)
    {
        var r = ProcFile.ReadAll(path, 64 * 1024);
        return r.Ok ? System.Text.Encoding.UTF8.GetString(r.Value!) : null;
    }
}
