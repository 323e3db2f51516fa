using System.Globalization;
using SockDoc.Model;
using SockDoc.Model.Census;

namespace SockDoc.Diagnosis.Explain;

/// <summary>What the recognisers have read so far: each adds to it and claims the lines it read.</summary>
public sealed class PasteBuilder
{
    private readonly List<RecognisedBlock> _blocks = [];
    private readonly Dictionary<string, Dictionary<string, long>> _counters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _states = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Src, string Dst, int Port), (long N, long Tw)> _dest = [];
    private readonly Dictionary<string, (long N, long Tw)> _peers = new(StringComparer.Ordinal);
    private readonly List<ListenerQueue> _listeners = [];
    private readonly List<string> _listenersWithoutBacklog = [];
    private readonly List<SendBufferFullSocket> _sendFull = [];
    private readonly List<UdpSocketRow> _udp = [];
    private long _rows, _skmem, _rcvFull, _rmem, _wmem, _fwd;
    private bool _sawSockets;

    public PasteBuilder(IReadOnlySet<int>? kernelLines = null) => KernelLines = kernelLines ?? new HashSet<int>();

    /// <summary>Lines the kernel-log classifier (at the Cli edge) already recognised.</summary>
    public IReadOnlySet<int> KernelLines { get; }

    private bool? _remedyArticle;

    /// <summary>Whether the paste is an article on a remedy (<see cref="PasteText.IsRemedyArticle"/>), worked out once for
    /// every recogniser that asks.</summary>
    public bool IsRemedyArticle(IReadOnlyList<PasteLine> lines) => _remedyArticle ??= PasteText.IsRemedyArticle(lines);
    public Dictionary<string, long> SockStat { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Sysctls { get; } = new(StringComparer.Ordinal);
    public List<string> Absent { get; } = [];
    public Dictionary<string, long> Mem { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> Vm { get; } = new(StringComparer.Ordinal);
    public List<AppError> Errors { get; } = [];
    public List<StatedCondition> Stated { get; } = [];

    /// <summary>A condition a line states (its words, or a program's status field when <paramref name="reporter"/> is set), its text cut to 200 characters.</summary>
    public void State(string condition, int line, string text, string? reporter = null)
    {
        var sample = text.Trim();
        Stated.Add(new StatedCondition { Condition = condition, Sample = sample.Length > 200 ? sample[..200] : sample, Line = line, Reporter = reporter });
    }
    public List<string> Damage { get; } = [];
    public List<PasteLine> Unrelated { get; } = [];
    public long? SsOrphaned { get; set; }
    public long? SsTimeWait { get; set; }
    public long? NoFileSoft { get; set; }
    public long? NoFileHard { get; set; }
    public int? LimitsPid { get; set; }
    public long? OpenFds { get; set; }
    public int? OpenFdsPid { get; set; }
    public long? PageSize { get; set; }

    public void Claim(string kind, int line, string what)
    {
        if (_blocks.Count > 0 && _blocks[^1].Kind == kind && _blocks[^1].LastLine >= line - 2)
        {
            _blocks[^1] = _blocks[^1] with { LastLine = Math.Max(line, _blocks[^1].LastLine) };
            return;
        }
        _blocks.Add(new RecognisedBlock(kind, line, line, what));
    }

    public void Counter(string group, string name, long value)
    {
        if (!_counters.TryGetValue(group, out var g)) _counters[group] = g = new Dictionary<string, long>(StringComparer.Ordinal);
        g[name] = value;
    }

    /// <summary>A socket table header was seen: the census exists even if no row follows.</summary>
    public void SawSocketTable() => _sawSockets = true;

    /// <summary>
    /// One socket row. For a listener, Recv-Q is the accept queue (sk_ack_backlog) and, in `ss`, Send-Q the backlog
    /// (sk_max_ack_backlog, inet_diag idiag_wqueue); <paramref name="backlog"/> is null when the tool does not print it
    /// (/proc/net/tcp, read by netstat, gives 0 as a listener's tx_queue).
    /// </summary>
    public void Socket(string state, long recvQ, long? backlog, string local, string peer)
    {
        _sawSockets = true;
        _rows++;
        _states[state] = _states.GetValueOrDefault(state) + 1;
        if (state == "LISTEN")
        {
            var (addr, port) = SplitEndpoint(local);
            if (backlog is { } b) _listeners.Add(new ListenerQueue(addr, port ?? 0, recvQ, b));
            else _listenersWithoutBacklog.Add($"{local} (Recv-Q {recvQ.ToString(CultureInfo.InvariantCulture)})");
            return;
        }
        if (state is "UNCONN" or "CLOSE") return;
        var (src, _) = SplitEndpoint(local);
        var (dst, dport) = SplitEndpoint(peer);
        if (dport is not { } dp || dst is "*" or "0.0.0.0" or "::" or "[::]") return;
        long tw = state == "TIME_WAIT" ? 1 : 0;
        var key = (src, dst, dp);
        var (n, t) = _dest.GetValueOrDefault(key);
        _dest[key] = (n + 1, t + tw);
        var (pn, pt) = _peers.GetValueOrDefault(dst);
        _peers[dst] = (pn + 1, pt + tw);
    }

    /// <summary>
    /// One UDP socket row: for UDP both ss (udp_diag) and /proc/net/udp print Recv-Q as udp_rqueue_get(), the bytes
    /// queued with their overhead, which __udp_enqueue_schedule_skb() compares with sk_rcvbuf. The buffer is not on the row.
    /// Called beside <see cref="Socket"/>, which counts the row.
    /// </summary>
    public void UdpSocket(string local, string peer, long recvQ, long sendQ, long drops = 0)
    {
        _sawSockets = true;
        // The same socket in two listings (ss -uan and netstat -uan of one moment): one row, its fullest queue.
        int k = _udp.FindIndex(r => r.Local == local && r.Peer == peer);
        if (k >= 0)
        {
            if (recvQ > _udp[k].RecvQueue) _udp[k] = _udp[k] with { RecvQueue = recvQ, RmemAlloc = Math.Max(recvQ, _udp[k].RmemAlloc) };
            if (drops > _udp[k].Drops) _udp[k] = _udp[k] with { Drops = drops };
            return;
        }
        _udp.Add(new UdpSocketRow(local, peer, recvQ, sendQ, recvQ, 0, drops));
    }

    /// <summary>
    /// A listener's queue as an application reported it, repeatedly (uWSGI's warning each second): one row per
    /// listening address, holding the fullest queue reported.
    /// </summary>
    public void ListenerSeen(string local, long queue, long backlog)
    {
        var (addr, port) = SplitEndpoint(local);
        int k = _listeners.FindIndex(l => l.LocalAddress == addr && l.LocalPort == (port ?? 0));
        if (k >= 0)
        {
            if (queue > _listeners[k].AcceptQueue) _listeners[k] = new ListenerQueue(addr, port ?? 0, queue, backlog);
            return;
        }
        Socket("LISTEN", queue, backlog, local, "*");
    }

    /// <summary>skmem of one socket (inet_diag_skmeminfo: r rmem_alloc, rb rcvbuf, t wmem_alloc, tb sndbuf, f fwd_alloc, w wmem_queued).</summary>
    /// <remarks>
    /// A Unix socket queues nothing in sk_wmem_queued: its writer sleeps in sock_alloc_send_pskb() (sock_wait_for_wmem())
    /// while sk_wmem_alloc (skmem t, the bytes its peer has not read yet) is at sk_sndbuf, so for it t against tb is the test.
    /// </remarks>
    public void Skmem(IReadOnlyDictionary<string, long> f, string local, string peer, string state, bool unix = false)
    {
        _skmem++;
        _rmem += f.GetValueOrDefault("r");
        _wmem += f.GetValueOrDefault("w");
        _fwd += f.GetValueOrDefault("f");
        long queued = unix ? f.GetValueOrDefault("t") : f.GetValueOrDefault("w");
        if (f.TryGetValue("tb", out var tb) && tb > 0 && queued >= tb)
            _sendFull.Add(new SendBufferFullSocket(local, peer, state, queued, tb, null, false));
        if (f.TryGetValue("rb", out var rb) && rb > 0 && f.GetValueOrDefault("r") >= rb) _rcvFull++;
        // skmem below a UDP row gives that socket's buffer and drops.
        if (_udp.Count > 0 && _udp[^1].Local == local && _udp[^1].Peer == peer && _udp[^1].RcvBuf == 0)
            _udp[^1] = _udp[^1] with { RmemAlloc = f.GetValueOrDefault("r"), RcvBuf = rb, Drops = f.GetValueOrDefault("d") };
    }

    public void AddUnrelated(PasteLine line)
    {
        if (Unrelated.Count < 20) Unrelated.Add(line);
    }

    /// <summary>"10.0.0.1:80", "[::1]:80", "::ffff:10.0.0.1:80", "*:80", "0.0.0.0:*" → address and port.</summary>
    public static (string Address, int? Port) SplitEndpoint(string endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        int colon = endpoint.LastIndexOf(':');
        if (colon < 0) return (endpoint, null);
        var addr = endpoint[..colon].Trim('[', ']');
        int pct = addr.IndexOf('%', StringComparison.Ordinal);
        if (pct > 0) addr = addr[..pct];
        int? port = int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 65535 ? p : null;
        return (addr, port);
    }

    public PasteEvidence Build(IReadOnlyList<PasteLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        DateTimeOffset? wall = null;
        double? up = null;
        foreach (var l in lines)
        {
            if (l.Wall is { } w && (wall is null || w > wall)) wall = w;
            if (l.Uptime is { } u && (up is null || u > up)) up = u;
        }
        return new PasteEvidence
        {
            Blocks = _blocks.Where(b => b.Kind != "command").ToList(),
            Counters = _counters.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, long>)kv.Value, StringComparer.Ordinal),
            SockStat = SockStat,
            SsOrphaned = SsOrphaned,
            SsTimeWait = SsTimeWait,
            Sysctls = Sysctls,
            AbsentSysctls = Absent,
            MemInfoKb = Mem,
            VmStat = Vm,
            NoFileSoft = NoFileSoft,
            NoFileHard = NoFileHard,
            LimitsPid = LimitsPid,
            OpenFds = OpenFds,
            OpenFdsPid = OpenFdsPid,
            PageSize = PageSize,
            Sockets = _sawSockets || _skmem > 0
                ? new PastedSockets
                {
                    States = _states,
                    Listeners = _listeners,
                    ListenersWithoutBacklog = _listenersWithoutBacklog,
                    Destinations = _dest.OrderByDescending(kv => kv.Value.N).Select(kv => new DestinationPortUse(kv.Key.Src, kv.Key.Dst, kv.Key.Port, kv.Value.N, kv.Value.Tw)).ToList(),
                    Peers = _peers.OrderByDescending(kv => kv.Value.N).Select(kv => new PeerUse(kv.Key, kv.Value.N, kv.Value.Tw)).ToList(),
                    Rows = _rows,
                    WithSkmem = _skmem,
                    SendBufferFull = _sendFull,
                    ReceiveBufferFull = _rcvFull,
                    Memory = new SocketMemoryTotals { RmemAllocBytes = _rmem, WmemQueuedBytes = _wmem, ForwardAllocBytes = _fwd, SocketsWithMemInfo = _skmem },
                    Udp = _udp,
                }
                : null,
            AppErrors = Errors,
            Stated = Stated,
            Damage = Damage,
            Unrelated = Unrelated,
            LatestWall = wall,
            LatestUptime = up,
        };
    }
}
