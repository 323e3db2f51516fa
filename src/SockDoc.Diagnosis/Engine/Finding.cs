namespace SockDoc.Diagnosis.Engine;

/// <summary>One number the rule used: name, value with unit, and the kernel source it came from.</summary>
public sealed record Evidence(string Name, string Value, string Source);

/// <summary>One setting to change, the value, and the arithmetic behind it.</summary>
public sealed record FixLine(string Setting, string Value, string Why)
{
    /// <summary>The line as an operator types it, e.g. "sysctl -w net.ipv4.tcp_max_orphans=262144".</summary>
    public string Command { get; init; } = "";
}

/// <summary>
/// A diagnosis. Id is a stable contract used by scripts (orphans, tcp_mem, tw_buckets, port_exhaustion,
/// conntrack, listen_overflow, syn_flood, fd_process, fd_system, oom_kill, memory_overcommit,
/// send_buffer_full, udp_mem).
/// </summary>
public sealed record Finding
{
    public required string Id { get; init; }
    public required Severity Severity { get; init; }
    public required string Title { get; init; }
    /// <summary>"now" when a limit is being hit during the interval, "since_boot" for past trouble, "risk" for a gauge near a limit.</summary>
    public required string When { get; init; }
    public IReadOnlyList<Evidence> Evidence { get; init; } = [];
    public required string Explanation { get; init; }
    public IReadOnlyList<FixLine> Fix { get; init; } = [];
    public IReadOnlyList<string> Caveats { get; init; } = [];
}

public enum CheckStatus
{
    Ok,
    Info,
    Warning,
    Critical,
    /// <summary>Inputs were missing; the rule could not decide.</summary>
    Unknown,
    /// <summary>The rule itself failed; reported, never fatal to the run.</summary>
    Error,
}

/// <summary>The outcome of one rule: what it concluded, or why it could not.</summary>
public sealed record CheckResult
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required CheckStatus Status { get; init; }
    /// <summary>One line: the headline number, or what is missing.</summary>
    public required string Summary { get; init; }
    public IReadOnlyList<string> MissingInputs { get; init; } = [];
    public Finding? Finding { get; init; }
}
