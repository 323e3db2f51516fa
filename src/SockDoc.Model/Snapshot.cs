using SockDoc.Model.Census;
using SockDoc.Model.Cgroups;
using SockDoc.Model.KernelLog;

namespace SockDoc.Model;

/// <summary>
/// One timestamped sample of every kernel source SockDoc reads. Pure data: no I/O, serialisable
/// (collect -o host.json), and the only input to the rules besides a second sample for rates.
/// A null part means the source was not read; Problems says why.
/// </summary>
public sealed record Snapshot
{
    /// <summary>Schema version of the JSON form; bumped on incompatible changes.</summary>
    public const int CurrentFormat = 1;
    public int Format { get; init; } = CurrentFormat;
    public required DateTimeOffset TakenAt { get; init; }
    /// <summary>Where the sample came from: "live", or the --proc-root directory.</summary>
    public string Origin { get; init; } = "live";
    public HostIdentity Host { get; init; } = new();
    public SockStat? SockStat { get; init; }
    public SockStat6? SockStat6 { get; init; }
    public NetStatCounters? NetStat { get; init; }
    public Sysctls Sysctls { get; init; } = new();
    public MemInfo? MemInfo { get; init; }
    public SlabInfo? SlabInfo { get; init; }
    public VmStat? VmStat { get; init; }
    public ConntrackStat? ConntrackStat { get; init; }
    public IReadOnlyList<ProcessFiles>? Processes { get; init; }
    public SocketCensus? Census { get; init; }
    public KernelLogSummary? KernelLog { get; init; }
    /// <summary>Errors applications printed (from a paste or an application log): errno, failing call, count. Null on a live host.</summary>
    public IReadOnlyList<AppErrorReport>? AppErrors { get; init; }
    /// <summary>Conditions a paste states in words ("a lot of listen overflows"). Null on a live host.</summary>
    public IReadOnlyList<StatedCondition>? Stated { get; init; }
    /// <summary>NAT chains and ct expressions of this namespace's ruleset: why conntrack tracks its flows (issue 13).</summary>
    public NetfilterSummary? Netfilter { get; init; }
    /// <summary>Memory cgroups of the processes that hold sockets, with their socket charges and limits (issue 14); null when not read.</summary>
    public MemcgSample? Memcg { get; init; }
    public IReadOnlyList<SourceProblem> Problems { get; init; } = [];

    /// <summary>Page size of the host the snapshot describes; tcp_mem and sockstat mem count these.</summary>
    public long? PageSize => Host.PageSize;
}

/// <summary>
/// Two samples of one host, Before taken Interval earlier than Now, so counters give rates:
/// what is happening now is told apart from what happened since boot. Before is null for a
/// single sample (--interval 0 or --from one file).
/// </summary>
public sealed record SnapshotPair(Snapshot Now, Snapshot? Before)
{
    public double? IntervalSeconds
    {
        get
        {
            if (Before is null) return null;
            if (Now.Host.UptimeSeconds is { } a && Before.Host.UptimeSeconds is { } b && a > b) return a - b;
            var s = (Now.TakenAt - Before.TakenAt).TotalSeconds;
            return s > 0 ? s : null;
        }
    }

    /// <summary>Increase of a /proc/net/netstat or snmp counter over the interval; null without two samples.</summary>
    public long? NetStatDelta(string group, string name)
    {
        if (Before?.NetStat is null || Now.NetStat is null) return null;
        var now = Now.NetStat.Get(group, name);
        var before = Before.NetStat.Get(group, name);
        return now is { } n && before is { } b ? n - b : null;
    }

    public long? Delta(Func<Snapshot, long?> read)
    {
        if (Before is null) return null;
        var now = read(Now);
        var before = read(Before);
        return now is { } n && before is { } b ? n - b : null;
    }
}
