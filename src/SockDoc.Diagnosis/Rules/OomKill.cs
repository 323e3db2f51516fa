using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// The OOM killer (kernel-facts §10). __oom_kill_process() (mm/oom_kill.c) counts every kill, global
/// or memory-cgroup, in /proc/vmstat oom_kill (since 4.13). Socket buffers and socket slab are kernel
/// memory: the killer cannot reclaim them and usually kills an innocent large process instead.
/// </summary>
public sealed class OomKill : IRule
{
    /// <summary>Share of RAM held by socket memory above which sockets are named as a likely cause.</summary>
    public const double SocketShareOfRam = 0.10;

    public RuleDescriptor Descriptor { get; } = new(
        "oom_kill",
        "OOM killer activity and socket (kernel) memory",
        "__oom_kill_process(): vmstat oom_kill; socket buffers + slab are unswappable kernel memory",
        [Inputs.VmStatOomKill, Inputs.SockStatMem, Inputs.SlabInfo, Inputs.MemInfo, Inputs.KernelLog, Inputs.Stated]);

    private const string StatedExplanation =
        "When the kernel cannot reclaim memory for an allocation, out_of_memory() picks the task with the highest badness score and kills it " +
        "(__oom_kill_process() counts it in /proc/vmstat oom_kill). Socket buffers and socket slab are kernel memory the killer cannot free, so " +
        "a host whose sockets hold much of RAM loses an unrelated large process instead.";

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var kills = c.Now.VmStat?.OomKill;
        var killDelta = c.Pair.Delta(s => s.VmStat?.OomKill);
        var log = Log(c, d.Id);
        if (kills is null && !log.Any)
        {
            var stated = Stated(c, StatedConditions.OomKill);
            return stated.Count > 0
                ? FromStatement(d, c, stated, stated.Any(s => s.Reporter is not null) ? "The OOM killer killed a process in a container or unit" : "The paste says the OOM killer ran", StatedExplanation,
                    [Action("Find the kill in the kernel log: dmesg -T | grep -iE 'invoked oom-killer|Killed process', and paste it with /proc/meminfo and /proc/net/sockstat",
                        "The log names the victim and whether a memory cgroup's limit or the host's RAM ran out; sockstat shows how much of the memory was socket buffers.")],
                    ["vmstat oom_kill counts global and memory-cgroup kills together; the log tells them apart."])
                : Unknown(d, "/proc/vmstat oom_kill");
        }

        var incidents = c.Incidents(d.Id);
        // A memory-cgroup kill hit the cgroup's memory.max, not the host's RAM: host-wide socket limits are not the fix.
        bool memcgOnly = incidents.Count > 0 && incidents.All(i => i.Kind == MemcgKind);
        var cgroups = incidents.Where(i => i.Kind == MemcgKind).SelectMany(i => i.Victims).Select(v => v.Cgroup).OfType<string>().Distinct().Take(3).ToList();
        var victims = incidents.SelectMany(i => i.Victims).Take(3).ToList();

        long page = c.PageSize;
        long? tcpBytes = c.HasPageSize && c.Now.SockStat?.TcpMemPages is { } tp ? Mul(tp, page) : null;
        long? udpBytes = c.HasPageSize && c.Now.SockStat?.UdpMemPages is { } up ? Mul(up, page) : null;
        long? slabBytes = SocketSlab.Summarise(c.Now)?.TotalBytes;
        var socketBytes = SocketMemory.Bytes(c.Now);
        var memTotal = c.Now.MemInfo?.MemTotalBytes;
        var evidence = new List<Evidence>();
        if (kills is { } k) evidence.Add(CountEv("processes killed by the OOM killer", killDelta is { } kd ? $"{N(k)} since boot, {Rate(kd, c.IntervalSeconds)}" : $"{N(k)} since boot", VmStatSrc + " oom_kill", k));
        if (socketBytes is { } sb && memTotal is { } mt && mt > 0)
            evidence.Add(BytesEv("socket kernel memory (buffers + slab)", $"{Bytes(sb)} = {Pct((double)sb / mt)} of {Bytes(mt)} RAM", SockStatSrc + ", " + SlabSrc, sb));
        if (tcpBytes is { } tb) evidence.Add(BytesEv("TCP buffers", Bytes(tb), SockStatSrc + " TCP mem", tb));
        if (udpBytes is { } ub) evidence.Add(BytesEv("UDP buffers", Bytes(ub), SockStatSrc + " UDP mem", ub));
        if (slabBytes is { } sl) evidence.Add(BytesEv("socket structures (slab)", Bytes(sl), SlabSrc, sl));
        if (c.Now.MemInfo?.MemAvailableBytes is { } avail) evidence.Add(BytesEv("MemAvailable", Bytes(avail), MemInfoSrc, avail));
        foreach (var v in victims)
            evidence.Add(Ev(v.Pid > 0 ? $"victim {v.Name} ({v.Pid})" : $"victim {v.Name} (pid not shown)", (v.AnonRssKb is { } rss ? $"anon-rss {Bytes(Mul(rss, 1024))}" : "rss unknown") + (v.Cgroup is null ? "" : $", cgroup {v.Cgroup}") + (v.Constraint is null ? "" : $", {v.Constraint}"),
                KernelLogSrc, v.AnonRssKb is { } r2 ? Mul(r2, 1024) : null, "bytes"));
        evidence.AddRange(LogEvidence(c, d.Id));

        Severity severity;
        When when; string title;
        string kind = memcgOnly ? $"memory-cgroup OOM kill{(cgroups.Count > 0 ? " in " + string.Join(", ", cgroups) : "")}" : "OOM kill";
        if (killDelta > 0)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"The OOM killer is killing processes now ({Rate(killDelta!.Value, c.IntervalSeconds)})";
        }
        else if (kills > 0 || log.Any)
        {
            (severity, when) = WithLog(Severity.Warning, When.SinceBoot, log);
            title = log.Recent ? $"A {kind} happened recently: {LogWhen(c, log)}"
                : kills > 0 ? $"The OOM killer killed {N(kills!.Value)} process{(kills == 1 ? "" : "es")} since boot"
                : $"The kernel log shows a {kind} ({LogWhen(c, log)})";
        }
        else
        {
            return Ok(d, "no OOM kill since boot");
        }

        double share = socketBytes is { } s2 && memTotal is { } m2 && m2 > 0 ? (double)s2 / m2 : 0;
        bool socketsLikely = share > SocketShareOfRam;
        var fix = new List<FixLine>();
        var caveats = new List<string> { "vmstat oom_kill counts global and memory-cgroup kills together; the log tells them apart." };
        if (memcgOnly)
        {
            string cg = cgroups.Count > 0 ? cgroups[0] : "CGROUP";
            fix.Add(Action($"Size the cgroup's limit, not the host's: `cat /sys/fs/cgroup{cg}/memory.max` and `grep -w sock /sys/fs/cgroup{cg}/memory.stat`",
                "A memory-cgroup kill means the cgroup reached memory.max; on cgroup v2 its socket buffers are charged there (memory.stat sock), " +
                "so raise memory.max by what sock holds at the peak, or make the service hold less. tcp_mem and udp_mem are host-wide and were not the limit hit."));
        }
        else if (socketsLikely)
        {
            // Propose what the evidence points to: the largest part of socket memory.
            long tcp = tcpBytes ?? 0, udp = udpBytes ?? 0, slab = slabBytes ?? 0;
            if (tcp >= udp && tcp >= slab && c.Now.Sysctls.Vector(SysctlNames.TcpMem, 3) is { } tcpMem && c.HasPageSize)
                CapFix(fix, SysctlNames.TcpMem, tcpMem, c.Now.SockStat?.TcpMemPages ?? 0, page, "TCP buffers are the largest part");
            else if (udp > tcp && udp >= slab && c.Now.Sysctls.Vector(SysctlNames.UdpMem, 3) is { } udpMem && c.HasPageSize)
                CapFix(fix, SysctlNames.UdpMem, udpMem, c.Now.SockStat?.UdpMemPages ?? 0, page, "UDP buffers are the largest part");
            else if (slab > tcp && slab > udp)
                fix.Add(Action("Cut the number of sockets, not their buffers: `sockdoc sockets --by process` (idle connections, TIME_WAIT, orphans)",
                    $"Socket structures in slab ({Bytes(slab)}) are the largest part: each socket costs its tcp_sock, inode, file and dentry whether or not it holds data, and tcp_mem does not count them."));
        }
        fix.Add(Action("Read the victims and the memory state at the kill: `sockdoc logs` (or dmesg | grep -A40 'invoked oom-killer')",
            "The kill line names the process, its RSS and the cgroup; Mem-Info shows whether slab or buffers were large."));
        caveats.Add(socketsLikely
            ? $"Socket memory is {Pct(share)} of RAM (above {Pct(SocketShareOfRam)}): it is a likely contributor."
            : socketBytes is null ? "Socket memory is not in this sample: whether sockets contributed is unknown." : "Socket memory is small here: the kills are likely not caused by sockets.");
        if (memcgOnly) caveats.Add("This sample does not read cgroups: the cgroup's sock usage and memory.max must be read on the host.");

        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Confidence = kills is null ? Confidence.Likely : Confidence.Confirmed,
            Title = title,
            Evidence = evidence,
            Explanation =
                "When memory runs out the kernel kills the process with the highest badness (RSS, swap, page tables, oom_score_adj). " +
                "Socket buffers and socket structures are kernel memory: not swappable, not in any process's RSS and not counted by overcommit, " +
                "so a host full of sockets kills an innocent process, and killing the socket owner frees only what it closes (orphans survive it). " +
                "A memory-cgroup kill is the cgroup reaching its own memory.max, where cgroup v2 also charges the cgroup's socket buffers.",
            Fix = fix,
            Caveats = caveats,
            ToConfirm = kills is null ? [Inputs.VmStatOomKill] : [],
        }, title);
    }

    private const string MemcgKind = "memcg_oom_kill";

    /// <summary>
    /// Lowering a buffer limit is the point here (unswappable buffers pushed the host into the OOM killer): halve the hard
    /// limit, but never below 1.5 × today's use (that would refuse memory at once), min and pressure in the kernel's proportions.
    /// </summary>
    private static void CapFix(List<FixLine> fix, string setting, long[] limits, long used, long page, string why)
    {
        long capHigh = Math.Max(limits[2] / 2, Mul(used, 3) / 2);
        if (capHigh >= limits[2]) return;
        long capMin = capHigh / 2;
        long capPressure = Mul(capMin / 3, 4);
        fix.Add(Sysctl(setting, string.Create(CultureInfo.InvariantCulture, $"{capMin} {capPressure} {capHigh}"),
            $"{why}; lowering is the point: high = max(today's high {N(limits[2])} / 2, 1.5 × {N(used)} pages in use) = {Pages(capHigh, page)}, " +
            "so unswappable buffers cannot push the host into the OOM killer; min and pressure in the kernel's init proportions."));
    }
}
