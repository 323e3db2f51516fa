using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model.Cgroups;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>A memory cgroup that refuses (now) or refused (earlier) socket memory, with the lines a finding shows for it.</summary>
internal sealed record MemcgRefusal(MemcgSocketMemory Cgroup, bool Now, string Title, IReadOnlyList<Evidence> Evidence, FixLine Fix);

/// <summary>
/// Socket memory refused by a memory cgroup, not by tcp_mem/udp_mem. __sk_mem_raise_allocated() (net/core/sock.c)
/// charges the socket's memcg first (mem_cgroup_sk_charge()); when the memcg cannot take the pages it goes straight to
/// suppress_allocation: a sender's buffer is shrunk by sk_stream_moderate_sndbuf() and the charge forced when the queue
/// is at it, received data is dropped. Neither sockstat mem nor TCPMemoryPressures moves, so only the cgroup's own
/// files show it. v2: try_charge_memcg() against memory.max (charges from softirq cannot reclaim: GFP_NOWAIT, and
/// raise no "max" event); v1: memcg1_charge_skmem() against memory.kmem.tcp.limit_in_bytes, where a forced charge
/// takes usage (and max_usage_in_bytes) over the limit. kmem.tcp.failcnt is not tracked since 6.12
/// (page_counter_init() leaves track_failcnt false for tcpmem), so it cannot be the evidence.
/// </summary>
internal static class MemcgLimits
{
    /// <summary>Headroom under which a limit is "reached": 2 % of it, at least two pages (a charge is at least one page).</summary>
    public const double AtLimitShare = 0.02;

    /// <summary>Share of the cgroup's usage above which its socket buffers are "a big part" of what fills memory.max (v2).</summary>
    public const double SockBigPart = 0.5;

    /// <summary>
    /// The memcgs holding sockets whose limit refuses (or refused) socket memory, those refusing now first.
    /// udp: v2 only (v1's counter is memory.kmem.tcp; what it holds of UDP is not read here).
    /// </summary>
    public static IReadOnlyList<MemcgRefusal> Refusals(RuleContext c, bool udp = false)
    {
        var sample = c.Now.Memcg;
        if (sample is null) return [];
        long page = c.HasPageSize ? c.PageSize : 4096;
        var before = c.Before?.Memcg?.Cgroups.ToDictionary(g => g.Path, StringComparer.Ordinal);
        var list = new List<MemcgRefusal>();
        foreach (var g in sample.Cgroups)
        {
            if (udp && g.Version != "v2") continue;
            if (g.LimitBytes is not { } limit || g.UsageBytes is not { } usage) continue;
            long slack = Math.Max((long)(limit * AtLimitShare), Mul(2, page));
            bool atLimit = usage >= limit - slack;
            MemcgSocketMemory? b = null;
            before?.TryGetValue(g.Path, out b);
            long? maxDelta = g.EventsMax is { } em && b?.EventsMax is { } bm ? em - bm : null;
            long? oomDelta = g.EventsOom is { } eo && b?.EventsOom is { } bo ? eo - bo : null;
            bool rising = maxDelta > 0 || oomDelta > 0;
            bool forcedOver = g.Version == "v1" && g.PeakBytes > limit; // only a forced charge after a refusal goes over
            if (!atLimit && !rising && !forcedOver) continue;
            bool now = atLimit || rising;
            list.Add(Describe(sample, g, limit, usage, now, maxDelta, c.IntervalSeconds));
        }
        return list.OrderByDescending(r => r.Now).ThenByDescending(r => r.Cgroup.SockBytes ?? 0).ToList();
    }

    private static MemcgRefusal Describe(MemcgSample sample, MemcgSocketMemory g, long limit, long usage, bool now, long? maxDelta, double? seconds)
    {
        bool v1 = g.Version == "v1";
        string mount = (v1 ? sample.V1MemoryMount : sample.V2Mount) ?? "/sys/fs/cgroup";
        string limitFile = v1 ? "memory.kmem.tcp.limit_in_bytes" : "memory.max";
        string where = g.LimitPath is { } lp && lp != g.Path ? $" (the limit of its parent {lp})" : "";
        string holders = g.Commands.Count > 0 ? string.Join(", ", g.Commands.Zip(g.Pids, (cmd, pid) => $"{cmd} ({pid.ToString(CultureInfo.InvariantCulture)})").Take(3)) : "processes";
        string counter = v1 ? "TCP memory (memory.kmem.tcp)" : "memory (memory.current)";
        string title = now
            ? $"Memory cgroup {g.Path} refuses socket memory now: its {counter} is {Bytes(usage)} of its limit {Bytes(limit)}{where}"
            : $"Memory cgroup {g.Path} refused socket memory earlier: TCP memory peaked at {Bytes(g.PeakBytes ?? 0)}, over its limit {Bytes(limit)}{where} (a forced charge after a refusal)";

        var evidence = new List<Evidence>
        {
            BytesEv($"socket buffers charged to memory cgroup {g.Path}", $"{(g.SockBytes is { } s ? Bytes(s) : "unknown")}, {N(g.Sockets)} socket fds of {holders}",
                Path.Join(mount, g.Path, v1 ? "memory.kmem.tcp.usage_in_bytes" : "memory.stat") + (v1 ? "" : " sock"), g.SockBytes),
            BytesEv($"{(v1 ? "TCP memory" : "memory")} of {g.LimitPath ?? g.Path} against its limit", $"{Bytes(usage)} of {Bytes(limit)} ({Pct((double)usage / Math.Max(limit, 1))})",
                Path.Join(mount, g.LimitPath ?? g.Path, limitFile), usage),
        };
        if (v1 && g.PeakBytes is { } peak)
            evidence.Add(BytesEv("peak TCP memory (max_usage_in_bytes)", Bytes(peak) + (peak > limit ? ": over the limit, so a charge was refused and then forced" : ""), Path.Join(mount, g.LimitPath ?? g.Path, "memory.kmem.tcp.max_usage_in_bytes"), peak));
        if (!v1 && g.EventsMax is { } em)
            evidence.Add(CountEv("memory.events max (charges that hit memory.max and had to reclaim)", maxDelta is { } d ? $"{N(em)}, {Rate(d, seconds)}" : N(em), Path.Join(mount, g.LimitPath ?? g.Path, "memory.events"), em));
        if (!v1 && g.EventsSockThrottled is > 0)
            evidence.Add(CountEv("memory.events sock_throttled", N(g.EventsSockThrottled.Value), Path.Join(mount, g.LimitPath ?? g.Path, "memory.events"), g.EventsSockThrottled));

        FixLine fix;
        string target = Path.Join(mount, g.LimitPath ?? g.Path, limitFile);
        if (v1)
        {
            long proposed = RoundUpMiB(Math.Max(Mul(limit, 2), Mul(Math.Max(usage, g.PeakBytes ?? 0), 2)));
            fix = new FixLine(target, proposed.ToString(CultureInfo.InvariantCulture),
                $"This cgroup's TCP charges are at its own limit, not at tcp_mem: memcg1_charge_skmem() fails, send buffers shrink and received data is dropped while sockstat and TCPMemoryPressures stay quiet. " +
                $"Twice the larger of use {Bytes(usage)} and peak {Bytes(g.PeakBytes ?? 0)}, rounded up to MiB, never below today's {Bytes(limit)}; or find which of its sockets hold the memory (`ss -tm`). The host's tcp_mem is not the limit hit.")
            { Command = $"echo {proposed.ToString(CultureInfo.InvariantCulture)} > {target}" };
        }
        else
        {
            long sock = g.SockBytes ?? 0;
            bool sockBig = usage > 0 && sock >= SockBigPart * usage;
            long proposed = RoundUpMiB(Add(limit, Math.Max(Mul(sock, 2), limit / 4)));
            fix = new FixLine(target, proposed.ToString(CultureInfo.InvariantCulture),
                (sockBig
                    ? $"Socket buffers ({Bytes(sock)}) are {Pct((double)sock / usage)} of what fills memory.max: raise the cgroup's limit by twice that, or find the sockets that hold it (a slow reader's receive queue, `ss -tm`). "
                    : $"Socket buffers are only {Bytes(sock)} of {Bytes(usage)}: the cgroup's other memory (anon, page cache) fills memory.max, and socket charges made in softirq (received data) cannot reclaim it and fail. Raise memory.max, or set memory.high below it so reclaim starts before the hard limit. ") +
                $"Proposed: limit + max(2 × sock, limit/4), rounded up to MiB, never below today's {Bytes(limit)}; set it where the cgroup is managed (systemd MemoryMax=, the container's memory limit). The host's tcp_mem/udp_mem are not the limit hit.")
            { Command = $"echo {proposed.ToString(CultureInfo.InvariantCulture)} > {target}" };
        }
        return new MemcgRefusal(g, now, title, evidence, fix);
    }

    private static long RoundUpMiB(long bytes) => Mul(DivCeil(Math.Max(bytes, 1), 1L << 20), 1L << 20);

    /// <summary>
    /// A protocol rule's verdict joined with memcg refusals: a cgroup refusing now leads (its title, its fix first) unless
    /// the global limit is also refused now; the global finding's evidence and fixes follow. Without refusals the verdict stands.
    /// </summary>
    public static CheckResult Join(RuleDescriptor d, CheckResult global, IReadOnlyList<MemcgRefusal> refusals, string explanation)
    {
        if (refusals.Count == 0) return global;
        var first = refusals[0];
        var g = global.Finding;
        var evidence = refusals.Take(3).SelectMany(r => r.Evidence).ToList();
        var fixes = refusals.Take(3).Select(r => r.Fix).ToList();
        bool memcgLeads = g is null || (first.Now && g.When != When.Now) || (!first.Now && g.Severity < Severity.Warning);
        Finding f;
        if (memcgLeads)
        {
            f = new Finding
            {
                Id = d.Id,
                Severity = first.Now ? Severity.Critical : Severity.Warning,
                When = first.Now ? When.Now : When.SinceBoot,
                Confidence = Confidence.Confirmed,
                Title = first.Title + (refusals.Count > 1 ? $" (and {N(refusals.Count - 1)} more cgroup(s))" : ""),
                Evidence = [.. evidence, .. g?.Evidence ?? []],
                Explanation = explanation + " " + MemcgExplanation,
                Fix = [.. fixes, .. g?.Fix ?? []],
                Caveats = [.. (g?.Caveats ?? []).Where(x => !x.StartsWith(CoveragePrefix, StringComparison.Ordinal)), .. Caveats],
            };
        }
        else
        {
            f = g! with
            {
                Evidence = [.. g.Evidence, .. evidence],
                Fix = [.. fixes, .. g.Fix],
                Caveats = [.. g.Caveats.Where(x => !x.StartsWith(CoveragePrefix, StringComparison.Ordinal)), $"Memory cgroup {first.Cgroup.Path} is also at its own limit: its sockets are refused there before tcp_mem is reached.", .. Caveats],
            };
        }
        return Found(d, f, f.Title, global.MissingInputs);
    }

    public const string MemcgExplanation =
        "A socket is also charged to the memory cgroup of the process that made it, before the host limit is tested; when that " +
        "cgroup is at its limit the memory is refused the same way (send buffers shrink, received data is dropped) while the host's " +
        "counters show nothing.";

    private static readonly string[] Caveats =
    [
        "A socket stays charged to the cgroup of the process that created (or accepted) it, even after the process moves.",
    ];

    /// <summary>What the sample says about cgroups when none refuses: the caveat a memory rule shows.</summary>
    public static string Coverage(RuleContext c) => c.Now.Memcg switch
    {
        null => "Memory cgroup limits on socket memory (v2 memory.max with memory.stat sock, v1 memory.kmem.tcp) refuse memory without touching sockstat; this sample does not read cgroups.",
        { MemoryController: null } => "No memory controller is mounted: no cgroup limits socket memory here.",
        var m => $"{CoveragePrefix}{N(m.Cgroups.Count)} socket-holding cgroup(s) read ({m.MemoryController}) are below their limits.",
    };

    private const string CoveragePrefix = "The memory cgroups of the ";
}
