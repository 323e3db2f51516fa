using SockDoc.Diagnosis.Engine;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Rules;

/// <summary>Every input the rules declare, once: the name, the command that shows it, why it matters, and where it sits in a snapshot.</summary>
public static class Inputs
{
    private static RuleInput Sysctl(string name, string why) =>
        new(name, $"sysctl {name}", why) { IsIn = s => s.Sysctls.Has(name) };

    /// <summary>A sysctl that exists only in the initial network namespace: inside a container it must be read on the host.</summary>
    private static RuleInput GlobalSysctl(string name, string why) =>
        new(name, $"sysctl {name} (on the host, not in a container)", why) { IsIn = s => s.Sysctls.Has(name) };

    private static RuleInput Counter(string group, string name, string why) =>
        new($"{group} {name}", $"nstat -az {group}{name} (or the whole netstat -s)", why) { IsIn = s => s.NetStat?.Get(group, name) is not null };

    private static RuleInput SockStat(string name, Func<Snapshot, bool> isIn, string why) =>
        new(name, "cat /proc/net/sockstat", why) { IsIn = isIn };

    public static readonly RuleInput SockStatOrphan = SockStat("sockstat TCP orphan", s => s.SockStat?.TcpOrphan is not null, "orphans now, machine-wide");
    public static readonly RuleInput SockStatTcpMem = SockStat("sockstat TCP mem", s => s.SockStat?.TcpMemPages is not null, "TCP buffer pages in use, machine-wide");
    public static readonly RuleInput SockStatTw = SockStat("sockstat TCP tw", s => s.SockStat?.TcpTw is not null, "TIME_WAIT sockets of this network namespace");
    public static readonly RuleInput SockStatUdpMem = SockStat("sockstat UDP mem", s => s.SockStat?.UdpMemPages is not null, "UDP buffer pages in use, machine-wide");
    public static readonly RuleInput SockStatMem = SockStat("sockstat mem", s => s.SockStat?.TcpMemPages is not null || s.SockStat?.UdpMemPages is not null, "socket buffer pages (TCP and UDP)");

    public static readonly RuleInput TcpMaxOrphans = GlobalSysctl(SysctlNames.TcpMaxOrphans, "the orphan limit (checked at max, max/2, max/4)");
    public static readonly RuleInput TcpMem = GlobalSysctl(SysctlNames.TcpMem, "the TCP memory limits in pages (pressure at [1], refusal above [2])");
    public static readonly RuleInput UdpMem = GlobalSysctl(SysctlNames.UdpMem, "the UDP memory limits in pages");
    public static readonly RuleInput TcpMaxTwBuckets = Sysctl(SysctlNames.TcpMaxTwBuckets, "the TIME_WAIT bucket limit of this network namespace");
    public static readonly RuleInput IpLocalPortRange = Sysctl(SysctlNames.IpLocalPortRange, "the ephemeral ports one destination can use");
    public static readonly RuleInput IpLocalReservedPorts = Sysctl(SysctlNames.IpLocalReservedPorts, "ports taken out of the ephemeral range");
    public static readonly RuleInput TcpTwReuse = Sysctl(SysctlNames.TcpTwReuse, "whether connect() may reuse a TIME_WAIT port (tcp_twsk_unique())");
    public static readonly RuleInput Somaxconn = Sysctl(SysctlNames.Somaxconn, "the cap listen() puts on every accept queue");
    public static readonly RuleInput TcpMaxSynBacklog = Sysctl(SysctlNames.TcpMaxSynBacklog, "the SYN queue bound without cookies");
    public static readonly RuleInput TcpSyncookies = Sysctl(SysctlNames.TcpSyncookies, "whether a full SYN queue sends cookies or drops");
    public static readonly RuleInput NfConntrackCount = Sysctl(SysctlNames.NfConntrackCount, "tracked flows now");
    public static readonly RuleInput NfConntrackMax = Sysctl(SysctlNames.NfConntrackMax, "the conntrack table limit");
    public static readonly RuleInput FileNr = GlobalSysctl(SysctlNames.FileNr, "open files on the whole system");
    public static readonly RuleInput FileMax = GlobalSysctl(SysctlNames.FileMax, "the system-wide open-file limit");
    public static readonly RuleInput NrOpen = GlobalSysctl(SysctlNames.NrOpen, "the ceiling of any process's RLIMIT_NOFILE");
    public static readonly RuleInput OvercommitMemory = GlobalSysctl(SysctlNames.OvercommitMemory, "the overcommit policy (mode 2 enforces CommitLimit)");
    public static readonly RuleInput OvercommitRatio = GlobalSysctl(SysctlNames.OvercommitRatio, "CommitLimit's share of RAM in mode 2");
    public static readonly RuleInput OvercommitKbytes = GlobalSysctl(SysctlNames.OvercommitKbytes, "replaces the ratio in vm_commit_limit() when not 0");
    public static readonly RuleInput PanicOnOom = GlobalSysctl(SysctlNames.PanicOnOom, "whether an OOM panics the host");
    public static readonly RuleInput RmemMax = GlobalSysctl(SysctlNames.RmemMax, "the ceiling of a program's SO_RCVBUF (the kernel grants up to twice this)");
    public static readonly RuleInput UdpRmemMin = Sysctl(SysctlNames.UdpRmemMin, "what a UDP socket may always hold, even over udp_mem[0]");

    public static readonly RuleInput TcpAbortOnMemory = Counter("TcpExt", "TCPAbortOnMemory", "connections reset by tcp_check_oom() (orphans or tcp_mem)");
    public static readonly RuleInput TcpMemoryPressures = Counter("TcpExt", "TCPMemoryPressures", "times TCP entered memory pressure");
    public static readonly RuleInput TcpTimeWaitOverflow = Counter("TcpExt", "TCPTimeWaitOverflow", "connections closed without TIME_WAIT: no bucket left");
    public static readonly RuleInput TcpExtTw = Counter("TcpExt", "TW", "TIME_WAIT sockets ended by the timer (the close rate)");
    public static readonly RuleInput ListenOverflows = Counter("TcpExt", "ListenOverflows", "connections dropped on a full accept queue");
    public static readonly RuleInput ListenDrops = Counter("TcpExt", "ListenDrops", "every drop on a listener, overflows included");
    public static readonly RuleInput TcpReqQFullDrop = Counter("TcpExt", "TCPReqQFullDrop", "SYNs dropped on a full SYN queue");
    public static readonly RuleInput TcpReqQFullDoCookies = Counter("TcpExt", "TCPReqQFullDoCookies", "SYN cookies sent on a full SYN queue");
    public static readonly RuleInput UdpMemErrors = Counter("Udp", "MemErrors", "UDP datagrams dropped for memory");
    public static readonly RuleInput UdpRcvbufErrors = Counter("Udp", "RcvbufErrors", "UDP datagrams dropped on a full receive buffer");

    public static readonly RuleInput ConntrackDrop = new("/proc/net/stat/nf_conntrack drop", "cat /proc/net/stat/nf_conntrack (or conntrack -S)", "flows dropped by connection tracking") { IsIn = s => s.ConntrackStat is not null };
    public static readonly RuleInput ProcessFds = new("/proc/PID/fd", "ls /proc/PID/fd | wc -l (for the failing process)", "the process's open files") { IsIn = s => s.Processes is { Count: > 0 } };
    public static readonly RuleInput ProcessLimits = new("/proc/PID/limits", "cat /proc/PID/limits (for the failing process), or ulimit -n in its shell", "the process's RLIMIT_NOFILE") { IsIn = s => s.Processes is { Count: > 0 } };
    public static readonly RuleInput VmStatOomKill = new("/proc/vmstat oom_kill", "grep oom_kill /proc/vmstat", "OOM kills since boot") { IsIn = s => s.VmStat?.OomKill is not null };
    public static readonly RuleInput SlabInfo = new("/proc/slabinfo", "cat /proc/slabinfo (root)", "socket structures in unswappable slab") { IsIn = s => s.SlabInfo is not null };
    public static readonly RuleInput MemInfo = new("/proc/meminfo", "cat /proc/meminfo", "RAM, commit charge and commit limit") { IsIn = s => s.MemInfo is not null };
    public static readonly RuleInput PageSize = new("page size", "getconf PAGESIZE (or give --page-size)", "tcp_mem and sockstat mem count pages: 4 KiB on x86-64, 16 or 64 KiB on some arm64 kernels") { IsIn = s => s.PageSize is > 0 };
    public static readonly RuleInput CensusListeners = new("census listeners", "ss -ltn (Recv-Q is the accept queue, Send-Q the backlog)", "which listener's accept queue is full") { IsIn = s => s.Census is not null };
    public static readonly RuleInput CensusUdp = new("census UDP sockets", "ss -uamp (Recv-Q and skmem: rb is the buffer, d the drops)", "which UDP socket's receive buffer is full or dropping") { IsIn = s => s.Census?.Udp is not null };
    public static readonly RuleInput CensusDestinations = new("census per destination", "ss -tan (all of it), or sockdoc doctor on the host", "ports in use per (source, destination, port)") { IsIn = s => s.Census is not null };
    public static readonly RuleInput CensusSkmem = new("census skmem (w, tb)", "ss -tmi (skmem w and tb, and the send queue)", "which sockets have a full send buffer") { IsIn = s => s.Census is { SendBufferFull: not null } };
    public static readonly RuleInput TaskStacks = new("/proc/PID/task/TID/stack", "sockdoc doctor run on the host as root", "which threads sleep in sk_stream_wait_memory") { IsIn = s => s.Census?.BlockedSenders is not null };
    public static readonly RuleInput KernelLog = new("kernel log", "dmesg -T (or journalctl -k) covering the incident", "the kernel's own line for the failure") { IsIn = s => s.KernelLog is not null };
    /// <summary>
    /// Inputs that are evidence when present but nothing to ask for when absent: the kernel's line, an application's
    /// errno and the paste's words either came with the trouble or did not; a counter or setting confirms instead.
    /// </summary>
    public static bool EvidenceOnly(RuleInput input) => input == KernelLog || input == AppErrors || input == Stated;

    public static readonly RuleInput Stated = new("the paste's words", "the operator's description (\"a lot of listen overflows\")", "points at the rule; a counter confirms it") { IsIn = s => s.Stated is { Count: > 0 } };
    public static readonly RuleInput AppErrors = new("application errors", "the application's error lines with the failing call", "an errno only this failure gives") { IsIn = s => s.AppErrors is { Count: > 0 } };
}
