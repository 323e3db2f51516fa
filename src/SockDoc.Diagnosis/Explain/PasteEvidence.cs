using SockDoc.Model;
using SockDoc.Model.Census;

namespace SockDoc.Diagnosis.Explain;

/// <summary>A run of lines one recogniser read, with the 1-based line range in the paste.</summary>
public sealed record RecognisedBlock(string Kind, int FirstLine, int LastLine, string What);

/// <summary>Sockets listed by `ss` / `netstat` rows and `ss -tm`, as far as the paste shows them.</summary>
public sealed record PastedSockets
{
    /// <summary>Kernel state names (tcp_states.h spelling as the census uses: ESTABLISHED, TIME_WAIT, ...) → rows.</summary>
    public IReadOnlyDictionary<string, long> States { get; init; } = new Dictionary<string, long>();
    public IReadOnlyList<ListenerQueue> Listeners { get; init; } = [];
    /// <summary>Listeners whose backlog the paste does not show (netstat prints 0 as Send-Q of a listener).</summary>
    public IReadOnlyList<string> ListenersWithoutBacklog { get; init; } = [];
    public IReadOnlyList<DestinationPortUse> Destinations { get; init; } = [];
    public IReadOnlyList<PeerUse> Peers { get; init; } = [];
    public long Rows { get; init; }
    public long WithSkmem { get; init; }
    public IReadOnlyList<SendBufferFullSocket> SendBufferFull { get; init; } = [];
    /// <summary>skmem r (rmem_alloc) ≥ rb (rcvbuf).</summary>
    public long ReceiveBufferFull { get; init; }
    public SocketMemoryTotals Memory { get; init; } = new();
    /// <summary>UDP rows: Recv-Q is sk_rmem_alloc in bytes (udp_rqueue_get()), the buffer unknown unless skmem was pasted (rb).</summary>
    public IReadOnlyList<UdpSocketRow> Udp { get; init; } = [];
}

/// <summary>Everything the recognisers read from a paste, before it becomes a partial Snapshot.</summary>
public sealed record PasteEvidence
{
    public IReadOnlyList<RecognisedBlock> Blocks { get; init; } = [];
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Counters { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, long>>();
    /// <summary>"TCP.orphan" → value, from /proc/net/sockstat (and "TCP6.inuse" from sockstat6).</summary>
    public IReadOnlyDictionary<string, long> SockStat { get; init; } = new Dictionary<string, long>();
    /// <summary>`ss -s` "TCP: N (estab, closed, orphaned, timewait)": ss prints sockstat's orphan and tw.</summary>
    public long? SsOrphaned { get; init; }
    public long? SsTimeWait { get; init; }
    public IReadOnlyDictionary<string, string> Sysctls { get; init; } = new Dictionary<string, string>();
    /// <summary>Sysctls the paste shows as absent ("sysctl: cannot stat /proc/sys/...").</summary>
    public IReadOnlyList<string> AbsentSysctls { get; init; } = [];
    /// <summary>/proc/meminfo fields in kB, and `free` rows turned into kB.</summary>
    public IReadOnlyDictionary<string, long> MemInfoKb { get; init; } = new Dictionary<string, long>();
    public IReadOnlyDictionary<string, long> VmStat { get; init; } = new Dictionary<string, long>();
    /// <summary>RLIMIT_NOFILE from `ulimit -n` / `ulimit -Hn` / /proc/PID/limits / prlimit; -1 = unlimited.</summary>
    public long? NoFileSoft { get; init; }
    public long? NoFileHard { get; init; }
    public int? LimitsPid { get; init; }
    /// <summary>One process's open descriptors from `ls /proc/PID/fd | wc -l` (or a filtered lsof -p count: at least).</summary>
    public long? OpenFds { get; init; }
    public int? OpenFdsPid { get; init; }
    /// <summary>From `getconf PAGESIZE` (or PAGE_SIZE) and its value.</summary>
    public long? PageSize { get; init; }
    public PastedSockets? Sockets { get; init; }
    public IReadOnlyList<AppError> AppErrors { get; init; } = [];
    /// <summary>Conditions stated in words (Recognisers.Statements).</summary>
    public IReadOnlyList<StatedCondition> Stated { get; init; } = [];
    /// <summary>Lines of raw /proc/net/netstat or snmp whose names and values did not pair up (wrapped or cut).</summary>
    public IReadOnlyList<string> Damage { get; init; } = [];
    /// <summary>Lines a recogniser read that say nothing about socket resources (e.g. an unrelated errno): shown as a sample, not guessed at.</summary>
    public IReadOnlyList<PasteLine> Unrelated { get; init; } = [];
    /// <summary>The latest wall time and uptime stamped on any line: the paste's "now".</summary>
    public DateTimeOffset? LatestWall { get; init; }
    public double? LatestUptime { get; init; }
}
