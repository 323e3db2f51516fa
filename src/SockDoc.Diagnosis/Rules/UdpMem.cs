using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// UDP buffer memory against udp_mem (pages, global). udp_prot has no memory_pressure, so in
/// __sk_mem_raise_allocated() (net/core/sock.c), once usage is above udp_mem[0], a socket that already
/// holds udp_rmem_min (4096) gets no more memory: __udp_enqueue_schedule_skb() drops the datagram and
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

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var mem = c.Now.SockStat?.UdpMemPages;
        var udpMem = c.Now.Sysctls.Vector(SysctlNames.UdpMem, 3);
        if (mem is null) return Unknown(d, "sockstat UDP mem");
        if (udpMem is null) return Unknown(d, c.InitialNetNs ? SysctlNames.UdpMem : $"{SysctlNames.UdpMem} (global; not visible inside this network namespace)");
        long page = c.PageSize;
        long low = udpMem[0], high = udpMem[2];
        var memErr = c.Counter("Udp", "MemErrors");
        var memErrDelta = c.CounterDelta("Udp", "MemErrors");
        var rcvbufDelta = c.CounterDelta("Udp", "RcvbufErrors");
        var rcvbuf = c.Counter("Udp", "RcvbufErrors");

        var evidence = new List<Evidence>
        {
            new("UDP buffer memory", Pages(mem.Value, page), SockStatSrc + " (machine-wide)"),
            new("udp_mem min / high", $"{Pages(low, page)} / {Pages(high, page)}", Sys(SysctlNames.UdpMem)),
            new("use of udp_mem[0] (where busy sockets start dropping)", Pct((double)mem.Value / Math.Max(low, 1)), "computed"),
        };
        if (memErr is { } me) evidence.Add(new("Udp MemErrors", memErrDelta is { } md ? $"{N(me)} since boot, {Rate(md, c.IntervalSeconds)}" : $"{N(me)} since boot", SnmpSrc));
        if (rcvbuf is { } rb) evidence.Add(new("Udp RcvbufErrors (per-socket buffer, not udp_mem)", rcvbufDelta is { } rd ? $"{N(rb)} since boot, {Rate(rd, c.IntervalSeconds)}" : $"{N(rb)} since boot", SnmpSrc));

        Severity severity;
        When when; string title;
        if (memErrDelta > 0 || mem.Value > low)
        {
            severity = Severity.Critical; when = When.Now;
            title = memErrDelta > 0
                ? $"UDP datagrams dropped now for lack of udp_mem ({Rate(memErrDelta!.Value, c.IntervalSeconds)})"
                : $"UDP memory {Pages(mem.Value, page)} is over udp_mem[0] {N(low)}: sockets holding more than udp_rmem_min drop datagrams";
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
        // (min = limit/4×3, pressure = limit, high = 2 × min).
        long newMin = Math.Max(low, mem.Value * 2);
        long newPressure = newMin / 3 * 4;
        long newHigh = newMin * 2;
        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "udp_mem (pages, machine-wide) bounds the memory of all UDP socket buffers. UDP has no pressure mode: once the total is above " +
                "udp_mem[0], a socket that already holds udp_rmem_min (4 KiB) gets no more memory and its datagrams are dropped and counted in " +
                "Udp MemErrors; above udp_mem[2] every charge is refused. Usually one socket that is not read fast enough holds it.",
            Fix =
            [
                Sysctl(SysctlNames.UdpMem, string.Create(CultureInfo.InvariantCulture, $"{newMin} {newPressure} {newHigh}"),
                    $"min = 2 × current {N(mem.Value)} pages (at least today's {N(low)}), so busy sockets stop dropping; pressure and high in udp_init() proportions."),
                Action("Find the socket that holds it: `ss -uamp` (large Recv-Q)", "Raising udp_mem hides a reader that cannot keep up."),
            ],
            Caveats =
            [
                "udp_mem and sockstat UDP mem are machine-wide; Udp counters are per network namespace.",
                "Some kernels with per-NUMA UDP receive queues may drop on this path without counting MemErrors (upstream TODO); the gauge still tells.",
            ],
        }, title);
    }
}
