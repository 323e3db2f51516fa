namespace SockDoc.Diagnosis.Capacity;

/// <summary>
/// Every fixed number the capacity model uses, with where it comes from. Object sizes are the x86_64
/// 6.18 slab sizes measured on the project's test VM (kernel-facts §3.4, §3.5); the plan uses this
/// host's /proc/slabinfo instead whenever it has it and says which it used.
/// </summary>
public static class KernelConstants
{
    // Slab object sizes (bytes), /proc/slabinfo objsize on x86_64 6.18 (kernel-facts §3.4/§3.5).
    /// <summary>struct tcp_sock, cache "TCP".</summary>
    public const long TcpSock = 2368;
    /// <summary>struct tcp6_sock, cache "TCPv6".</summary>
    public const long Tcp6Sock = 2496;
    /// <summary>struct socket + inode, cache "sock_inode_cache".</summary>
    public const long SockInode = 832;
    /// <summary>struct file, cache "filp".</summary>
    public const long Filp = 192;
    /// <summary>the socket's pseudo dentry, cache "dentry".</summary>
    public const long Dentry = 192;
    /// <summary>LSM file blob, cache "lsm_file_cache" (only with LSMs that keep one).</summary>
    public const long LsmFile = 24;
    /// <summary>struct epitem, cache "eventpoll_epi", one per fd in an epoll set.</summary>
    public const long EpollItem = 128;
    /// <summary>struct eppoll_entry, cache "eventpoll_pwq" (often merged into a 64-byte cache).</summary>
    public const long EpollPwq = 64;
    /// <summary>One fd table slot (struct file *), fs/file.c; the open-fd bitmaps add bits, not bytes.</summary>
    public const long FdSlot = 8;
    /// <summary>tcp_bind_bucket + tcp_bind2_bucket, per local port a client uses (inet_bind_bucket_create()).</summary>
    public const long BindBuckets = 128 + 128;
    /// <summary>struct tcp_timewait_sock, cache "tw_sock_TCP" (kernel-facts §3.4).</summary>
    public const long TimeWaitSock = 256;
    /// <summary>struct nf_conn, cache "nf_conntrack" (256 on the 6.18 test VM).</summary>
    public const long Conntrack = 256;

    /// <summary>TCP_TIMEWAIT_LEN = 60*HZ (include/net/tcp.h): TIME_WAIT length, not tunable in mainline (kernel-facts §4.1).</summary>
    public const double TimeWaitSeconds = 60;
    /// <summary>With tcp_tw_reuse a TIME_WAIT port is reusable the next second (tcp_twsk_unique(), kernel-facts §4.4).</summary>
    public const double TwReuseSeconds = 1;
    /// <summary>nf_conntrack_tcp_timeout_time_wait default 120 s (tcp_timeouts[], nf_conntrack_proto_tcp.c, kernel-facts §7).</summary>
    public const double ConntrackTimeWaitSeconds = 120;

    /// <summary>Default ip_local_port_range 32768 60999 (inet_init_net(), kernel-facts §5.1).</summary>
    public const long PortLow = 32768, PortHigh = 60999;
    /// <summary>fs.nr_open default 1024*1024 (sysctl_nr_open, fs/file.c, kernel-facts §8).</summary>
    public const long NrOpen = 1024 * 1024;
    /// <summary>Largest fs.nr_open: INT_MAX rounded down to a multiple of BITS_PER_LONG (sysctl_nr_open_max, fs/file.c).</summary>
    public const long NrOpenMax = 2147483584;
    /// <summary>net.core.somaxconn default since 5.4 (SOMAXCONN, kernel-facts §6.1).</summary>
    public const long Somaxconn = 4096;
    /// <summary>tcp_rmem/tcp_wmem defaults (tcp_init(), kernel-facts §3.2).</summary>
    public const long TcpRmemDefault = 131072, TcpWmemDefault = 16384;
    /// <summary>Smallest sensible tcp_rmem/tcp_wmem element: one 4 KiB page (ip-sysctl.rst: each value "cannot be set below 4096").</summary>
    public const long TcpBufferMin = 4096;

    // tcp_init_mem() ratios (net/ipv4/tcp.c, kernel-facts §2.4): min = 3/4 of pressure, max = 2 × min = 3/2 of pressure.
    public const double TcpMemMinOfPressure = 0.75;
    public const double TcpMemMaxOfPressure = 1.5;
    /// <summary>tcp_init_mem(): pressure = nr_free_buffer_pages()/16 (≈ RAM/16 when estimated from RAM).</summary>
    public const double TcpMemPressureOfRam = 1.0 / 16;

    // Choices of the plan, not kernel numbers (said so in the output).
    /// <summary>File descriptors a process needs besides its connections (listeners, logs, libraries).</summary>
    public const long FdReserve = 1024;
    /// <summary>The accept queue should hold this long of arrivals while the application is busy.</summary>
    public const double AcceptStallSeconds = 0.1;
    /// <summary>Headroom on table sizes (tw buckets, conntrack) over the expected count.</summary>
    public const double Headroom = 1.25;
    /// <summary>Warn when the predicted memory exceeds this share of RAM.</summary>
    public const double RamWarnShare = 0.8;
    /// <summary>
    /// The most of RAM a proposed tcp_mem[2] may give socket buffers: they are unswappable kernel memory, and the rest
    /// must hold slab, page cache and the processes. The kernel's own default is 3/32 (tcp_init_mem()); the doctor's
    /// tcp_mem fix uses the same ceiling, so plan and doctor never disagree on it.
    /// </summary>
    public const double TcpMemMaxShareOfRam = 0.25;
}
