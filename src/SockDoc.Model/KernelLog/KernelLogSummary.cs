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
    /// <summary>
    /// Upper bound of lines hidden by rate-limit notices ("N callbacks suppressed") that follow no
    /// incident of ours (before any, or right after a look-alike such as "Neighbour table overflow").
    /// Kept so nothing is silently dropped.
    /// </summary>
    public long SuppressedUnattributed { get; init; }
    /// <summary>Boot time used to turn seconds since boot into wall time (btime of /proc/stat); null when unknown.</summary>
    public DateTimeOffset? BootTime { get; init; }
    /// <summary>Per-input breakdown when several files were read (rotated logs); empty for one source.</summary>
    public IReadOnlyList<KernelLogSourceRead> Sources { get; init; } = [];
}

/// <summary>One input of a multi-file read: its path, how many lines, and what was skipped.</summary>
public sealed record KernelLogSourceRead
{
    public required string Path { get; init; }
    public long LinesRead { get; init; }
    public long LinesSkipped { get; init; }
    public bool Partial { get; init; }
    public string? PartialReason { get; init; }
}

/// <summary>A process the OOM killer killed, from the "Killed process" line and its oom-kill:constraint line.</summary>
public sealed record OomVictim
{
    public long Pid { get; init; }
    public required string Name { get; init; }
    /// <summary>anon-rss in kB as the kernel printed it (the victim's resident anonymous memory).</summary>
    public long? AnonRssKb { get; init; }
    public long? TotalVmKb { get; init; }
    /// <summary>task_memcg of the oom-kill line, or the oom_memcg for a memory-cgroup kill.</summary>
    public string? Cgroup { get; init; }
    /// <summary>CONSTRAINT_NONE, CONSTRAINT_MEMCG, ... when the oom-kill:constraint line was seen.</summary>
    public string? Constraint { get; init; }
    public DateTimeOffset? Wall { get; init; }
    public double? Uptime { get; init; }
}

public sealed record KernelLogIncident
{
    /// <summary>Stable kind, e.g. "tcp_too_many_orphans", "tcp_out_of_memory", "out_of_socket_memory", "syn_flood".</summary>
    public required string Kind { get; init; }
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
    /// <summary>
    /// Lines per whole minute, oldest first, at most the last <c>1440</c> minutes with lines: the rules count the lines
    /// inside the --recent window from these. Minutes are Unix minutes of wall time, or minutes since boot when
    /// <see cref="MinutesFromUptime"/> (a source without wall time).
    /// </summary>
    public IReadOnlyList<LogMinute> Minutes { get; init; } = [];
    public bool MinutesFromUptime { get; init; }
    public IReadOnlyList<string> Details { get; init; } = [];
    public string? SampleLine { get; init; }
    /// <summary>Lower bound of lines hidden by rate-limit notices: always 0 (a notice may hide other kinds).</summary>
    public long SuppressedAtLeast { get; init; }
    /// <summary>Details that were not kept because the list is bounded.</summary>
    public long DetailsOmitted { get; init; }
    /// <summary>A caveat, e.g. that "Out of socket memory" cannot tell orphans from tcp_mem.</summary>
    public string? Note { get; init; }
    /// <summary>OOM kills only: the victims (at most 20 kept; VictimsOmitted counts the rest).</summary>
    public IReadOnlyList<OomVictim> Victims { get; init; } = [];
    public long VictimsOmitted { get; init; }
}

/// <summary>Lines of one incident kind in one whole minute.</summary>
public sealed record LogMinute(long Minute, long Count);
