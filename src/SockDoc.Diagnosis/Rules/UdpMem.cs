using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// UDP buffer memory against udp_mem (pages, global). UDP has no pressure mode: above udp_mem[2]
/// __sk_mem_raise_allocated() refuses and __udp_enqueue_schedule_skb() drops the datagram, counted
/// as Udp MemErrors (RcvbufErrors counts the per-socket receive buffer instead).
/// </summary>
public sealed class UdpMem : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "udp_mem",
        "UDP buffer memory against udp_mem",
        "__sk_mem_raise_allocated(): refusal above udp_mem[2] → Udp MemErrors",
        ["sockstat UDP mem", SysctlNames.UdpMem, "Udp MemErrors", "Udp RcvbufErrors"]);

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var mem = c.Now.SockStat?.UdpMemPages;
        var udpMem = c.Now.Sysctls.Vector(SysctlNames.UdpMem, 3);
        if (mem is null) return Unknown(d, "sockstat UDP mem");
        if (udpMem is null) return Unknown(d, c.InitialNetNs ? SysctlNames.UdpMem : $"{SysctlNames.UdpMem} (global; not visible inside this network namespace)");
        long page = c.PageSize;
        long high = udpMem[2];
        var memErr = c.Counter("Udp", "MemErrors");
        var memErrDelta = c.CounterDelta("Udp", "MemErrors");
        var rcvbufDelta = c.CounterDelta("Udp", "RcvbufErrors");
        var rcvbuf = c.Counter("Udp", "RcvbufErrors");

        var evidence = new List<Evidence>
        {
            new("UDP buffer memory", Pages(mem.Value, page), SockStatSrc + " (machine-wide)"),
            new("udp_mem high", Pages(high, page), Sys(SysctlNames.UdpMem)),
            new("use", Pct((double)mem.Value / Math.Max(high, 1)), "computed"),
        };
        if (memErr is { } me) evidence.Add(new("Udp MemErrors", memErrDelta is { } md ? $"{N(me)} since boot, {Rate(md, c.IntervalSeconds)}" : $"{N(me)} since boot", SnmpSrc));
        if (rcvbuf is { } rb) evidence.Add(new("Udp RcvbufErrors (per-socket buffer, not udp_mem)", rcvbufDelta is { } rd ? $"{N(rb)} since boot, {Rate(rd, c.IntervalSeconds)}" : $"{N(rb)} since boot", SnmpSrc));

        Severity severity;
        string when, title;
        if (memErrDelta > 0 || mem.Value >= high)
        {
            severity = Severity.Critical; when = "now";
            title = memErrDelta > 0
                ? $"UDP datagrams dropped now for lack of udp_mem ({Rate(memErrDelta!.Value, c.IntervalSeconds)})"
                : $"UDP memory {Pages(mem.Value, page)} is at udp_mem high {N(high)}";
        }
        else if (mem.Value > NearLimit * high)
        {
            severity = Severity.Warning; when = "risk";
            title = $"UDP memory is {Pct((double)mem.Value / high)} of udp_mem high";
        }
        else if (memErr > 0)
        {
            severity = Severity.Warning; when = "since_boot";
            title = $"{N(memErr!.Value)} UDP datagrams were dropped for lack of udp_mem since boot";
        }
        else
        {
            return Ok(d, $"{Pages(mem.Value, page)} of {N(high)}");
        }

        long newHigh = Math.Max(high, mem.Value * 2);
        long newMin = newHigh / 2;
        long newPressure = newMin / 3 * 4;
        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "udp_mem (pages, machine-wide) bounds the memory of all UDP socket buffers. UDP has no pressure mode: above udp_mem[2] every " +
                "datagram that needs new memory is dropped and counted in Udp MemErrors. Usually one socket that is not read fast enough holds it.",
            Fix =
            [
                Sysctl(SysctlNames.UdpMem, string.Create(CultureInfo.InvariantCulture, $"{newMin} {newPressure} {newHigh}"),
                    $"high = 2 × current {N(mem.Value)} pages (at least today's {N(high)}); min and pressure in the kernel's udp_init() proportions."),
                Action("Find the socket that holds it: `ss -uamp` (large Recv-Q)", "Raising udp_mem hides a reader that cannot keep up."),
            ],
            Caveats = ["udp_mem and sockstat UDP mem are machine-wide; Udp counters are per network namespace."],
        }, title);
    }
}
