using System.Globalization;
using SockDoc.Kernel;
using SockDoc.Kernel.Interop;
using SockDoc.Kernel.Procfs;
using SockDoc.Model;

namespace SockDoc.Load.Scenarios;

/// <summary>One slab cache as /proc/slabinfo prints it: live objects and object size.</summary>
public readonly record struct SlabCount(long ActiveObjects, long ObjectSize)
{
    public long Bytes => ActiveObjects * ObjectSize;
}

/// <summary>The /proc/net/sockstat numbers a load run compares before and after.</summary>
public readonly record struct SockStatCounts(long TcpInUse, long TcpTw, long TcpAlloc, long TcpMemPages, long TcpOrphan);

/// <summary>The limits a C1M run can hit, read from this host before it starts. Absent values stay null.</summary>
public sealed record HostLimits
{
    public long? FileMax { get; init; }
    public long? FilesAllocated { get; init; }
    public long? NrOpen { get; init; }
    public long? NofileHard { get; init; }
    public long? NofileSoft { get; init; }
    public int? PortLow { get; init; }
    public int? PortHigh { get; init; }
    public long[]? TcpMemPages { get; init; }
    public long? TcpMemPagesInUse { get; init; }
    public long? MemAvailableBytes { get; init; }
    public long? MaxUserWatches { get; init; }
    public long? PidMax { get; init; }
    public long? ConntrackMax { get; init; }
    public long? ConntrackCount { get; init; }
    public long PageSize { get; init; } = Environment.SystemPageSize;
    /// <summary>Object sizes of the socket caches, from /proc/slabinfo (root only; SLUB may merge some away).</summary>
    public IReadOnlyDictionary<string, long> SlabObjectSizes { get; init; } = new Dictionary<string, long>();
}

/// <summary>Reads the few /proc files a load run needs. Small local parsers; every failure leaves the value null.</summary>
public static class HostProbe
{
    /// <summary>The caches that hold one idle TCP connection end (kernel-facts §3.5).</summary>
    public static readonly IReadOnlyList<string> SocketCaches =
        ["TCP", "TCPv6", "sock_inode_cache", "filp", "dentry", "eventpoll_epi", "eventpoll_pwq", "lsm_file_cache", "tcp_bind_bucket", "tcp_bind2_bucket"];

    public static HostLimits Read(string procRoot = "/proc")
    {
        long? One(string rel) => FirstLong(Text(Path.Combine(procRoot, rel)));
        var fileNr = Longs(Text(Path.Combine(procRoot, "sys/fs/file-nr")));
        var range = Longs(Text(Path.Combine(procRoot, "sys/net/ipv4/ip_local_port_range")));
        long? hard = null, soft = null;
        if (Libc.getrlimit(Libc.RLIMIT_NOFILE, out var lim) == 0)
        {
            hard = lim.Max > long.MaxValue ? long.MaxValue : (long)lim.Max;
            soft = lim.Current > long.MaxValue ? long.MaxValue : (long)lim.Current;
        }
        var slab = ReadSlab(procRoot);
        var sockstat = ParseSockStat(Text(Path.Combine(procRoot, "net/sockstat")) ?? "");
        return new HostLimits
        {
            FileMax = One("sys/fs/file-max"),
            FilesAllocated = fileNr is { Length: > 0 } ? fileNr[0] : null,
            NrOpen = One("sys/fs/nr_open"),
            NofileHard = hard,
            NofileSoft = soft,
            PortLow = range is { Length: 2 } ? (int)range[0] : null,
            PortHigh = range is { Length: 2 } ? (int)range[1] : null,
            TcpMemPages = Longs(Text(Path.Combine(procRoot, "sys/net/ipv4/tcp_mem"))),
            TcpMemPagesInUse = sockstat?.TcpMemPages,
            MemAvailableBytes = MemAvailable(Text(Path.Combine(procRoot, "meminfo"))),
            MaxUserWatches = One("sys/fs/epoll/max_user_watches"),
            PidMax = One("sys/kernel/pid_max"),
            ConntrackMax = One("sys/net/netfilter/nf_conntrack_max"),
            ConntrackCount = One("sys/net/netfilter/nf_conntrack_count"),
            SlabObjectSizes = slab?.ToDictionary(kv => kv.Key, kv => kv.Value.ObjectSize) ?? new Dictionary<string, long>(),
        };
    }

    public static Dictionary<string, SlabCount>? ReadSlab(string procRoot = "/proc")
    {
        var t = Text(Path.Combine(procRoot, "slabinfo"));
        return t is null ? null : ParseSlabInfo(t);
    }

    public static SockStatCounts? ReadSockStat(string path = "/proc/net/sockstat")
    {
        var t = Text(path);
        return t is null ? null : ParseSockStat(t);
    }

    /// <summary>/proc/slabinfo through the Kernel's SlabInfoReader; null if it does not parse.</summary>
    public static Dictionary<string, SlabCount>? ParseSlabInfo(string text)
    {
        try
        {
            var info = SlabInfoReader.Parse(System.Text.Encoding.UTF8.GetBytes(text));
            var d = new Dictionary<string, SlabCount>(StringComparer.Ordinal);
            foreach (var c in info.Caches) d[c.Name] = new SlabCount(c.ActiveObjects, c.ObjectSize);
            return d;
        }
        catch (ProcParseException)
        {
            return null;
        }
    }

    /// <summary>The TCP line of /proc/net/sockstat through the Kernel's SockStatReader; null without one.</summary>
    public static SockStatCounts? ParseSockStat(string text)
    {
        SockStat s;
        try
        {
            s = SockStatReader.Parse(System.Text.Encoding.UTF8.GetBytes(text));
        }
        catch (ProcParseException)
        {
            return null;
        }
        if (s.TcpInUse is null && s.TcpAlloc is null) return null;
        return new SockStatCounts(s.TcpInUse ?? 0, s.TcpTw ?? 0, s.TcpAlloc ?? 0, s.TcpMemPages ?? 0, s.TcpOrphan ?? 0);
    }

    /// <summary>Resident set of a process in bytes (/proc/PID/statm field 2 × page size), or null if it is gone.</summary>
    public static long? RssBytes(int pid, string procRoot = "/proc")
    {
        var t = Text(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "statm"));
        var f = Longs(t);
        return f is { Length: >= 2 } ? f[1] * Environment.SystemPageSize : null;
    }

    private static long? MemAvailable(string? meminfo)
    {
        if (meminfo is null) return null;
        foreach (var line in meminfo.Split('\n'))
        {
            if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 2 && long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb)) return kb * 1024;
        }
        return null;
    }

    internal static string? Text(string path)
    {
        var r = ProcFile.ReadAll(path);
        return r.Ok && r.Value is not null ? System.Text.Encoding.UTF8.GetString(r.Value) : null;
    }

    private static long? FirstLong(string? t) => Longs(t) is { Length: > 0 } a ? a[0] : null;

    private static long[]? Longs(string? t)
    {
        if (t is null) return null;
        var f = t.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        var r = new long[f.Length];
        for (int i = 0; i < f.Length; i++)
        {
            if (!long.TryParse(f[i], NumberStyles.None, CultureInfo.InvariantCulture, out r[i])) return null;
        }
        return r;
    }
}
