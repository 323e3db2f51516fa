namespace SockDoc.Kernel.KernelLog;

/// <summary>What one kernel log line says, as far as socket resources go.</summary>
public enum LogLineKind
{
    /// <summary>Not one of ours.</summary>
    None,
    /// <summary>Old kernels (2.4 – 3.2): "Out of socket memory" (tcp_out_of_resources()) and "TCP: too many of orphaned
    /// sockets" (tcp_close()); orphans OR tcp_mem, the text cannot tell.</summary>
    OutOfSocketMemory,
    /// <summary>"too many orphaned sockets" (tcp_check_oom(), 3.3+): orphans only.</summary>
    TooManyOrphans,
    /// <summary>"out of memory -- consider tuning tcp_mem" (tcp_check_oom(), 3.3+).</summary>
    TcpOutOfMemory,
    /// <summary>"time wait bucket table overflow" (old TCP; DCCP still prints it).</summary>
    TimeWaitOverflow,
    /// <summary>"nf_conntrack: table full, dropping packet" and the older ip_conntrack form.</summary>
    ConntrackFull,
    /// <summary>"Possible SYN flooding on port ..." (tcp_syn_flood_action()).</summary>
    SynFlood,
    /// <summary>"VFS: file-max limit N reached" (alloc_empty_file()).</summary>
    FileMax,
    /// <summary>"COMM invoked oom-killer: gfp_mask=..." (dump_header()).</summary>
    OomInvoked,
    /// <summary>"oom-kill:constraint=...,task_memcg=...,task=X,pid=N" (dump_oom_victim(), ~4.19+).</summary>
    OomConstraint,
    /// <summary>"... Killed process N (NAME) total-vm:..kB, anon-rss:..kB" (__oom_kill_process()).</summary>
    OomKilled,
    /// <summary>Old kernels: "Out of memory: Kill process N (NAME) score S or sacrifice child".</summary>
    OomKillSelected,
    /// <summary>The header of the OOM report's task table, "[ pid ] uid tgid total_vm rss ... oom_score_adj name"
    /// (dump_tasks(), printed only by dump_header() when the OOM killer runs, with vm.oom_dump_tasks on, the default).</summary>
    OomTaskDump,
    /// <summary>The oom_kill_process() frame of the stack dump_header() prints ("[&lt;...&gt;] oom_kill_process+0x254/0x3d0",
    /// "oom_kill_process.cold+0x..."): the OOM killer ran, once per report.</summary>
    OomCallTrace,
    /// <summary>"memory: usage NkB, limit NkB, failcnt N" of a memory cgroup's OOM report (mem_cgroup_print_oom_meminfo(),
    /// called only from dump_header() when the OOM killer runs in a cgroup; once per report, the "Memory cgroup stats for"
    /// lines after it once per cgroup of the tree on cgroup v1).</summary>
    OomMemcgUsage,
    /// <summary>"__vm_enough_memory: pid: N, comm: X, bytes: N not enough memory for the allocation" (6.12+).</summary>
    MemoryOvercommit,
    /// <summary>"oom_reaper: reaped process N (NAME), now anon-rss:..." (oom_reap_task_mm()): the reaper frees only an OOM
    /// victim's memory, so the OOM killer ran, also when it picked a task already dying and printed no kill line. Also
    /// Virtuozzo's "OOM killer in rage, N tasks killed in ub M", its beancounter killer's summary of a burst.</summary>
    OomReaped,
    /// <summary>"net_ratelimit: N callbacks suppressed", "printk: N messages suppressed", ...</summary>
    RateLimitNotice,
    /// <summary>A message that looks like ours but is about something else (neighbour table, expectation table).</summary>
    LookAlike,
}

/// <summary>The form of the timestamp a line carried.</summary>
public enum LogTimeForm
{
    None,
    /// <summary>"[12345.678901]": seconds since boot (dmesg, kernel part of syslog lines).</summary>
    KernelUptime,
    /// <summary>/dev/kmsg record "prio,seq,usec,flags;text": microseconds since boot.</summary>
    Kmsg,
    /// <summary>"Aug 31 18:25:36 host kernel:" (RFC 3164; the year is not in the line).</summary>
    Syslog,
    /// <summary>RFC 3339 / ISO 8601, e.g. journalctl -o short-iso, rsyslog high-precision.</summary>
    Iso8601,
    /// <summary>journalctl -o json: __REALTIME_TIMESTAMP microseconds since the epoch.</summary>
    JournalJson,
    /// <summary>dmesg -T: "[Tue Nov 24 12:00:00 2026]".</summary>
    DmesgCtime,
}

/// <summary>
/// When a line was written: wall time when the line says it (or boot time is known), seconds since
/// boot when the kernel's own stamp is there. Both may be set (a syslog line carrying "[123.4]").
/// </summary>
public readonly record struct LogTime(LogTimeForm Form, DateTimeOffset? Wall, double? Uptime)
{
    public static LogTime None => new(LogTimeForm.None, null, null);
}

/// <summary>What the reader knows about time when it parses lines.</summary>
public sealed record LogTimeContext
{
    /// <summary>Boot time of the kernel that wrote the lines (btime); null keeps uptimes relative.</summary>
    public DateTimeOffset? BootTime { get; init; }
    /// <summary>"Now" for the writer of the lines: syslog lines have no year, the latest one not after this is taken.</summary>
    public DateTimeOffset Reference { get; init; }
    /// <summary>Offset assumed for local times without a zone (syslog, dmesg -T). The log does not say; UTC by default.</summary>
    public TimeSpan LocalOffset { get; init; }

    public static LogTimeContext For(TimeProvider time, DateTimeOffset? bootTime = null) =>
        new() { BootTime = bootTime, Reference = time.GetUtcNow() };
}

/// <summary>One classified line: kind, time, prefix, the message text and the details parsed from it.</summary>
public sealed record KernelLogLine
{
    public required LogLineKind Kind { get; init; }
    public LogTime Time { get; init; }
    /// <summary>A container / Kubernetes node / host prefix in front of the timestamp, when there was one.</summary>
    public string? Prefix { get; init; }
    /// <summary>The host field of a syslog or journal line.</summary>
    public string? Host { get; init; }
    /// <summary>The message after the timestamp and the "kernel:" tag.</summary>
    public required string Message { get; init; }

    // Details; each kind sets the ones it has.
    /// <summary>SYN flood: listener port. </summary>
    public int? Port { get; init; }
    /// <summary>SYN flood: listener address as printed (6.2+), e.g. "0.0.0.0" or "[::]".</summary>
    public string? Address { get; init; }
    /// <summary>SYN flood: "Sending cookies" or "Dropping request"; OOM: the reason ("Memory cgroup out of memory").</summary>
    public string? Action { get; init; }
    /// <summary>SYN flood: request_sock proto name (TCP, TCPv6).</summary>
    public string? Proto { get; init; }
    public long? Pid { get; init; }
    /// <summary>Process name (comm) for OOM and overcommit lines.</summary>
    public string? Name { get; init; }
    public long? AnonRssKb { get; init; }
    public long? TotalVmKb { get; init; }
    /// <summary>OOM: task_memcg (or oom_memcg) of the oom-kill line.</summary>
    public string? Cgroup { get; init; }
    /// <summary>OOM: oom_memcg, set only for a memory-cgroup OOM.</summary>
    public string? OomMemcg { get; init; }
    /// <summary>OOM: CONSTRAINT_NONE / CONSTRAINT_MEMCG / ...</summary>
    public string? Constraint { get; init; }
    /// <summary>A number the message carries: file-max limit, overcommit bytes, suppressed count.</summary>
    public long? Number { get; init; }
    /// <summary>Rate-limit notice: who printed it ("net_ratelimit", "printk", a function name).</summary>
    public string? Limiter { get; init; }
    /// <summary>Conntrack (6.x+ with netns in the text): the netns inode.</summary>
    public long? Netns { get; init; }

    public KernelLogKindInfo Info => KernelLogKinds.Of(Kind);
    /// <summary>True when the line is evidence for one of our findings (not a look-alike, not a notice).</summary>
    public bool IsIncident => Info.Incident;
}
