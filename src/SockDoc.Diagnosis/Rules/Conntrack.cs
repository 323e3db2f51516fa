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
        [Inputs.NfConntrackCount, Inputs.NfConntrackMax, Inputs.ConntrackDrop, Inputs.KernelLog]);

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var count = c.Now.Sysctls.Long(SysctlNames.NfConntrackCount);
        var max = c.Now.Sysctls.Long(SysctlNames.NfConntrackMax);
        if (count is null && max is null && c.Now.ConntrackStat is null)
            return HasLog(c, d.Id)
                ? Found(d, SinceBootFromLog(c), "the kernel log reports a full conntrack table")
                : Ok(d, "nf_conntrack is not loaded");
        if (count is null || max is null) return Unknown(d, count is null ? SysctlNames.NfConntrackCount : SysctlNames.NfConntrackMax);

        var dropDelta = c.Pair.Delta(s => s.ConntrackStat?.Drop);
        var dropTotal = c.Now.ConntrackStat?.Drop;
        var earlyDelta = c.Pair.Delta(s => s.ConntrackStat?.EarlyDrop);
        var buckets = c.Now.Sysctls.Long(SysctlNames.NfConntrackBuckets);

        var evidence = new List<Evidence>
        {
            new("entries", $"{N(count.Value)} (this network namespace)", Sys(SysctlNames.NfConntrackCount)),
            new("nf_conntrack_max", $"{N(max.Value)} (global; each namespace may hold this many)", Sys(SysctlNames.NfConntrackMax)),
            new("use", max > 0 ? Pct((double)count.Value / max.Value) : "no limit (0)", "computed"),
        };
        if (buckets is { } b) evidence.Add(new("hash buckets", N(b), Sys(SysctlNames.NfConntrackBuckets)));
        if (dropTotal is { } dt) evidence.Add(new("packets dropped by conntrack (table full, among other causes)", dropDelta is { } dd ? $"{N(dt)} since boot, {Rate(dd, c.IntervalSeconds)}" : $"{N(dt)} since boot", "/proc/net/stat/nf_conntrack drop"));
        if (earlyDelta is > 0) evidence.Add(new("early drops (evictions)", Rate(earlyDelta.Value, c.IntervalSeconds), "/proc/net/stat/nf_conntrack early_drop"));
        evidence.AddRange(LogEvidence(c, d.Id));

        Severity severity;
        When when; string title;
        bool limited = max.Value > 0;
        if (dropDelta > 0)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"Conntrack table full: packets dropped now ({Rate(dropDelta.Value, c.IntervalSeconds)})";
        }
        else if (limited && count.Value >= max.Value)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"Conntrack table full: {N(count.Value)} of {N(max.Value)} entries";
        }
        else if (limited && count.Value > NearLimit * max.Value)
        {
            severity = Severity.Warning; when = When.Risk;
            title = $"Conntrack table {Pct((double)count.Value / max.Value)} full ({N(count.Value)} of {N(max.Value)})";
        }
        else if (dropTotal > 0 || HasLog(c, d.Id))
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = dropTotal > 0 ? $"The conntrack table dropped {N(dropTotal!.Value)} packets since boot" : "The kernel log reports a full conntrack table";
        }
        else
        {
            return Ok(d, $"{N(count.Value)} of {N(max.Value)} entries");
        }

        long proposed = RoundUpPow2(Math.Max(count.Value * 2, max.Value * 2));
        long entrySize = c.Now.SlabInfo?.Find("nf_conntrack")?.ObjectSize ?? 320;
        bool pastOnly = when == When.SinceBoot && (!limited || count.Value < PastPeakOnly * max.Value);
        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "Every tracked flow takes one conntrack entry. When a network namespace holds more than nf_conntrack_max entries and early_drop() " +
                "finds no entry that is not yet ASSURED to evict, the kernel drops the new flow's packet and logs \"nf_conntrack: table full, dropping packet\" " +
                "(rate limited). Established TCP entries live 5 days by default, so idle connections fill the table.",
            Fix = pastOnly
            ?
            [
                SizeOnThePeak(SysctlNames.NfConntrackMax, $"{N(count.Value)} of {N(max.Value)} entries",
                    $"nf_conntrack_max ≥ 2 × the peak count, rounded to a power of two, at {entrySize} B per entry"),
                Sysctl("net.netfilter.nf_conntrack_tcp_timeout_established", "86400",
                    "The default 432000 s (5 days) keeps dead flows; 1 day is still far above any keep-alive."),
            ]
            :
            [
                Sysctl(SysctlNames.NfConntrackMax, proposed.ToString(CultureInfo.InvariantCulture),
                    $"2 × max({N(count.Value)} entries, {N(max.Value)} limit), rounded to a power of two; at most {N(proposed)} × {entrySize} B = {Bytes(proposed * entrySize)} of kernel memory."),
                Action($"Set the hash size to match: echo {proposed} > /sys/module/nf_conntrack/parameters/hashsize",
                    "One bucket per entry keeps lookups short (the kernel default since 5.15 is one entry per bucket)."),
                Sysctl("net.netfilter.nf_conntrack_tcp_timeout_established", "86400",
                    "The default 432000 s (5 days) keeps dead flows; 1 day is still far above any keep-alive."),
            ],
            Caveats = Caveats(c),
        }, title);
    }

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

    private Finding SinceBootFromLog(RuleContext c) => new()
    {
        Id = Descriptor.Id,
        Severity = Severity.Warning,
        When = When.SinceBoot,
        Title = "The kernel log reports a full conntrack table",
        Evidence = LogEvidence(c, Descriptor.Id).ToList(),
        Explanation = "The kernel dropped packets because the connection tracking table was full; the module is not loaded now, so the current count is unknown.",
        Fix = [Action("Load nf_conntrack and watch net.netfilter.nf_conntrack_count", "The sysctls appear only while the module is loaded.")],
        Caveats = Caveats(c),
    };
}
