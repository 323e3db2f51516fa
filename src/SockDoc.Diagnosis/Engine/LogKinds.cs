namespace SockDoc.Diagnosis.Engine;

/// <summary>
/// Which finding a kernel-log incident is evidence for. The kernel-log reader only names the kind of line
/// (tcp_too_many_orphans, syn_flood, ...); deciding what it means is the doctor's, here, in one table.
/// </summary>
public static class LogKinds
{
    /// <summary>Kind → the finding ids it is evidence for: one for a line only that failure prints, two when the wording is shared.</summary>
    private static readonly Dictionary<string, string[]> Findings = new(StringComparer.Ordinal)
    {
        // tcp_check_oom() since 3.3 prints one line per cause.
        ["tcp_too_many_orphans"] = ["orphans"],
        ["tcp_out_of_memory"] = ["tcp_mem"],
        // Kernels before 3.3: tcp_out_of_resources()'s "Out of socket memory" and tcp_close()'s "too many of orphaned
        // sockets" were printed for both causes.
        ["out_of_socket_memory"] = ["orphans", "tcp_mem"],
        ["tw_bucket_overflow"] = ["tw_buckets"],
        ["conntrack_table_full"] = ["conntrack"],
        ["syn_flood"] = ["syn_flood"],
        ["file_max_reached"] = ["fd_system"],
        ["oom_kill"] = ["oom_kill"],
        ["memcg_oom_kill"] = ["oom_kill"],
        ["memory_overcommit"] = ["memory_overcommit"],
    };

    /// <summary>The finding ids a kind is evidence for; empty for notices, look-alikes and unknown kinds.</summary>
    public static IReadOnlyList<string> FindingsFor(string kind) => Findings.TryGetValue(kind, out var ids) ? ids : [];

    /// <summary>The one finding a kind names (the first when the wording is shared), or null.</summary>
    public static string? FindingId(string kind) => Findings.TryGetValue(kind, out var ids) ? ids[0] : null;

    /// <summary>True when the line alone cannot tell which of its findings it is (the verdict is "possible").</summary>
    public static bool Ambiguous(string kind) => FindingsFor(kind).Count > 1;

    public static bool IsEvidenceFor(string kind, string findingId) => FindingsFor(kind).Contains(findingId);
}
