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
        [Inputs.VmStatOomKill, Inputs.SockStatMem, Inputs.SlabInfo, Inputs.MemInfo, Inputs.KernelLog]);

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var kills = c.Now.VmStat?.OomKill;
        var killDelta = c.Pair.Delta(s => s.VmStat?.OomKill);
        bool logged = HasLog(c, d.Id);
        if (kills is null && !logged) return Unknown(d, "/proc/vmstat oom_kill");

        var socketBytes = SocketMemory.Bytes(c.Now);
        var memTotal = c.Now.MemInfo?.MemTotalBytes;
        var evidence = new List<Evidence>();
        if (kills is { } k) evidence.Add(new("processes killed by the OOM killer", killDelta is { } kd ? $"{N(k)} since boot, {Rate(kd, c.IntervalSeconds)}" : $"{N(k)} since boot", VmStatSrc + " oom_kill"));
        if (socketBytes is { } sb && memTotal is { } mt)
            evidence.Add(new("socket kernel memory (buffers + slab)", $"{Bytes(sb)} = {Pct((double)sb / mt)} of {Bytes(mt)} RAM", SockStatSrc + ", " + SlabSrc));
        if (c.Now.MemInfo?.MemAvailableBytes is { } avail) evidence.Add(new("MemAvailable", Bytes(avail), MemInfoSrc));
        evidence.AddRange(LogEvidence(c, d.Id));

        Severity severity;
        When when; string title;
        if (killDelta > 0)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"The OOM killer is killing processes now ({Rate(killDelta!.Value, c.IntervalSeconds)})";
        }
        else if (kills > 0 || logged)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = kills > 0 ? $"The OOM killer killed {N(kills!.Value)} process{(kills == 1 ? "" : "es")} since boot" : "The kernel log shows OOM kills";
        }
        else
        {
            return Ok(d, "no OOM kill since boot");
        }

        bool socketsLikely = socketBytes is { } s2 && memTotal is { } m2 && m2 > 0 && (double)s2 / m2 > SocketShareOfRam;
        var fix = new List<FixLine>();
        if (socketsLikely && c.Now.Sysctls.Vector(SysctlNames.TcpMem, 3) is { } tcpMem && c.PageSize > 0)
        {
            // Halve the hard limit, but never below 1.5 × today's use (that would refuse memory at once).
            long used = c.Now.SockStat?.TcpMemPages ?? 0;
            long capHigh = Math.Max(tcpMem[2] / 2, used * 3 / 2);
            if (capHigh < tcpMem[2])
            {
                long capMin = capHigh / 2;
                long capPressure = capMin / 3 * 4;
                fix.Add(Sysctl(SysctlNames.TcpMem, string.Create(CultureInfo.InvariantCulture, $"{capMin} {capPressure} {capHigh}"),
                    $"high = max(today's high {N(tcpMem[2])} / 2, 1.5 × {N(used)} pages in use) = {Pages(capHigh, c.PageSize)}, so unswappable buffers cannot push the host into the OOM killer; min and pressure in tcp_init_mem() proportions."));
            }
        }
        fix.Add(Action("Read the victims and the memory state at the kill: `sockdoc logs` (or dmesg | grep -A40 'invoked oom-killer')",
            "The kill line names the process, its RSS and the cgroup; Mem-Info shows whether slab or buffers were large."));
        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "When memory runs out the kernel kills the process with the highest badness (RSS, swap, page tables, oom_score_adj). " +
                "Socket buffers and socket structures are kernel memory: not swappable, not in any process's RSS and not counted by overcommit, " +
                "so a host full of sockets kills an innocent process, and killing the socket owner frees only what it closes (orphans survive it).",
            Fix = fix,
            Caveats =
            [
                "vmstat oom_kill counts global and memory-cgroup kills together; the log tells them apart.",
                socketsLikely ? "Socket memory is above 10 % of RAM: it is a likely contributor." : "Socket memory is small here: the kills are likely not caused by sockets.",
            ],
        }, title);
    }
}
