namespace SockDoc.Model.Census;

// The socket census (netlink sock_diag, issue 4) as the rules see it: aggregates only, never
// one object per socket. Field names follow the kernel (tcp_states.h, inet_diag.h, sk_get_meminfo()).

/// <summary>Aggregates of one sock_diag dump of every TCP socket (IPv4 and IPv6) in this network namespace.</summary>
public sealed record SocketCensus
{
    public required DateTimeOffset TakenAt { get; init; }
    /// <summary>True when the dump or the owner scan was cut short; PartialReason says why.</summary>
    public bool Partial { get; init; }
    public string? PartialReason { get; init; }
    /// <summary>Whether /proc/*/fd of every process could be read (root); without it owners are incomplete.</summary>
    public bool OwnersComplete { get; init; }
    public long TotalSockets { get; init; }
    /// <summary>Kernel state name (ESTABLISHED, SYN_SENT, SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE,
    /// CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING, NEW_SYN_RECV) → count.</summary>
    public IReadOnlyDictionary<string, long> ByState { get; init; } = new Dictionary<string, long>();
    /// <summary>Orphans (no owning inode, full socket) by state: FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK.</summary>
    public IReadOnlyDictionary<string, long> OrphansByState { get; init; } = new Dictionary<string, long>();
    public IReadOnlyList<ListenerQueue> Listeners { get; init; } = [];
    /// <summary>Busiest (source address, destination address, destination port) tuples by ephemeral ports in use.</summary>
    public IReadOnlyList<DestinationPortUse> Destinations { get; init; } = [];
    public IReadOnlyList<LocalPortUse> LocalPorts { get; init; } = [];
    public IReadOnlyList<PeerUse> Peers { get; init; } = [];
    public IReadOnlyList<ProcessSocketUse> Processes { get; init; } = [];
    /// <summary>Buffer memory totals (skmem); null when not known: the census came from /proc/net/tcp, which has no skmem.</summary>
    public SocketMemoryTotals? Memory { get; init; } = new();
    /// <summary>Null when skmem is not known (census from /proc/net/tcp).</summary>
    public IReadOnlyList<SocketMemoryEntry>? TopByMemory { get; init; } = [];
    /// <summary>Sockets whose queued send data is at or near sk_sndbuf (kernel-facts §11.3); null when skmem is not known.</summary>
    public IReadOnlyList<SendBufferFullSocket>? SendBufferFull { get; init; } = [];
    /// <summary>Null when skmem is not known (census from /proc/net/tcp).</summary>
    public long? SendBufferFullCount { get; init; }
    /// <summary>Of SendBufferFullCount, sockets with w ≥ tb (full: a writer blocks); the rest are draining above the 2/3 wake-up mark. Null in samples taken before it was counted.</summary>
    public long? SendBufferAtLimitCount { get; init; }
    /// <summary>Threads whose kernel stack is in sk_stream_wait_memory (root only); null when not sampled.</summary>
    public IReadOnlyList<BlockedSender>? BlockedSenders { get; init; }

    // Added by the census (issue 4); every field below is optional context for the rules above.
    /// <summary>net.ipv4.ip_local_port_range of the dumped netns (Destinations count only local ports inside it).</summary>
    public int? LocalPortRangeLow { get; init; }
    public int? LocalPortRangeHigh { get; init; }
    /// <summary>high − low + 1: the ports one (source, destination, destination port) tuple can use at most (kernel-facts §5.4).</summary>
    public long? LocalPortRangeSize => LocalPortRangeLow is { } l && LocalPortRangeHigh is { } h && h >= l ? h - l + 1 : null;
    /// <summary>TIME_WAIT minisocks (inet_twsk_diag_fill, idiag_timer 3), including those with tw_substate FIN_WAIT2.</summary>
    public long TimeWaitBuckets { get; init; }
    public long Ipv4Sockets { get; init; }
    public long Ipv6Sockets { get; init; }
    /// <summary>State filter the census was taken with (kernel names); null = every state.</summary>
    public IReadOnlyList<string>? StateFilter { get; init; }
    /// <summary>Port filter (local or peer port is one of these), ascending; null = every port.</summary>
    public IReadOnlyList<int>? PortFilter { get; init; }
    /// <summary>What is missing or approximate (no root, owners skipped, sampling off), one sentence each.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
    public CensusTimings? Timings { get; init; }

    /// <summary>Where the sockets were read: "netlink:sock_diag", or "/proc/net/tcp" (tcp and tcp6) when sock_diag is not there.</summary>
    public string Source { get; init; } = SourceSockDiag;
    /// <summary>Why sock_diag was not used (errno, or the SOCKDOC_NO_SOCK_DIAG switch); null when it was.</summary>
    public string? SockDiagUnavailable { get; init; }
    public const string SourceSockDiag = "netlink:sock_diag";
    public const string SourceProcNetTcp = "/proc/net/tcp";
    /// <summary>The one line that says the census is the /proc fallback; null for a sock_diag census.</summary>
    public string? SourceLine => Source == SourceProcNetTcp
        ? $"census from /proc/net/tcp: sock_diag unavailable ({SockDiagUnavailable}); socket memory (skmem), tcp_info and cgroup ids are unknown, listener backlogs are unknown"
        : null;

    // Added for every namespace and container (issue 13).
    /// <summary>Per cgroup v2 id (INET_DIAG_CGROUP_ID, Linux 5.7+): sockets, orphans and buffer bytes; null when the kernel sent no ids.</summary>
    public IReadOnlyList<Namespaces.CgroupSocketUse>? Cgroups { get; init; }
    /// <summary>TIME_WAIT minisocks carry no cgroup: counted by local port and peer instead (the busiest of each).</summary>
    public IReadOnlyList<TimeWaitGroup>? TimeWaitBy { get; init; }
    /// <summary>UDP sockets of the namespace (sockets --proto udp); null when not dumped.</summary>
    public UdpCensus? Udp { get; init; }

    /// <summary>The same census with the TCP aggregates emptied (sockets --proto udp).</summary>
    public static SocketCensus UdpOnly(SocketCensus c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return new SocketCensus { TakenAt = c.TakenAt, Udp = c.Udp, Partial = c.Partial, PartialReason = c.PartialReason, Notes = c.Notes };
    }
}

/// <summary>TIME_WAIT minisocks by (local port, peer address): who made them when no cgroup is recorded.</summary>
public sealed record TimeWaitGroup(int LocalPort, string PeerAddress, long TimeWait);

/// <summary>UDP sockets of one namespace (sock_diag IPPROTO_UDP): queues and per-socket drops (skmem d, sk_drops).</summary>
public sealed record UdpCensus
{
    public long Sockets { get; init; }
    /// <summary>Σ idiag_rqueue (bytes waiting to be read).</summary>
    public long RecvQueueBytes { get; init; }
    public long SendQueueBytes { get; init; }
    /// <summary>Σ sk_drops: datagrams dropped on full receive buffers (and other receive-side drops) since each socket was made.</summary>
    public long Drops { get; init; }
    /// <summary>Σ sk_rmem_alloc + sk_wmem_alloc + sk_forward_alloc, bytes (what udp_mem counts, in bytes); null when read from /proc/net/udp (no skmem).</summary>
    public long? MemoryBytes { get; init; }
    public IReadOnlyList<UdpSocketRow> Top { get; init; } = [];
    public bool Partial { get; init; }
    public string? Problem { get; init; }
    /// <summary>"netlink:sock_diag", or "/proc/net/udp" (udp and udp6) when sock_diag is not there.</summary>
    public string Source { get; init; } = SocketCensus.SourceSockDiag;
    /// <summary>Why sock_diag was not used; null when it was.</summary>
    public string? SockDiagUnavailable { get; init; }
}

public sealed record UdpSocketRow(string Local, string Peer, long RecvQueue, long SendQueue, long RmemAlloc, long RcvBuf, long Drops, ulong CgroupId = 0);

/// <summary>Where the census spent its time (milliseconds), for the budget.</summary>
public sealed record CensusTimings(double DumpMs, double OwnerScanMs, double BlockedSampleMs, long Datagrams, long Bytes, long FdsScanned);

/// <param name="Backlog">sk_max_ack_backlog; null when not known (/proc/net/tcp does not print it).</param>
public sealed record ListenerQueue(string LocalAddress, int LocalPort, long AcceptQueue, long? Backlog, int? Pid = null, string? Command = null)
{
    /// <summary>sk_acceptq_is_full(): the queue holds backlog + 1 children before it overflows. False when the backlog is unknown.</summary>
    public bool Full => Backlog is { } b && AcceptQueue > b;

    /// <summary>The address a pasted row cut before its address column stands in with ("LISTEN 129 128").</summary>
    public const string AddressNotShown = "?";

    /// <summary>False for a pasted row cut before its address column.</summary>
    public bool AddressShown => !(LocalAddress == AddressNotShown && LocalPort == 0);

    /// <summary>
    /// "address:port" as shown; the name alone when the source gives no port (php-fpm's status names its pool, not its
    /// socket); null for a row cut before its address column.
    /// </summary>
    public string? Shown => !AddressShown ? null : LocalPort == 0 ? LocalAddress : $"{LocalAddress}:{LocalPort}";

    /// <summary>Exactly at its backlog: one more finished handshake and the queue is full (the application is not keeping up).</summary>
    public bool AtBacklog => Backlog is > 0 && AcceptQueue == Backlog;
}

public sealed record DestinationPortUse(string SourceAddress, string DestinationAddress, int DestinationPort, long Connections, long TimeWait);

public sealed record LocalPortUse(string LocalAddress, int LocalPort, long Connections, long TimeWait);

public sealed record PeerUse(string PeerAddress, long Connections, long TimeWait);

public sealed record ProcessSocketUse(int Pid, string Command, long Sockets, long Established, long Listening);

public sealed record SocketMemoryTotals
{
    /// <summary>Σ sk_rmem_alloc (skmem r), bytes.</summary>
    public long RmemAllocBytes { get; init; }
    /// <summary>Σ sk_wmem_queued (skmem w), bytes.</summary>
    public long WmemQueuedBytes { get; init; }
    /// <summary>Σ sk_forward_alloc (skmem f), bytes; counts in tcp_mem.</summary>
    public long ForwardAllocBytes { get; init; }
    public long SocketsWithMemInfo { get; init; }
}

public sealed record SocketMemoryEntry(string Local, string Peer, string State, long RmemAlloc, long RcvBuf, long WmemQueued, long SndBuf, int? Pid = null, string? Command = null,
    long? FwdAlloc = null);

public sealed record SendBufferFullSocket(string Local, string Peer, string State, long WmemQueued, long SndBuf, long? NotSentBytes, bool PeerWindowZero, int? Pid = null, string? Command = null,
    long? SendQueue = null, long? RwndLimitedUs = null, long? SndbufLimitedUs = null, long? BusyUs = null);

public sealed record BlockedSender(int Pid, int Tid, string Command, int Fd, string? Local, string? Peer, long? WmemQueued, long? SndBuf, double SecondsObservedBlocked,
    int SamplesBlocked = 0, int Samples = 0, long? SendQueue = null, bool? PeerWindowZero = null, string? Syscall = null);
