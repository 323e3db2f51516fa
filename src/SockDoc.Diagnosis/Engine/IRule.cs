using SockDoc.Model;
using SockDoc.Model.KernelLog;

namespace SockDoc.Diagnosis.Engine;

/// <summary>The fixed description of a rule: its id, what it watches, and the inputs it declares.</summary>
public sealed record RuleDescriptor(string Id, string Title, string KernelMechanism, IReadOnlyList<RuleInput> Inputs);

/// <summary>A rule is data plus one pure method over two samples. It never reads a file.</summary>
public interface IRule
{
    RuleDescriptor Descriptor { get; }
    CheckResult Evaluate(RuleContext context);
}

/// <summary>How the engine judges time: kernel-log incidents (and history) within RecentWindow of the sample are "recent".</summary>
public sealed record RuleOptions
{
    public static readonly TimeSpan DefaultRecentWindow = TimeSpan.FromMinutes(15);
    public TimeSpan RecentWindow { get; init; } = DefaultRecentWindow;
    /// <summary>What `sockdoc record` history saw (doctor --history); empty without a database.</summary>
    public IReadOnlyList<HistoryEvidence> History { get; init; } = [];
}

/// <summary>How long ago an incident's last line was, and how many of its lines fall in the recent window.</summary>
/// <param name="AgeSeconds">Seconds from the last line to the sample; null when the lines carry no usable time.</param>
/// <param name="InWindow">Lines within the window (minute resolution); 0 when the age is unknown.</param>
public sealed record LogRecency(double? AgeSeconds, long InWindow, bool Recent);

/// <summary>What a rule sees: the two samples, with helpers for the common arithmetic.</summary>
public sealed class RuleContext(SnapshotPair pair, RuleOptions? options = null)
{
    public SnapshotPair Pair { get; } = pair;
    public RuleOptions Options { get; } = options ?? new RuleOptions();
    public Snapshot Now => Pair.Now;
    public Snapshot? Before => Pair.Before;
    public double? IntervalSeconds => Pair.IntervalSeconds;
    public long PageSize => Now.Host.PageSize ?? 0;
    public bool HasPageSize => Now.Host.PageSize is > 0;
    /// <summary>False when the sample comes from a child network namespace (a container).</summary>
    public bool InitialNetNs => Now.Host.InitialNetNs ?? true;

    public long? Counter(string group, string name) => Now.NetStat?.Get(group, name);
    public long? CounterDelta(string group, string name) => Pair.NetStatDelta(group, name);

    /// <summary>Kernel-log incidents that are evidence for this finding id (LogKinds), with at least one line.</summary>
    public IReadOnlyList<KernelLogIncident> Incidents(string findingId) =>
        Now.KernelLog?.Incidents.Where(i => i.Count > 0 && LogKinds.IsEvidenceFor(i.Kind, findingId)).ToList() ?? [];

    /// <summary>
    /// How recent an incident is against this sample's time: wall time against TakenAt (a paste's TakenAt is its
    /// latest timestamp), else seconds since boot against the sample's uptime.
    /// </summary>
    public LogRecency Recency(KernelLogIncident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        double window = Options.RecentWindow.TotalSeconds;
        double? age = null;
        double? refMinute = null;
        if (incident.LastWall is { } last)
        {
            age = (Now.TakenAt - last).TotalSeconds;
            if (!incident.MinutesFromUptime) refMinute = Now.TakenAt.ToUnixTimeSeconds() / 60.0;
        }
        else if (incident.LastUptime is { } up && Now.Host.UptimeSeconds is { } nowUp)
        {
            age = nowUp - up;
            if (incident.MinutesFromUptime) refMinute = nowUp / 60.0;
        }
        if (age is null) return new LogRecency(null, 0, false);
        // A line stamped a little after the sample (clock skew, lines read after TakenAt) is now.
        double a = Math.Max(0, age.Value);
        bool recent = window > 0 && a <= window;
        long inWindow = 0;
        if (recent && refMinute is { } rm)
        {
            long first = (long)Math.Floor(rm - window / 60.0);
            inWindow = incident.Minutes.Where(m => m.Minute >= first).Sum(m => m.Count);
        }
        if (recent && inWindow == 0) inWindow = 1; // the last line itself is in the window
        return new LogRecency(a, inWindow, recent);
    }
}
