namespace SockDoc.Diagnosis.Engine;

/// <summary>Which part of the kernel's state a rule reads (kernel-facts §2.5, §9).</summary>
public enum RuleScope
{
    /// <summary>Global state (orphans, tcp_mem, udp_mem, file-nr, memory, the kernel log, every process): run once.</summary>
    Machine,
    /// <summary>State each network namespace has its own copy of (sockstat inuse/tw, netstat, per-netns sysctls, the socket table): run per namespace.</summary>
    PerNamespace,
}

/// <summary>
/// The scope of each rule, kept apart from the rules so that adding namespaces changed no rule file.
/// A rule not listed is treated as machine-wide (run once, on the machine sample): the safe default, since a
/// machine-wide rule run per namespace would report the same global limit once per container.
/// </summary>
public static class RuleScopes
{
    public static readonly IReadOnlyDictionary<string, RuleScope> ById = new Dictionary<string, RuleScope>(StringComparer.Ordinal)
    {
        // Global counters and limits: tcp_orphan_count, tcp_max_orphans (§1); tcp_memory_allocated, tcp_mem (§2);
        // udp_mem; fs.file-nr/file-max (§8); every process's fds; OOM and overcommit (§10).
        ["orphans"] = RuleScope.Machine,
        ["tcp_mem"] = RuleScope.Machine,
        ["udp_mem"] = RuleScope.Machine,
        ["fd_system"] = RuleScope.Machine,
        ["fd_process"] = RuleScope.Machine,
        ["oom_kill"] = RuleScope.Machine,
        ["memory_overcommit"] = RuleScope.Machine,
        ["socket_memory"] = RuleScope.Machine,
        // Per network namespace: tcp_death_row and tcp_max_tw_buckets (§4.2); ip_local_port_range and the
        // namespace's own socket table (§5); somaxconn, TcpExt ListenOverflows and the listeners (§6); the
        // conntrack count (§7: the limit is global, the count per namespace); each namespace's sockets' send queues.
        ["tw_buckets"] = RuleScope.PerNamespace,
        ["port_exhaustion"] = RuleScope.PerNamespace,
        ["listen_overflow"] = RuleScope.PerNamespace,
        ["syn_flood"] = RuleScope.PerNamespace,
        ["conntrack"] = RuleScope.PerNamespace,
        ["send_buffer_full"] = RuleScope.PerNamespace,
        // Udp RcvbufErrors and the UDP socket table are the namespace's (net.core.rmem_max is global: read-only in a child namespace).
        ["udp_rcvbuf"] = RuleScope.PerNamespace,
    };

    public static RuleScope Of(string id) => ById.TryGetValue(id, out var s) ? s : RuleScope.Machine;
}
