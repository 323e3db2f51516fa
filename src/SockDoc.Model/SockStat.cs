namespace SockDoc.Model;

/// <summary>
/// /proc/net/sockstat (and sockstat6), net/ipv4/proc.c sockstat_seq_show().
/// Every field is nullable: a kernel that does not print it leaves it absent, not zero.
/// Scope (kernel-facts §2.5): TCP orphan, alloc, mem and UDP mem are machine-wide;
/// sockets used, TCP inuse and tw are per network namespace.
/// </summary>
public sealed record SockStat
{
    public long? SocketsUsed { get; init; }
    public long? TcpInUse { get; init; }
    public long? TcpOrphan { get; init; }
    public long? TcpTw { get; init; }
    public long? TcpAlloc { get; init; }
    /// <summary>tcp_memory_allocated, in pages (buffers only, no slab).</summary>
    public long? TcpMemPages { get; init; }
    public long? UdpInUse { get; init; }
    /// <summary>udp_memory_allocated, in pages.</summary>
    public long? UdpMemPages { get; init; }
    public long? UdpLiteInUse { get; init; }
    public long? RawInUse { get; init; }
    public long? FragInUse { get; init; }
    /// <summary>FRAG memory is in bytes, unlike the TCP and UDP mem fields.</summary>
    public long? FragMemoryBytes { get; init; }
    /// <summary>Every "PROTO: key value" pair as printed, so unknown fields are kept: "TCP.inuse" → 3.</summary>
    public IReadOnlyDictionary<string, long> Fields { get; init; } = new Dictionary<string, long>();
}

/// <summary>/proc/net/sockstat6: per network namespace counts of IPv6 sockets.</summary>
public sealed record SockStat6
{
    public long? Tcp6InUse { get; init; }
    public long? Udp6InUse { get; init; }
    public long? UdpLite6InUse { get; init; }
    public long? Raw6InUse { get; init; }
    public long? Frag6InUse { get; init; }
    public long? Frag6MemoryBytes { get; init; }
    public IReadOnlyDictionary<string, long> Fields { get; init; } = new Dictionary<string, long>();
}
