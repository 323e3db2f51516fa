using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// Too many orphaned sockets (kernel-facts §1). tcp_check_oom() kills an orphan when
/// orphans &lt;&lt; shift &gt; tcp_max_orphans (net/ipv4/tcp.c tcp_too_many_orphans()); close() uses shift 0,
/// the retransmit and zero-window-probe timers (tcp_out_of_resources(), net/ipv4/tcp_timer.c) add 1
/// when nothing was sent for 2 × TCP_RTO_MAX (240 s) or the retries are spent, and 1 more after an
/// ICMP error. So the effective limits are max, max/2 and max/4.
/// Inputs: sockstat orphan (machine-wide), tcp_max_orphans (global), TcpExt TCPAbortOnMemory (per netns).
/// </summary>
public sealed class Orphans : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "orphans",
        "Orphaned TCP sockets against tcp_max_orphans",
        "tcp_check_oom() / tcp_too_many_orphans(): orphans << shift > tcp_max_orphans, shift 0..2",
        [Inputs.SockStatOrphan, Inputs.TcpMaxOrphans, Inputs.TcpAbortOnMemory, Inputs.KernelLog]);

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var orphans = c.Now.SockStat?.TcpOrphan;
        var max = c.Now.Sysctls.Long(SysctlNames.TcpMaxOrphans);
        if (orphans is null) return Unknown(d, "sockstat TCP orphan");
        if (max is null)
        {
            // A child network namespace has no tcp_max_orphans (kernel-facts §9): the limit is the host's.
            var why = c.InitialNetNs ? SysctlNames.TcpMaxOrphans : $"{SysctlNames.TcpMaxOrphans} (global; not visible inside this network namespace — read it on the host)";
            return Unknown(d, why);
        }

        long limit0 = max.Value, limit1 = max.Value / 2, limit2 = max.Value / 4;
        var abortDelta = c.CounterDelta("TcpExt", "TCPAbortOnMemory");
        var abortTotal = c.Counter("TcpExt", "TCPAbortOnMemory");
        var tcpMem = c.Now.Sysctls.Vector(SysctlNames.TcpMem, 3);
        var memPages = c.Now.SockStat?.TcpMemPages;
        bool memOverHard = tcpMem is not null && memPages is { } m && m > tcpMem[2];
        bool logged = HasLog(c, d.Id);

        var evidence = new List<Evidence>
        {
            new("orphans now", $"{N(orphans.Value)} (machine-wide, IPv4 and IPv6)", SockStatSrc),
            new("tcp_max_orphans", N(limit0), Sys(SysctlNames.TcpMaxOrphans)),
            new("effective limits", $"{N(limit0)} at close(), {N(limit1)} for orphans idle > 240 s, out of retries or with an ICMP error, {N(limit2)} with both", "tcp_too_many_orphans()"),
            new("use of the strictest limit (max/4)", limit2 > 0 ? Pct((double)orphans.Value / limit2) : "n/a", "computed"),
        };
        if (abortTotal is { } at) evidence.Add(new("TCPAbortOnMemory", abortDelta is { } ad ? $"{N(at)} since boot, {Rate(ad, c.IntervalSeconds)}" : $"{N(at)} since boot", NetStatSrc + " (this network namespace)"));
        if (c.Now.Census is { } census && census.OrphansByState.Count > 0)
            evidence.Add(new("orphans by state", string.Join(", ", census.OrphansByState.Select(kv => $"{kv.Key} {N(kv.Value)}")), CensusSrc));
        evidence.AddRange(LogEvidence(c, d.Id));

        Severity severity;
        When when; string title;
        if (abortDelta > 0 && !memOverHard)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"Sockets are being killed now: TCPAbortOnMemory {Rate(abortDelta.Value, c.IntervalSeconds)} with {N(orphans.Value)} orphans";
        }
        else if (orphans.Value > limit0)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"{N(orphans.Value)} orphans exceed tcp_max_orphans {N(limit0)}: every close() that leaves a connection open (FIN_WAIT1, LAST_ACK) resets it";
        }
        else if (orphans.Value > limit1)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"{N(orphans.Value)} orphans exceed max/2 = {N(limit1)}: orphans idle for 240 s, out of retries or hit by an ICMP error are killed";
        }
        else if (orphans.Value > limit2)
        {
            severity = Severity.Warning; when = When.Risk;
            title = $"{N(orphans.Value)} orphans exceed max/4 = {N(limit2)}: idle orphans that also saw an ICMP error are killed";
        }
        else if (abortTotal > 0 || logged)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = abortTotal > 0
                ? $"{N(abortTotal!.Value)} connections were aborted for memory since boot (orphan limit or tcp_mem)"
                : "The kernel log reports too many orphaned sockets";
        }
        else
        {
            return Ok(d, $"{N(orphans.Value)} orphans, strictest limit {N(limit2)} (max/4)");
        }

        var fix = new List<FixLine>();
        if (orphans.Value > limit2 / 2)
        {
            // Size the limit so today's orphans fit under the strictest limit (max/4) with 25 % room, rounded
            // to a power of two like the kernel's own default (ehash_entries / 2), and never below double today's.
            long need = orphans.Value * 4 * 5 / 4;
            long proposed = Math.Max(RoundUpPow2(need), limit0 * 2);
            // Worst case each orphan keeps its tcp_sock (slab) and at least one page of unsent data.
            long perOrphan = (c.Now.SlabInfo?.Find("TCP")?.ObjectSize ?? 2368) + c.PageSize; // PageSize is 0 when unknown
            var ram = c.Now.MemInfo?.MemTotalBytes;
            fix.Add(Sysctl(SysctlNames.TcpMaxOrphans, proposed.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{N(orphans.Value)} orphans × 4 (the shift-2 limit is max/4) × 1.25 = {N(need)}, rounded up to a power of two (at least double today's). " +
                $"Worst case {N(proposed)} orphans × {N(perOrphan)} B ({(c.HasPageSize ? "tcp_sock + one page" : "tcp_sock; page size unknown")}) = {Bytes(proposed * perOrphan)}" +
                (ram is { } r ? $" of {Bytes(r)} RAM" : "") + "; their buffers also count against tcp_mem, which kills orphans too when full."));
        }
        else
        {
            fix.Add(Action("Keep tcp_max_orphans: today's orphans are far below every limit",
                "The aborts happened earlier; `sockdoc logs` tells whether the orphan limit or tcp_mem was hit, and when."));
        }
        fix.Add(Action("Find who leaves orphans: `ss -tan state fin-wait-1 state closing state last-ack` (Send-Q shows the unsent data)",
            "Orphans are closed sockets with data still queued, usually to slow or dead peers."));
        fix.Add(Sysctl(SysctlNames.TcpOrphanRetries, "3",
            "0 (the default) means 8 retries; 3 lets a dead peer's orphan die after ~3 backed-off retransmits instead of minutes."));
        var caveats = new List<string>
        {
            "TCPAbortOnMemory also counts kills because TCP memory is over tcp_mem[2]; see the tcp_mem check.",
            "sockstat orphan and tcp_max_orphans are machine-wide; TCPAbortOnMemory counts only this network namespace.",
        };
        if (memOverHard) caveats.Add("TCP memory is over tcp_mem[2] right now, so the kills can equally come from the memory limit.");
        if (!c.InitialNetNs) caveats.Add("This sample comes from a child network namespace (container): the orphans and the limit are the host's.");

        var finding = new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "An orphan is a TCP socket the application has closed while the kernel still has data to deliver or a FIN to complete. " +
                "tcp_check_oom() kills it with a reset once orphans << shift > tcp_max_orphans: shift is 0 at close(); in the timers it gains 1 " +
                "when nothing was sent for 240 s or retries are spent, and 1 more when an ICMP error was seen, " +
                "so trouble starts at max/4, not at max. Old kernels logged this as \"Out of socket memory\".",
            Fix = fix,
            Caveats = caveats,
        };
        return Found(d, finding, $"{N(orphans.Value)} orphans (limits {N(limit0)}/{N(limit1)}/{N(limit2)})");
    }
}
