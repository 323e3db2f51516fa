using System.Globalization;
using SockDoc.Model;
using SockDoc.Model.Namespaces;

namespace SockDoc.Diagnosis.Engine;

/// <summary>What the doctor concluded about one other network namespace (a container, a pod, an `ip netns`).</summary>
public sealed record NamespaceReport
{
    public required NamespaceTag Namespace { get; init; }
    public required NetNamespaceIdentity Identity { get; init; }
    public Severity Severity { get; init; }
    /// <summary>The per-namespace checks (RuleScopes), run on this namespace's sample.</summary>
    public IReadOnlyList<CheckResult> Checks { get; init; } = [];
    public IReadOnlyList<Finding> Findings { get; init; } = [];
    public NamespaceSummary Summary { get; init; } = new();
    public IReadOnlyList<SourceProblem> Unreadable { get; init; } = [];
}

/// <summary>The numbers of the per-container section: sockets, TIME_WAIT, ports per destination, orphans, buffers.</summary>
public sealed record NamespaceSummary
{
    public long? Sockets { get; init; }
    public long? TimeWait { get; init; }
    public long? TcpMaxTwBuckets { get; init; }
    /// <summary>Busiest (source, destination, port): connections using ephemeral ports, against the range size.</summary>
    public string? BusiestDestination { get; init; }
    public long? BusiestDestinationPorts { get; init; }
    public long? LocalPortRangeSize { get; init; }
    public long? Orphans { get; init; }
    public long? BufferBytes { get; init; }
    public long? UdpDrops { get; init; }
    /// <summary>Σ socket bytes charged to its processes' memory cgroups (v2 memory.stat sock, v1 kmem.tcp usage); null when none was read.</summary>
    public long? MemcgSockBytes { get; init; }
    /// <summary>Its memory cgroups holding socket memory, with their limits (the machine's memcg sample cut to this namespace).</summary>
    public IReadOnlyList<Model.Cgroups.MemcgSocketMemory> Memcgs { get; init; } = [];
}

/// <summary>
/// Runs the doctor over a whole host: every rule on the machine sample as before, then the per-namespace rules
/// (RuleScopes) once for each other namespace, with findings tagged by namespace and container. Machine-wide
/// findings about orphans and tcp_mem get the cgroups holding them as extra evidence (sock_diag cgroup ids).
/// </summary>
public static class NamespaceDoctor
{
    public const int TopHolders = 5;

    public static Report Run(RuleEngine engine, HostSnapshot host, IReadOnlyCollection<string>? only = null, IReadOnlyCollection<string>? skip = null,
        RuleOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(host);
        var machine = engine.Run(host.Machine, only, skip, options);
        var perNsIds = engine.Rules.Select(r => r.Descriptor.Id).Where(id => RuleScopes.Of(id) == RuleScope.PerNamespace)
            .Where(id => only is not { Count: > 0 } || only.Contains(id)).ToHashSet(StringComparer.Ordinal);

        var namespaces = new List<NamespaceReport>();
        foreach (var ns in host.Namespaces)
        {
            var tag = Tag(ns.Identity);
            if (perNsIds.Count == 0) continue;
            // Recorded history is the host namespace's: each namespace gets the window only.
            var sub = engine.Run(ns.Pair(), perNsIds, skip, options is null ? null : options with { History = [] });
            var checks = sub.Checks.Select(c => c with { Namespace = tag, Finding = c.Finding is null ? null : Decorate(c.Finding with { Namespace = tag }, ns.Now) }).ToList();
            var findings = checks.Select(c => c.Finding).OfType<Finding>().Where(f => f.Severity > Severity.Ok)
                .OrderByDescending(f => f.Severity).ThenBy(f => f.Id, StringComparer.Ordinal).ToList();
            namespaces.Add(new NamespaceReport
            {
                Namespace = tag,
                Identity = ns.Identity,
                Checks = checks,
                Findings = findings,
                Severity = findings.Count == 0 ? Severity.Ok : findings.Max(f => f.Severity),
                Summary = Summarise(ns.Now),
                Unreadable = ns.Now.Problems,
            });
        }

        var machineFindings = machine.Findings.Select(f => Decorate(AddHolders(f, host.Cgroups), host.Machine.Now)).ToList();
        var checksOut = machine.Checks.Select(c => c.Finding is { } f && f.Severity > Severity.Ok ? c with { Finding = Decorate(AddHolders(f, host.Cgroups), host.Machine.Now) } : c).ToList();
        var all = machineFindings.Concat(namespaces.SelectMany(n => n.Findings))
            .OrderByDescending(f => f.Severity).ThenBy(f => f.When).ThenBy(f => f.Namespace is null ? 0 : 1).ThenBy(f => f.Id, StringComparer.Ordinal).ToList();
        return machine with
        {
            Checks = checksOut,
            Findings = all,
            // Null with one namespace: the report (and its JSON) stays what it was before namespaces.
            Namespaces = host.Namespaces.Count > 0 ? namespaces : null,
            Cgroups = host.Cgroups.Count > 0 ? host.Cgroups : null,
            Severity = all.Count == 0 ? Severity.Ok : all.Max(f => f.Severity),
        };
    }

    public static NamespaceTag Tag(NetNamespaceIdentity id)
    {
        var c = id.Containers.FirstOrDefault();
        return new NamespaceTag(id.Inode, id.DisplayName)
        {
            ContainerId = c?.Id,
            ContainerName = c?.Name,
            Runtime = c?.Runtime,
            PodUid = c?.Pod?.Uid,
            PodNamespace = c?.Pod?.Namespace,
            PodName = c?.Pod?.Name,
            NetnsNames = id.NetnsNames,
        };
    }

    /// <summary>Per-namespace evidence the rules do not know to give: who holds the TIME_WAIT buckets (they carry no cgroup).</summary>
    private static Finding Decorate(Finding f, Snapshot now)
    {
        if (f.Id == "conntrack") return Rules.ConntrackWhy.Add(f, now);
        if (f.Id != "tw_buckets" || now.Census?.TimeWaitBy is not { Count: > 0 } tw) return f;
        var lines = tw.Take(TopHolders).Select(t => new Evidence($"TIME_WAIT local port {t.LocalPort} → {t.PeerAddress}", N(t.TimeWait), Rules.RuleKit.CensusSource(now.Census) + " (TIME_WAIT has no cgroup: by port and peer)"));
        return f with { Evidence = [.. f.Evidence, .. lines] };
    }

    /// <summary>Adds "who holds them" to the machine-wide orphans and tcp_mem findings.</summary>
    public static Finding AddHolders(Finding f, IReadOnlyList<CgroupSocketUse> cgroups)
    {
        if (cgroups.Count == 0) return f;
        var extra = f.Id switch
        {
            "orphans" => OrphanHolders(cgroups, TopHolders),
            "tcp_mem" => BufferHolders(cgroups, TopHolders),
            _ => [],
        };
        return extra.Count == 0 ? f : f with { Evidence = [.. f.Evidence, .. extra] };
    }

    /// <summary>The cgroups (containers, units) holding the most orphans, as evidence lines; for the orphans rule.</summary>
    public static List<Evidence> OrphanHolders(IReadOnlyList<CgroupSocketUse> cgroups, int top) =>
        cgroups.Where(c => c.Orphans > 0).OrderByDescending(c => c.Orphans).Take(top)
            .Select(c => new Evidence($"orphans held by {c.DisplayName}", N(c.Orphans), "sock_diag INET_DIAG_CGROUP_ID (cgroup of the process that made them)"))
            .ToList();

    /// <summary>The cgroups holding the most socket buffer bytes (skmem r+w+f), with memory.stat sock where v2 accounts it; for tcp_mem.</summary>
    public static List<Evidence> BufferHolders(IReadOnlyList<CgroupSocketUse> cgroups, int top) =>
        cgroups.Where(c => c.BufferBytes > 0).OrderByDescending(c => c.BufferBytes).Take(top)
            .Select(c => new Evidence($"buffers held by {c.DisplayName}", ByteText.Format(c.BufferBytes) +
                (c.MemoryStatSockBytes is { } s ? $" (memory.stat sock {ByteText.Format(s)})" : ""), "sock_diag skmem per INET_DIAG_CGROUP_ID"))
            .ToList();

    public static NamespaceSummary Summarise(Snapshot s)
    {
        var census = s.Census;
        var busiest = census?.Destinations.FirstOrDefault();
        long? orphans = census?.OrphansByState.Values.Sum();
        return new NamespaceSummary
        {
            Sockets = census?.TotalSockets ?? s.SockStat?.TcpInUse,
            TimeWait = s.SockStat?.TcpTw,
            TcpMaxTwBuckets = s.Sysctls.Long(SysctlNames.TcpMaxTwBuckets),
            BusiestDestination = busiest is null ? null : $"{busiest.SourceAddress} → {busiest.DestinationAddress}:{busiest.DestinationPort}",
            BusiestDestinationPorts = busiest?.Connections,
            LocalPortRangeSize = census?.LocalPortRangeSize ?? (s.Sysctls.Vector(SysctlNames.IpLocalPortRange, 2) is { } r ? r[1] - r[0] + 1 : null),
            Orphans = orphans,
            BufferBytes = census is { Memory.SocketsWithMemInfo: > 0 } ? census.Memory.RmemAllocBytes + census.Memory.WmemQueuedBytes + census.Memory.ForwardAllocBytes : null,
            UdpDrops = census?.Udp?.Drops,
            MemcgSockBytes = s.Memcg?.Cgroups.Any(g => g.SockBytes is not null) == true ? s.Memcg.Cgroups.Sum(g => g.SockBytes ?? 0) : null,
            Memcgs = s.Memcg?.Cgroups ?? [],
        };
    }

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
