using System.Text.Json.Serialization;

namespace SockDoc.Diagnosis.Engine;

/// <summary>
/// One number the rule used: name, the display text (value with unit and context), the kernel source it came from,
/// and, where the evidence is one number, that number in base units (bytes, pages, seconds, count, ratio) for scripts.
/// </summary>
public sealed record Evidence(string Name, string Text, string Source)
{
    /// <summary>Name prefix of a kernel-log incident ("log: TCP: too many orphaned sockets").</summary>
    public const string LogPrefix = "log: ";
    /// <summary>Source of an application's error lines.</summary>
    public const string AppErrorsSource = "application errors";
    /// <summary>Source of a condition the paste states in words.</summary>
    public const string StatedSource = "the paste's words";
    /// <summary>Suffix of a source that is a pasted socket row ("listener rows (pasted)": ss, netstat, netstat -L, uWSGI).</summary>
    public const string PastedSuffix = " (pasted)";

    [JsonIgnore] public bool FromLog => Name.StartsWith(LogPrefix, StringComparison.Ordinal);
    [JsonIgnore] public bool FromAppErrors => Source == AppErrorsSource;
    [JsonIgnore] public bool Stated => Source == StatedSource;
    [JsonIgnore] public bool FromPastedRow => Source.EndsWith(PastedSuffix, StringComparison.Ordinal);

    /// <summary>The number in <see cref="Unit"/>; null when the evidence is not one number (a list, a log line).</summary>
    public double? Value { get; init; }
    /// <summary>Base unit of <see cref="Value"/>: "count", "bytes", "pages", "seconds", "per_second", "ratio".</summary>
    public string? Unit { get; init; }
}

/// <summary>One setting to change, the value, and the arithmetic behind it.</summary>
public sealed record FixLine(string Setting, string Value, string Why)
{
    /// <summary>The line as an operator types it, e.g. "sysctl -w net.ipv4.tcp_max_orphans=262144".</summary>
    public string Command { get; init; } = "";
}

/// <summary>When the trouble is: the order the human view leads with (now, recent, risk, since boot).</summary>
public enum When
{
    /// <summary>A limit is being hit during the interval: a counter rose, a gauge is at or over its limit.</summary>
    Now,
    /// <summary>The kernel said so within the --recent window (a log line, counter growth in history): the burst may be over.</summary>
    Recent,
    /// <summary>A gauge near a limit: nothing failed yet.</summary>
    Risk,
    /// <summary>A counter above zero but flat, or a log line older than the window.</summary>
    SinceBoot,
}

/// <summary>How sure the verdict is, from which evidence it rests on.</summary>
public enum Confidence
{
    /// <summary>A gauge or counter of the kernel proves it.</summary>
    Confirmed,
    /// <summary>The kernel's own log line or an application errno only this failure gives says so; the gauges are unknown.</summary>
    Likely,
    /// <summary>The evidence fits more than one cause (each is named, with what would decide).</summary>
    Possible,
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
    public required When When { get; init; }
    public Confidence Confidence { get; init; } = Confidence.Confirmed;
    public IReadOnlyList<Evidence> Evidence { get; init; } = [];
    public required string Explanation { get; init; }
    public IReadOnlyList<FixLine> Fix { get; init; } = [];
    public IReadOnlyList<string> Caveats { get; init; } = [];
    /// <summary>For likely and possible findings: the inputs that would make the verdict confirmed (or decide between causes).</summary>
    public IReadOnlyList<RuleInput> ToConfirm { get; init; } = [];
    /// <summary>The namespace/container this finding is about; null for the machine sample (issue 13).</summary>
    public NamespaceTag? Namespace { get; init; }
    /// <summary>The `sockdoc trace` line that says which process, peer or cgroup (TraceLines); null when none applies.</summary>
    public string? Trace { get; init; }
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
    /// <summary>The namespace/container this check ran on; null for the machine sample (issue 13).</summary>
    public NamespaceTag? Namespace { get; init; }
}
