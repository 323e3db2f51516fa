using SockDoc.Model;

namespace SockDoc.Diagnosis.Capacity;

/// <summary>A value from the host, or the kernel default when the host did not say, and which one it is.</summary>
public readonly record struct Fact<T>(T Value, Origin Origin, string Source);

/// <summary>
/// What the plan needs to know about the host, from a Snapshot (live or --from) or, where absent, the
/// kernel's defaults. Pure.
/// </summary>
public sealed record HostFacts
{
    public required Fact<long> PageSize { get; init; }
    public required Fact<long> RamBytes { get; init; }
    public required Fact<long[]> TcpMem { get; init; }
    public required Fact<long[]> TcpRmem { get; init; }
    public required Fact<long[]> TcpWmem { get; init; }
    public required Fact<long[]> PortRange { get; init; }
    public required Fact<long> TcpMaxOrphans { get; init; }
    public required Fact<long> TcpMaxTwBuckets { get; init; }
    public required Fact<long> TwReuse { get; init; }
    public required Fact<double> TimeWaitSeconds { get; init; }
    public required Fact<long> NrOpen { get; init; }
    public required Fact<long> FileMax { get; init; }
    public required Fact<long> Somaxconn { get; init; }
    public required Fact<long> EpollMaxUserWatches { get; init; }
    public Fact<long>? ConntrackMax { get; init; }
    public Fact<long>? ConntrackBuckets { get; init; }
    public required IReadOnlyList<SlabPart> SocketParts { get; init; }
    public required Fact<long> BindBuckets { get; init; }
    public required Fact<long> TimeWaitSock { get; init; }
    public required Fact<long> ConntrackEntry { get; init; }

    /// <summary>One kernel object a connection owns, its size and where the size came from.</summary>
    public sealed record SlabPart(string Cache, long Bytes, Origin Origin, string Source, bool EpollOnly = false);

    public static HostFacts From(Snapshot? s, PlanInputs inputs)
    {
        var hostValues = new Dictionary<string, string>(s?.Sysctls.Values ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        bool conntrackLoaded = s?.Sysctls.Has(SysctlNames.NfConntrackMax) == true;
        // Planning for another amount of RAM than the host has: the values the kernel scales with RAM are
        // those of the target, from the kernel's formulas, not this host's.
        if (inputs.RamBytes is not null)
        {
            foreach (var k in RamScaled) hostValues.Remove(k);
        }
        var sys = new Sysctls { Values = hostValues };
        var assumed = inputs.AssumedSysctls;
        var page = s?.PageSize is { } p and > 0 ? new Fact<long>(p, Origin.Measured, "page size of the host")
            : new Fact<long>(4096, Origin.KernelDefault, "x86_64 PAGE_SIZE (not read from a host)");
        Fact<long> ram = inputs.RamBytes is { } r ? new(r, Origin.Input, "--ram")
            : s?.MemInfo?.MemTotalBytes is { } m ? new(m, Origin.Measured, "/proc/meminfo MemTotal")
            : new(0, Origin.KernelDefault, "unknown (give --ram)");

        // Kernel defaults that scale with RAM, estimated from RAM when the host did not give the value.
        long ramPages = ram.Value / page.Value;
        long limit = Math.Max((long)(ramPages * KernelConstants.TcpMemPressureOfRam), 128);
        long[] tcpMemDefault = [limit / 4 * 3, limit, limit / 4 * 3 * 2];
        var tcpMem = Vector(sys, assumed, SysctlNames.TcpMem, 3, tcpMemDefault,
            "tcp_init_mem(): nr_free_buffer_pages()/16, estimated from RAM");
        var rmem = Vector(sys, assumed, SysctlNames.TcpRmem, 3, [KernelConstants.TcpBufferMin, KernelConstants.TcpRmemDefault, 6L << 20], "tcp_init() defaults");
        var wmem = Vector(sys, assumed, SysctlNames.TcpWmem, 3, [KernelConstants.TcpBufferMin, KernelConstants.TcpWmemDefault, 4L << 20], "tcp_init() defaults");
        var range = Vector(sys, assumed, SysctlNames.IpLocalPortRange, 2, [KernelConstants.PortLow, KernelConstants.PortHigh], "inet_init_net() default 32768 60999");
        // ehash = min(roundup_pow_of_two(RAM / 128 KiB), 512Ki); orphans and tw buckets default to ehash/2 (kernel-facts §1.7, §4.2).
        long ehash = Math.Min(RoundUpPow2(Math.Max(ram.Value / (128 * 1024), 1)), 512 * 1024);
        var orphans = Scalar(sys, assumed, SysctlNames.TcpMaxOrphans, ehash / 2, "ehash_entries/2 (tcp_init()), estimated from RAM");
        var tw = Scalar(sys, assumed, SysctlNames.TcpMaxTwBuckets, ehash / 2, "ehash_entries/2, estimated from RAM");
        var reuse = Scalar(sys, assumed, SysctlNames.TcpTwReuse, 2, "default 2: loopback only (tcp_twsk_unique())");
        Fact<double> twLen = (new Sysctls { Values = assumed }.Long(SysctlNames.TcpTwTimeout) ?? sys.Long(SysctlNames.TcpTwTimeout)) is { } vendor
            ? new(vendor, Origin.Measured, "net.ipv4.tcp_tw_timeout (vendor kernel)")
            : new(KernelConstants.TimeWaitSeconds, Origin.KernelDefault, "TCP_TIMEWAIT_LEN (include/net/tcp.h)");
        var nrOpen = Scalar(sys, assumed, SysctlNames.NrOpen, KernelConstants.NrOpen, "sysctl_nr_open default 1024*1024 (fs/file.c)");
        var fileMax = Scalar(sys, assumed, SysctlNames.FileMax, Math.Max(8192, ram.Value / 1024 / 10), "files_maxfiles_init(): about one file per 10 KiB of RAM");
        var somax = Scalar(sys, assumed, SysctlNames.Somaxconn, KernelConstants.Somaxconn, "SOMAXCONN (since 5.4)");
        // eventpoll_init(): max_user_watches = (lowmem / 25) / (sizeof(struct epitem) + sizeof(struct eppoll_entry)), kernel-facts §8.
        var watches = Scalar(sys, assumed, SysctlNames.EpollMaxUserWatches, ram.Value / 25 / (KernelConstants.EpollItem + KernelConstants.EpollPwq),
            "eventpoll_init(): RAM/25 / (epitem + eppoll_entry), estimated from RAM");
        // Absent when nf_conntrack is not loaded: no table. Loaded but planned for other RAM: the kernel's
        // default for that RAM (nf_conntrack_init_start(), 5.15+: 262144 buckets above 4 GiB on 64-bit,
        // 65536 above 1 GiB, else RAM/128 KiB, at least 1024; max = buckets), kernel-facts §7.
        long ctDefault = ram.Value > (4L << 30) ? 262144 : ram.Value > (1L << 30) ? 65536 : Math.Max(ram.Value / 16384 / 8, 1024);
        bool ctKnown = conntrackLoaded || assumed.ContainsKey(SysctlNames.NfConntrackMax);
        Fact<long>? ctMax = ctKnown ? Scalar(sys, assumed, SysctlNames.NfConntrackMax, ctDefault, "nf_conntrack_init_start() default for this RAM") : null;
        Fact<long>? ctBuckets = ctKnown ? Scalar(sys, assumed, SysctlNames.NfConntrackBuckets, ctDefault, "nf_conntrack_init_start() default for this RAM") : null;

        var slab = s?.SlabInfo;
        var parts = new List<SlabPart>
        {
            Part(slab, inputs.Ipv6 ? "TCPv6" : "TCP", inputs.Ipv6 ? KernelConstants.Tcp6Sock : KernelConstants.TcpSock),
            Part(slab, "sock_inode_cache", KernelConstants.SockInode),
            Part(slab, "filp", KernelConstants.Filp),
            Part(slab, "dentry", KernelConstants.Dentry),
        };
        // lsm_file_cache exists only with LSM file blobs: when the host's slabinfo lacks it, it costs nothing there.
        if (slab is null || slab.Find("lsm_file_cache") is not null) parts.Add(Part(slab, "lsm_file_cache", KernelConstants.LsmFile));
        if (inputs.Epoll)
        {
            parts.Add(Part(slab, "eventpoll_epi", KernelConstants.EpollItem) with { EpollOnly = true });
            parts.Add(Part(slab, "eventpoll_pwq", KernelConstants.EpollPwq) with { EpollOnly = true });
        }
        parts.Add(new SlabPart("fd table slot", KernelConstants.FdSlot, Origin.KernelDefault, "sizeof(struct file *), fs/file.c"));

        return new HostFacts
        {
            PageSize = page,
            RamBytes = ram,
            TcpMem = tcpMem,
            TcpRmem = rmem,
            TcpWmem = wmem,
            PortRange = range,
            TcpMaxOrphans = orphans,
            TcpMaxTwBuckets = tw,
            TwReuse = reuse,
            TimeWaitSeconds = twLen,
            NrOpen = nrOpen,
            FileMax = fileMax,
            Somaxconn = somax,
            EpollMaxUserWatches = watches,
            ConntrackMax = ctMax,
            ConntrackBuckets = ctBuckets,
            SocketParts = parts,
            BindBuckets = SizeOf(slab, ["tcp_bind_bucket", "tcp_bind2_bucket"], KernelConstants.BindBuckets, "tcp_bind_bucket + tcp_bind2_bucket"),
            TimeWaitSock = SizeOf(slab, [inputs.Ipv6 ? "tw_sock_TCPv6" : "tw_sock_TCP"], KernelConstants.TimeWaitSock, "tw_sock_TCP"),
            ConntrackEntry = SizeOf(slab, ["nf_conntrack"], KernelConstants.Conntrack, "nf_conntrack"),
        };
    }

    private static SlabPart Part(SlabInfo? slab, string cache, long fallback)
    {
        if (slab?.Find(cache) is { } c) return new SlabPart(cache, c.ObjectSize, Origin.Measured, "/proc/slabinfo objsize");
        return new SlabPart(cache, fallback, Origin.KernelDefault,
            slab is null ? "measured on x86_64 6.18 (kernel-facts §3.5); no /proc/slabinfo" : "measured on x86_64 6.18 (kernel-facts §3.5); merged into another cache on this host");
    }

    private static Fact<long> SizeOf(SlabInfo? slab, string[] caches, long fallback, string what)
    {
        long sum = 0;
        foreach (var c in caches)
        {
            if (slab?.Find(c) is not { } found) return new Fact<long>(fallback, Origin.KernelDefault, what + ", measured on x86_64 6.18 (kernel-facts §3.4)");
            sum += found.ObjectSize;
        }
        return new Fact<long>(sum, Origin.Measured, what + " from /proc/slabinfo");
    }

    private static Fact<long[]> Vector(Sysctls sys, IReadOnlyDictionary<string, string> assumed, string name, int count, long[] fallback, string why)
    {
        if (assumed.ContainsKey(name) && new Sysctls { Values = assumed }.Vector(name, count) is { } a) return new(a, Origin.Input, "--assume " + name);
        if (sys.Vector(name, count) is { } v) return new(v, Origin.Measured, "/proc/sys/" + name.Replace('.', '/'));
        return new(fallback, Origin.KernelDefault, why);
    }

    private static Fact<long> Scalar(Sysctls sys, IReadOnlyDictionary<string, string> assumed, string name, long fallback, string why) =>
        new Sysctls { Values = assumed }.Long(name) is { } a ? new(a, Origin.Input, "--assume " + name)
        : sys.Long(name) is { } v ? new(v, Origin.Measured, "/proc/sys/" + name.Replace('.', '/'))
        : new(fallback, Origin.KernelDefault, why);

    /// <summary>The sysctls the plan reads, with how many integers each holds: the keys --assume accepts.</summary>
    public static readonly IReadOnlyDictionary<string, int> Assumable = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [SysctlNames.TcpMem] = 3, [SysctlNames.TcpRmem] = 3, [SysctlNames.TcpWmem] = 3, [SysctlNames.IpLocalPortRange] = 2,
        [SysctlNames.TcpMaxOrphans] = 1, [SysctlNames.TcpMaxTwBuckets] = 1, [SysctlNames.TcpTwReuse] = 1, [SysctlNames.TcpTwTimeout] = 1,
        [SysctlNames.NrOpen] = 1, [SysctlNames.FileMax] = 1, [SysctlNames.Somaxconn] = 1, [SysctlNames.EpollMaxUserWatches] = 1,
        [SysctlNames.NfConntrackMax] = 1, [SysctlNames.NfConntrackBuckets] = 1,
    };

    /// <summary>Null when every assumed key is one the plan reads and its value has the right number of integers; else the first problem.</summary>
    public static string? CheckAssumed(IReadOnlyDictionary<string, string> assumed)
    {
        ArgumentNullException.ThrowIfNull(assumed);
        var values = new Sysctls { Values = assumed };
        foreach (var (key, value) in assumed)
        {
            if (!Assumable.TryGetValue(key, out var count))
                return $"--assume {key}: the plan does not read this setting (it reads: {string.Join(", ", Assumable.Keys.Order(StringComparer.Ordinal))})";
            bool ok = count == 1 ? values.Long(key) is not null : values.Vector(key, count) is not null;
            if (!ok || value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(v => v.StartsWith('-')))
                return count == 1
                    ? $"--assume {key}=\"{value}\": expected one whole number ≥ 0"
                    : $"--assume {key}=\"{value}\": expected {count} whole numbers separated by spaces";
        }
        return null;
    }

    /// <summary>Sysctls whose kernel default scales with RAM (tcp_init_mem(), tcp_init(), files_maxfiles_init(), nf_conntrack_init_start()).</summary>
    public static readonly IReadOnlyList<string> RamScaled =
    [
        SysctlNames.TcpMem, SysctlNames.TcpMaxOrphans, SysctlNames.TcpMaxTwBuckets,
        SysctlNames.FileMax, SysctlNames.EpollMaxUserWatches, SysctlNames.NfConntrackMax, SysctlNames.NfConntrackBuckets, SysctlNames.UdpMem,
    ];

    internal static long RoundUpPow2(long v)
    {
        long r = 1;
        while (r < v && r < (1L << 62)) r <<= 1;
        return r;
    }
}
