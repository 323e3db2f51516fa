namespace SockDoc.Model;

/// <summary>Which machine, kernel and network namespace a snapshot describes.</summary>
public sealed record HostIdentity
{
    public string? Hostname { get; init; }
    /// <summary>/proc/sys/kernel/osrelease, e.g. "6.18.44-fc-v657".</summary>
    public string? KernelRelease { get; init; }
    public long? PageSize { get; init; }
    public int? CpuCount { get; init; }
    /// <summary>Inode of /proc/self/ns/net ("net:[4026531840]").</summary>
    public long? NetNsInode { get; init; }
    /// <summary>
    /// True when this looks like the initial network namespace. Decided from the kernel itself:
    /// the global-only sysctls (net.ipv4.tcp_mem, tcp_max_orphans) exist only there (kernel-facts §9).
    /// </summary>
    public bool? InitialNetNs { get; init; }
    /// <summary>/proc/uptime first field, seconds since boot when the sample was taken.</summary>
    public double? UptimeSeconds { get; init; }
    /// <summary>btime from /proc/stat: boot time, seconds since the epoch.</summary>
    public long? BootTimeUnix { get; init; }
}
