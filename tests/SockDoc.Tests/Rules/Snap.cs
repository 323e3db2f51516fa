using SockDoc.Diagnosis.Engine;
using SockDoc.Kernel;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

/// <summary>
/// Builds snapshots for rule tests: the captured VM tree as a healthy baseline, then one change at a time.
/// </summary>
public static class Snap
{
    public static Snapshot Base() => SnapshotCollector.Collect(Fixtures.Vm, new CollectOptions { PageSize = 4096 }, TimeProvider.System);

    public static Snapshot Sockstat(this Snapshot s, Func<SockStat, SockStat> change) => s with { SockStat = change(s.SockStat!) };

    public static Snapshot Sysctl(this Snapshot s, string name, string? value)
    {
        var values = new Dictionary<string, string>(s.Sysctls.Values);
        if (value is null) values.Remove(name); else values[name] = value;
        return s with { Sysctls = new Sysctls { Values = values } };
    }

    public static Snapshot Counter(this Snapshot s, string group, string name, long value)
    {
        var groups = new Dictionary<string, IReadOnlyDictionary<string, long>>(s.NetStat!.Groups);
        var g = groups.TryGetValue(group, out var existing) ? new Dictionary<string, long>(existing) : new Dictionary<string, long>();
        g[name] = value;
        groups[group] = g;
        return s with { NetStat = new NetStatCounters { Groups = groups } };
    }

    public static Snapshot Meminfo(this Snapshot s, string name, long kb)
    {
        var f = new Dictionary<string, long>(s.MemInfo!.Fields) { [name] = kb };
        return s with { MemInfo = new MemInfo { Fields = f } };
    }

    public static Snapshot Vmstat(this Snapshot s, string name, long value)
    {
        var f = new Dictionary<string, long>(s.VmStat!.Counters) { [name] = value };
        return s with { VmStat = new VmStat { Counters = f } };
    }

    /// <summary>Two samples one second apart: before is the baseline, now the changed one.</summary>
    public static SnapshotPair Pair(Snapshot before, Snapshot now)
    {
        var up = before.Host.UptimeSeconds ?? 1000;
        return new SnapshotPair(
            now with { TakenAt = before.TakenAt.AddSeconds(1), Host = now.Host with { UptimeSeconds = up + 1 } },
            before with { Host = before.Host with { UptimeSeconds = up } });
    }

    public static SnapshotPair One(Snapshot s) => new(s, null);

    public static CheckResult Run(IRule rule, SnapshotPair pair) => rule.Evaluate(new RuleContext(pair));
}
