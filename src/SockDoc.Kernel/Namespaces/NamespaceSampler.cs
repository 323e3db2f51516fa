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
    /// <summary>
    /// Read the namespace's netfilter ruleset (nft/iptables-save through nsenter) and its conntrack table, only
    /// where conntrack is at work (entries, or drops/insert failures): a namespace without a tracked flow has
    /// nothing for "why is conntrack on" to explain, and one `nft` per namespace dominated the doctor's time.
    /// </summary>
    public bool Netfilter { get; init; }
    /// <summary>
    /// Read the namespace's counters and sysctls (sockstat, netstat, snmp, nf_conntrack stats, net.*). False for
    /// a census alone (`sockets`): only sockstat (to skip empty namespaces) and ip_local_port_range are read.
    /// </summary>
    public bool Counters { get; init; } = true;
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
        var own = SampleOwn(ns, options, out problem);
        return own is null ? null : WithMachine(own, ns.Identity, machine);
    }

    /// <summary>
    /// The namespace's own parts only (no machine-wide part copied in yet: see WithMachine), so namespaces can be
    /// sampled while the machine sample is still being taken.
    /// </summary>
    public static Snapshot? SampleOwn(DiscoveredNamespace ns, NamespaceSampleOptions options, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(options);
        var snapshot = NetnsThread.RunAny(ns.EnterPaths, () => Inside(options), out problem);
        if (snapshot is null) return null;
        if (options.Netfilter && ns.EnterPaths.Count > 0 && ConntrackAtWork(snapshot))
        {
            var nf = NetfilterReader.Read(ns.Identity.Initial ? null : ns.EnterPaths[0]);
            // The flows were read inside the namespace (its own /proc/net/nf_conntrack) and parked in Netfilter.
            var flows = snapshot.Netfilter?.Flows;
            snapshot = snapshot with { Netfilter = nf is null ? (flows is null ? null : new NetfilterSummary { Source = "none (no nft, no iptables-save)", Flows = flows }) : nf with { Flows = flows } };
        }
        return snapshot;
    }

    /// <summary>
    /// True when conntrack tracks anything in the namespace: entries in its table (nf_conntrack_count, per
    /// namespace since 4.x: net->ct.count), or its per-cpu stats show drops or failed inserts. The kernel
    /// registers conntrack's hooks in a namespace only when a rule or NAT there needs them (nf_ct_netns_get()),
    /// so a namespace with none of these has no tracking to explain.
    /// </summary>
    public static bool ConntrackAtWork(Snapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (s.Sysctls.Values.TryGetValue("net.netfilter.nf_conntrack_count", out var c) &&
            long.TryParse(c, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long count) && count > 0)
            return true;
        if (s.Netfilter?.Flows is { Entries: > 0 }) return true;
        return s.ConntrackStat is { } st && (st.Drop > 0 || st.EarlyDrop > 0 || st.InsertFailed > 0);
    }

    /// <summary>
    /// Completes a namespace's own sample with the machine-wide parts (memory, slab, vmstat, the global sysctls,
    /// host identity), so every rule reads a namespace exactly as it reads the host.
    /// </summary>
    public static Snapshot WithMachine(Snapshot own, NetNamespaceIdentity id, Snapshot machine)
    {
        ArgumentNullException.ThrowIfNull(own);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(machine);
        // Global sysctls (tcp_mem, tcp_max_orphans, udp_mem, …) do not exist in a child namespace (kernel-facts §9):
        // the machine's values are the ones in force there.
        var merged = new SortedDictionary<string, string>(own.Sysctls.Values.ToDictionary(kv => kv.Key, kv => kv.Value), StringComparer.Ordinal);
        foreach (var (k, v) in machine.Sysctls.Values)
        {
            if (SysctlNames.Global.Contains(k) || k.StartsWith("fs.", StringComparison.Ordinal) || k.StartsWith("vm.", StringComparison.Ordinal))
                merged.TryAdd(k, v);
        }
        return own with
        {
            Origin = machine.Origin,
            Host = machine.Host with { NetNsInode = id.Inode, InitialNetNs = id.Initial },
            Sysctls = new Sysctls { Values = merged },
            MemInfo = machine.MemInfo,
            SlabInfo = machine.SlabInfo,
            VmStat = machine.VmStat,
        };
    }

    private static Snapshot Inside(NamespaceSampleOptions o)
    {
        var problems = new List<SourceProblem>();
        var root = ProcRoot.ThreadNetns;
        var sockstat = SnapshotCollector.Take(SockStatReader.Read(root), problems);
        var sockstat6 = SnapshotCollector.Take(SockStatReader.Read6(root), problems, missingIsProblem: false);
        Sysctls own = new();
        NetStatCounters? netstat = null, snmp = null;
        ConntrackStat? conntrack = null;
        if (o.Counters)
        {
            own = SysctlReader.Read(root, problems);
            netstat = SnapshotCollector.Take(NetStatReader.ReadNetStat(root), problems);
            snmp = SnapshotCollector.Take(NetStatReader.ReadSnmp(root), problems);
            conntrack = SnapshotCollector.Take(ConntrackStatReader.Read(root), problems, missingIsProblem: false);
        }
        ConntrackFlows? flows = null;
        if (o.Netfilter)
        {
            long? count = own.Values.TryGetValue("net.netfilter.nf_conntrack_count", out var c) && long.TryParse(c, System.Globalization.CultureInfo.InvariantCulture, out long n) ? n : null;
            // An empty (or absent) table is not read: nothing to list, and the read walks the whole host table.
            if (count is null or > 0) flows = ConntrackTableReader.Read(root, o.TopN);
        }
        SocketCensus? census = null;
        if (o.Census)
        {
            var co = new CensusOptions
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
            };
            // A namespace without any socket (sockstat: used 0, TCP inuse 0 in both families, no TIME_WAIT) is not dumped:
            // the kernel's dump walks the whole host-wide established hash, whichever namespace asks.
            var r = NoTcpSockets(sockstat, sockstat6)
                ? ReadResult<SocketCensus>.Success(SocketCensusCollector.Empty(co, SocketCensusCollector.EmptyBySockstat), SocketCensusCollector.Source)
                : SocketCensusCollector.Collect(co);
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
            SockStat = sockstat,
            SockStat6 = sockstat6,
            NetStat = netstat is null && snmp is null ? null : NetStatCounters.Merge(netstat, snmp),
            Sysctls = own,
            ConntrackStat = conntrack,
            Census = census,
            Netfilter = flows is null ? null : new NetfilterSummary { Source = "", Flows = flows },
            Problems = problems,
        };
    }

    /// <summary>
    /// sockstat says the namespace holds no TCP socket at all: TCP inuse 0 (IPv4 and IPv6), tw 0, and no socket of
    /// any kind ("sockets: used" 0). inuse counts hashed sockets only; since 6.7 (commit 91051f003948) the dump
    /// also returns bound-only sockets (TCP_BOUND_INACTIVE) when the state mask asks for them (the census does not:
    /// InetDiag.CensusStates), and those are counted in "used" but not in inuse.
    /// </summary>
    public static bool NoTcpSockets(SockStat? v4, SockStat6? v6) =>
        v4 is { TcpInUse: 0, TcpTw: 0, SocketsUsed: 0 } && (v6 is null || v6.Tcp6InUse == 0);

    /// <summary>
    /// The own parts (SampleOwn) of every discovered namespace but the caller's (the machine sample describes that
    /// one); namespaces that vanish between discovery and entry are skipped and named in problems. Read on up to
    /// one worker per CPU at a time: each dump is kernel work
    /// (the walk of the host-wide hash) on the calling CPU, so the namespaces' walks run side by side. Results
    /// keep the discovery order.
    /// </summary>
    public static List<(DiscoveredNamespace Ns, Snapshot Own)> SampleOwnAll(IReadOnlyList<DiscoveredNamespace> namespaces, long? callerInode,
        NamespaceSampleOptions options, List<SourceProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        ArgumentNullException.ThrowIfNull(problems);
        var todo = namespaces.Where(n => n.Identity.Inode != callerInode).ToList();
        var own = new Snapshot?[todo.Count];
        var why = new string?[todo.Count];
        ForEach(todo.Count, i => own[i] = SampleOwn(todo[i], options, out why[i]));
        var result = new List<(DiscoveredNamespace, Snapshot)>();
        for (int i = 0; i < todo.Count; i++)
        {
            if (own[i] is { } s) result.Add((todo[i], s));
            else problems.Add(new SourceProblem($"net:[{todo[i].Identity.Inode}] ({todo[i].Identity.DisplayName})", why[i] ?? "could not be entered"));
        }
        return result;
    }

    /// <summary>Joins own samples to the machine sample (WithMachine) and to their earlier samples, for rates.</summary>
    public static List<NetNamespaceSnapshot> Complete(IEnumerable<(DiscoveredNamespace Ns, Snapshot Own)> own, Snapshot machine, IReadOnlyDictionary<long, Snapshot>? before)
    {
        ArgumentNullException.ThrowIfNull(own);
        var result = new List<NetNamespaceSnapshot>();
        foreach (var (ns, s) in own)
        {
            Snapshot? b = null;
            before?.TryGetValue(ns.Identity.Inode, out b);
            var now = WithMachine(s, ns.Identity, machine) with { Memcg = MemcgOf(machine.Memcg, ns.MemoryCgroups) };
            result.Add(new NetNamespaceSnapshot { Identity = ns.Identity, Now = now, Before = b });
        }
        return result;
    }

    /// <summary>
    /// The machine's memcg sample cut to the memory cgroups of one namespace's processes (memoryCgroups: "v1:PATH" /
    /// "v2:PATH" keys from discovery), so each container's sample carries its own memory.stat sock and limits. The
    /// machine sample keeps the cgroups holding the most socket memory (MemcgSample.MaxCgroups); a namespace whose
    /// cgroups are not among them gets an empty list with the same layout. Null when the machine has none.
    /// </summary>
    public static Model.Cgroups.MemcgSample? MemcgOf(Model.Cgroups.MemcgSample? machine, IReadOnlySet<string> memoryCgroups)
    {
        ArgumentNullException.ThrowIfNull(memoryCgroups);
        if (machine is null) return null;
        return machine with
        {
            Cgroups = machine.Cgroups.Where(g => memoryCgroups.Contains(g.Version + ":" + g.Path)).ToList(),
            Truncated = machine.Truncated,
        };
    }

    /// <summary>Light samples (counters and sysctls only) of every namespace but the caller's, for rates.</summary>
    public static Dictionary<long, Snapshot> SampleCounters(IReadOnlyList<DiscoveredNamespace> namespaces, long? callerInode, Snapshot machine, TimeProvider time)
    {
        var light = new NamespaceSampleOptions { Time = time };
        var own = SampleOwnAll(namespaces, callerInode, light, []);
        return own.ToDictionary(o => o.Ns.Identity.Inode, o => WithMachine(o.Own, o.Ns.Identity, machine));
    }

    /// <summary>
    /// Runs work(0..count-1) on up to one thread per CPU (each index once); the calling thread is one of them.
    /// Every worker that enters a namespace does so on its own short-lived thread (NetnsThread), never here.
    /// </summary>
    public static void ForEach(int count, Action<int> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        int next = -1;
        void Worker()
        {
            for (int i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next)) work(i);
        }
        int workers = Math.Min(Math.Max(1, Environment.ProcessorCount), count);
        var threads = new List<Thread>();
        for (int w = 1; w < workers; w++)
        {
            var t = new Thread(Worker, 256 * 1024) { IsBackground = true, Name = "netns sampler " + w };
            t.Start();
            threads.Add(t);
        }
        Worker();
        foreach (var t in threads) t.Join();
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
