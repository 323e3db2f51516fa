using SockDoc.Kernel.Census;
using SockDoc.Kernel.Procfs;
using SockDoc.Kernel.Sysctl;
using SockDoc.Model;
using SockDoc.Model.Census;
using SockDoc.Model.Namespaces;

namespace SockDoc.Kernel.Namespaces;

/// <summary>What to read in each namespace besides its counters and sysctls.</summary>
public sealed record NamespaceSampleOptions
{
    /// <summary>Take the TCP census (one sock_diag dump in the namespace).</summary>
    public bool Census { get; init; }
    /// <summary>Add the UDP census (queues, drops).</summary>
    public bool Udp { get; init; }
    /// <summary>skmem per socket (memory totals, buffer bytes per cgroup).</summary>
    public bool MemInfo { get; init; } = true;
    public bool TcpInfo { get; init; }
    public int TopN { get; init; } = 20;
    public IReadOnlyCollection<int>? States { get; init; }
    public IReadOnlyCollection<int>? Ports { get; init; }
    /// <summary>One owner scan for every namespace (socket inodes are unique host-wide); null = no owners.</summary>
    public SocketOwners? Owners { get; init; }
    /// <summary>Read the namespace's netfilter ruleset (nft/iptables-save through nsenter).</summary>
    public bool Netfilter { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// Samples one network namespace from a thread moved into it (NetnsThread): its own sockstat, /proc/net/netstat
/// and snmp, nf_conntrack stats and net.* sysctls, and optionally its socket census. The machine-wide parts of
/// the Snapshot (memory, slab, vmstat, the global sysctls, host identity) are copied from the machine sample, so
/// every rule reads a namespace exactly as it reads the host; the kernel log and the process fd scan stay with
/// the machine sample (they are read once and belong to no namespace).
/// </summary>
public static class NamespaceSampler
{
    public static Snapshot? Sample(DiscoveredNamespace ns, Snapshot machine, NamespaceSampleOptions options, out string? problem)
    {
        var snapshot = NetnsThread.RunAny(ns.EnterPaths, () => Inside(ns.Identity, machine, options), out problem);
        if (snapshot is null) return null;
        if (options.Netfilter && ns.EnterPaths.Count > 0)
        {
            var nf = NetfilterReader.Read(ns.Identity.Initial ? null : ns.EnterPaths[0]);
            // The flows were read inside the namespace (its own /proc/net/nf_conntrack) and parked in Netfilter.
            var flows = snapshot.Netfilter?.Flows;
            snapshot = snapshot with { Netfilter = nf is null ? (flows is null ? null : new NetfilterSummary { Source = "none (no nft, no iptables-save)", Flows = flows }) : nf with { Flows = flows } };
        }
        return snapshot;
    }

    private static Snapshot Inside(NetNamespaceIdentity id, Snapshot machine, NamespaceSampleOptions o)
    {
        var problems = new List<SourceProblem>();
        var root = ProcRoot.ThreadNetns;
        var own = SysctlReader.Read(root, problems);
        // Global sysctls (tcp_mem, tcp_max_orphans, udp_mem, …) do not exist in a child namespace (kernel-facts §9):
        // the machine's values are the ones in force there.
        var merged = new SortedDictionary<string, string>(own.Values.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
        foreach (var (k, v) in machine.Sysctls.Values)
        {
            if (SysctlNames.Global.Contains(k) || k.StartsWith("fs.", StringComparison.Ordinal) || k.StartsWith("vm.", StringComparison.Ordinal))
                merged.TryAdd(k, v);
        }
        var sockstat = SnapshotCollector.Take(SockStatReader.Read(root), problems);
        var sockstat6 = SnapshotCollector.Take(SockStatReader.Read6(root), problems, missingIsProblem: false);
        var netstat = SnapshotCollector.Take(NetStatReader.ReadNetStat(root), problems);
        var snmp = SnapshotCollector.Take(NetStatReader.ReadSnmp(root), problems);
        var conntrack = SnapshotCollector.Take(ConntrackStatReader.Read(root), problems, missingIsProblem: false);
        var flows = o.Netfilter ? ConntrackTableReader.Read(root, o.TopN) : null;
        SocketCensus? census = null;
        if (o.Census)
        {
            var r = SocketCensusCollector.Collect(new CensusOptions
            {
                ProcRoot = root,
                Owners = o.Owners is not null,
                SharedOwners = o.Owners,
                BlockedSenders = false,
                MemInfo = o.MemInfo,
                TcpInfo = o.TcpInfo,
                States = o.States,
                Ports = o.Ports,
                TopN = o.TopN,
                Time = o.Time,
                // The second half would run on a thread outside this namespace.
                ParallelDump = false,
            });
            if (r.Ok)
            {
                census = r.Value!;
                if (census.Partial) problems.Add(new SourceProblem(SocketCensusCollector.Source, "partial: " + census.PartialReason));
            }
            else
            {
                problems.Add(new SourceProblem(SocketCensusCollector.Source, r.Reason ?? r.Status.ToString(), r.Status == ReadStatus.Denied));
            }
            if (census is not null && o.Udp) census = census with { Udp = UdpCensusCollector.Collect(o.TopN) };
        }
        return new Snapshot
        {
            TakenAt = o.Time.GetUtcNow(),
            Origin = machine.Origin,
            Host = machine.Host with { NetNsInode = id.Inode, InitialNetNs = id.Initial },
            SockStat = sockstat,
            SockStat6 = sockstat6,
            NetStat = netstat is null && snmp is null ? null : NetStatCounters.Merge(netstat, snmp),
            Sysctls = new Sysctls { Values = merged },
            MemInfo = machine.MemInfo,
            SlabInfo = machine.SlabInfo,
            VmStat = machine.VmStat,
            ConntrackStat = conntrack,
            Census = census,
            Netfilter = flows is null ? null : new NetfilterSummary { Source = "", Flows = flows },
            Problems = problems,
        };
    }

    /// <summary>
    /// Samples every discovered namespace except the one the machine sample already describes (the caller's).
    /// Namespaces that vanish between discovery and entry are skipped and named in problems.
    /// </summary>
    public static List<NetNamespaceSnapshot> SampleAll(IReadOnlyList<DiscoveredNamespace> namespaces, long? callerInode, SnapshotPair machine,
        NamespaceSampleOptions now, IReadOnlyDictionary<long, Snapshot>? before, List<SourceProblem> problems)
    {
        var result = new List<NetNamespaceSnapshot>();
        foreach (var ns in namespaces)
        {
            if (ns.Identity.Inode == callerInode) continue;
            var s = Sample(ns, machine.Now, now, out var problem);
            if (s is null)
            {
                problems.Add(new SourceProblem($"net:[{ns.Identity.Inode}] ({ns.Identity.DisplayName})", problem ?? "could not be entered"));
                continue;
            }
            Snapshot? b = null;
            before?.TryGetValue(ns.Identity.Inode, out b);
            result.Add(new NetNamespaceSnapshot { Identity = ns.Identity, Now = s, Before = b });
        }
        return result;
    }

    /// <summary>Light samples (counters and sysctls only) of every namespace but the caller's, for rates.</summary>
    public static Dictionary<long, Snapshot> SampleCounters(IReadOnlyList<DiscoveredNamespace> namespaces, long? callerInode, Snapshot machine, TimeProvider time)
    {
        var result = new Dictionary<long, Snapshot>();
        var light = new NamespaceSampleOptions { Time = time };
        foreach (var ns in namespaces)
        {
            if (ns.Identity.Inode == callerInode) continue;
            if (Sample(ns, machine, light, out _) is { } s) result[ns.Identity.Inode] = s;
        }
        return result;
    }

    /// <summary>Names the cgroups of every census (machine and namespaces) and sums them host-wide, largest holders first.</summary>
    public static IReadOnlyList<CgroupSocketUse> NameCgroups(IEnumerable<Snapshot> samples, out CgroupIndex index)
    {
        var sum = new Dictionary<ulong, CgroupSocketUse>();
        foreach (var s in samples)
        {
            foreach (var c in s.Census?.Cgroups ?? [])
            {
                sum[c.Id] = sum.TryGetValue(c.Id, out var a)
                    ? a with { Sockets = a.Sockets + c.Sockets, Orphans = a.Orphans + c.Orphans, BufferBytes = a.BufferBytes + c.BufferBytes }
                    : c;
            }
        }
        index = CgroupIndex.Build(sum.Keys.ToList());
        var idx = index;
        return idx.Name(sum.Values, c => ContainerState.Resolve(ProcRoot.Live, c, []))
            .OrderByDescending(c => c.Orphans).ThenByDescending(c => c.BufferBytes).ThenByDescending(c => c.Sockets).ToList();
    }
}
