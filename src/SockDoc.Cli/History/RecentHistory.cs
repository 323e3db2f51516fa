using System.Globalization;
using SockDoc.Diagnosis.Engine;

namespace SockDoc.Cli.History;

/// <summary>
/// Reads `sockdoc record` history for doctor --history: counters that rose between two consecutive samples, and
/// checks the recorder found critical, inside the recent window. Counter growth is the kernel's own evidence; the
/// recorder's critical verdicts cover the gauges (orphans over a limit, tcp_mem over pressure) it saw at the time.
/// </summary>
public static class RecentHistory
{
    /// <summary>
    /// Every failure counter a rule reads, as the history keeps it, and the finding each is evidence for
    /// (TCPAbortOnMemory: orphans or tcp_mem). ListenDrops counts ListenOverflows too; only the drops beyond them
    /// are the SYN side's (the tcp_max_syn_backlog quarter in tcp_conn_request(), counted in ListenDrops alone).
    /// </summary>
    private static readonly (string Name, Func<Sample, long?> Read, string[] Findings)[] Counters =
    [
        ("TcpExt TCPTimeWaitOverflow", s => s.TcpTimeWaitOverflow, ["tw_buckets"]),
        ("TcpExt ListenOverflows", s => s.ListenOverflows, ["listen_overflow"]),
        ("TcpExt TCPAbortOnMemory", s => s.TcpAbortOnMemory, ["orphans", "tcp_mem"]),
        ("TcpExt ListenDrops beyond ListenOverflows", s => s.ListenDrops - s.ListenOverflows, ["syn_flood"]),
        ("TcpExt TCPReqQFullDrop", s => s.TcpReqQFullDrop, ["syn_flood"]),
        ("TcpExt TCPReqQFullDoCookies", s => s.TcpReqQFullDoCookies, ["syn_flood"]),
        ("TcpExt TCPMemoryPressures", s => s.TcpMemoryPressures, ["tcp_mem"]),
        ("Udp MemErrors", s => s.UdpMemErrors, ["udp_mem"]),
        // Both only happen when nf_conntrack_count reached nf_conntrack_max (__nf_conntrack_alloc(), early_drop()).
        ("nf_conntrack drop", s => s.ConntrackDrop, ["conntrack"]),
        ("nf_conntrack early_drop", s => s.ConntrackEarlyDrop, ["conntrack"]),
    ];

    /// <summary>The counters read, for tests and docs.</summary>
    public static IReadOnlyList<string> CounterNames { get; } = Counters.Select(c => c.Name).ToList();

    public static IReadOnlyList<HistoryEvidence> Read(SqliteHistory db, DateTimeOffset now, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(db);
        // One sample before the window too, so growth into the window's first sample counts.
        var samples = db.Read(now - window - TimeSpan.FromHours(1)).OrderBy(s => s.TakenAt).ToList();
        var result = new List<HistoryEvidence>();
        var source = db.Path;
        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            if (now - s.TakenAt > window || s.TakenAt > now + TimeSpan.FromMinutes(1)) continue;
            foreach (var f in s.Findings.Where(f => f.Severity == Severity.Critical))
                result.Add(new HistoryEvidence(f.Id, s.TakenAt, $"critical at {Time(s.TakenAt)}: {f.Title}", source));
            if (i == 0) continue;
            var before = samples[i - 1];
            foreach (var (name, read, findings) in Counters)
            {
                if (read(s) is not { } a || read(before) is not { } b || a <= b) continue;
                foreach (var id in findings)
                    result.Add(new HistoryEvidence(id, s.TakenAt,
                        $"{name} +{(a - b).ToString("N0", CultureInfo.InvariantCulture)} between {Time(before.TakenAt)} and {Time(s.TakenAt)}" +
                        (findings.Length > 1 ? $" ({string.Join(" or ", findings)})" : ""), source));
            }
        }
        return result;
    }

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
