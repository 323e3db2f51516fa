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

    /// <summary>The host's tcp_mem verdict, joined with memory cgroups that refuse TCP memory below it (issue 14 defect 13).</summary>
    public CheckResult Evaluate(RuleContext c) => MemcgLimits.Join(Descriptor, EvaluateHost(c), MemcgLimits.Refusals(c), Explanation);

    private CheckResult EvaluateHost(RuleContext c)
    {
        var d = Descriptor;
        var mem = c.Now.SockStat?.TcpMemPages;
        var tcpMem = c.Now.Sysctls.Vector(SysctlNames.TcpMem, 3);
        var pressDelta = c.CounterDelta("TcpExt", "TCPMemoryPressures");
        var pressTotal = c.Counter("TcpExt", "TCPMemoryPressures");
        var log = Log(c, d.Id);
        if (mem is null || tcpMem is null) return WithoutGauges(c, mem is null, log, pressDelta, pressTotal);

        long page = c.PageSize;
        long min = tcpMem[0], pressure = tcpMem[1], high = tcpMem[2];
        var chrono = c.Counter("TcpExt", "TCPMemoryPressuresChrono");
        // Since 6.0 sockstat reads only the global atomic; each CPU may hold up to mem_pcpu_rsv pages
        // not yet flushed into it (sk_memory_allocated_add(), include/net/proto_memory.h).
        long? rsv = c.Now.Sysctls.Long(SysctlNames.MemPcpuRsv);
        int? cpus = c.Now.Host.CpuCount;

        var evidence = new List<Evidence>
        {
            PagesEv("TCP buffer memory", Pages(mem.Value, page), SockStatSrc + " (machine-wide)", mem.Value),
            new("tcp_mem min / pressure / high", $"{Pages(min, page)} / {Pages(pressure, page)} / {Pages(high, page)}", Sys(SysctlNames.TcpMem)),
            RatioEv("use of the pressure threshold", Pct((double)mem.Value / Math.Max(pressure, 1)), "computed", (double)mem.Value / Math.Max(pressure, 1)),
        };
        if (pressTotal is { } pt) evidence.Add(CountEv("TCPMemoryPressures", pressDelta is { } pd ? $"{N(pt)} since boot, {Rate(pd, c.IntervalSeconds)}" : $"{N(pt)} since boot", NetStatSrc, pt));
        if (chrono is > 0) evidence.Add(Ev("time spent under pressure", $"{N(chrono.Value / 1000.0)} s since boot", NetStatSrc, chrono.Value / 1000.0, "seconds"));
        if (c.Now.Census?.Memory is { SocketsWithMemInfo: > 0 } m)
            evidence.Add(new("queued in sockets (census)", $"receive {Bytes(m.RmemAllocBytes)}, send {Bytes(m.WmemQueuedBytes)}, reserve {Bytes(m.ForwardAllocBytes)}", CensusSrc));
        var slab = SocketSlab.Summarise(c.Now);
        if (slab is not null)
            evidence.Add(BytesEv("socket structures (slab, not in tcp_mem)", $"{Bytes(slab.TotalBytes)}" + (slab.FloorBytesPerTcpSocket is { } per ? $", {N(per, 0)} B per idle TCP socket" : ""), SlabSrc, slab.TotalBytes));
        evidence.AddRange(LogEvidence(c, d.Id));

        Severity severity;
        When when; string title;
        var confidence = Confidence.Confirmed;
        if (mem.Value > high)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"TCP memory {Pages(mem.Value, page)} is over tcp_mem high {N(high)}: allocations are refused, senders block, orphans are killed";
        }
        else if (mem.Value > pressure)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"TCP is under memory pressure now ({Pages(mem.Value, page)} > pressure {N(pressure)}): windows shrink and throughput drops";
        }
        else if (pressDelta > 0)
        {
            // The counter rose, but the gauge is at or below the mark now: say what the numbers say, not "mem > pressure".
            severity = Severity.Critical; when = When.Now;
            title = $"TCP entered memory pressure during the interval (TCPMemoryPressures {Rate(pressDelta.Value, c.IntervalSeconds)}); use is {Pages(mem.Value, page)} now, " +
                    (mem.Value > min ? $"still above tcp_mem[0] {N(min)}, so pressure may still be on" : $"back under tcp_mem[0] {N(min)}");
        }
        else if (mem.Value > NearLimit * pressure)
        {
            (severity, when) = WithLog(Severity.Warning, When.Risk, log);
            title = $"TCP memory {Pages(mem.Value, page)} is past 80 % of the pressure threshold {N(pressure)}";
            if (log.Recent) title += $"; the kernel refused TCP memory recently ({LogWhen(c, log)})";
        }
        else if (log.Any)
        {
            (severity, when) = LogTiming(log);
            if (log.Ambiguous) confidence = Confidence.Possible;
            string what = log.Ambiguous
                ? "The kernel logged \"Out of socket memory\" (tcp_mem[2] or the orphan limit: kernels before 3.3 print one text for both)"
                : "The kernel refused TCP memory over tcp_mem[2] (\"TCP: out of memory -- consider tuning tcp_mem\")";
            title = log.Recent
                ? $"{what} recently: {LogWhen(c, log)}; use is {Pages(mem.Value, page)} now (high {N(high)})"
                : $"{what} {LogWhen(c, log)}, before the --recent window";
        }
        else if (pressTotal > 0)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = $"TCP entered memory pressure {N(pressTotal!.Value)} times since boot";
        }
        else
        {
            return Ok(d, $"{Pages(mem.Value, page)} of {N(pressure)} (pressure)");
        }

        // New thresholds keep the kernel's own proportions (tcp_init_mem(): min = 3/4·limit,
        // pressure = limit, high = 2·min) and put today's use at half of the pressure threshold; a hand-set
        // min or high above those proportions is kept (never propose a lower value than the running one).
        long memTotalPages = c.Now.MemInfo?.MemTotalBytes is { } mt && page > 0 ? mt / page : 0;
        long newPressure = Math.Max(pressure, Mul(mem.Value, 2));
        long newMin = Math.Max(min, newPressure / 4 * 3);
        long newHigh = Math.Max(high, Mul(newMin, 2));
        var fix = new List<FixLine>();
        bool pastOnly = when is When.SinceBoot or When.Recent && mem.Value < PastPeakOnly * pressure;
        string arithmetic = $"pressure = 2 × current {N(mem.Value)} pages = {N(newPressure)}; min = pressure/4×3 = {N(newPressure / 4 * 3)}" +
                            (newMin > newPressure / 4 * 3 ? $", kept at today's {N(min)}" : "") +
                            $"; high = 2 × min = {N(Mul(newMin, 2))}" + (newHigh > Mul(newMin, 2) ? $", kept at today's {N(high)}" : "") +
                            " (the kernel's tcp_init_mem() ratios; no value below today's)";
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
        else if (newMin != min || newPressure != pressure || newHigh != high)
        {
            fix.Add(Sysctl(SysctlNames.TcpMem, string.Create(CultureInfo.InvariantCulture, $"{newMin} {newPressure} {newHigh}"), arithmetic +
                (memTotalPages > 0 ? $"; high = {Pct((double)newHigh / memTotalPages)} of RAM" : "")));
        }
        fix.Add(Action("Find the sockets that hold the memory: `sockdoc sockets --by process` or `ss -tm`",
            "Large receive queues mean the application reads slowly; large send queues mean slow peers."));

        var caveats = new List<string>
        {
            "tcp_mem and sockstat mem count pages of socket buffers only; socket structures (slab) come on top and are shown separately.",
        };
        if (rsv is { } r && cpus is { } n)
            caveats.Add($"Since 6.0 sockstat lags the true value by up to {N(n)} CPUs × {N(r)} pages = {Pages(Mul(n, r), page)} (net.core.mem_pcpu_rsv per-CPU reserves).");
        if (mem.Value > min && mem.Value <= pressure && pressTotal > 0)
            caveats.Add($"Pressure, once entered, lasts until use falls to tcp_mem[0] = {N(min)} pages; use is above it now, so pressure may still be on.");
        if (!c.HasPageSize) caveats.Add("Page size unknown for this sample: values are in pages only.");
        caveats.Add(MemcgLimits.Coverage(c));

        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Confidence = confidence,
            Title = title,
            Evidence = evidence,
            Explanation = Explanation,
            Fix = fix,
            Caveats = caveats,
        }, $"{Pages(mem.Value, page)} (pressure {N(pressure)}, high {N(high)})");
    }

    /// <summary>The gauges are not in the sample (a paste, a container): the pressure counter or the kernel's line alone.</summary>
    private CheckResult WithoutGauges(RuleContext c, bool noGauge, LogState log, long? pressDelta, long? pressTotal)
    {
        var d = Descriptor;
        string missing = noGauge ? "sockstat TCP mem" : c.InitialNetNs ? SysctlNames.TcpMem : $"{SysctlNames.TcpMem} (global; not visible inside this network namespace)";
        FixLine read = Action("Read TCP memory and its limits: `cat /proc/net/sockstat` (TCP mem, pages) and `sysctl net.ipv4.tcp_mem`",
            "A new tcp_mem is sized on the pages in use at the peak; without them any value is a guess.");
        FixLine find = Action("Find the sockets that hold the memory: `sockdoc sockets --by process` or `ss -tm`",
            "Large receive queues mean the application reads slowly; large send queues mean slow peers.");
        if (pressDelta > 0)
        {
            // The counter is the kernel's own proof that pressure was entered: confirmed, even without the gauge.
            var f = new Finding
            {
                Id = d.Id, Severity = Severity.Critical, When = When.Now, Confidence = Confidence.Confirmed,
                Title = $"TCP entered memory pressure during the interval (TCPMemoryPressures {Rate(pressDelta.Value, c.IntervalSeconds)})",
                Evidence = [CountEv("TCPMemoryPressures", $"{N(pressTotal ?? 0)} since boot, {Rate(pressDelta.Value, c.IntervalSeconds)}", NetStatSrc, pressTotal), .. LogEvidence(c, d.Id)],
                Explanation = Explanation, Fix = [read, find], ToConfirm = [Inputs.SockStatTcpMem, Inputs.TcpMem],
            };
            return Found(d, f, f.Title, [missing]);
        }
        if (log.Any)
        {
            string title = log.Ambiguous
                ? $"The kernel logged \"Out of socket memory\": TCP memory over tcp_mem[2] or too many orphans (this wording, before 3.3, is shared), {LogWhen(c, log)}"
                : $"The kernel refused TCP memory over tcp_mem[2] (\"TCP: out of memory -- consider tuning tcp_mem\"): {LogWhen(c, log)}";
            var extra = pressTotal is { } pt ? new List<Evidence> { CountEv("TCPMemoryPressures", $"{N(pt)} since boot", NetStatSrc, pt) } : null;
            return FromLog(d, c, title, Explanation, [read, find],
                log.Ambiguous ? ["The same text is printed for too many orphans: sockstat mem against tcp_mem, and sockstat orphan against tcp_max_orphans, decide."] : null,
                extra);
        }
        if (pressTotal > 0)
        {
            var f = new Finding
            {
                Id = d.Id, Severity = Severity.Warning, When = When.SinceBoot, Confidence = Confidence.Confirmed,
                Title = $"TCP entered memory pressure {N(pressTotal!.Value)} times since boot",
                Evidence = [CountEv("TCPMemoryPressures", $"{N(pressTotal.Value)} since boot", NetStatSrc, pressTotal)],
                Explanation = Explanation, Fix = [read, find], ToConfirm = [Inputs.SockStatTcpMem, Inputs.TcpMem],
            };
            return Found(d, f, f.Title, [missing]);
        }
        return Unknown(d, missing);
    }

    private const string Explanation =
                "tcp_mem (in pages, machine-wide) bounds the memory of all TCP socket buffers. Above tcp_mem[1] the kernel " +
                "enters pressure: receive windows are clamped and buffers stop growing. Above tcp_mem[2] new buffer memory is refused: " +
                "senders block in sk_stream_wait_memory(), received segments are dropped after pruning, and orphans with queued data " +
                "are killed (\"TCP: out of memory -- consider tuning tcp_mem\").";
}
