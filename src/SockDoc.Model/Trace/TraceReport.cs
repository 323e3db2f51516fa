using System.Text.Json;
using System.Text.Json.Serialization;

namespace SockDoc.Model.Trace;

/// <summary>The result of `sockdoc trace` (also each live refresh). schema_version changes on any incompatible edit.</summary>
public sealed record TraceReport
{
    public const int CurrentSchemaVersion = 1;
    public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required DateTimeOffset Started { get; init; }
    public required double DurationSeconds { get; init; }
    public required bool Finished { get; init; }
    public required IReadOnlyList<string> What { get; init; }
    public required IReadOnlyList<string> By { get; init; }
    public required string Method { get; init; }
    public required IReadOnlyList<TraceProbeStatus> Probes { get; init; }
    public required TraceTotals Totals { get; init; }
    public IReadOnlyList<ConnectErrorRow>? ConnectErrors { get; init; }
    public IReadOnlyList<ChurnRow>? Churn { get; init; }
    public IReadOnlyList<ResetRow>? Resets { get; init; }
    public IReadOnlyList<MemoryRow>? Memory { get; init; }
    public IReadOnlyList<DropRow>? Drops { get; init; }
    public IReadOnlyList<BlockedRow>? Blocked { get; init; }
    public string? BlockedMethod { get; init; }
    public required IReadOnlyList<string> Notes { get; init; }
}

/// <summary>One tracepoint: whether this kernel has it, whether it is attached, its kernel-side filter, and why not.</summary>
public sealed record TraceProbeStatus(string Event, string UsedFor, bool Available, bool Attached, string? Filter, string? Problem);

/// <summary>Event counts; lost are events the kernel could not put in a full ring (the tables then undercount).</summary>
public sealed record TraceTotals(long Events, long Lost, long Malformed, double EventsPerSecond, long RowsDroppedToOther,
    long SocketsUntracked, int MaxRowsPerTable);

/// <summary>Row fields not in --by are null. Process "(softirq)" means the kernel did it outside any process.</summary>
public sealed record ConnectErrorRow(string? Process, int? Pid, string? Cgroup, string? Destination, int? Port, string Error, long Count,
    long DestinationUnknown);

/// <summary>OpenedPerSecond: over the whole trace; OpenedPerActiveSecond: (opened − 1) / (last open − first open), the rate while it ran.</summary>
public sealed record ChurnRow(string? Process, int? Pid, string? Cgroup, string? Destination, int? Port, string Direction,
    long Opened, long Closed, long Failed, double OpenedPerSecond, double? OpenedPerActiveSecond, long TimeWaitEntered, long LifetimesMeasured,
    double? LifetimeP50Ms, double? LifetimeP99Ms);

public sealed record ResetRow(string Direction, string Reason, string? Peer, int? Port, string? Process, int? Pid, string? Cgroup,
    string State, long Count);

public sealed record MemoryRow(string Protocol, string Kind, string? Process, int? Pid, string? Cgroup, long Refused,
    long MaxAllocatedPages, long TcpMemMin, long TcpMemPressure, long TcpMemMax, long AboveMaxCount, long PerSocketLimitCount);

public sealed record DropRow(string Reason, string Protocol, long Count);

public sealed record BlockedRow(string? Process, int? Pid, string? Cgroup, string? Peer, int? Port, long Episodes, long Samples,
    double BlockedMs, double LongestMs, bool StillBlocked);

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(TraceReport))]
public sealed partial class TraceJsonContext : JsonSerializerContext;

public static class TraceJson
{
    public static string Serialize(TraceReport report) => JsonSerializer.Serialize(report, TraceJsonContext.Default.TraceReport);
}
