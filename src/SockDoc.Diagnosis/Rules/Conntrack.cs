using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// The netfilter conntrack table (kernel-facts §7). __nf_conntrack_alloc()
/// (net/netfilter/nf_conntrack_core.c) drops the packet when the namespace's count exceeds
/// nf_conntrack_max and early_drop() finds nothing to evict ("nf_conntrack: table full, dropping packet").
/// The limit is global; the count is per network namespace.
/// </summary>
public sealed class Conntrack : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "conntrack",
        "Connection tracking table against nf_conntrack_max",
        "__nf_conntrack_alloc(): drop when count > nf_conntrack_max and early_drop() fails",
        [Inputs.NfConntrackCount, Inputs.NfConntrackMax, Inputs.ConntrackDrop, Inputs.KernelLog, Inputs.Stated]);

    /// <summary>The count is "near" nf_conntrack_max from here: the table-full drop needs count > max after early_drop() failed.</summary>
    public const double NearFull = 0.9;

    private const string FullExplanation =
        "Every tracked flow takes one conntrack entry. When a network namespace holds more than nf_conntrack_max entries and early_drop() " +
        "finds no entry that is not yet ASSURED to evict, the kernel drops the new flow's packet and logs \"nf_conntrack: table full, dropping packet\" " +
        "(rate limited). Established TCP entries live 5 days by default, so idle connections fill the table.";

    private const string RaceExplanation =
        "The drop counter of /proc/net/stat/nf_conntrack also rises when the table is far from full: when two packets of one new flow " +
        "(typically a UDP DNS client sending the A and AAAA queries from one socket at once) create two entries on different CPUs, the second " +
        "insert in __nf_conntrack_confirm() clashes; when nf_ct_resolve_clash() cannot merge them the packet is dropped and counted in " +
        "insert_failed and drop. Protocol trackers (TCP window tracking, invalid packets) and sequence-adjust failures drop and count too. " +
        "None of these is the table limit, and raising nf_conntrack_max does not help.";

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var count = c.Now.Sysctls.Long(SysctlNames.NfConntrackCount);
        var max = c.Now.Sysctls.Long(SysctlNames.NfConntrackMax);
        var log = Log(c, d.Id);
        var stated = Stated(c, StatedConditions.ConntrackTableFull);
        if (count is null || max is null)
        {
            if (log.Any) return Found(d, SinceBootFromLog(c, log), "the kernel log reports a full conntrack table");
            if (stated.Count > 0)
                return FromStatement(d, c, stated, "The paste says the conntrack table is full", FullExplanation, SizeOnPeakFix, Caveats(c));
            if (count is null && max is null && c.Now.ConntrackStat is null) return Ok(d, "nf_conntrack is not loaded");
            return Unknown(d, count is null ? SysctlNames.NfConntrackCount : SysctlNames.NfConntrackMax);
        }

        var dropDelta = c.Pair.Delta(s => s.ConntrackStat?.Drop);
        var dropTotal = c.Now.ConntrackStat?.Drop;
        var earlyDelta = c.Pair.Delta(s => s.ConntrackStat?.EarlyDrop);
        var insertFailedDelta = c.Pair.Delta(s => s.ConntrackStat?.InsertFailed);
        var insertFailedTotal = c.Now.ConntrackStat?.InsertFailed;
        var invalidDelta = c.Pair.Delta(s => s.ConntrackStat?.Get("invalid"));
        var buckets = c.Now.Sysctls.Long(SysctlNames.NfConntrackBuckets);
        bool limited = max.Value > 0;
        double use = Share(count.Value, max.Value);

        var evidence = new List<Evidence>
        {
            Count("entries", count.Value, $"{N(count.Value)} (this network namespace)", Sys(SysctlNames.NfConntrackCount)),
            Count("nf_conntrack_max", max.Value, $"{N(max.Value)} (global; each namespace may hold this many)", Sys(SysctlNames.NfConntrackMax)),
            limited ? Ratio("use", use, "computed") : new("use", "no limit (0)", "computed"),
        };
        if (buckets is { } b) evidence.Add(Count("hash buckets", b, N(b), Sys(SysctlNames.NfConntrackBuckets)));
        if (dropTotal is { } dt) evidence.Add(Counter("packets dropped by conntrack (any cause)", dt, dropDelta, c.IntervalSeconds, "/proc/net/stat/nf_conntrack drop"));
        if (earlyDelta is > 0) evidence.Add(Count("early drops (evictions to make room)", earlyDelta.Value, Rate(earlyDelta.Value, c.IntervalSeconds), "/proc/net/stat/nf_conntrack early_drop"));
        if (insertFailedTotal is { } it && (it > 0 || insertFailedDelta > 0)) evidence.Add(Counter("insert_failed (clash races)", it, insertFailedDelta, c.IntervalSeconds, "/proc/net/stat/nf_conntrack insert_failed"));
        if (invalidDelta is > 0) evidence.Add(Count("invalid (protocol tracker refused)", invalidDelta.Value, Rate(invalidDelta.Value, c.IntervalSeconds), "/proc/net/stat/nf_conntrack invalid"));
        evidence.AddRange(LogEvidence(c, d.Id));

        // Table full only on the table's own evidence (issue 14 #3): the count near the limit, evictions rising,
        // or the kernel's table-full line inside the window. Any other drop is a race or a tracker's verdict.
        bool nearFull = limited && count.Value >= NearFull * max.Value;
        bool tableFull = nearFull || earlyDelta > 0 || log.Recent;
        Severity severity;
        When when; string title;
        bool race = false;
        if (dropDelta > 0 && tableFull)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"Conntrack table full: packets dropped now ({Rate(dropDelta.Value, c.IntervalSeconds)}), {N(count.Value)} of {N(max.Value)} entries";
        }
        else if (dropDelta > 0)
        {
            severity = Severity.Critical; when = When.Now; race = true;
            title = insertFailedDelta > 0
                ? $"Conntrack drops packets now ({Rate(dropDelta.Value, c.IntervalSeconds)}) on insert clashes (insert_failed {Rate(insertFailedDelta.Value, c.IntervalSeconds)}), not a full table: {N(count.Value)} of {N(max.Value)} entries"
                : $"Conntrack drops packets now ({Rate(dropDelta.Value, c.IntervalSeconds)}) with the table at {Pct(use)}: a protocol tracker or a clash race, not a full table";
        }
        else if (limited && count.Value >= max.Value)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"Conntrack table full: {N(count.Value)} of {N(max.Value)} entries";
        }
        else if (log.Recent)
        {
            severity = Severity.Critical; when = When.Recent;
            title = $"The kernel dropped packets on a full conntrack table: {LogWhen(c, log)}";
        }
        else if (limited && count.Value > NearLimit * max.Value)
        {
            severity = Severity.Warning; when = When.Risk;
            title = $"Conntrack table {Pct(use)} full ({N(count.Value)} of {N(max.Value)})";
        }
        else if (dropTotal > 0 || log.Any)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            race = !log.Any && insertFailedTotal > 0;
            title = log.Any ? $"The kernel log reports a full conntrack table: {LogWhen(c, log)}"
                : race ? $"Conntrack dropped {N(dropTotal!.Value)} packets since boot, with {N(insertFailedTotal!.Value)} insert clashes: races, not a full table"
                : $"Conntrack dropped {N(dropTotal!.Value)} packets since boot (the table is at {Pct(use)} now; the cause is not in the counters)";
        }
        else
        {
            return Ok(d, $"{N(count.Value)} of {N(max.Value)} entries");
        }

        long proposed = RoundUpPow2(Math.Max(Mul(count.Value, 2), Mul(max.Value, 2)));
        long entrySize = c.Now.SlabInfo?.Find("nf_conntrack")?.ObjectSize ?? 320;
        bool pastOnly = (when is When.SinceBoot or When.Recent && (!limited || count.Value < PastPeakOnly * max.Value)) || Unlimited(max.Value);
        var timeout = Sysctl("net.netfilter.nf_conntrack_tcp_timeout_established", "86400",
            "The default 432000 s (5 days) keeps dead flows; 1 day is still far above any keep-alive.");
        IReadOnlyList<FixLine> fix = race
            ? RaceFixes()
            : pastOnly
            ?
            [
                SizeOnThePeak(SysctlNames.NfConntrackMax, $"{N(count.Value)} of {N(max.Value)} entries",
                    $"nf_conntrack_max ≥ 2 × the peak count, rounded to a power of two, at {entrySize} B per entry"),
                timeout,
            ]
            :
            [
                Sysctl(SysctlNames.NfConntrackMax, proposed.ToString(CultureInfo.InvariantCulture),
                    $"2 × max({N(count.Value)} entries, {N(max.Value)} limit), rounded to a power of two; at most {N(proposed)} × {entrySize} B = {Bytes(Mul(proposed, entrySize))} of kernel memory."),
                Action($"Set the hash size to match: echo {proposed} > /sys/module/nf_conntrack/parameters/hashsize",
                    "One bucket per entry keeps lookups short (the kernel default since 5.15 is one entry per bucket)."),
                timeout,
            ];
        return Conclude(d, c, severity, when, Confidence.Confirmed, title, evidence, race ? RaceExplanation : FullExplanation, fix,
            Caveats(c));
    }

    /// <summary>The known fixes for clash-race drops: avoid the parallel insert, or do not track the flow.</summary>
    private static FixLine[] RaceFixes() =>
    [
        Action("DNS clients: `options single-request-reopen` (or `single-request`) in /etc/resolv.conf, or a node-local DNS cache over TCP",
            "glibc sends the A and AAAA queries from one socket at once; the two packets race to create one conntrack entry and the loser is dropped (a 5 s resolver timeout)."),
        Action("Do not track what needs no tracking: `nft add rule inet raw prerouting udp dport 53 notrack` (and output, for the local resolver)",
            "An untracked flow never races for an entry."),
        Action("Run a kernel with the clash-resolution fixes (nf_ct_resolve_clash(), resolving UDP clashes instead of dropping)",
            "Older kernels drop every clash; newer ones merge most of them. insert_failed counts what is still dropped."),
        Action("Keep nf_conntrack_max as it is", "The table is not full: raising the limit changes nothing for these drops."),
    ];

    private static List<string> Caveats(RuleContext c)
    {
        var caveats = new List<string>
        {
            "nf_conntrack_max is global and read-only inside containers; the count is per network namespace.",
            "\"expectation table full\" is the helper expectation table (nf_conntrack_expect_max), not this one.",
        };
        var others = OtherNamespaces(c);
        if (others.Count > 0)
            caveats.Add($"The logged table-full lines name other network namespaces ({string.Join(", ", others)}): containers on this host filled their own tables; read their counts inside them.");
        return caveats;
    }

    /// <summary>
    /// Since 2025 (seen on 6.18) a child namespace logs "table full in netns N"; the log summary keeps "netns N" as a
    /// detail. Returns the namespaces named that are not the sampled one.
    /// </summary>
    private static List<string> OtherNamespaces(RuleContext c)
    {
        var result = new List<string>();
        foreach (var incident in c.Incidents("conntrack"))
        {
            foreach (var detail in incident.Details)
            {
                if (!detail.StartsWith("netns ", StringComparison.Ordinal)) continue;
                var id = detail[6..].Split(' ')[0];
                if (id != c.Now.Host.NetNsInode?.ToString(CultureInfo.InvariantCulture) && !result.Contains(id)) result.Add(id);
            }
        }
        return result;
    }

    private static readonly IReadOnlyList<FixLine> SizeOnPeakFix =
        [Action("Read net.netfilter.nf_conntrack_count and nf_conntrack_max (the module must be loaded), then size nf_conntrack_max on the peak", "The sysctls appear only while the module is loaded.")];

    /// <summary>The kernel's table-full line without the table's numbers: likely, critical when inside the window.</summary>
    private Finding SinceBootFromLog(RuleContext c, LogState log)
    {
        var (severity, when) = LogTiming(log);
        return new()
        {
            Id = Descriptor.Id,
            Severity = severity,
            When = when,
            Confidence = Confidence.Likely,
            Title = $"The kernel log reports a full conntrack table: {LogWhen(c, log)}",
            Evidence = LogEvidence(c, Descriptor.Id).ToList(),
            Explanation = "The kernel dropped packets because the connection tracking table was full; the count and the limit are not in the sample, so how full it is now is unknown.",
            Fix = SizeOnPeakFix,
            Caveats = Caveats(c),
            ToConfirm = [Inputs.NfConntrackCount, Inputs.NfConntrackMax, Inputs.ConntrackDrop],
        };
    }
}
