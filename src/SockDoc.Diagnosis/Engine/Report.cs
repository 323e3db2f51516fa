using SockDoc.Model;

namespace SockDoc.Diagnosis.Engine;

/// <summary>Everything the doctor concluded about one host; the source of the text and JSON views.</summary>
public sealed record Report
{
    public required DateTimeOffset TakenAt { get; init; }
    public string? Hostname { get; init; }
    public string? KernelRelease { get; init; }
    public string Origin { get; init; } = "live";
    public double? IntervalSeconds { get; init; }
    /// <summary>Kernel-log incidents this close to the sample are "recent" (critical); --recent.</summary>
    public double RecentWindowSeconds { get; init; }
    public bool? InitialNetNs { get; init; }
    public long? NetNsInode { get; init; }
    public IReadOnlyList<CheckResult> Checks { get; init; } = [];
    /// <summary>The findings with severity above ok, worst first.</summary>
    public IReadOnlyList<Finding> Findings { get; init; } = [];
    public IReadOnlyList<SourceProblem> Unreadable { get; init; } = [];
    /// <summary>Kernel socket structures (slab), reported apart from tcp_mem which counts only buffers.</summary>
    public SocketSlabSummary? SocketSlab { get; init; }
    public Severity Severity { get; init; }
    /// <summary>Every other network namespace, when the doctor looked at all of them (issue 13); null otherwise.</summary>
    public IReadOnlyList<NamespaceReport>? Namespaces { get; init; }
    /// <summary>cgroups holding sockets across all namespaces (orphans, buffer bytes), largest first; null without a census.</summary>
    public IReadOnlyList<SockDoc.Model.Namespaces.CgroupSocketUse>? Cgroups { get; init; }
}

/// <summary>Socket slab: TotalBytes held now; FloorBytesPerTcpSocket is one idle socket's structures at this host's object sizes.</summary>
public sealed record SocketSlabSummary(long TotalBytes, IReadOnlyList<SlabCacheUse> Caches, long? TcpSockets, double? FloorBytesPerTcpSocket);

public sealed record SlabCacheUse(string Name, long ActiveObjects, long ObjectSize, long Bytes);
