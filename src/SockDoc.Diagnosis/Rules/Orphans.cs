using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// Too many orphaned sockets (kernel-facts §1). tcp_check_oom() kills an orphan when
/// orphans &lt;&lt; shift &gt; tcp_max_orphans (net/ipv4/tcp.c tcp_too_many_orphans()); close() uses shift 0,
/// the retransmit and zero-window-probe timers (tcp_out_of_resources(), net/ipv4/tcp_timer.c) add 1
/// when nothing was sent for 2 × the maximum RTO (2 × TCP_RTO_MAX = 240 s; since 6.15 tcp_rto_max(sk), whose
/// default is the netns sysctl net.ipv4.tcp_rto_max_ms) or the retries are spent, and 1 more after an
/// ICMP error. So the effective limits are max, max/2 and max/4.
/// Evidence, any of which suffices: the gauge over a limit, TCPAbortOnMemory (shared with tcp_mem), and the
/// kernel's own line ("TCP: too many orphaned sockets"; "Out of socket memory" before 3.3 is shared with tcp_mem).
/// </summary>
public sealed class Orphans : IRule
{
    /// <summary>Netns sysctl since 6.15 (the default of tcp_rto_max(sk)); absent before.</summary>
    public const string TcpRtoMaxMs = "net.ipv4.tcp_rto_max_ms";
    /// <summary>TCP_RTO_MAX (include/net/tcp.h), the maximum RTO before 6.15 and the default since.</summary>
    public const long DefaultRtoMaxMs = 120_000;
    /// <summary>tcp_sock slab object on x86-64 6.x when /proc/slabinfo is not in the sample.</summary>
    public const long DefaultTcpSockBytes = 2368;

    /// <summary>
    /// tcp_init() sets tcp_max_orphans to half the established hash, which alloc_large_system_hash() sizes at one slot per
    /// 128 KB of memory: 128 on a 32 MB machine, thousands on any server. Below that the limit was set by hand.
    /// </summary>
    public const long TinyMaxOrphans = 128;

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
        var abortDelta = c.CounterDelta("TcpExt", "TCPAbortOnMemory");
        var abortTotal = c.Counter("TcpExt", "TCPAbortOnMemory");
        var log = Log(c, d.Id);
        if (orphans is null || max is null) return WithoutGauges(c, orphans is null, log, abortDelta, abortTotal);

        long limit0 = max.Value, limit1 = max.Value / 2, limit2 = max.Value / 4;
        var tcpMem = c.Now.Sysctls.Vector(SysctlNames.TcpMem, 3);
        var memPages = c.Now.SockStat?.TcpMemPages;
        bool memKnown = tcpMem is not null && memPages is not null;
        bool memOverHard = tcpMem is not null && memPages is { } m && m > tcpMem[2];
        long idle = IdleSeconds(c);

        var evidence = new List<Evidence>
        {
            CountEv("orphans now", $"{N(orphans.Value)} (machine-wide, IPv4 and IPv6)", SockStatSrc, orphans.Value),
            CountEv("tcp_max_orphans", N(limit0), Sys(SysctlNames.TcpMaxOrphans), limit0),
            new("effective limits", $"{N(limit0)} at close(), {N(limit1)} for orphans idle > {N(idle)} s, out of retries or with an ICMP error, {N(limit2)} with both", "tcp_too_many_orphans()"),
            RatioEv("use of the strictest limit (max/4)", limit2 > 0 ? Pct((double)orphans.Value / limit2) : "n/a", "computed", limit2 > 0 ? (double)orphans.Value / limit2 : null),
        };
        if (abortTotal is { } at) evidence.Add(CountEv("TCPAbortOnMemory", abortDelta is { } ad ? $"{N(at)} since boot, {Rate(ad, c.IntervalSeconds)}" : $"{N(at)} since boot", NetStatSrc + " (this network namespace)", at));
        if (c.Now.Census is { } census && census.OrphansByState.Count > 0)
            evidence.Add(new("orphans by state", string.Join(", ", census.OrphansByState.Select(kv => $"{kv.Key} {N(kv.Value)}")), CensusSource(census)));
        evidence.AddRange(LogEvidence(c, d.Id));

        Severity severity;
        When when; string title;
        // TCPAbortOnMemory counts kills by both causes; with tcp_mem known and not over [2] they are the orphan limit's.
        var confidence = Confidence.Confirmed;
        if (abortDelta > 0 && !memOverHard)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"Sockets are being killed now: TCPAbortOnMemory {Rate(abortDelta.Value, c.IntervalSeconds)} with {N(orphans.Value)} orphans";
            if (!memKnown && orphans.Value <= limit2 && !OrphanLine(log)) confidence = Confidence.Possible;
        }
        else if (orphans.Value > limit0)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"{N(orphans.Value)} orphans exceed tcp_max_orphans {N(limit0)}: every close() that leaves a connection open (FIN_WAIT1, LAST_ACK) resets it";
        }
        else if (orphans.Value > limit1)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"{N(orphans.Value)} orphans exceed max/2 = {N(limit1)}: orphans idle for {N(idle)} s, out of retries or hit by an ICMP error are killed";
        }
        else if (orphans.Value > limit2)
        {
            (severity, when) = WithLog(Severity.Warning, When.Risk, log);
            title = $"{N(orphans.Value)} orphans exceed max/4 = {N(limit2)}: idle orphans that also saw an ICMP error are killed";
            if (log.Recent) title += $"; the kernel reset orphans recently ({LogWhen(c, log)})";
        }
        else if (log.Any)
        {
            (severity, when) = LogTiming(log);
            confidence = OrphanLine(log) ? Confidence.Confirmed : Confidence.Possible;
            string what = OrphanLine(log) ? "The kernel reset orphaned sockets (\"TCP: too many orphaned sockets\")"
                : "The kernel logged \"Out of socket memory\" (orphan limit or tcp_mem: kernels before 3.3 print one text for both)";
            title = log.Recent
                ? $"{what} recently: {LogWhen(c, log)}; {N(orphans.Value)} orphans now (limits {N(limit0)}/{N(limit1)}/{N(limit2)})"
                : $"{what} {LogWhen(c, log)}, before the --recent window; {N(orphans.Value)} orphans now";
        }
        else if (abortTotal > 0)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            confidence = Confidence.Possible;
            title = $"{N(abortTotal!.Value)} connections were aborted for memory since boot (orphan limit or tcp_mem)";
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
            long need = Mul(orphans.Value, 5);
            long proposed = Math.Max(RoundUpPow2(need), Mul(limit0, 2));
            fix.Add(Sysctl(SysctlNames.TcpMaxOrphans, proposed.ToString(CultureInfo.InvariantCulture),
                $"{N(orphans.Value)} orphans × 4 (the shift-2 limit is max/4) × 1.25 = {N(need)}, rounded up to a power of two (at least double today's). " +
                MemoryText(c, proposed, tcpMem)));
        }
        else
        {
            fix.Add(Action("Keep tcp_max_orphans: today's orphans are far below every limit",
                "The kills happened earlier; `sockdoc logs` tells whether the orphan limit or tcp_mem was hit, and when."));
        }
        fix.AddRange(CommonFix(c));
        var caveats = new List<string>
        {
            "TCPAbortOnMemory also counts kills because TCP memory is over tcp_mem[2]; see the tcp_mem check.",
            "sockstat orphan and tcp_max_orphans are machine-wide; TCPAbortOnMemory counts only this network namespace.",
        };
        if (memOverHard) caveats.Add("TCP memory is over tcp_mem[2] right now, so the kills can equally come from the memory limit.");
        if (!c.InitialNetNs) caveats.Add("This sample comes from a child network namespace (container): the orphans and the limit are the host's.");
        if (when == When.Recent) caveats.Add("The orphan count drops the moment the kernel resets them, so a gauge below the limit now does not contradict the log.");

        var finding = new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Confidence = confidence,
            Title = title,
            Evidence = evidence,
            Explanation = Explanation(idle),
            Fix = fix,
            Caveats = caveats,
            ToConfirm = confidence == Confidence.Confirmed ? [] : [Inputs.KernelLog],
        };
        return Found(d, finding, $"{N(orphans.Value)} orphans (limits {N(limit0)}/{N(limit1)}/{N(limit2)})");
    }

    /// <summary>The gauges are not in the sample (a paste, a container): the kernel's line or the abort counter alone.</summary>
    private CheckResult WithoutGauges(RuleContext c, bool noOrphanGauge, LogState log, long? abortDelta, long? abortTotal)
    {
        var d = Descriptor;
        string missing = noOrphanGauge ? "sockstat TCP orphan"
            : c.InitialNetNs ? SysctlNames.TcpMaxOrphans : $"{SysctlNames.TcpMaxOrphans} (global; not visible inside this network namespace — read it on the host)";
        var fix = CommonFix(c).ToList();
        fix.Insert(0, Action("Read the orphan count and its limit: `cat /proc/net/sockstat` (orphan) and `sysctl net.ipv4.tcp_max_orphans`",
            "The limit is checked at max, max/2 and max/4; the count says which one was crossed and what to raise it to."));
        if (log.Any)
        {
            string title = OrphanLine(log)
                ? $"The kernel reset orphaned sockets (\"TCP: too many orphaned sockets\"): {LogWhen(c, log)}"
                : $"The kernel logged \"Out of socket memory\": too many orphans or TCP memory over tcp_mem[2] (this wording, before 3.3, is shared), {LogWhen(c, log)}";
            var extra = new List<Evidence>();
            if (abortTotal is { } at) extra.Add(CountEv("TCPAbortOnMemory", $"{N(at)} since boot", NetStatSrc, at));
            return FromLog(d, c, title, Explanation(IdleSeconds(c)), fix,
                OrphanLine(log) ? null : ["The same text is printed when TCP memory is over tcp_mem[2]: sockstat orphan against tcp_max_orphans, and sockstat mem against tcp_mem, decide."],
                extra);
        }
        // A hand-set limit this small resets nearly every close(): tcp_close() orphans any socket whose FIN is not yet
        // acknowledged, and tcp_too_many_orphans() compares the orphan count with it (0: the first orphan is over).
        if (c.Now.Sysctls.Long(SysctlNames.TcpMaxOrphans) is { } tiny && tiny < TinyMaxOrphans)
        {
            return Conclude(d, c, Severity.Warning, When.Risk, Confidence.Likely,
                $"tcp_max_orphans is {N(tiny)}: almost every connection this host closes first is reset instead of finishing with FIN",
                [CountEv("tcp_max_orphans", N(tiny), Sys(SysctlNames.TcpMaxOrphans), tiny)],
                Explanation(IdleSeconds(c)), fix,
                [$"The kernel's own value is half the established-hash size (tcp_init()), {N(TinyMaxOrphans)} or more on any machine with 32 MB; a value below that was set by hand."]);
        }
        if (abortTotal is { } total && (abortDelta > 0 || total > 0))
        {
            bool rising = abortDelta > 0;
            var finding = new Finding
            {
                Id = d.Id,
                Severity = rising ? Severity.Critical : Severity.Warning,
                When = rising ? When.Now : When.SinceBoot,
                Confidence = Confidence.Possible,
                Title = rising
                    ? $"Connections are being killed for memory now (TCPAbortOnMemory {Rate(abortDelta!.Value, c.IntervalSeconds)}): too many orphans or tcp_mem"
                    : $"{N(total)} connections were aborted for memory since boot (orphan limit or tcp_mem)",
                Evidence = [CountEv("TCPAbortOnMemory", abortDelta is { } ad ? $"{N(total)} since boot, {Rate(ad, c.IntervalSeconds)}" : $"{N(total)} since boot", NetStatSrc, total)],
                Explanation = Explanation(IdleSeconds(c)),
                Fix = fix,
                Caveats = ["TCPAbortOnMemory counts kills by the orphan limit and by tcp_mem[2] alike: the kernel log line, or sockstat against both limits, tells which."],
                ToConfirm = [Inputs.SockStatOrphan, Inputs.TcpMaxOrphans, Inputs.KernelLog],
            };
            return Found(d, finding, finding.Title, [missing]);
        }
        return Unknown(d, missing);
    }

    /// <summary>True when a line names orphans alone (3.3+), not the shared "Out of socket memory".</summary>
    private static bool OrphanLine(LogState log) => log.Any && !log.Ambiguous;

    /// <summary>2 × the maximum RTO in seconds: 240 s, or twice net.ipv4.tcp_rto_max_ms where the kernel has it (6.15+).</summary>
    public static long IdleSeconds(RuleContext c) =>
        Mul(2, c.Now.Sysctls.Long(TcpRtoMaxMs) is { } ms and > 0 ? ms : DefaultRtoMaxMs) / 1000;

    private static string MemoryText(RuleContext c, long proposed, long[]? tcpMem)
    {
        // Each orphan keeps at least its tcp_sock (slab) and one page of unsent data or FIN; more with more queued.
        long perOrphan = Add(c.Now.SlabInfo?.Find("TCP")?.ObjectSize ?? DefaultTcpSockBytes, c.PageSize); // PageSize is 0 when unknown
        var ram = c.Now.MemInfo?.MemTotalBytes;
        string ceiling = tcpMem is not null && c.HasPageSize
            ? $"; their buffers together are capped by tcp_mem[2] = {Pages(tcpMem[2], c.PageSize)}, where the kernel kills orphans with queued data too"
            : "; their buffers together are capped by tcp_mem[2], where the kernel kills orphans with queued data too";
        return $"At least {N(perOrphan)} B per orphan ({(c.HasPageSize ? "tcp_sock + one page" : "tcp_sock; page size unknown")}), " +
               $"so {N(proposed)} orphans need at least {Bytes(Mul(proposed, perOrphan))}" + (ram is { } r ? $" of {Bytes(r)} RAM" : "") +
               $"; an orphan holds all its unsent data, up to its send buffer{ceiling}.";
    }

    private static IEnumerable<FixLine> CommonFix(RuleContext c)
    {
        yield return Action("Find who leaves orphans: `ss -tan state fin-wait-1 state closing state last-ack` (Send-Q shows the unsent data)",
            "Orphans are closed sockets with data still queued, usually to slow or dead peers.");
        // tcp_orphan_retries() turns 0 into 8 for a socket that is still alive: lowering helps only from 0 or above 3.
        var retries = c.Now.Sysctls.Long(SysctlNames.TcpOrphanRetries);
        if (retries is null)
            yield return Action($"Read {SysctlNames.TcpOrphanRetries} (0 means 8 retries); lower it to 3 only if it is 0 or above 3",
                "Fewer retries let a dead peer's orphan die sooner; a value of 1 or 2 is already lower than 3 and must stay.");
        else if (retries is 0 or > 3)
            yield return Sysctl(SysctlNames.TcpOrphanRetries, "3",
                $"Today {N(retries.Value)}{(retries == 0 ? " (tcp_orphan_retries() makes 0 mean 8 for a live socket)" : "")}; 3 lets a dead peer's orphan die after ~3 backed-off retransmits instead of minutes.");
    }

    private static string Explanation(long idle) =>
        "An orphan is a TCP socket the application has closed while the kernel still has data to deliver or a FIN to complete. " +
        "tcp_check_oom() kills it with a reset once orphans << shift > tcp_max_orphans: shift is 0 at close(); in the timers it gains 1 " +
        $"when nothing was sent for {idle} s (2 × the maximum RTO) or retries are spent, and 1 more when an ICMP error was seen, " +
        "so trouble starts at max/4, not at max. Kernels before 3.3 logged this as \"Out of socket memory\", the same text as for tcp_mem.";
}
