using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SockDoc.Kernel.Netlink.SockDiag;
using SockDoc.Model.Census;

namespace SockDoc.Kernel.Census;

/// <summary>
/// Folds a stream of sock_diag sockets into the census aggregates as they arrive: fixed arrays per state,
/// dictionaries keyed by compact value-type keys (16-byte address as two ulongs + port), bounded heaps for
/// the top-N lists. Nothing is kept per socket except the bounded lists.
/// </summary>
public sealed class CensusAggregator
{
    private readonly long[] _byState = new long[InetDiag.StateCount + 1];
    private readonly long[] _orphans = new long[InetDiag.StateCount + 1];
    // Per local port: plain arrays indexed by port (no hashing; 200,000 client sockets have 200,000 distinct
    // local ports). The address is kept when one address uses the port, "*" when several do.
    private readonly long[] _portConn = new long[65536];
    private readonly long[] _portTw = new long[65536];
    private readonly ulong[] _portAddr = new ulong[65536 * 2];
    private readonly byte[] _portFamily = new byte[65536];
    private readonly bool[] _portMulti = new bool[65536];
    private readonly Dictionary<PeerKey, Counts> _peers = [];
    private readonly Dictionary<DestKey, Counts> _dest = [];
    private readonly Dictionary<int, ProcCounts> _procs = [];
    // Per cgroup v2 id (INET_DIAG_CGROUP_ID): few keys (one per service or container), so a dictionary.
    private readonly Dictionary<ulong, CgroupCounts> _cgroups = [];
    private bool _sawCgroupId;
    // TIME_WAIT minisocks carry no cgroup (inet_twsk_diag_fill sends no attributes): kept by (local port, peer).
    private readonly Dictionary<TwKey, long> _twBy = [];
    private readonly List<Brief> _listeners = [];
    private readonly PriorityQueue<Brief, long> _topMem;
    private readonly PriorityQueue<Brief, long> _topSendFull;
    private readonly Dictionary<uint, Brief> _byInode = [];
    private readonly HashSet<uint>? _interest;
    private readonly int _top;
    private readonly int _portLow, _portHigh;
    /// <summary>Ports to keep (local or peer), indexed by port; null = every port.</summary>
    private readonly bool[]? _ports;
    private SocketOwners? _owners;
    private readonly bool _trackInodes;
    // (inode, state) of every socket when the owner scan runs in parallel with the dump: 8 bytes a socket in
    // one growing array (no object per socket), joined with the owners once both are done.
    private readonly List<InodeState> _inodes = [];

    public const int MaxListeners = 65536;
    public const int MaxCapturedByInode = 10000;
    public const int MaxCgroups = 1000;

    /// <param name="owners">Owners known before the dump, or null.</param>
    /// <param name="trackInodes">Keep (inode, state) of every socket so owners that arrive after the dump (SetOwners) still count per process.</param>
    public CensusAggregator(int top, (int Low, int High)? localPortRange, IReadOnlyCollection<int>? ports, SocketOwners? owners, HashSet<uint>? interestingInodes = null,
        bool trackInodes = false)
    {
        _trackInodes = trackInodes;
        _top = Math.Max(1, top);
        (_portLow, _portHigh) = localPortRange ?? (1, 0);
        if (ports is { Count: > 0 })
        {
            _ports = new bool[65536];
            foreach (var p in ports) _ports[p & 0xFFFF] = true;
        }
        _owners = owners;
        _interest = interestingInodes;
        _topMem = new PriorityQueue<Brief, long>(_top + 1);
        _topSendFull = new PriorityQueue<Brief, long>(_top + 1);
    }

    public long Total { get; private set; }
    public long Ipv4 { get; private set; }
    public long Ipv6 { get; private set; }
    public long TimeWaitBuckets { get; private set; }
    public long SendBufferFullCount { get; private set; }
    /// <summary>Of those, sockets at or over sk_sndbuf (w ≥ tb): where sk_stream_memory_free() is false and a writer blocks.</summary>
    public long SendBufferAtLimitCount { get; private set; }
    public long RmemTotal { get; private set; }
    public long WmemQueuedTotal { get; private set; }
    public long FwdAllocTotal { get; private set; }
    public long WithMemInfo { get; private set; }
    public long ListenersDropped { get; private set; }
    /// <summary>False when the sockets came from /proc/net/tcp, whose tx_queue of a listener is not its backlog (sk_max_ack_backlog).</summary>
    public bool ListenerBacklogKnown { get; set; } = true;

    /// <summary>The socket with this inode, if it was captured (inodes of interest and send-buffer-full sockets).</summary>
    public bool TryGetByInode(uint inode, out Brief brief) => _byInode.TryGetValue(inode, out brief);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(in InetDiagSocket s)
    {
        if (_ports is { } keep && !keep[s.SourcePort] && !keep[s.DestinationPort]) return;
        Total++;
        if (s.Family == InetDiag.AF_INET) Ipv4++; else Ipv6++;
        int state = s.State < InetDiag.StateCount ? s.State : InetDiag.StateCount;
        _byState[state]++;
        bool tw = s.IsTimeWaitBucket;
        if (tw)
        {
            TimeWaitBuckets++;
            var (p0, p1) = Split(s.Destination);
            CollectionsMarshal.GetValueRefOrAddDefault(_twBy, new TwKey(s.SourcePort, p0, p1, s.Family), out _)++;
        }
        // TIME_WAIT in the per-port/peer/destination counts means the tw minisock holding the 4-tuple, whatever its substate.
        bool timeWait = tw || s.State == InetDiag.TCP_TIME_WAIT;

        // Orphans: a full socket (not a tw bucket) that userspace closed has no inode (sock_i_ino() is 0 after
        // sock_orphan()); only the states of kernel-facts §1.1 hold orphans.
        bool orphan = !tw && s.Inode == 0 && s.State is InetDiag.TCP_FIN_WAIT1 or InetDiag.TCP_FIN_WAIT2 or InetDiag.TCP_CLOSING or InetDiag.TCP_LAST_ACK;
        if (orphan) _orphans[state]++;
        if (s.CgroupId != 0)
        {
            _sawCgroupId = true;
            ref var cg = ref CollectionsMarshal.GetValueRefOrAddDefault(_cgroups, s.CgroupId, out _);
            cg.Sockets++;
            if (orphan) cg.Orphans++;
            if (s.HasMemInfo) cg.Bytes += Math.Max(0, s.RmemAlloc) + Math.Max(0, s.WmemQueued) + Math.Max(0, s.FwdAlloc);
        }

        int pid = 0;
        bool owned = s.Inode != 0 && _owners is not null && _owners.TryGetPid(s.Inode, out pid);
        if (_trackInodes && s.Inode != 0) _inodes.Add(new InodeState(s.Inode, s.State));

        if (s.State == InetDiag.TCP_LISTEN)
        {
            if (_listeners.Count < MaxListeners) _listeners.Add(Brief.From(in s, owned ? pid : 0));
            else ListenersDropped++;
        }
        else
        {
            var (a0, a1) = Split(s.Source);
            var (b0, b1) = Split(s.Destination);
            CountPort(s.SourcePort, a0, a1, s.Family, 1, timeWait ? 1 : 0);
            ref var pc = ref CollectionsMarshal.GetValueRefOrAddDefault(_peers, new PeerKey(b0, b1, s.Family), out _);
            pc.Connections++;
            if (timeWait) pc.TimeWait++;
            // Ephemeral-port use per (saddr, daddr, dport): only the active opener's sockets, i.e. local port in
            // ip_local_port_range (__inet_hash_connect() picks from it; accepted sockets keep the listener's port).
            if (s.SourcePort >= _portLow && s.SourcePort <= _portHigh)
            {
                ref var dc = ref CollectionsMarshal.GetValueRefOrAddDefault(_dest, new DestKey(a0, a1, b0, b1, s.DestinationPort, s.Family), out _);
                dc.Connections++;
                if (timeWait) dc.TimeWait++;
            }
        }

        if (owned)
        {
            ref var proc = ref CollectionsMarshal.GetValueRefOrAddDefault(_procs, pid, out _);
            proc.Sockets++;
            if (s.State == InetDiag.TCP_ESTABLISHED) proc.Established++;
            else if (s.State == InetDiag.TCP_LISTEN) proc.Listening++;
        }

        if (s.HasMemInfo)
        {
            WithMemInfo++;
            RmemTotal += Math.Max(0, s.RmemAlloc);
            WmemQueuedTotal += Math.Max(0, s.WmemQueued);
            FwdAllocTotal += Math.Max(0, s.FwdAlloc);
            long mem = Math.Max(0, s.RmemAlloc) + Math.Max(0, s.WmemQueued) + Math.Max(0, s.FwdAlloc);
            if (mem > 0) Offer(_topMem, in s, mem, owned ? pid : 0);

            // Send buffer (nearly) full: a writer sleeps in sk_stream_wait_memory() until the queue drains to
            // ≤ 2/3 of sk_sndbuf (sk_stream_write_space(), kernel-facts §11.1), so w ≥ 2/3·tb with data queued.
            if (s.WQueue > 0 && s.SndBuf > 0 && s.WmemQueued * 3 >= s.SndBuf * 2)
            {
                SendBufferFullCount++;
                if (s.WmemQueued >= s.SndBuf) SendBufferAtLimitCount++;
                Offer(_topSendFull, in s, s.WmemQueued, owned ? pid : 0);
                if (_byInode.Count < MaxCapturedByInode && s.Inode != 0) _byInode.TryAdd(s.Inode, Brief.From(in s, owned ? pid : 0));
            }
        }
        if (_interest is not null && s.Inode != 0 && _interest.Contains(s.Inode)) _byInode[s.Inode] = Brief.From(in s, owned ? pid : 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CountPort(ushort port, ulong a0, ulong a1, byte family, long conn, long tw)
    {
        if (_portConn[port] == 0 && !_portMulti[port])
        {
            _portAddr[port * 2] = a0;
            _portAddr[port * 2 + 1] = a1;
            _portFamily[port] = family;
        }
        else if (_portAddr[port * 2] != a0 || _portAddr[port * 2 + 1] != a1 || _portFamily[port] != family)
        {
            _portMulti[port] = true;
        }
        _portConn[port] += conn;
        _portTw[port] += tw;
    }

    private void Offer(PriorityQueue<Brief, long> heap, in InetDiagSocket s, long value, int pid)
    {
        if (heap.Count < _top) heap.Enqueue(Brief.From(in s, pid), value);
        else if (heap.TryPeek(out _, out long min) && value > min) heap.DequeueEnqueue(Brief.From(in s, pid), value);
    }

    private void Offer(PriorityQueue<Brief, long> heap, Brief b, long value)
    {
        if (heap.Count < _top) heap.Enqueue(b, value);
        else if (heap.TryPeek(out _, out long min) && value > min) heap.DequeueEnqueue(b, value);
    }

    /// <summary>Owners found after (or while) the dump ran: per-process counts and pids are joined in Build.</summary>
    public void SetOwners(SocketOwners owners)
    {
        _owners = owners;
        if (!_trackInodes) return;
        foreach (var (inode, state) in _inodes)
        {
            if (!owners.TryGetPid(inode, out int pid)) continue;
            ref var proc = ref CollectionsMarshal.GetValueRefOrAddDefault(_procs, pid, out _);
            proc.Sockets++;
            if (state == InetDiag.TCP_ESTABLISHED) proc.Established++;
            else if (state == InetDiag.TCP_LISTEN) proc.Listening++;
        }
        _inodes.Clear();
    }

    private int PidOf(in Brief b) => b.Pid > 0 ? b.Pid : b.Inode != 0 && _owners is not null && _owners.TryGetPid(b.Inode, out int p) ? p : 0;

    /// <summary>Adds another aggregator's counts (the other half of a parallel dump) into this one.</summary>
    public void Merge(CensusAggregator o)
    {
        ArgumentNullException.ThrowIfNull(o);
        Total += o.Total;
        Ipv4 += o.Ipv4;
        Ipv6 += o.Ipv6;
        TimeWaitBuckets += o.TimeWaitBuckets;
        SendBufferFullCount += o.SendBufferFullCount;
        SendBufferAtLimitCount += o.SendBufferAtLimitCount;
        RmemTotal += o.RmemTotal;
        WmemQueuedTotal += o.WmemQueuedTotal;
        FwdAllocTotal += o.FwdAllocTotal;
        WithMemInfo += o.WithMemInfo;
        ListenersDropped += o.ListenersDropped;
        for (int i = 0; i < _byState.Length; i++)
        {
            _byState[i] += o._byState[i];
            _orphans[i] += o._orphans[i];
        }
        for (int port = 0; port < 65536; port++)
        {
            if (o._portConn[port] == 0) continue;
            if (o._portMulti[port]) _portMulti[port] = true;
            CountPort((ushort)port, o._portAddr[port * 2], o._portAddr[port * 2 + 1], o._portFamily[port], o._portConn[port], o._portTw[port]);
        }
        MergeCounts(_peers, o._peers);
        _sawCgroupId |= o._sawCgroupId;
        foreach (var (id, c) in o._cgroups)
        {
            ref var mine = ref CollectionsMarshal.GetValueRefOrAddDefault(_cgroups, id, out _);
            mine.Sockets += c.Sockets;
            mine.Orphans += c.Orphans;
            mine.Bytes += c.Bytes;
        }
        foreach (var (k, n) in o._twBy) CollectionsMarshal.GetValueRefOrAddDefault(_twBy, k, out _) += n;
        MergeCounts(_dest, o._dest);
        foreach (var (pid, c) in o._procs)
        {
            ref var mine = ref CollectionsMarshal.GetValueRefOrAddDefault(_procs, pid, out _);
            mine.Sockets += c.Sockets;
            mine.Established += c.Established;
            mine.Listening += c.Listening;
        }
        _inodes.AddRange(o._inodes);
        foreach (var l in o._listeners)
        {
            if (_listeners.Count < MaxListeners) _listeners.Add(l);
            else ListenersDropped++;
        }
        foreach (var (b, v) in o._topMem.UnorderedItems) Offer(_topMem, b, v);
        foreach (var (b, v) in o._topSendFull.UnorderedItems) Offer(_topSendFull, b, v);
        foreach (var (inode, b) in o._byInode) if (_byInode.Count < MaxCapturedByInode || (_interest?.Contains(inode) ?? false)) _byInode.TryAdd(inode, b);
    }

    private static void MergeCounts<TKey>(Dictionary<TKey, Counts> into, Dictionary<TKey, Counts> from) where TKey : notnull
    {
        foreach (var (k, c) in from)
        {
            ref var mine = ref CollectionsMarshal.GetValueRefOrAddDefault(into, k, out _);
            mine.Connections += c.Connections;
            mine.TimeWait += c.TimeWait;
        }
    }

    private static (ulong, ulong) Split(in Addr16 a)
    {
        var span = MemoryMarshal.Cast<byte, ulong>((ReadOnlySpan<byte>)a);
        return (span[0], span[1]);
    }

    private static Addr16 Join(ulong x, ulong y)
    {
        var a = default(Addr16);
        var span = MemoryMarshal.Cast<byte, ulong>((Span<byte>)a);
        span[0] = x;
        span[1] = y;
        return a;
    }

    private static string Addr(byte family, ulong x, ulong y) => InetDiagSocket.ToAddress(family, Join(x, y)).ToString();

    private string? Cmd(int pid) => pid > 0 && _owners is not null ? _owners.Command(pid) : null;

    /// <summary>Builds the census record: sorts and formats only the bounded lists.</summary>
    public SocketCensus Build(DateTimeOffset takenAt)
    {
        var byState = new Dictionary<string, long>();
        for (int i = 1; i < InetDiag.StateCount; i++) if (_byState[i] > 0) byState[InetDiag.StateNames[i]] = _byState[i];
        if (_byState[InetDiag.StateCount] > 0) byState["UNKNOWN"] = _byState[InetDiag.StateCount];
        var orphans = new Dictionary<string, long>();
        foreach (var st in (ReadOnlySpan<byte>)[InetDiag.TCP_FIN_WAIT1, InetDiag.TCP_FIN_WAIT2, InetDiag.TCP_CLOSING, InetDiag.TCP_LAST_ACK])
            orphans[InetDiag.StateNames[st]] = _orphans[st];

        // Listeners: the full ones always, then the fullest up to top N.
        var listeners = _listeners
            // Without backlogs (/proc/net/tcp) the longest accept queues come first.
            .OrderByDescending(l => ListenerBacklogKnown && l.RQueue > l.WQueue)
            .ThenByDescending(l => !ListenerBacklogKnown ? l.RQueue : l.WQueue == 0 ? 0 : (double)l.RQueue / l.WQueue)
            .ThenBy(l => l.SourcePort)
            .Where((l, i) => i < _top || (ListenerBacklogKnown && l.RQueue > l.WQueue))
            .Select(l => (L: l, Pid: PidOf(l)))
            .Select(x => new ListenerQueue(Addr(x.L.Family, x.L.S0, x.L.S1), x.L.SourcePort, x.L.RQueue, ListenerBacklogKnown ? x.L.WQueue : null, x.Pid > 0 ? x.Pid : null, Cmd(x.Pid)))
            .ToList();

        var topPorts = new PriorityQueue<int, (long, long)>(_top + 1);
        for (int port = 0; port < 65536; port++)
        {
            if (_portConn[port] == 0) continue;
            var key = (_portConn[port], _portTw[port]);
            if (topPorts.Count < _top) topPorts.Enqueue(port, key);
            else if (topPorts.TryPeek(out _, out var min) && key.CompareTo(min) > 0) topPorts.DequeueEnqueue(port, key);
        }
        var local = topPorts.UnorderedItems.Select(x => x.Element)
            .OrderByDescending(p => _portConn[p]).ThenByDescending(p => _portTw[p]).ThenBy(p => p)
            .Select(p => new LocalPortUse(_portMulti[p] ? "*" : Addr(_portFamily[p], _portAddr[p * 2], _portAddr[p * 2 + 1]), p, _portConn[p], _portTw[p]))
            .ToList();
        var peers = _peers.OrderByDescending(kv => kv.Value.Connections).ThenByDescending(kv => kv.Value.TimeWait).Take(_top)
            .Select(kv => new PeerUse(Addr(kv.Key.Family, kv.Key.A0, kv.Key.A1), kv.Value.Connections, kv.Value.TimeWait)).ToList();
        var dest = _dest.OrderByDescending(kv => kv.Value.Connections).ThenByDescending(kv => kv.Value.TimeWait).Take(_top)
            .Select(kv => new DestinationPortUse(Addr(kv.Key.Family, kv.Key.S0, kv.Key.S1), Addr(kv.Key.Family, kv.Key.D0, kv.Key.D1),
                kv.Key.Port, kv.Value.Connections, kv.Value.TimeWait)).ToList();
        var procs = _procs.OrderByDescending(kv => kv.Value.Sockets).ThenBy(kv => kv.Key).Take(_top)
            .Select(kv => new ProcessSocketUse(kv.Key, Cmd(kv.Key) ?? "?", kv.Value.Sockets, kv.Value.Established, kv.Value.Listening)).ToList();

        var mem = Drain(_topMem).Select(b => b with { Pid = PidOf(b) }).Select(b => new SocketMemoryEntry(b.Local, b.Peer, InetDiag.StateName(b.State), b.RmemAlloc, b.RcvBuf,
            b.WmemQueued, b.SndBuf, b.Pid > 0 ? b.Pid : null, Cmd(b.Pid), b.FwdAlloc)).ToList();
        var full = Drain(_topSendFull).Select(b => b with { Pid = PidOf(b) }).Select(b => new SendBufferFullSocket(b.Local, b.Peer, InetDiag.StateName(b.State), b.WmemQueued, b.SndBuf,
            b.NotSent >= 0 ? b.NotSent : null, b.PeerWindowZero, b.Pid > 0 ? b.Pid : null, Cmd(b.Pid), b.WQueue,
            b.RwndLimited >= 0 ? b.RwndLimited : null, b.SndbufLimited >= 0 ? b.SndbufLimited : null, b.Busy >= 0 ? b.Busy : null)).ToList();

        // Every cgroup is kept (one per service or container: few), largest holders first.
        var cgroups = _sawCgroupId
            ? _cgroups.OrderByDescending(kv => kv.Value.Orphans).ThenByDescending(kv => kv.Value.Bytes).ThenByDescending(kv => kv.Value.Sockets)
                .Take(MaxCgroups)
                .Select(kv => new SockDoc.Model.Namespaces.CgroupSocketUse { Id = kv.Key, Sockets = kv.Value.Sockets, Orphans = kv.Value.Orphans, BufferBytes = kv.Value.Bytes })
                .ToList()
            : null;
        var twBy = _twBy.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Port).Take(_top)
            .Select(kv => new TimeWaitGroup(kv.Key.Port, Addr(kv.Key.Family, kv.Key.P0, kv.Key.P1), kv.Value)).ToList();

        return new SocketCensus
        {
            TakenAt = takenAt,
            Cgroups = cgroups,
            TimeWaitBy = twBy,
            TotalSockets = Total,
            ByState = byState,
            OrphansByState = orphans,
            Listeners = listeners,
            Destinations = dest,
            LocalPorts = local,
            Peers = peers,
            Processes = procs,
            Memory = new SocketMemoryTotals
            {
                RmemAllocBytes = RmemTotal,
                WmemQueuedBytes = WmemQueuedTotal,
                ForwardAllocBytes = FwdAllocTotal,
                SocketsWithMemInfo = WithMemInfo,
            },
            TopByMemory = mem,
            SendBufferFull = full,
            SendBufferFullCount = SendBufferFullCount,
            SendBufferAtLimitCount = SendBufferAtLimitCount,
            TimeWaitBuckets = TimeWaitBuckets,
            Ipv4Sockets = Ipv4,
            Ipv6Sockets = Ipv6,
            LocalPortRangeLow = _portHigh >= _portLow ? _portLow : null,
            LocalPortRangeHigh = _portHigh >= _portLow ? _portHigh : null,
        };
    }

    private static List<Brief> Drain(PriorityQueue<Brief, long> heap)
    {
        var list = new List<(Brief B, long V)>(heap.Count);
        while (heap.TryDequeue(out var b, out long v)) list.Add((b, v));
        list.Reverse(); // largest first
        return list.Select(x => x.B).ToList();
    }

    private readonly record struct InodeState(uint Inode, byte State);

    private struct Counts
    {
        public long Connections;
        public long TimeWait;
    }

    private struct ProcCounts
    {
        public long Sockets;
        public long Established;
        public long Listening;
    }

    private struct CgroupCounts
    {
        public long Sockets;
        public long Orphans;
        public long Bytes;
    }

    private readonly record struct TwKey(ushort Port, ulong P0, ulong P1, byte Family);
    private readonly record struct PeerKey(ulong A0, ulong A1, byte Family);
    private readonly record struct DestKey(ulong S0, ulong S1, ulong D0, ulong D1, ushort Port, byte Family);

    /// <summary>The few fields kept for a socket that lands in a bounded list.</summary>
    public readonly record struct Brief(byte Family, byte State, ulong S0, ulong S1, ushort SourcePort, ulong D0, ulong D1, ushort DestinationPort,
        uint RQueue, uint WQueue, uint Inode, int Pid, long RmemAlloc, long RcvBuf, long WmemQueued, long SndBuf, long FwdAlloc,
        long NotSent, bool PeerWindowZero, long RwndLimited, long SndbufLimited, long Busy)
    {
        public static Brief From(in InetDiagSocket s, int pid)
        {
            var (a0, a1) = Split(s.Source);
            var (b0, b1) = Split(s.Destination);
            // Peer window zero: the zero-window probe timer is armed (idiag_timer 4, ss "persist") or tcpi_snd_wnd is 0.
            bool zeroWindow = s.Timer == InetDiag.TimerZeroWindowProbe || s.TcpiSndWnd == 0;
            return new Brief(s.Family, s.State, a0, a1, s.SourcePort, b0, b1, s.DestinationPort, s.RQueue, s.WQueue, s.Inode, pid,
                s.RmemAlloc, s.RcvBuf, s.WmemQueued, s.SndBuf, s.FwdAlloc, s.TcpiNotsentBytes, zeroWindow,
                s.TcpiRwndLimited, s.TcpiSndbufLimited, s.TcpiBusyTime);
        }

        public string Local => InetDiagSocket.Endpoint(Family, Join(S0, S1), SourcePort);
        public string Peer => InetDiagSocket.Endpoint(Family, Join(D0, D1), DestinationPort);
    }
}
