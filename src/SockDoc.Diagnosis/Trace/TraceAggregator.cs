using System.Runtime.InteropServices;
using SockDoc.Model.Trace;

namespace SockDoc.Diagnosis.Trace;

/// <summary>A row key: the --by dimensions that are selected, the others zero. Sub is the table's own key (errno, reason).</summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct TraceRowKey(int Pid, int Cgroup, TraceEndpoint Peer, ushort Port, int Sub);

/// <summary>
/// Turns decoded tracepoint events into bounded tables. Pure: no I/O; who a pid is comes from an injected resolver.
/// Every table has a fixed number of rows plus an "other" row, the socket-lifetime table a fixed number of sockets.
/// Events must arrive in time order (TraceSession sorts each poll across CPUs).
/// </summary>
public sealed class TraceAggregator : ITraceEvents
{
    public const int DefaultMaxRows = 512;
    public const int MaxTrackedSockets = 65_536;
    public const int MaxTrackedThreads = 8_192;

    private readonly TraceBy _by;
    private readonly Func<int, TraceProcess> _resolve;
    private readonly Dictionary<int, TraceProcess> _processes = [];
    private readonly Interner _cgroups = new();
    private readonly Interner _symbols = new();

    private readonly Dictionary<ulong, OpenSocket> _open = [];
    private readonly Dictionary<int, FailedConnect> _failedByTid = [];

    public TraceAggregator(TraceBy by, Func<int, TraceProcess> resolve, int maxRows = DefaultMaxRows)
    {
        _by = by;
        _resolve = resolve;
        MaxRows = maxRows;
        Churn = new(maxRows);
        ConnectErrors = new(maxRows);
        Resets = new(maxRows);
        Memory = new(maxRows);
        Drops = new(maxRows);
        Blocked = new(maxRows);
    }

    public int MaxRows { get; }
    public BoundedTable<TraceRowKey, ChurnStats> Churn { get; }
    public BoundedTable<TraceRowKey, ConnectErrorStats> ConnectErrors { get; }
    public BoundedTable<TraceRowKey, ResetStats> Resets { get; }
    public BoundedTable<TraceRowKey, MemoryStats> Memory { get; }
    public BoundedTable<TraceRowKey, CountStats> Drops { get; }
    public BoundedTable<TraceRowKey, BlockedStats> Blocked { get; }
    /// <summary>Closes of sockets opened before the trace began (no open seen): counted, no lifetime, no owner.</summary>
    public ChurnStats Preexisting { get; } = new();
    public long SocketsUntracked { get; private set; }

    private readonly struct OpenSocket(ulong start, TraceRowKey key, bool established)
    {
        public ulong Start { get; } = start;
        public TraceRowKey Key { get; } = key;
        public bool Established { get; } = established;
    }

    private readonly record struct FailedConnect(ulong Time, TraceEndpoint Destination);

    public TraceProcess Process(int pid)
    {
        if (_processes.TryGetValue(pid, out var p)) return p;
        p = pid <= 0 ? new TraceProcess(pid, "(softirq)", "") : _resolve(pid);
        if (_processes.Count < 16_384) _processes[pid] = p;
        return p;
    }

    public string Symbol(int id) => _symbols.Name(id);

    public string Cgroup(int id) => _cgroups.Name(id);

    private int Intern(string s) => _symbols.Id(s);

    private int CgroupOf(int pid) => pid <= 0 ? 0 : _cgroups.Id(Process(pid).Cgroup);

    /// <summary>Strings to small ids for row keys; bounded (past 4096 names everything is id 0, shown as "").</summary>
    private sealed class Interner
    {
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
        private readonly List<string> _names = [""];

        public int Id(string s)
        {
            if (_ids.TryGetValue(s, out int id)) return id;
            if (_names.Count >= 4096) return 0;
            id = _names.Count;
            _names.Add(s);
            _ids[s] = id;
            return id;
        }

        public string Name(int id) => id >= 0 && id < _names.Count ? _names[id] : "?";
    }

    /// <summary>The key with only the --by dimensions kept. servicePort: destination port outbound, local port inbound.</summary>
    private TraceRowKey Key(int pid, TraceEndpoint peer, ushort servicePort, int sub)
    {
        // Resolve who the pid is at first sight: a short-lived client may be gone by the time the table is printed.
        if ((_by & TraceBy.Process) != 0 && pid > 0) Process(pid);
        return KeyOf(pid, peer, servicePort, sub);
    }

    private TraceRowKey KeyOf(int pid, TraceEndpoint peer, ushort servicePort, int sub) => new(
        (_by & TraceBy.Process) != 0 ? Math.Max(pid, 0) : 0,
        (_by & TraceBy.Cgroup) != 0 ? CgroupOf(pid) : 0,
        (_by & TraceBy.Peer) != 0 ? peer : default,
        (_by & TraceBy.Port) != 0 ? servicePort : (ushort)0,
        sub);

    /// <summary>
    /// sock:inet_sock_set_state. Active open: CLOSE→SYN_SENT (in the connecting thread, destination already set by
    /// tcp_v4_connect()); passive open: SYN_RECV→ESTABLISHED; end: →CLOSE. A full socket entering TIME_WAIT shows as
    /// FIN_WAIT2→CLOSE or CLOSING→CLOSE: tcp_time_wait() hands over to a timewait socket and calls tcp_done(),
    /// and TCP_TIME_WAIT itself is never passed to tcp_set_state() for it. A failed connect (no local port bound:
    /// inet_hash_connect() returned EADDRNOTAVAIL) is SYN_SENT→CLOSE with local port 0 in the same thread.
    /// </summary>
    public void OnStateChange(in StateChangeEvent e)
    {
        if (e.Old == TcpState.Close && e.New == TcpState.SynSent)
        {
            var key = Key(e.InIrq ? 0 : e.Pid, e.Remote, e.Remote.Port, 0);
            Track(e.Sock, new OpenSocket(e.Time, key, false));
            return;
        }
        if (e.Old == TcpState.SynSent && e.New == TcpState.Established)
        {
            if (_open.TryGetValue(e.Sock, out var o))
            {
                _open[e.Sock] = new OpenSocket(o.Start, o.Key, true);
                Churn.Get(o.Key).Open(e.Time);
            }
            else
            {
                Churn.Get(Key(0, e.Remote, e.Remote.Port, 0)).Open(e.Time);
            }
            return;
        }
        if (e.Old == TcpState.SynRecv && e.New == TcpState.Established)
        {
            // Passive: ran in softirq; the peer's address (its ephemeral port would make every row unique) and our port.
            var key = Key(0, e.Remote.WithoutPort(), e.Local.Port, 1);
            Churn.Get(key).Open(e.Time);
            Track(e.Sock, new OpenSocket(e.Time, key, true));
            return;
        }
        if (e.New != TcpState.Close) return;
        if (e.Old == TcpState.Listen) return;
        bool timeWait = e.Old is TcpState.FinWait2 or TcpState.Closing;
        if (e.Old == TcpState.SynSent && e.Local.Port == 0 && !e.InIrq)
        {
            if (_failedByTid.Count >= MaxTrackedThreads) _failedByTid.Clear();
            _failedByTid[e.Tid] = new FailedConnect(e.Time, e.Remote);
        }
        if (_open.Remove(e.Sock, out var open))
        {
            var row = Churn.Get(open.Key);
            if (open.Established)
            {
                row.Closed++;
                row.Lifetimes.Add((long)((e.Time - open.Start) / 1000));
            }
            else
            {
                row.Failed++;
            }
            if (timeWait) row.TimeWaitEntered++;
        }
        else
        {
            Preexisting.Closed++;
            if (timeWait) Preexisting.TimeWaitEntered++;
        }
    }

    private void Track(ulong sock, OpenSocket o)
    {
        if (_open.Count >= MaxTrackedSockets && !_open.ContainsKey(sock))
        {
            SocketsUntracked++;
            return;
        }
        _open[sock] = o;
    }

    /// <summary>
    /// syscalls:sys_exit_connect with -EADDRNOTAVAIL or -EADDRINUSE. The destination is the one the same thread's
    /// failed SYN_SENT→CLOSE carried just before (the syscall tracepoint sees only a user pointer to the sockaddr,
    /// which a tracepoint cannot read); when there was none (not TCP, or failed before tcp_set_state) it stays unknown.
    /// </summary>
    public void OnConnectExit(in ConnectExitEvent e)
    {
        TraceEndpoint dest = default;
        if (_failedByTid.Remove(e.Tid, out var f) && f.Time <= e.Time) dest = f.Destination;
        var row = ConnectErrors.Get(Key(e.Pid, dest, dest.Port, (int)-e.Ret));
        row.Count++;
        if (dest.IsEmpty) row.DestinationUnknown++;
    }

    /// <summary>
    /// What tells the service side of a reset (the tracepoint says nothing of who opened the connection): the local
    /// ports with a listener (the command refreshes them every second) and ip_local_port_range, from which
    /// __inet_hash_connect() takes the opener's port.
    /// </summary>
    public void SetServicePorts(IReadOnlySet<ushort> listening, (int Low, int High)? ephemeral)
    {
        _listening = listening;
        _ephemeral = ephemeral;
    }

    private IReadOnlySet<ushort> _listening = new HashSet<ushort>();
    private (int Low, int High)? _ephemeral;

    /// <summary>
    /// A reset is counted against its connection's service: inbound (our listener's port, the peer's address without its
    /// ephemeral port) or outbound (the peer's address and port). Keyed by both ports, every reset was a row of its own,
    /// and a host resetting thousands of connections filled the table before the resets that matter arrived.
    /// </summary>
    public void OnReset(in ResetEvent e)
    {
        int sub = Intern((e.Sent ? "sent:" : "received:") + e.Reason + ":" + e.State);
        int pid = e.InIrq ? 0 : e.Pid;
        var key = ServiceIsLocal(e.Local.Port, e.Remote.Port)
            ? Key(pid, e.Remote.WithoutPort(), e.Local.Port, sub)
            : Key(pid, e.Remote, e.Remote.Port, sub);
        Resets.Get(key).Count++;
    }

    /// <summary>
    /// The local port is the service when a listener holds it, or when only the remote port is in ip_local_port_range;
    /// otherwise (a listener holds the remote port, only the local port is ephemeral, or nothing tells) it is outbound.
    /// </summary>
    private bool ServiceIsLocal(ushort local, ushort remote)
    {
        if (_listening.Contains(local)) return true;
        if (_listening.Contains(remote)) return false;
        if (_ephemeral is not { } r) return false;
        bool localEphemeral = local >= r.Low && local <= r.High, remoteEphemeral = remote >= r.Low && remote <= r.High;
        return remoteEphemeral && !localEphemeral;
    }

    public void OnMemoryRefusal(in MemoryRefusalEvent e)
    {
        int sub = Intern(e.Protocol + ":" + e.Kind);
        var row = Memory.Get(Key(e.InIrq ? 0 : e.Pid, default, 0, sub));
        row.Refused++;
        row.MaxAllocatedPages = Math.Max(row.MaxAllocatedPages, e.AllocatedPages);
        row.MemMin = e.MemMin;
        row.MemPressure = e.MemPressure;
        row.MemMax = e.MemMax;
        // __sk_mem_raise_allocated(): above sysctl_mem[2] the charge fails for the protocol as a whole; below it the
        // refusal came from the per-socket checks (rmem/wmem against sk_rcvbuf/sk_sndbuf under pressure).
        if (e.AllocatedPages > e.MemMax) row.AboveMax++;
        else row.PerSocket++;
    }

    public void OnDrop(in DropEvent e)
    {
        int sub = Intern(e.Reason + ":" + e.Protocol.ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
        Drops.Get(new TraceRowKey(0, 0, default, 0, sub)).Count++;
    }

    private readonly Dictionary<(int Tid, int Fd), (TraceRowKey Key, long Samples)> _blockedNow = [];

    /// <summary>
    /// One stack sample of every thread: a (thread, fd) seen blocked now and not in the previous sample starts an
    /// episode; one seen before continues it. intervalMs is the time since the previous sample, credited to each blocked thread.
    /// </summary>
    public void OnBlockedSample(IReadOnlyList<BlockedThreadSample> threads, double intervalMs)
    {
        ArgumentNullException.ThrowIfNull(threads);
        var seen = new HashSet<(int, int)>();
        foreach (var t in threads)
        {
            var id = (t.Tid, t.Fd);
            if (!seen.Add(id)) continue;
            if (_blockedNow.TryGetValue(id, out var cur))
            {
                _blockedNow[id] = (cur.Key, cur.Samples + 1);
                var row = Blocked.Get(cur.Key);
                row.Samples++;
                row.BlockedMs += intervalMs;
                row.LongestMs = Math.Max(row.LongestMs, (cur.Samples + 1) * intervalMs);
            }
            else if (_blockedNow.Count < MaxTrackedThreads)
            {
                var key = Key(t.Pid, t.Peer, t.Peer.Port, 0);
                _blockedNow[id] = (key, 1);
                var row = Blocked.Get(key);
                row.Episodes++;
                row.Samples++;
                row.BlockedMs += intervalMs;
                row.LongestMs = Math.Max(row.LongestMs, intervalMs);
            }
        }
        foreach (var id in _blockedNow.Keys.ToList())
            if (!seen.Contains(id)) _blockedNow.Remove(id);
        foreach (var row in Blocked.Rows.Values) row.StillBlocked = false;
        foreach (var (key, _) in _blockedNow.Values) Blocked.Get(key).StillBlocked = true;
    }
}

public sealed class ChurnStats
{
    public long Opened, Closed, Failed, TimeWaitEntered;
    /// <summary>Time of the first and last open (perf clock, ns): the rate over the time the row was active.</summary>
    public ulong FirstOpen, LastOpen;

    public void Open(ulong time)
    {
        if (Opened == 0 || time < FirstOpen) FirstOpen = time;
        if (time > LastOpen) LastOpen = time;
        Opened++;
    }

    public LogHistogram Lifetimes { get; } = new();
}

public sealed class ConnectErrorStats
{
    public long Count, DestinationUnknown;
}

public sealed class ResetStats
{
    public long Count;
}

public sealed class MemoryStats
{
    public long Refused, MaxAllocatedPages, MemMin, MemPressure, MemMax, AboveMax, PerSocket;
}

public sealed class CountStats
{
    public long Count;
}

public sealed class BlockedStats
{
    public long Episodes, Samples;
    public double BlockedMs, LongestMs;
    public bool StillBlocked;
}
