namespace SockDoc.Model;

/// <summary>
/// /proc/net/netstat and /proc/net/snmp: pairs of "Group: names" / "Group: values" lines.
/// Parsed by header name (the TcpExt list grows between kernel versions), so any number of
/// groups and columns is kept. Per network namespace.
/// </summary>
public sealed record NetStatCounters
{
    /// <summary>Group ("TcpExt", "IpExt", "Tcp", "Udp", ...) → counter name → value.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Groups { get; init; }
        = new Dictionary<string, IReadOnlyDictionary<string, long>>();

    public long? Get(string group, string name) =>
        Groups.TryGetValue(group, out var g) && g.TryGetValue(name, out var v) ? v : null;

    /// <summary>Merges the groups of several files (netstat + snmp); a later file wins on a clash.</summary>
    public static NetStatCounters Merge(params NetStatCounters?[] parts)
    {
        var groups = new Dictionary<string, IReadOnlyDictionary<string, long>>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            if (part is null) continue;
            foreach (var (name, values) in part.Groups)
            {
                if (groups.TryGetValue(name, out var existing))
                {
                    var merged = new Dictionary<string, long>(existing, StringComparer.Ordinal);
                    foreach (var (k, v) in values) merged[k] = v;
                    groups[name] = merged;
                }
                else
                {
                    groups[name] = values;
                }
            }
        }
        return new NetStatCounters { Groups = groups };
    }
}
