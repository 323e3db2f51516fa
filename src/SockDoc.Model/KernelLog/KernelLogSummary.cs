namespace SockDoc.Model.KernelLog;

/// <summary>
/// What the kernel log said about socket resources (issue 3), grouped by incident kind.
/// Log lines are hints: every networking message passes net_ratelimit(), so a count is a
/// lower bound and suppressed lines are kept as a range (kernel-facts §0).
/// </summary>
public sealed record KernelLogSummary
{
    /// <summary>Where the lines came from: "/dev/kmsg", a file path, "journalctl -k".</summary>
    public required string Source { get; init; }
    public long LinesRead { get; init; }
    /// <summary>Lines skipped as unreadable (too long, binary, truncated stream).</summary>
    public long LinesSkipped { get; init; }
    public bool Partial { get; init; }
    public string? PartialReason { get; init; }
    public IReadOnlyList<KernelLogIncident> Incidents { get; init; } = [];
}

public sealed record KernelLogIncident
{
    /// <summary>Stable kind, e.g. "tcp_too_many_orphans", "tcp_out_of_memory", "out_of_socket_memory", "syn_flood".</summary>
    public required string Kind { get; init; }
    /// <summary>The doctor finding id this incident is evidence for (orphans, tcp_mem, syn_flood, ...).</summary>
    public required string FindingId { get; init; }
    public required string Description { get; init; }
    public long Count { get; init; }
    /// <summary>Upper bound of lines of this kind hidden by rate-limit notices ("N callbacks suppressed").</summary>
    public long SuppressedUpTo { get; init; }
    public DateTimeOffset? FirstWall { get; init; }
    public DateTimeOffset? LastWall { get; init; }
    /// <summary>Seconds since boot, when the source gives kernel time.</summary>
    public double? FirstUptime { get; init; }
    public double? LastUptime { get; init; }
    public double PeakPerMinute { get; init; }
    public IReadOnlyList<string> Details { get; init; } = [];
    public string? SampleLine { get; init; }
}
