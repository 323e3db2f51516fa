using SockDoc.Model.Trace;

namespace SockDoc.Diagnosis.Trace;

/// <summary>Everything of a run that is not in the aggregator's tables.</summary>
public sealed record TraceRunInfo(DateTimeOffset Started, double Seconds, bool Finished, TraceWhat What, TraceBy By, string Method,
    IReadOnlyList<TraceProbeStatus> Probes, long Events, long Lost, long Malformed, string? BlockedMethod, IReadOnlyList<string> Notes);

/// <summary>Aggregator tables → report rows, largest first, at most top rows per table plus an "(other)" row.</summary>
public static class TraceReportBuilder
{
    public const string OtherLabel = "(other)";

    public static TraceReport Build(TraceAggregator agg, TraceRunInfo run, int top)
    {
        ArgumentNullException.ThrowIfNull(agg);
        ArgumentNullException.ThrowIfNull(run);
        double secs = Math.Max(run.Seconds, 1e-3);
        bool proc = (run.By & TraceBy.Process) != 0, cg = (run.By & TraceBy.Cgroup) != 0, peer = (run.By & TraceBy.Peer) != 0, port = (run.By & TraceBy.Port) != 0;
        string? P(TraceRowKey k) => proc ? agg.Process(k.Pid).Comm : null;
        int? Pid(TraceRowKey k) => proc && k.Pid > 0 ? k.Pid : null;
        string? C(TraceRowKey k) => cg ? (k.Cgroup == 0 ? "-" : agg.Cgroup(k.Cgroup)) : null;
        string? Peer(TraceRowKey k) => peer ? k.Peer.ToString() : null;
        int? Port(TraceRowKey k) => port ? k.Port : null;

        List<ConnectErrorRow>? connect = null;
        if ((run.What & TraceWhat.Ports) != 0)
        {
            connect = Rows(agg.ConnectErrors, s => s.Count, top, (k, s) => new ConnectErrorRow(P(k), Pid(k), C(k), Peer(k), Port(k), ErrnoName(k.Sub), s.Count, s.DestinationUnknown),
                o => new ConnectErrorRow(OtherLabel, null, null, null, null, "*", o.Count, o.DestinationUnknown));
        }
        List<ChurnRow>? churn = null;
        if ((run.What & TraceWhat.Churn) != 0)
        {
            churn = Rows(agg.Churn, s => s.Opened + s.Closed + s.Failed, top, (k, s) => Churn(P(k), Pid(k), C(k), peer ? k.Peer.ToString() : null, port ? k.Port : null,
                    k.Sub == 1 ? "inbound" : "outbound", s, secs),
                o => Churn(OtherLabel, null, null, null, null, "*", o, secs));
            if (agg.Preexisting.Closed > 0) churn.Add(Churn("(opened before the trace)", null, null, null, null, "*", agg.Preexisting, secs));
        }
        List<ResetRow>? resets = null;
        if ((run.What & TraceWhat.Resets) != 0)
        {
            resets = Rows(agg.Resets, s => s.Count, top, (k, s) =>
                {
                    var parts = agg.Symbol(k.Sub).Split(':');
                    return new ResetRow(parts[0], parts.ElementAtOrDefault(1) ?? "?", Peer(k), Port(k), P(k), Pid(k), C(k), parts.ElementAtOrDefault(2) ?? "?", s.Count);
                },
                o => new ResetRow("*", OtherLabel, null, null, null, null, null, "*", o.Count));
        }
        List<MemoryRow>? memory = null;
        if ((run.What & TraceWhat.Memory) != 0)
        {
            memory = Rows(agg.Memory, s => s.Refused, top, (k, s) =>
                {
                    var parts = agg.Symbol(k.Sub).Split(':');
                    return new MemoryRow(parts[0], parts.ElementAtOrDefault(1) ?? "?", P(k), Pid(k), C(k), s.Refused, s.MaxAllocatedPages, s.MemMin, s.MemPressure, s.MemMax, s.AboveMax, s.PerSocket);
                },
                o => new MemoryRow(OtherLabel, "*", null, null, null, o.Refused, o.MaxAllocatedPages, o.MemMin, o.MemPressure, o.MemMax, o.AboveMax, o.PerSocket));
        }
        List<DropRow>? drops = null;
        if ((run.What & TraceWhat.Drops) != 0)
        {
            drops = Rows(agg.Drops, s => s.Count, top, (k, s) =>
                {
                    var parts = agg.Symbol(k.Sub).Split(':');
                    return new DropRow(parts[0], EtherType(parts.ElementAtOrDefault(1)), s.Count);
                },
                o => new DropRow(OtherLabel, "*", o.Count));
        }
        List<BlockedRow>? blocked = null;
        if ((run.What & TraceWhat.Blocked) != 0)
        {
            blocked = Rows(agg.Blocked, s => (long)s.BlockedMs, top,
                (k, s) => new BlockedRow(P(k), Pid(k), C(k), Peer(k), Port(k), s.Episodes, s.Samples, s.BlockedMs, s.LongestMs, s.StillBlocked),
                o => new BlockedRow(OtherLabel, null, null, null, null, o.Episodes, o.Samples, o.BlockedMs, o.LongestMs, o.StillBlocked));
        }
        long dropped = agg.Churn.Dropped + agg.ConnectErrors.Dropped + agg.Resets.Dropped + agg.Memory.Dropped + agg.Drops.Dropped + agg.Blocked.Dropped;
        return new TraceReport
        {
            Started = run.Started,
            DurationSeconds = Math.Round(run.Seconds, 3),
            Finished = run.Finished,
            What = Names(run.What),
            By = Names(run.By),
            Method = run.Method,
            Probes = run.Probes,
            Totals = new TraceTotals(run.Events, run.Lost, run.Malformed, Math.Round(run.Events / secs, 1), dropped, agg.SocketsUntracked, agg.MaxRows),
            ConnectErrors = connect,
            Churn = churn,
            Resets = resets,
            Memory = memory,
            Drops = drops,
            Blocked = blocked,
            BlockedMethod = (run.What & TraceWhat.Blocked) != 0 ? run.BlockedMethod : null,
            Notes = run.Notes,
        };
    }

    private static ChurnRow Churn(string? process, int? pid, string? cgroup, string? dest, int? port, string dir, ChurnStats s, double secs) =>
        new(process, pid, cgroup, dest, port, dir, s.Opened, s.Closed, s.Failed, Math.Round(s.Opened / secs, 1),
            s.Opened >= 2 && s.LastOpen > s.FirstOpen ? Math.Round((s.Opened - 1) / ((s.LastOpen - s.FirstOpen) / 1e9), 1) : null, s.TimeWaitEntered, s.Lifetimes.Count,
            s.Lifetimes.Quantile(0.5) is { } p50 ? p50 / 1000.0 : null, s.Lifetimes.Quantile(0.99) is { } p99 ? p99 / 1000.0 : null);

    private static List<TRow> Rows<TStats, TRow>(BoundedTable<TraceRowKey, TStats> table, Func<TStats, long> weight, int top,
        Func<TraceRowKey, TStats, TRow> row, Func<TStats, TRow> other) where TStats : class, new()
    {
        var ordered = table.Rows.OrderByDescending(kv => weight(kv.Value)).ThenBy(kv => kv.Key.Pid).ToList();
        var result = ordered.Take(top).Select(kv => row(kv.Key, kv.Value)).ToList();
        // Rows past --top and keys past the table's capacity both end in "(other)".
        var rest = ordered.Skip(top).Select(kv => kv.Value).ToList();
        if (rest.Count > 0 || table.Dropped > 0)
        {
            var merged = Merge(rest.Append(table.Other));
            if (merged is not null) result.Add(other(merged));
        }
        return result;
    }

    private static TStats? Merge<TStats>(IEnumerable<TStats> items) where TStats : class, new()
    {
        TStats? acc = null;
        foreach (var s in items)
        {
            acc ??= new TStats();
            switch ((acc, s))
            {
                case (ChurnStats a, ChurnStats b):
                    a.Opened += b.Opened; a.Closed += b.Closed; a.Failed += b.Failed; a.TimeWaitEntered += b.TimeWaitEntered;
                    break;
                case (ConnectErrorStats a, ConnectErrorStats b):
                    a.Count += b.Count; a.DestinationUnknown += b.DestinationUnknown;
                    break;
                case (ResetStats a, ResetStats b):
                    a.Count += b.Count;
                    break;
                case (MemoryStats a, MemoryStats b):
                    a.Refused += b.Refused; a.AboveMax += b.AboveMax; a.PerSocket += b.PerSocket;
                    a.MaxAllocatedPages = Math.Max(a.MaxAllocatedPages, b.MaxAllocatedPages);
                    a.MemMin = Math.Max(a.MemMin, b.MemMin); a.MemPressure = Math.Max(a.MemPressure, b.MemPressure); a.MemMax = Math.Max(a.MemMax, b.MemMax);
                    break;
                case (CountStats a, CountStats b):
                    a.Count += b.Count;
                    break;
                case (BlockedStats a, BlockedStats b):
                    a.Episodes += b.Episodes; a.Samples += b.Samples; a.BlockedMs += b.BlockedMs; a.LongestMs = Math.Max(a.LongestMs, b.LongestMs);
                    a.StillBlocked |= b.StillBlocked;
                    break;
            }
        }
        return acc;
    }

    /// <summary>include/uapi/asm-generic/errno.h names for the errors connect() is traced for.</summary>
    public static string ErrnoName(int errno) => errno switch
    {
        99 => "EADDRNOTAVAIL",
        98 => "EADDRINUSE",
        _ => "errno " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string EtherType(string? hex) => hex switch
    {
        "0800" => "IPv4",
        "86dd" => "IPv6",
        "0806" => "ARP",
        null => "?",
        _ => "0x" + hex,
    };

    public static List<string> Names(TraceWhat w) =>
        [.. new[] { (TraceWhat.Resets, "resets"), (TraceWhat.Memory, "memory"), (TraceWhat.Ports, "ports"), (TraceWhat.Churn, "churn"), (TraceWhat.Drops, "drops"), (TraceWhat.Blocked, "blocked") }
            .Where(p => (w & p.Item1) != 0).Select(p => p.Item2)];

    public static List<string> Names(TraceBy b) =>
        [.. new[] { (TraceBy.Process, "process"), (TraceBy.Cgroup, "cgroup"), (TraceBy.Peer, "peer"), (TraceBy.Port, "port") }
            .Where(p => (b & p.Item1) != 0).Select(p => p.Item2)];
}
