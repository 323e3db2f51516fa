using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using SockDoc.Model.KernelLog;

namespace SockDoc.Tests.Rules;

/// <summary>Kernel-log incidents for rule tests: a burst of one kind, its last line some seconds before the sample.</summary>
public static class LogSnap
{
    /// <summary>Adds an incident of <paramref name="kind"/>: <paramref name="count"/> lines, the last <paramref name="agoSeconds"/> before TakenAt, all in that minute.</summary>
    public static Snapshot Logged(this Snapshot s, string kind, long count, double agoSeconds, long suppressed = 0, IReadOnlyList<OomVictim>? victims = null, string? source = null)
    {
        var last = s.TakenAt.AddSeconds(-agoSeconds);
        var incident = new KernelLogIncident
        {
            Kind = kind,
            Description = kind.Replace('_', ' '),
            Count = count,
            SuppressedUpTo = suppressed,
            FirstWall = last,
            LastWall = last,
            Minutes = [new LogMinute(last.ToUnixTimeSeconds() / 60, Math.Min(count, 1_000_000))],
            Victims = victims ?? [],
        };
        var log = s.KernelLog ?? new KernelLogSummary { Source = source ?? "/dev/kmsg" };
        if (source is not null) log = log with { Source = source };
        return s with { KernelLog = log with { Incidents = [.. log.Incidents, incident] } };
    }

    /// <summary>A paste: only the kernel log, no gauges, counters or sysctls.</summary>
    public static Snapshot OnlyLog(this Snapshot s) => s with
    {
        SockStat = null, SockStat6 = null, NetStat = null, Sysctls = new Sysctls(), MemInfo = null, SlabInfo = null, VmStat = null,
        ConntrackStat = null, Processes = null, Census = null,
    };

    public static CheckResult Run(IRule rule, SnapshotPair pair, TimeSpan recent) =>
        rule.Evaluate(new RuleContext(pair, new RuleOptions { RecentWindow = recent }));
}
