using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// UDP buffer memory against udp_mem (pages, global). udp_prot has no memory_pressure, so in
/// __sk_mem_raise_allocated() (net/core/sock.c), once usage is above udp_mem[0], a socket that already
/// holds udp_rmem_min (the netns sysctl net.ipv4.udp_rmem_min, PAGE_SIZE by default: udp_sysctl_init()) gets no more memory: __udp_enqueue_schedule_skb() drops the datagram and
/// counts Udp MemErrors (RcvbufErrors counts the per-socket receive buffer instead). Above udp_mem[2]
/// every charge is refused. The effective limit for busy sockets is udp_mem[0].
/// </summary>
public sealed class UdpMem : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "udp_mem",
        "UDP buffer memory against udp_mem",
        "__sk_mem_raise_allocated(): no pressure mode, so above udp_mem[0] a socket holding udp_rmem_min gets no more → Udp MemErrors",
        [Inputs.SockStatUdpMem, Inputs.UdpMem, Inputs.UdpMemErrors, Inputs.UdpRcvbufErrors, Inputs.PageSize]);

    /// <summary>The host's udp_mem verdict, joined with cgroup v2 memcgs that refuse socket memory below it (issue 14 defect 13).</summary>
    public CheckResult Evaluate(RuleContext c) => MemcgLimits.Join(Descriptor, EvaluateHost(c), MemcgLimits.Refusals(c, udp: true), Explanation(RmemMin(c).Text));

    private CheckResult EvaluateHost(RuleContext c)
    {
        var d = Descriptor;
        var mem = c.Now.SockStat?.UdpMemPages;
        var udpMem = c.Now.Sysctls.Vector(SysctlNames.UdpMem, 3);
        var memErr = c.Counter("Udp", "MemErrors");
        var memErrDelta = c.CounterDelta("Udp", "MemErrors");
        if (mem is null || udpMem is null)
        {
            string missing = mem is null ? "sockstat UDP mem" : c.InitialNetNs ? SysctlNames.UdpMem : $"{SysctlNames.UdpMem} (global; not visible inside this network namespace)";
            return WithoutGauges(c, missing, memErr, memErrDelta);
        }
        long page = c.PageSize;
        long low = udpMem[0], mid = udpMem[1], high = udpMem[2];
        var rcvbufDelta = c.CounterDelta("Udp", "RcvbufErrors");
        var rcvbuf = c.Counter("Udp", "RcvbufErrors");
        var rmemMin = RmemMin(c);

        var evidence = new List<Evidence>
        {
            PagesEv("UDP buffer memory", Pages(mem.Value, page), SockStatSrc + " (machine-wide)", mem.Value),
            new("udp_mem min / high", $"{Pages(low, page)} / {Pages(high, page)}", Sys(SysctlNames.UdpMem)),
            RatioEv("use of udp_mem[0] (where busy sockets start dropping)", Pct((double)mem.Value / Math.Max(low, 1)), "computed", (double)mem.Value / Math.Max(low, 1)),
            BytesEv("udp_rmem_min (what a socket may always hold)", rmemMin.Text, rmemMin.Source, rmemMin.Bytes),
        };
        if (memErr is { } me) evidence.Add(CountEv("Udp MemErrors", memErrDelta is { } md ? $"{N(me)} since boot, {Rate(md, c.IntervalSeconds)}" : $"{N(me)} since boot", SnmpSrc, me));
        if (rcvbuf is { } rb) evidence.Add(CountEv("Udp RcvbufErrors (per-socket buffer, not udp_mem)", rcvbufDelta is { } rd ? $"{N(rb)} since boot, {Rate(rd, c.IntervalSeconds)}" : $"{N(rb)} since boot", SnmpSrc, rb));

        Severity severity;
        When when; string title;
        string held = rmemMin.Bytes is { } rm ? $"more than udp_rmem_min ({Bytes(rm)})" : "more than udp_rmem_min";
        if (memErrDelta > 0 || mem.Value > low)
        {
            severity = Severity.Critical; when = When.Now;
            title = memErrDelta > 0
                ? $"UDP datagrams dropped now for lack of udp_mem ({Rate(memErrDelta!.Value, c.IntervalSeconds)})"
                : $"UDP memory {Pages(mem.Value, page)} is over udp_mem[0] {N(low)}: sockets holding {held} drop datagrams";
        }
        else if (mem.Value > NearLimit * low)
        {
            severity = Severity.Warning; when = When.Risk;
            title = $"UDP memory is {Pct((double)mem.Value / low)} of udp_mem[0], where busy sockets start dropping";
        }
        else if (memErr > 0)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = $"{N(memErr!.Value)} UDP datagrams were dropped for lack of udp_mem since boot";
        }
        else
        {
            return Ok(d, $"{Pages(mem.Value, page)} of udp_mem[0] {N(low)}");
        }

        // Put today's use at half of udp_mem[0], keeping the kernel's udp_init() proportions
        // (min = limit/4×3, pressure = limit, high = 2 × min); never below today's values.
        long newMin = Math.Max(low, Mul(mem.Value, 2));
        long newPressure = Math.Max(mid, Mul(newMin / 3, 4));
        long newHigh = Math.Max(high, Mul(newMin, 2));
        var fix = new List<FixLine>();
        if (when == When.SinceBoot && mem.Value < PastPeakOnly * low)
            fix.Add(SizeOnThePeak(SysctlNames.UdpMem, $"{Pages(mem.Value, page)}, {Pct((double)mem.Value / Math.Max(low, 1))} of udp_mem[0]",
                "udp_mem[0] ≥ 2 × the peak of sockstat UDP mem, pressure = min/3×4, high = 2 × min (udp_init() ratios)"));
        else if (newMin != low || newPressure != mid || newHigh != high)
            fix.Add(Sysctl(SysctlNames.UdpMem, string.Create(CultureInfo.InvariantCulture, $"{newMin} {newPressure} {newHigh}"),
                $"min = 2 × current {N(mem.Value)} pages (at least today's {N(low)}), so busy sockets stop dropping; pressure and high in udp_init() proportions, none below today's."));
        fix.Add(FindReader);
        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation = Explanation(rmemMin.Text),
            Fix = fix,
            Caveats =
            [
                "udp_mem and sockstat UDP mem are machine-wide; Udp counters are per network namespace.",
                "Some kernels with per-NUMA UDP receive queues may drop on this path without counting MemErrors (upstream TODO); the gauge still tells.",
                MemcgLimits.Coverage(c),
            ],
        }, title);
    }

    private static readonly FixLine FindReader = Action("Find the socket that holds it: `ss -uamp` (large Recv-Q)", "Raising udp_mem hides a reader that cannot keep up.");

    /// <summary>Only the counter is in the sample (a paste of netstat -s, a container): it proves the drops; the gauge would size the fix.</summary>
    private CheckResult WithoutGauges(RuleContext c, string missing, long? memErr, long? memErrDelta)
    {
        var d = Descriptor;
        if (memErr is not > 0 && memErrDelta is not > 0) return Unknown(d, missing);
        bool rising = memErrDelta > 0;
        var f = new Finding
        {
            Id = d.Id,
            Severity = rising ? Severity.Critical : Severity.Warning,
            When = rising ? When.Now : When.SinceBoot,
            Title = rising
                ? $"UDP datagrams dropped now for lack of udp_mem ({Rate(memErrDelta!.Value, c.IntervalSeconds)})"
                : $"{N(memErr!.Value)} UDP datagrams were dropped for lack of udp_mem since boot",
            Evidence = [CountEv("Udp MemErrors", memErrDelta is { } md ? $"{N(memErr ?? 0)} since boot, {Rate(md, c.IntervalSeconds)}" : $"{N(memErr ?? 0)} since boot", SnmpSrc, memErr)],
            Explanation = Explanation(RmemMin(c).Text),
            Fix =
            [
                Action("Read UDP memory and its limits: `cat /proc/net/sockstat` (UDP mem, pages) and `sysctl net.ipv4.udp_mem`", "A new udp_mem is sized on the pages in use at the peak."),
                FindReader,
            ],
            ToConfirm = [Inputs.SockStatUdpMem, Inputs.UdpMem],
        };
        return Found(d, f, f.Title, [missing]);
    }

    /// <summary>net.ipv4.udp_rmem_min as read, else its default PAGE_SIZE (udp_sysctl_init()), else unknown.</summary>
    private static (long? Bytes, string Text, string Source) RmemMin(RuleContext c)
    {
        if (c.Now.Sysctls.Long(SysctlNames.UdpRmemMin) is { } v) return (v, Bytes(v), Sys(SysctlNames.UdpRmemMin));
        if (c.HasPageSize) return (c.PageSize, $"{Bytes(c.PageSize)} (the default: one page)", "udp_sysctl_init()");
        return (null, "one page (the default; page size unknown)", "udp_sysctl_init()");
    }

    private static string Explanation(string rmemMin) =>
        "udp_mem (pages, machine-wide) bounds the memory of all UDP socket buffers. UDP has no pressure mode: once the total is above " +
        $"udp_mem[0], a socket that already holds udp_rmem_min ({rmemMin}) gets no more memory and its datagrams are dropped and counted in " +
        "Udp MemErrors; above udp_mem[2] every charge is refused. Usually one socket that is not read fast enough holds it.";
}
