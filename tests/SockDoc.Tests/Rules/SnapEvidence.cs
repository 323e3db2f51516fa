using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using SockDoc.Model.Census;
using SockDoc.Model.KernelLog;

namespace SockDoc.Tests.Rules;

/// <summary>
/// The other kinds of evidence a rule concludes from, for rule tests: the kernel's own lines, application errors,
/// a paste's partial snapshot and a socket census.
/// </summary>
public static class SnapEvidence
{
    /// <summary>A snapshot with nothing in it but its time, as a paste of one log line gives.</summary>
    public static Snapshot Empty() => new() { TakenAt = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero), Origin = "paste" };

    /// <summary>Adds one incident of a kernel-log kind, its last line ageSeconds before the sample.</summary>
    public static Snapshot Log(this Snapshot s, string kind, long count, double ageSeconds, long suppressed = 0) =>
        s.Logged(kind, count, ageSeconds, suppressed, source: "test");

    /// <summary>Adds an application error; lastAgeSeconds null for lines without a time.</summary>
    public static Snapshot AppError(this Snapshot s, string errno, string call, long count, double? lastAgeSeconds = null)
    {
        var e = new AppErrorReport
        {
            Errno = errno,
            Call = call,
            Count = count,
            Runtime = "go",
            Sample = $"dial tcp 10.0.0.2:80: {call}: {errno}",
            LastWall = lastAgeSeconds is { } a ? s.TakenAt.AddSeconds(-a) : null,
        };
        return s with { AppErrors = [.. s.AppErrors ?? [], e] };
    }

    public static Snapshot WithCensus(this Snapshot s, IReadOnlyList<DestinationPortUse>? destinations = null, IReadOnlyList<ListenerQueue>? listeners = null) =>
        s with { Census = new SocketCensus { TakenAt = s.TakenAt, Destinations = destinations ?? [], Listeners = listeners ?? [] } };

    /// <summary>/proc/net/stat/nf_conntrack summed over CPUs.</summary>
    public static Snapshot Stat(this Snapshot s, long drop, long insertFailed = 0, long earlyDrop = 0, long invalid = 0) => s with
    {
        ConntrackStat = new ConntrackStat { Columns = new Dictionary<string, long> { ["drop"] = drop, ["insert_failed"] = insertFailed, ["early_drop"] = earlyDrop, ["invalid"] = invalid } },
    };

    public static SnapshotPair One(Snapshot s) => new(s, null);

    public static CheckResult Run(IRule rule, Snapshot s) => rule.Evaluate(new RuleContext(new SnapshotPair(s, null)));

    /// <summary>Evidence lines that carry one number must say so: a value and a base unit.</summary>
    public static void AssertNumeric(Finding f, params string[] names)
    {
        foreach (var name in names)
        {
            var e = Assert.Single(f.Evidence, x => x.Name == name);
            Assert.True(e.Value is not null && e.Unit is not null, $"evidence '{name}' has no value/unit: {e.Text}");
        }
    }
}
