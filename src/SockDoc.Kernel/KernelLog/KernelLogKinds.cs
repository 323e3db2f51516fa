namespace SockDoc.Kernel.KernelLog;

/// <summary>
/// Stable kind name, whether the line is a socket-resource incident, and one sentence per line kind. Which finding
/// an incident is evidence for is the doctor's business (Diagnosis LogKinds), not the reader's.
/// </summary>
public sealed record KernelLogKindInfo(string Kind, bool Incident, string Description, string? Note = null, bool Networking = false);

public static class KernelLogKinds
{
    /// <summary>Kind of a memory-cgroup kill: same finding, but the limit hit was a cgroup's, not the host's.</summary>
    public const string MemcgOomKillKind = "memcg_oom_kill";

    private static readonly KernelLogKindInfo[] Table = Build();

    public static KernelLogKindInfo Of(LogLineKind kind) => Table[(int)kind];

    private static KernelLogKindInfo[] Build()
    {
        var t = new KernelLogKindInfo[Enum.GetValues<LogLineKind>().Length];
        t[(int)LogLineKind.None] = new("other", false, "not a socket-resource message");
        t[(int)LogLineKind.OutOfSocketMemory] = new("out_of_socket_memory", true,
            "TCP killed a connection: too many orphans or tcp_mem hard limit (old kernel wording)",
            "kernels before 3.3 printed \"Out of socket memory\" (tcp_out_of_resources()) and \"too many of orphaned sockets\" (tcp_close()) for two causes: too many orphaned sockets or TCP memory over tcp_mem[2]; the text cannot tell them apart. Check the orphan count and tcp_mem.",
            Networking: true);
        t[(int)LogLineKind.TooManyOrphans] = new("tcp_too_many_orphans", true,
            "TCP reset connections: orphaned sockets over tcp_max_orphans (tcp_check_oom())", Networking: true);
        t[(int)LogLineKind.TcpOutOfMemory] = new("tcp_out_of_memory", true,
            "TCP reset connections: TCP memory over tcp_mem[2] (tcp_check_oom())", Networking: true);
        t[(int)LogLineKind.TimeWaitOverflow] = new("tw_bucket_overflow", true,
            "TIME_WAIT table full: connections closed without TIME_WAIT (tcp_max_tw_buckets)",
            "modern TCP no longer prints this (it counts TCPTimeWaitOverflow); on a new kernel the line comes from DCCP", Networking: true);
        t[(int)LogLineKind.ConntrackFull] = new("conntrack_table_full", true,
            "conntrack table full: new flows dropped (nf_conntrack_max)", Networking: true);
        t[(int)LogLineKind.SynFlood] = new("syn_flood", true,
            "SYN queue of a listener overflowed (printed once per listening socket)",
            "printed at most once per listening socket lifetime; the counters TCPReqQFullDoCookies / TCPReqQFullDrop tell how often", Networking: true);
        t[(int)LogLineKind.FileMax] = new("file_max_reached", true,
            "system-wide open files hit fs.file-max (ENFILE)",
            "printed once per new high-water mark, not per failure");
        t[(int)LogLineKind.OomInvoked] = new("oom_kill", true, "the OOM killer ran");
        t[(int)LogLineKind.OomConstraint] = new("oom_kill", true, "the OOM killer chose a victim");
        t[(int)LogLineKind.OomKilled] = new("oom_kill", true, "the OOM killer killed a process");
        t[(int)LogLineKind.OomKillSelected] = new("oom_kill", true, "the OOM killer selected a process (old kernel wording)");
        t[(int)LogLineKind.OomCallTrace] = new("oom_kill", true, "the OOM killer ran (oom_kill_process() in its stack trace)");
        t[(int)LogLineKind.OomMemcgUsage] = new("oom_kill", true, "the OOM killer ran in a memory cgroup (its report's usage, limit and failcnt line)");
        t[(int)LogLineKind.OomTaskDump] = new("oom_kill", true, "the OOM killer listed the tasks to choose from (its report's task table)");
        t[(int)LogLineKind.OomReaped] = new("oom_kill", true, "the OOM reaper freed a victim's memory: the OOM killer ran");
        t[(int)LogLineKind.MemoryOvercommit] = new("memory_overcommit", true,
            "an allocation was refused by the overcommit policy (__vm_enough_memory())");
        t[(int)LogLineKind.RateLimitNotice] = new("rate_limit_notice", false,
            "lines hidden by a rate limiter: up to N more of the message before it");
        t[(int)LogLineKind.LookAlike] = new("other", false, "looks like a socket-resource message but is not one");
        return t;
    }

    /// <summary>Description of a memory-cgroup OOM kill, which maps to oom_kill but has its own kind.</summary>
    public static KernelLogKindInfo MemcgOomKill { get; } = new(MemcgOomKillKind, true,
        "the OOM killer killed a process at a memory cgroup's limit (memory.max / limit_in_bytes), not host memory");
}
