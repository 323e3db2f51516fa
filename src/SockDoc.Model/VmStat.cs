namespace SockDoc.Model;

/// <summary>/proc/vmstat; the doctor needs oom_kill (since 4.13) but every counter is kept.</summary>
public sealed record VmStat
{
    public IReadOnlyDictionary<string, long> Counters { get; init; } = new Dictionary<string, long>();
    public long? Get(string name) => Counters.TryGetValue(name, out var v) ? v : null;
    public long? OomKill => Get("oom_kill");
}
