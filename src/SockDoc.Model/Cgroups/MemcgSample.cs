namespace SockDoc.Model.Cgroups;

// Socket memory charged to memory cgroups (issue 14 defect 13). A socket is charged to the memory cgroup of the task
// that made it (mem_cgroup_sk_alloc(), at socket creation or accept()); __sk_mem_raise_allocated() (net/core/sock.c)
// charges that memcg before the global tcp_mem/udp_mem test and refuses the memory when the memcg cannot take it,
// without touching sockstat mem or TCPMemoryPressures. cgroup v2 charges socket buffers to memory.current (shown as
// memory.stat "sock") under memory.max; cgroup v1 charges them to a separate TCP counter (memory.kmem.tcp.*), active
// only once a limit has been written to memory.kmem.tcp.limit_in_bytes (memcg_update_tcp_max(), tcpmem_active).

/// <summary>Where the cgroup hierarchies are and which one holds the memory controller, plus the memory cgroups that hold sockets.</summary>
public sealed record MemcgSample
{
    /// <summary>"v2" (unified only), "v1" (legacy hierarchies only), "hybrid" (v1 controllers and a v2 hierarchy) or "none".</summary>
    public required string Layout { get; init; }
    /// <summary>Mount point of the cgroup2 hierarchy, when mounted.</summary>
    public string? V2Mount { get; init; }
    /// <summary>Mount point of the v1 hierarchy with the memory controller, when mounted.</summary>
    public string? V1MemoryMount { get; init; }
    /// <summary>"v1" or "v2": the hierarchy the memory controller is on (one of them only); null when none.</summary>
    public string? MemoryController { get; init; }
    /// <summary>Memory cgroups of the processes that hold sockets, most sockets first, at most MaxCgroups.</summary>
    public IReadOnlyList<MemcgSocketMemory> Cgroups { get; init; } = [];
    /// <summary>True when more cgroups held sockets than were read.</summary>
    public bool Truncated { get; init; }
    /// <summary>What could not be read or is approximate, one sentence each.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public const int MaxCgroups = 32;
}

/// <summary>
/// One memory cgroup that holds sockets, with the limit its socket charges meet: its own or, when tighter, an
/// ancestor's (page_counter_try_charge() walks up the hierarchy and fails at the first counter over its max).
/// Bytes throughout; a null limit is "max" (no limit up the hierarchy).
/// </summary>
public sealed record MemcgSocketMemory
{
    /// <summary>Path in the memory controller's hierarchy ("/system.slice/app.service", "/sdk-memcg-123").</summary>
    public required string Path { get; init; }
    /// <summary>"v1" or "v2".</summary>
    public required string Version { get; init; }
    /// <summary>Processes with sockets in it (the first few), and their commands.</summary>
    public IReadOnlyList<int> Pids { get; init; } = [];
    public IReadOnlyList<string> Commands { get; init; } = [];
    /// <summary>Socket fds of those processes.</summary>
    public long Sockets { get; init; }

    /// <summary>Socket buffer bytes charged to this cgroup: v2 memory.stat "sock"; v1 memory.kmem.tcp.usage_in_bytes.</summary>
    public long? SockBytes { get; init; }
    /// <summary>The cgroup whose limit binds (this one or an ancestor): the least headroom up the hierarchy.</summary>
    public string? LimitPath { get; init; }
    /// <summary>Usage of LimitPath's counter: v2 memory.current (all memory); v1 memory.kmem.tcp.usage_in_bytes.</summary>
    public long? UsageBytes { get; init; }
    /// <summary>LimitPath's limit: v2 memory.max; v1 memory.kmem.tcp.limit_in_bytes. Null = no limit.</summary>
    public long? LimitBytes { get; init; }
    /// <summary>v1 memory.kmem.tcp.max_usage_in_bytes of LimitPath (above the limit only after a forced charge, i.e. a refusal).</summary>
    public long? PeakBytes { get; init; }
    /// <summary>v1 memory.kmem.tcp.failcnt (kernels since 6.12 do not track it for the TCP counter: it stays 0).</summary>
    public long? FailCount { get; init; }

    /// <summary>v2 memory.events of LimitPath (hierarchical): max, oom, oom_kill, and sock_throttled where the kernel has it.</summary>
    public long? EventsMax { get; init; }
    public long? EventsOom { get; init; }
    public long? EventsOomKill { get; init; }
    public long? EventsSockThrottled { get; init; }

    /// <summary>Which of the memory files could not be read, if any.</summary>
    public string? Problem { get; init; }
}
