using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using SockDoc.Model.KernelLog;

namespace SockDoc.Cli.History;

/// <summary>
/// One row of the history: the gauges the dashboard, the report and the history share, flattened
/// from a Snapshot (kernel units kept where the kernel has them: tcp_mem and sockstat mem are pages,
/// the byte value is derived with the page size stored next to them). Null means "not read".
/// </summary>
public sealed record Sample
{
    public required DateTimeOffset TakenAt { get; init; }
    public string? Hostname { get; init; }
    public long? PageSize { get; init; }

    // /proc/net/sockstat (orphan, alloc, mem global; inuse, tw per netns: kernel-facts §2.5).
    public long? SocketsUsed { get; init; }
    public long? TcpInUse { get; init; }
    public long? TcpOrphan { get; init; }
    public long? TcpTw { get; init; }
    public long? TcpAlloc { get; init; }
    public long? TcpMemPages { get; init; }
    public long? UdpMemPages { get; init; }

    // Limits (sysctls).
    public long? TcpMemMinPages { get; init; }
    public long? TcpMemPressurePages { get; init; }
    public long? TcpMemMaxPages { get; init; }
    public long? TcpMaxOrphans { get; init; }
    public long? TcpMaxTwBuckets { get; init; }
    /// <summary>ip_local_port_range high − low + 1: ephemeral ports one (src, dst, dport) tuple can use.</summary>
    public long? LocalPortRangeSize { get; init; }

    // Census (sock_diag): null when no census was taken.
    public long? BusiestDestinationConnections { get; init; }
    public string? BusiestDestination { get; init; }
    public IReadOnlyDictionary<string, long>? States { get; init; }

    // Conntrack and files.
    public long? ConntrackCount { get; init; }
    public long? ConntrackMax { get; init; }
    /// <summary>fs.file-nr first field: allocated struct files, system-wide.</summary>
    public long? FilesAllocated { get; init; }
    public long? FileMax { get; init; }
    public int? TopFdPid { get; init; }
    public string? TopFdCommand { get; init; }
    public long? TopFdOpen { get; init; }
    public long? TopFdSoftLimit { get; init; }

    // Counters (since boot, per netns): the history keeps them so rates can be drawn later.
    public long? ListenOverflows { get; init; }
    public long? TcpAbortOnMemory { get; init; }
    public long? TcpTimeWaitOverflow { get; init; }
    // Every other failure counter a rule reads (doctor --history turns their growth into "recent").
    public long? ListenDrops { get; init; }
    public long? TcpReqQFullDrop { get; init; }
    public long? TcpReqQFullDoCookies { get; init; }
    public long? TcpMemoryPressures { get; init; }
    public long? UdpMemErrors { get; init; }
    /// <summary>/proc/net/stat/nf_conntrack drop and early_drop summed over CPUs: a new flow refused, or an unconfirmed one evicted, because the table was full.</summary>
    public long? ConntrackDrop { get; init; }
    public long? ConntrackEarlyDrop { get; init; }

    public IReadOnlyList<SampleFinding> Findings { get; init; } = [];
    public IReadOnlyList<SampleIncident> Incidents { get; init; } = [];

    public long? TcpMemBytes => Bytes(TcpMemPages);
    public long? TcpMemPressureBytes => Bytes(TcpMemPressurePages);
    public long? TcpMemMaxBytes => Bytes(TcpMemMaxPages);

    private long? Bytes(long? pages) => pages is { } p && PageSize is { } s ? p * s : null;

    /// <summary>Flattens a snapshot and the doctor's findings for it.</summary>
    public static Sample From(Snapshot s, IReadOnlyList<Finding>? findings = null)
    {
        var tcpMem = s.Sysctls.Vector(SysctlNames.TcpMem, 3);
        var fileNr = s.Sysctls.Vector(SysctlNames.FileNr, 3);
        var range = s.Sysctls.Vector(SysctlNames.IpLocalPortRange, 2);
        var busiest = s.Census?.Destinations.OrderByDescending(d => d.Connections).FirstOrDefault();
        // The process nearest its RLIMIT_NOFILE, as the fd_process rule ranks them.
        var topFd = s.Processes?
            .OrderByDescending(p => p.SoftLimit is > 0 ? (double)p.OpenFds / p.SoftLimit.Value : 0)
            .ThenByDescending(p => p.OpenFds)
            .FirstOrDefault();
        var states = s.Census?.ByState;
        return new Sample
        {
            TakenAt = s.TakenAt,
            Hostname = s.Host.Hostname,
            PageSize = s.PageSize,
            SocketsUsed = s.SockStat?.SocketsUsed,
            TcpInUse = s.SockStat?.TcpInUse,
            TcpOrphan = s.SockStat?.TcpOrphan,
            TcpTw = s.SockStat?.TcpTw,
            TcpAlloc = s.SockStat?.TcpAlloc,
            TcpMemPages = s.SockStat?.TcpMemPages,
            UdpMemPages = s.SockStat?.UdpMemPages,
            TcpMemMinPages = tcpMem?[0],
            TcpMemPressurePages = tcpMem?[1],
            TcpMemMaxPages = tcpMem?[2],
            TcpMaxOrphans = s.Sysctls.Long(SysctlNames.TcpMaxOrphans),
            TcpMaxTwBuckets = s.Sysctls.Long(SysctlNames.TcpMaxTwBuckets),
            LocalPortRangeSize = range is { } r && r[1] >= r[0] ? r[1] - r[0] + 1 : null,
            BusiestDestinationConnections = busiest?.Connections,
            BusiestDestination = busiest is null ? null
                : string.Create(CultureInfo.InvariantCulture, $"{busiest.SourceAddress} → {busiest.DestinationAddress}:{busiest.DestinationPort}"),
            States = states is { Count: > 0 } ? states : null,
            ConntrackCount = s.Sysctls.Long(SysctlNames.NfConntrackCount),
            ConntrackMax = s.Sysctls.Long(SysctlNames.NfConntrackMax),
            FilesAllocated = fileNr?[0],
            FileMax = s.Sysctls.Long(SysctlNames.FileMax) ?? fileNr?[2],
            TopFdPid = topFd?.Pid,
            TopFdCommand = topFd?.Command,
            TopFdOpen = topFd?.OpenFds,
            TopFdSoftLimit = topFd?.SoftLimit,
            ListenOverflows = s.NetStat?.Get("TcpExt", "ListenOverflows"),
            TcpAbortOnMemory = s.NetStat?.Get("TcpExt", "TCPAbortOnMemory"),
            TcpTimeWaitOverflow = s.NetStat?.Get("TcpExt", "TCPTimeWaitOverflow"),
            ListenDrops = s.NetStat?.Get("TcpExt", "ListenDrops"),
            TcpReqQFullDrop = s.NetStat?.Get("TcpExt", "TCPReqQFullDrop"),
            TcpReqQFullDoCookies = s.NetStat?.Get("TcpExt", "TCPReqQFullDoCookies"),
            TcpMemoryPressures = s.NetStat?.Get("TcpExt", "TCPMemoryPressures"),
            UdpMemErrors = s.NetStat?.Get("Udp", "MemErrors"),
            ConntrackDrop = s.ConntrackStat?.Drop,
            ConntrackEarlyDrop = s.ConntrackStat?.EarlyDrop,
            Findings = findings?.Select(f => new SampleFinding(f.Id, f.Severity, f.Title)).ToList() ?? [],
            Incidents = s.KernelLog?.Incidents.Select(SampleIncident.From).ToList() ?? [],
        };
    }
}

public sealed record SampleFinding(string Id, Severity Severity, string Title);

/// <summary>A kernel-log incident as the history keeps it (kernel-facts §0: a lower bound, never exact).</summary>
public sealed record SampleIncident(string Kind, string FindingId, string Description, long Count, DateTimeOffset? FirstWall, DateTimeOffset? LastWall)
{
    public static SampleIncident From(KernelLogIncident i) => new(i.Kind, LogKinds.FindingId(i.Kind) ?? "", i.Description, i.Count, i.FirstWall, i.LastWall);
}
