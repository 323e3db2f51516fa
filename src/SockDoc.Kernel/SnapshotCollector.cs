using SockDoc.Kernel.Cgroups;
using SockDoc.Kernel.Procfs;
using SockDoc.Kernel.Sysctl;
using SockDoc.Model;
using SockDoc.Model.Census;
using SockDoc.Model.KernelLog;

namespace SockDoc.Kernel;

public sealed record CollectOptions
{
    /// <summary>Scan /proc/PID/fd and limits of every process (fd_process).</summary>
    public bool Processes { get; init; } = true;
    public bool SlabInfo { get; init; } = true;
    /// <summary>Page size to use for a copied /proc tree (the live host's is read from the system).</summary>
    public long? PageSize { get; init; }
    /// <summary>Socket census provider (netlink sock_diag); null skips the census.</summary>
    public Func<List<SourceProblem>, SocketCensus?>? Census { get; init; }
    /// <summary>Kernel log provider (/dev/kmsg or files); null skips the log.</summary>
    public Func<List<SourceProblem>, KernelLogSummary?>? KernelLog { get; init; }
    /// <summary>Netfilter ruleset summary (why conntrack is on); null skips it.</summary>
    public Func<List<SourceProblem>, NetfilterSummary?>? Netfilter { get; init; }
    /// <summary>Read the memory cgroups of the processes that hold sockets (live host, with the fd scan or the census).</summary>
    public bool Memcg { get; init; } = true;
    /// <summary>/proc/PID/cgroup reads shared with namespace discovery (one walk per doctor run); null reads them anew.</summary>
    public ProcCgroups? Cgroups { get; init; }
}

/// <summary>
/// Reads every source once into a Snapshot. A source that fails is recorded in Problems and left
/// null; the rest goes on (a failed reader marks its part unknown).
/// </summary>
public static class SnapshotCollector
{
    public static Snapshot Collect(ProcRoot root, CollectOptions options, TimeProvider time)
    {
        var problems = new List<SourceProblem>();
        var sysctls = SysctlReader.Read(root, problems);
        var host = HostReader.Read(root, sysctls, options.PageSize, problems);
        var takenAt = time.GetUtcNow();

        var sockstat = Take(SockStatReader.Read(root), problems);
        var sockstat6 = Take(SockStatReader.Read6(root), problems, missingIsProblem: false);
        var netstat = Take(NetStatReader.ReadNetStat(root), problems);
        var snmp = Take(NetStatReader.ReadSnmp(root), problems);
        var meminfo = Take(MeminfoReader.Read(root), problems);
        var vmstat = Take(VmStatReader.Read(root), problems);
        // No conntrack module loaded → no file: that is not a problem.
        var conntrack = Take(ConntrackStatReader.Read(root), problems, missingIsProblem: false);
        SlabInfo? slab = null;
        if (options.SlabInfo) slab = Take(SlabInfoReader.Read(root), problems);

        IReadOnlyList<ProcessFiles>? processes = null;
        if (options.Processes)
        {
            var scan = ProcessFilesReader.Scan(root);
            processes = scan.Processes;
            if (scan.Denied > 0)
                problems.Add(new SourceProblem(root.PathOf("PID/fd"), $"{scan.Denied} processes' open files could not be read", NeedsRoot: true));
        }

        SocketCensus? census = null;
        if (options.Census is not null) census = options.Census(problems);
        KernelLogSummary? log = null;
        if (options.KernelLog is not null) log = options.KernelLog(problems);
        NetfilterSummary? netfilter = null;
        if (options.Netfilter is not null) netfilter = options.Netfilter(problems);
        // The memcgs that hold sockets: from the processes with socket fds (the fd scan) and the census's owners.
        Model.Cgroups.MemcgSample? memcg = null;
        // Light samples (no fd scan, no census) skip it: only the full sample pays for the /proc/PID/cgroup walk.
        if (options.Memcg && (options.Processes || options.Census is not null))
        {
            var holders = (processes ?? []).Where(p => p.Sockets is > 0).Select(p => new SocketHolder(p.Pid, p.Command, p.Sockets!.Value))
                .Concat((census?.Processes ?? []).Select(p => new SocketHolder(p.Pid, p.Command, p.Sockets)));
            memcg = MemcgCollector.Collect(root, holders, problems, options.Cgroups);
        }

        return new Snapshot
        {
            TakenAt = takenAt,
            Origin = root.IsLive ? "live" : root.Directory_,
            Host = host,
            SockStat = sockstat,
            SockStat6 = sockstat6,
            NetStat = netstat is null && snmp is null ? null : NetStatCounters.Merge(netstat, snmp),
            Sysctls = sysctls,
            MemInfo = meminfo,
            SlabInfo = slab,
            VmStat = vmstat,
            ConntrackStat = conntrack,
            Processes = processes,
            Census = census,
            KernelLog = log,
            Netfilter = netfilter,
            Memcg = memcg,
            Problems = problems,
        };
    }

    internal static T? Take<T>(ReadResult<T> r, List<SourceProblem> problems, bool missingIsProblem = true) where T : class
    {
        if (r.Ok)
        {
            if (r.Partial) problems.Add(new SourceProblem(r.Path, $"partial: {r.Reason}"));
            return r.Value;
        }
        if (r.Status == ReadStatus.Missing && !missingIsProblem) return null;
        problems.Add(new SourceProblem(r.Path, r.Reason ?? r.Status.ToString(), r.Status == ReadStatus.Denied));
        return null;
    }
}
