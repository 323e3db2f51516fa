using System.Globalization;

namespace SockDoc.Model;

/// <summary>
/// Values under /proc/sys, by dotted name ("net.ipv4.tcp_mem"), as the raw text the kernel printed
/// (whitespace normalised). A key that is absent was not present on the host: in a child network
/// namespace, for example, net.ipv4.tcp_mem and tcp_max_orphans do not exist (kernel-facts §9).
/// </summary>
public sealed record Sysctls
{
    public IReadOnlyDictionary<string, string> Values { get; init; } = new Dictionary<string, string>();

    public bool Has(string name) => Values.ContainsKey(name);

    public string? Raw(string name) => Values.TryGetValue(name, out var v) ? v : null;

    public long? Long(string name)
    {
        var raw = Raw(name);
        return raw is not null && long.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    /// <summary>A whitespace-separated vector such as tcp_mem "min pressure max"; null if absent or malformed.</summary>
    public long[]? Vector(string name, int expectedCount)
    {
        var raw = Raw(name);
        if (raw is null) return null;
        var parts = raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != expectedCount) return null;
        var result = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out result[i])) return null;
        }
        return result;
    }
}

/// <summary>The sysctl names SockDoc reads, grouped by the kernel's scope (kernel-facts §9).</summary>
public static class SysctlNames
{
    // Global: one value for the whole machine, present only in the initial network namespace.
    public const string TcpMem = "net.ipv4.tcp_mem";
    public const string TcpMaxOrphans = "net.ipv4.tcp_max_orphans";
    public const string UdpMem = "net.ipv4.udp_mem";
    public const string MemPcpuRsv = "net.core.mem_pcpu_rsv";
    public const string FileMax = "fs.file-max";
    public const string FileNr = "fs.file-nr";
    public const string NrOpen = "fs.nr_open";
    public const string EpollMaxUserWatches = "fs.epoll.max_user_watches";
    public const string OvercommitMemory = "vm.overcommit_memory";
    public const string OvercommitRatio = "vm.overcommit_ratio";
    public const string OvercommitKbytes = "vm.overcommit_kbytes";
    public const string Swappiness = "vm.swappiness";
    public const string PanicOnOom = "vm.panic_on_oom";
    public const string MinFreeKbytes = "vm.min_free_kbytes";
    public const string RmemMax = "net.core.rmem_max";
    public const string WmemMax = "net.core.wmem_max";
    // Read from pastes only (the PID limit beside a fork() failure), not collected from the host.
    public const string PidMax = "kernel.pid_max";
    public const string ThreadsMax = "kernel.threads-max";

    // Per network namespace.
    public const string TcpMaxTwBuckets = "net.ipv4.tcp_max_tw_buckets";
    public const string UdpRmemMin = "net.ipv4.udp_rmem_min";
    public const string UdpWmemMin = "net.ipv4.udp_wmem_min";
    public const string IpLocalPortRange = "net.ipv4.ip_local_port_range";
    public const string IpLocalReservedPorts = "net.ipv4.ip_local_reserved_ports";
    public const string TcpTwReuse = "net.ipv4.tcp_tw_reuse";
    public const string TcpTimestamps = "net.ipv4.tcp_timestamps";
    public const string TcpFinTimeout = "net.ipv4.tcp_fin_timeout";
    public const string TcpTwTimeout = "net.ipv4.tcp_tw_timeout"; // vendor kernels only (kernel-facts §4.1)
    public const string TcpOrphanRetries = "net.ipv4.tcp_orphan_retries";
    public const string TcpRmem = "net.ipv4.tcp_rmem";
    public const string TcpWmem = "net.ipv4.tcp_wmem";
    public const string Somaxconn = "net.core.somaxconn";
    public const string TcpMaxSynBacklog = "net.ipv4.tcp_max_syn_backlog";
    public const string TcpSyncookies = "net.ipv4.tcp_syncookies";
    public const string TcpAbortOnOverflow = "net.ipv4.tcp_abort_on_overflow";
    public const string NfConntrackMax = "net.netfilter.nf_conntrack_max";
    public const string NfConntrackCount = "net.netfilter.nf_conntrack_count";
    public const string NfConntrackBuckets = "net.netfilter.nf_conntrack_buckets";

    /// <summary>Sysctls that are global: changing one affects every namespace on the machine.</summary>
    public static readonly IReadOnlySet<string> Global = new HashSet<string>(StringComparer.Ordinal)
    {
        TcpMem, TcpMaxOrphans, UdpMem, MemPcpuRsv, FileMax, FileNr, NrOpen, EpollMaxUserWatches,
        OvercommitMemory, OvercommitRatio, OvercommitKbytes, Swappiness, PanicOnOom, MinFreeKbytes,
        RmemMax, WmemMax, NfConntrackMax, NfConntrackBuckets,
    };
}
