using SockDoc.Kernel;
using SockDoc.Kernel.Namespaces;
using SockDoc.Kernel.Procfs;
using SockDoc.Model;
using SockDoc.Model.Namespaces;

namespace SockDoc.Cli.Commands;

/// <summary>
/// Takes the snapshot pair the doctor and collect work on: two live samples an interval apart, one
/// sample of a copied /proc tree, or a file written by collect.
/// </summary>
public static class SnapshotSource
{
    public sealed record Request(string? FromFile, string? ProcRoot, long? PageSize, double IntervalSeconds, bool Census = true, bool KernelLog = true)
    {
        /// <summary>Sample every network namespace of the host (issue 13).</summary>
        public bool AllNamespaces { get; init; }
        /// <summary>Sample only this namespace: an `ip netns` name, a PID, or a path to an nsfs file.</summary>
        public string? Netns { get; init; }
    }

    /// <summary>
    /// True when the doctor should look at every namespace by default: live, root, and running in the initial
    /// network namespace (the same inode as PID 1's), where the other namespaces can be entered.
    /// </summary>
    public static bool DefaultAllNamespaces(Request request) =>
        request.FromFile is null && request.ProcRoot is null && Environment.IsPrivilegedProcess &&
        NetNamespaceDiscovery.InitialInode(ProcRoot.Live) is { } init && NetNamespaceDiscovery.LinkInode("/proc/self/ns/net") == init;

    /// <summary>
    /// The whole host: the machine pair as Take gives it, plus every other namespace when AllNamespaces, or
    /// only the one Netns names (then it is the "machine" sample: every rule runs on it). From a file, the
    /// file's namespaces (an older file has none).
    /// </summary>
    public static (HostSnapshot? Host, string? Error) TakeHost(Request request, CliIo io)
    {
        if (request.FromFile is { } file)
        {
            var (json, readError) = ReadFile(file);
            if (json is null) return (null, readError);
            HostSnapshot host;
            try
            {
                host = SnapshotJson.DeserializeHost(json);
            }
            catch (SnapshotFormatException e)
            {
                return (null, $"{file}: {e.Message}");
            }
            if (request.Netns is not { } pick) return (host, null);
            var chosen = host.Namespaces.FirstOrDefault(n => Matches(n.Identity, pick));
            return chosen is null
                ? (null, $"{file}: no namespace \"{pick}\" in the file (it has: {string.Join(", ", host.Namespaces.Select(n => n.Identity.DisplayName))})")
                : (new HostSnapshot(chosen.Pair(), []) { MachineIdentity = chosen.Identity }, null);
        }
        if (!request.AllNamespaces && request.Netns is null)
        {
            var (pair, error) = Take(request, io);
            return pair is null ? (null, error) : (new HostSnapshot(pair, []), null);
        }
        if (request.ProcRoot is not null) return (null, "--all-namespaces and --netns read the live host; they exclude --proc-root");

        var problems = new List<SourceProblem>();
        // One walk of /proc/*/cgroup, shared by discovery (names) and the memcg collector (memory cgroups).
        var cgroupTable = new Kernel.Cgroups.ProcCgroups(ProcRoot.Live);
        var found = NetNamespaceDiscovery.Discover(ProcRoot.Live, problems, cgroups: cgroupTable);
        long? self = NetNamespaceDiscovery.LinkInode("/proc/self/ns/net");
        DiscoveredNamespace? target = null;
        if (request.Netns is { } netns)
        {
            var path = NetnsPath(netns);
            if (path is null) return (null, $"--netns {netns}: no such namespace (expected an `ip netns` name, a PID, or a path such as /run/netns/NAME)");
            var ino = (long?)Kernel.Interop.Libc.InodeOf(path, out _);
            target = found.FirstOrDefault(f => f.Identity.Inode == ino)
                ?? new DiscoveredNamespace(new NetNamespaceIdentity { Inode = ino ?? 0, EnteredThrough = path }, [path]);
            if (target.Identity.Inode == self) target = null; // our own namespace: the plain machine sample
        }

        var full = Options(request, io, ProcRoot.Live) with { Cgroups = cgroupTable };
        var light = new CollectOptions { PageSize = request.PageSize, Processes = false, SlabInfo = false };
        var others = target is not null ? [target] : found.Where(f => f.Identity.Inode != self).ToList();
        var nsOptions = new NamespaceSampleOptions { Census = request.Census, Netfilter = true, Time = io.Time };
        Snapshot? before = null;
        Dictionary<long, Snapshot>? nsBefore = null;
        if (request.IntervalSeconds > 0)
        {
            before = SnapshotCollector.Collect(ProcRoot.Live, light, io.Time);
            nsBefore = NamespaceSampler.SampleCounters(others, self, before, io.Time);
            Thread.Sleep(TimeSpan.FromSeconds(request.IntervalSeconds));
        }
        // The namespaces' own parts are read while the machine sample is taken (its owner scan and blocked-sender
        // samples mostly wait), then joined to it.
        var nsProblems = new List<SourceProblem>();
        List<(DiscoveredNamespace Ns, Snapshot Own)> own = [];
        var nsThread = new Thread(() => own = NamespaceSampler.SampleOwnAll(others, self, nsOptions, nsProblems), 256 * 1024) { IsBackground = true, Name = "namespaces" };
        nsThread.Start();
        var now = SnapshotCollector.Collect(ProcRoot.Live, full, io.Time);
        nsThread.Join();
        problems.AddRange(nsProblems);
        var sampled = NamespaceSampler.Complete(own, now, nsBefore);
        var cgroups = NamespaceSampler.NameCgroups(sampled.Select(n => n.Now).Prepend(now), out _);
        if (target is not null)
        {
            if (sampled.Count == 0) return (null, $"--netns {request.Netns}: {problems.LastOrDefault()?.Reason ?? "could not be entered"}");
            var one = sampled[0];
            return (new HostSnapshot(one.Pair(), []) { MachineIdentity = one.Identity, Cgroups = cgroups }, null);
        }
        var mine = found.FirstOrDefault(f => f.Identity.Inode == self)?.Identity;
        now = now with { Problems = [.. now.Problems, .. problems] };
        return (new HostSnapshot(new SnapshotPair(now, before), sampled) { MachineIdentity = mine, Cgroups = cgroups }, null);
    }

    /// <summary>NAME (under /run/netns, /var/run/netns, /run/docker/netns), PID, or a path → the nsfs path to enter; null if none exists.</summary>
    public static string? NetnsPath(string netns)
    {
        if (int.TryParse(netns, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid))
            return File.Exists($"/proc/{pid}/ns/net") ? $"/proc/{pid}/ns/net" : null;
        if (netns.Contains('/', StringComparison.Ordinal)) return File.Exists(netns) ? netns : null;
        foreach (var dir in NetNamespaceDiscovery.BindMountDirectories)
        {
            var p = Path.Join(dir, netns);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    private static bool Matches(NetNamespaceIdentity id, string pick) =>
        id.Inode.ToString(System.Globalization.CultureInfo.InvariantCulture) == pick || id.NetnsNames.Contains(pick) ||
        id.Containers.Any(c => c.Id.StartsWith(pick, StringComparison.Ordinal) || c.Name == pick) || id.DisplayName == pick ||
        id.Processes.Any(p => p.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) == pick);

    private static (string? Json, string? Error) ReadFile(string file)
    {
        try
        {
            var info = new FileInfo(file);
            if (!info.Exists) return (null, $"{file}: no such file");
            if (info.Length > 256L * 1024 * 1024) return (null, $"{file}: {info.Length} bytes is too large for a snapshot (limit 256 MiB)");
            return (File.ReadAllText(file), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{file}: cannot read: {e.Message}");
        }
    }

    private static CollectOptions Options(Request request, CliIo io, ProcRoot root) => new()
    {
        PageSize = request.PageSize,
        Census = request.Census && root.IsLive ? LiveSources.Census(io.Time) : null,
        KernelLog = !request.KernelLog ? null : root.IsLive ? LiveSources.KernelLog(io.Time) : LiveSources.CopiedKernelLog(root, io.Time),
        Netfilter = root.IsLive && (request.AllNamespaces || request.Netns is not null) ? _ => NetfilterReader.Read(null) is { } nf ? nf with { Flows = ConntrackTableReader.Read(root, 20) } : null : null,
    };

    /// <summary>Returns the pair, or an error sentence naming the file and what is wrong.</summary>
    public static (SnapshotPair? Pair, string? Error) Take(Request request, CliIo io)
    {
        if (request.FromFile is { } file)
        {
            var (json, readError) = ReadFile(file);
            if (json is null) return (null, readError);
            try
            {
                return (SnapshotJson.Deserialize(json), null);
            }
            catch (SnapshotFormatException e)
            {
                return (null, $"{file}: {e.Message}");
            }
        }

        ProcRoot root;
        if (request.ProcRoot is { } dir)
        {
            if (!Directory.Exists(dir)) return (null, $"{dir}: no such directory (--proc-root wants a copied /proc tree)");
            root = ProcRoot.FromUserPath(dir);
            if (!File.Exists(root.PathOf("net/sockstat")) && !File.Exists(root.PathOf("meminfo")))
                return (null, $"{dir}: does not look like a /proc tree (no net/sockstat, no meminfo)");
        }
        else
        {
            root = ProcRoot.Live;
        }

        var full = Options(request, io, root);
        // A copied tree does not change: one sample, no rates.
        if (!root.IsLive || request.IntervalSeconds <= 0)
        {
            var one = SnapshotCollector.Collect(root, full, io.Time);
            // The reader names the problem; how to give the page size is this command line's to say.
            one = one with
            {
                Problems = [.. one.Problems.Select(p => p.Source == HostReader.PageSizeSource && p.Reason == HostReader.PageSizeUnknown
                    ? p with { Reason = p.Reason + "; pass --page-size" } : p)],
            };
            return (new SnapshotPair(one, null), null);
        }

        // The first sample needs only the counters; the costly parts are read once, in the second.
        var light = new CollectOptions { PageSize = request.PageSize, Processes = false, SlabInfo = false };
        var before = SnapshotCollector.Collect(root, light, io.Time);
        Thread.Sleep(TimeSpan.FromSeconds(request.IntervalSeconds));
        var now = SnapshotCollector.Collect(root, full, io.Time);
        return (new SnapshotPair(now, before), null);
    }
}
