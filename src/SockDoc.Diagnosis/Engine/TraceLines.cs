namespace SockDoc.Diagnosis.Engine;

/// <summary>
/// The `sockdoc trace` line that attributes a finding the counters cannot (issue 12): which process, peer or cgroup.
/// Counters say that something failed, never who or to where; each line asks the tracepoints that can.
/// </summary>
public static class TraceLines
{
    /// <summary>Finding id → the exact command. Every line is parsed by the trace command's own parser in a test.</summary>
    public static readonly IReadOnlyDictionary<string, string> ById = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // connect() failing with EADDRNOTAVAIL: which process, to which destination (sys_exit_connect ret -99).
        ["port_exhaustion"] = "sockdoc trace --what ports --by process,peer --duration 60s",
        // Orphans killed by tcp_check_oom(): the reset peers and ports (tcp_send_reset), and the churn that makes them.
        ["orphans"] = "sockdoc trace --what resets,churn --by peer,port --duration 60s",
        // Refused charges (sock_exceed_buf_limit) and memory resets, by the process and cgroup that own the sockets.
        ["tcp_mem"] = "sockdoc trace --what memory,resets --by process,cgroup --duration 60s",
        // Senders blocked in sk_stream_wait_memory (how often, how long, to whom) and refused charges.
        ["send_buffer_full"] = "sockdoc trace --what blocked,memory --by process,peer --duration 60s",
        // Connections closed by this side per destination per second: who fills TIME_WAIT.
        ["tw_buckets"] = "sockdoc trace --what churn --by process,peer --duration 60s",
    };

    public static string? For(string findingId) => ById.TryGetValue(findingId, out var line) ? line : null;

    /// <summary>A warning or critical finding gets its trace line; info findings need no attribution.</summary>
    public static CheckResult Attach(CheckResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Finding is not { Severity: >= Severity.Warning } f || For(f.Id) is not { } line) return result;
        return result with { Finding = f with { Trace = line } };
    }
}
