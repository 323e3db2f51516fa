namespace SockDoc.Model;

/// <summary>
/// /proc/net/stat/nf_conntrack summed over CPUs (the file prints one hexadecimal row per CPU;
/// kernel-facts §7). Only the columns the rules use are named; all are kept in Columns.
/// </summary>
public sealed record ConntrackStat
{
    public IReadOnlyDictionary<string, long> Columns { get; init; } = new Dictionary<string, long>();
    public long? Get(string column) => Columns.TryGetValue(column, out var v) ? v : null;
    public long? Drop => Get("drop");
    public long? EarlyDrop => Get("early_drop");
    public long? InsertFailed => Get("insert_failed");
}
