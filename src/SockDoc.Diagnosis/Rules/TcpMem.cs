using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// TCP buffer memory against tcp_mem (kernel-facts §2). __sk_mem_raise_allocated() (net/core/sock.c)
/// enters pressure above tcp_mem[1] (windows clamped, no autotuning growth) and refuses above
/// tcp_mem[2] (senders block in sk_stream_wait_memory(), received data is pruned, orphans with queued
/// data are killed). Units are pages; only buffers count, not the ~4 KB of slab per socket.
/// </summary>
public sealed class TcpMem : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "tcp_mem",
        "TCP buffer memory against tcp_mem",
        "__sk_mem_raise_allocated(): pressure above tcp_mem[1], refusal above tcp_mem[2] (pages)",
        [Inputs.SockStatTcpMem, Inputs.TcpMem, Inputs.TcpMemoryPressures, Inputs.PageSize, Inputs.KernelLog]);

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var mem = c.Now.SockStat?.TcpMemPages;
        var tcpMem = c.Now.Sysctls.Vector(SysctlNames.TcpMem, 3);
        if (mem is null) return Unknown(d, "sockstat TCP mem");
        if (tcpMem is null)
            return Unknown(d, c.InitialNetNs ? SysctlNames.TcpMem : $"{SysctlNames.TcpMem} (global; not visible inside this network namespace)");

        long page = c.PageSize;
        long min = tcpMem[0], pressure = tcpMem[1], high = tcpMem[2];
        var pressDelta = c.CounterDelta("TcpExt", "TCPMemoryPressures");
        var pressTotal = c.Counter("TcpExt", "TCPMemoryPressures");
        var chrono = c.Counter("TcpExt", "TCPMemoryPressuresChrono");
        // Since 6.0 sockstat reads only the global atomic; each CPU may hold up to mem_pcpu_rsv pages
        // not yet flushed into it (sk_memory_allocated_add(), include/net/proto_memory.h).
        long? rsv = c.Now.Sysctls.Long(SysctlNames.MemPcpuRsv);
        int? cpus = c.Now.Host.CpuCount;

        var evidence = new List<Evidence>
        {
            new("TCP buffer memory", Pages(mem.Value, page), SockStatSrc + " (machine-wide)"),
            new("tcp_mem min / pressure / high", $"{Pages(min, page)} / {Pages(pressure, page)} / {Pages(high, page)}", Sys(SysctlNames.TcpMem)),
            new("use of the pressure threshold", Pct((double)mem.Value / Math.Max(pressure, 1)), "computed"),
        };
        if (pressTotal is { } pt) evidence.Add(new("TCPMemoryPressures", pressDelta is { } pd ? $"{N(pt)} since boot, {Rate(pd, c.IntervalSeconds)}" : $"{N(pt)} since boot", NetStatSrc));
        if (chrono is > 0) evidence.Add(new("time spent under pressure", $"{N(chrono.Value / 1000.0)} s since boot", NetStatSrc));
        if (c.Now.Census is { } census && census.Memory.SocketsWithMemInfo > 0)
            evidence.Add(new("queued in sockets (census)", $"receive {Bytes(census.Memory.RmemAllocBytes)}, send {Bytes(census.Memory.WmemQueuedBytes)}, reserve {Bytes(census.Memory.ForwardAllocBytes)}", CensusSrc));
        var slab = SocketSlab.Summarise(c.Now);
        if (slab is not null)
            evidence.Add(new("socket structures (slab, not in tcp_mem)", $"{Bytes(slab.TotalBytes)}" + (slab.FloorBytesPerTcpSocket is { } per ? $", {N(per, 0)} B per idle TCP socket" : ""), SlabSrc));
        evidence.AddRange(LogEvidence(c, d.Id));

        Severity severity;
        When when; string title;
        if (mem.Value > high)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"TCP memory {Pages(mem.Value, page)} is over tcp_mem high {N(high)}: allocations are refused, senders block, orphans are killed";
        }
        else if (pressDelta > 0 || mem.Value > pressure)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"TCP is under memory pressure now ({Pages(mem.Value, page)} > pressure {N(pressure)}): windows shrink and throughput drops";
        }
        else if (mem.Value > NearLimit * pressure)
        {
            severity = Severity.Warning; when = When.Risk;
            title = $"TCP memory {Pages(mem.Value, page)} is past 80 % of the pressure threshold {N(pressure)}";
        }
        else if (pressTotal > 0 || HasLog(c, d.Id))
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = pressTotal > 0
                ? $"TCP entered memory pressure {N(pressTotal!.Value)} times since boot"
                : "The kernel log reports TCP out of memory (tcp_mem high reached)";
        }
        else
        {
            return Ok(d, $"{Pages(mem.Value, page)} of {N(pressure)} (pressure)");
        }

        // New thresholds keep the kernel's own proportions (tcp_init_mem(): min = 3/4·limit,
        // pressure = limit, high = 2·min) and put today's use at half of the pressure threshold.
        long memTotalPages = c.Now.MemInfo?.MemTotalBytes is { } mt && page > 0 ? mt / page : 0;
        long newPressure = Math.Max(pressure, mem.Value * 2);
        long newMin = newPressure / 4 * 3;
        long newHigh = newMin * 2;
        var fix = new List<FixLine>();
        bool pastOnly = when == When.SinceBoot && mem.Value < PastPeakOnly * pressure;
        string arithmetic = $"pressure = 2 × current {N(mem.Value)} pages = {N(newPressure)}; min = pressure/4×3 = {N(newMin)}; high = 2 × min = {N(newHigh)} (the kernel's tcp_init_mem() ratios)";
        if (pastOnly)
        {
            fix.Add(SizeOnThePeak(SysctlNames.TcpMem, $"{Pages(mem.Value, page)}, {Pct((double)mem.Value / Math.Max(pressure, 1))} of the pressure threshold",
                "pressure ≥ 2 × the peak of sockstat mem, min = pressure/4×3, high = 2 × min (tcp_init_mem() ratios), high at most a quarter of RAM"));
        }
        else if (memTotalPages > 0 && newHigh > memTotalPages / 4)
        {
            fix.Add(Action("Do not raise tcp_mem: the buffers themselves are the problem",
                $"The high mark would be {Pages(newHigh, page)}, over a quarter of RAM ({Pages(memTotalPages, page)} total). " +
                "Cap per-socket buffers instead (lower tcp_rmem[2]/tcp_wmem[2]) and look for slow readers holding data (sockdoc sockets --by process)."));
        }
        else
        {
            fix.Add(Sysctl(SysctlNames.TcpMem, $"{newMin} {newPressure} {newHigh}", arithmetic +
                (memTotalPages > 0 ? $"; high = {Pct((double)newHigh / memTotalPages)} of RAM" : "")));
        }
        fix.Add(Action("Find the sockets that hold the memory: `sockdoc sockets --by process` or `ss -tm`",
            "Large receive queues mean the application reads slowly; large send queues mean slow peers."));

        var caveats = new List<string>
        {
            "tcp_mem and sockstat mem count pages of socket buffers only; socket structures (slab) come on top and are shown separately.",
        };
        if (rsv is { } r && cpus is { } n)
            caveats.Add($"Since 6.0 sockstat lags the true value by up to {N(n)} CPUs × {N(r)} pages = {Pages(n * r, page)} (net.core.mem_pcpu_rsv per-CPU reserves).");
        if (mem.Value > min && mem.Value <= pressure && pressTotal > 0)
            caveats.Add($"Pressure, once entered, lasts until use falls to tcp_mem[0] = {N(min)} pages; use is above it now, so pressure may still be on.");
        if (!c.HasPageSize) caveats.Add("Page size unknown for this sample: values are in pages only.");

        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "tcp_mem (in pages, machine-wide) bounds the memory of all TCP socket buffers. Above tcp_mem[1] the kernel " +
                "enters pressure: receive windows are clamped and buffers stop growing. Above tcp_mem[2] new buffer memory is refused: " +
                "senders block in sk_stream_wait_memory(), received segments are dropped after pruning, and orphans with queued data " +
                "are killed (\"TCP: out of memory -- consider tuning tcp_mem\").",
            Fix = fix,
            Caveats = caveats,
        }, $"{Pages(mem.Value, page)} (pressure {N(pressure)}, high {N(high)})");
    }
}
