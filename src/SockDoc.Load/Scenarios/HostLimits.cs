using SockDoc.Kernel;
using SockDoc.Kernel.Interop;
using SockDoc.Kernel.Procfs;
using SockDoc.Model;

namespace SockDoc.Load.Scenarios;

/// <summary>
/// The limits a C1M run can hit, taken from the same Snapshot the doctor reads (SnapshotCollector), plus this
/// process's RLIMIT_NOFILE (getrlimit: the limit the workers inherit). Absent values stay null.
/// </summary>
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
    public long? ConntrackMax { get; init; }
    public long? ConntrackCount { get; init; }
    public long PageSize { get; init; } = Environment.SystemPageSize;
    /// <summary>Object sizes of the socket caches, from /proc/slabinfo (root only; SLUB may merge some away).</summary>
    public IReadOnlyDictionary<string, long> SlabObjectSizes { get; init; } = new Dictionary<string, long>();

    /// <summary>The host sample a load run starts from: what the doctor collects, without the process scan.</summary>
    public static Snapshot Sample() =>
        SnapshotCollector.Collect(ProcRoot.Live, new CollectOptions { Processes = false, SlabInfo = true }, TimeProvider.System);

    /// <summary>Limits of this host now (one Sample()).</summary>
    public static HostLimits Read() => From(Sample());

    public static HostLimits From(Snapshot s)
    {
        long? hard = null, soft = null;
        if (Libc.getrlimit(Libc.RLIMIT_NOFILE, out var lim) == 0)
        {
            hard = lim.Max > long.MaxValue ? long.MaxValue : (long)lim.Max;
            soft = lim.Current > long.MaxValue ? long.MaxValue : (long)lim.Current;
        }
        var range = s.Sysctls.Vector(SysctlNames.IpLocalPortRange, 2);
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var c in s.SlabInfo?.Caches ?? []) sizes[c.Name] = c.ObjectSize;
        return new HostLimits
        {
            FileMax = s.Sysctls.Long(SysctlNames.FileMax),
            FilesAllocated = s.Sysctls.Vector(SysctlNames.FileNr, 3) is { } nr ? nr[0] : null,
            NrOpen = s.Sysctls.Long(SysctlNames.NrOpen),
            NofileHard = hard,
            NofileSoft = soft,
            PortLow = range is { } r ? (int)r[0] : null,
            PortHigh = range is { } r2 ? (int)r2[1] : null,
            TcpMemPages = s.Sysctls.Vector(SysctlNames.TcpMem, 3),
            TcpMemPagesInUse = s.SockStat?.TcpMemPages,
            MemAvailableBytes = s.MemInfo?.MemAvailableBytes,
            MaxUserWatches = s.Sysctls.Long(SysctlNames.EpollMaxUserWatches),
            ConntrackMax = s.Sysctls.Long(SysctlNames.NfConntrackMax),
            ConntrackCount = s.Sysctls.Long(SysctlNames.NfConntrackCount),
            PageSize = s.PageSize ?? Environment.SystemPageSize,
            SlabObjectSizes = sizes,
        };
    }

    /// <summary>A worker's memory now (smaps_rollup), or null once it is gone.</summary>
    public static ProcessMemory? Memory(int pid)
    {
        var r = ProcessMemoryReader.Read(ProcRoot.Live, pid);
        return r.Ok ? r.Value : null;
    }
}
