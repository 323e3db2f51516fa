using System.Globalization;
using SockDoc.Diagnosis.Engine;

namespace SockDoc.Diagnosis.Rules;

/// <summary>Formatting and result building shared by the rules, so each rule file reads as its kernel rule.</summary>
internal static partial class RuleKit
{
    public const string SockStatSrc = "/proc/net/sockstat";
    public const string NetStatSrc = "/proc/net/netstat";
    public const string SnmpSrc = "/proc/net/snmp";
    public const string MemInfoSrc = "/proc/meminfo";
    public const string VmStatSrc = "/proc/vmstat";
    public const string SlabSrc = "/proc/slabinfo";
    public const string CensusSrc = "sock_diag census";
    /// <summary>The source of census evidence as read: sock_diag, or the /proc/net/tcp fallback (no sock_diag, e.g. a locked-down kernel).</summary>
    public static string CensusSource(Model.Census.SocketCensus census) =>
        census.Source == Model.Census.SocketCensus.SourceProcNetTcp ? "/proc/net/tcp census" : CensusSrc;
    public const string KernelLogSrc = "kernel log";

    /// <summary>Warning threshold for gauges: past 80 % of a limit.</summary>
    public const double NearLimit = 0.8;

    public static string Sys(string name) => "/proc/sys/" + name.Replace('.', '/');

    public static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
    public static string N(double v, int decimals = 1) => v.ToString("N" + decimals, CultureInfo.InvariantCulture);
    public static string Pct(double fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";

    public static string Bytes(long bytes) => ByteText.Format(bytes);

    /// <summary>"575,796 pages (2.2 GiB)" — the kernel's unit first, the converted value after.</summary>
    public static string Pages(long pages, long pageSize) =>
        pageSize > 0 ? $"{N(pages)} pages ({Bytes(Mul(pages, pageSize))})" : $"{N(pages)} pages (page size unknown)";

    // Saturating arithmetic. Kernel values can be LONG_MAX (tcp_mem, file-max and udp_mem written "unlimited" by
    // hand or by systemd) and the build checks overflow, so a rule multiplies and adds through these: a result that
    // does not fit is long.MaxValue (or MinValue), which every comparison still orders correctly.
    // Mul is for sizes, which are never negative: a negative factor (a counter reset, garbage) gives no size, 0.
    public static long Mul(long a, long b) => a <= 0 || b <= 0 ? 0 : Clamp((Int128)a * b);
    public static long Add(long a, long b) => Clamp((Int128)a + b);
    private static long Clamp(Int128 v) => v > long.MaxValue ? long.MaxValue : v < long.MinValue ? long.MinValue : (long)v;

    /// <summary>ceil(a / b) for a ≥ 0, b &gt; 0 without overflow.</summary>
    public static long DivCeil(long a, long b) => b <= 0 ? long.MaxValue : a / b + (a % b == 0 ? 0 : 1);

    // Evidence lines that are one number carry it in base units (Evidence.Value/Unit) beside the display text.
    public static Evidence Ev(string name, string text, string source, double? value, string unit) =>
        new(name, text, source) { Value = value, Unit = value is null ? null : unit };
    public static Evidence CountEv(string name, string text, string source, long? value) => Ev(name, text, source, value, "count");
    public static Evidence PagesEv(string name, string text, string source, long? pages) => Ev(name, text, source, pages, "pages");
    public static Evidence BytesEv(string name, string text, string source, long? bytes) => Ev(name, text, source, bytes, "bytes");
    public static Evidence RatioEv(string name, string text, string source, double? ratio) => Ev(name, text, source, ratio is { } r && double.IsFinite(r) ? r : null, "ratio");

    /// <summary>"+12 in 1.0 s (12.0/s)" or "no change in 1.0 s".</summary>
    public static string Rate(long delta, double? seconds)
    {
        if (seconds is not { } s || s <= 0) return delta == 0 ? "no change" : $"+{N(delta)}";
        return delta == 0 ? $"no change in {N(s)} s" : $"+{N(delta)} in {N(s)} s ({N(delta / s)}/s)";
    }

    public static long RoundUpPow2(long v)
    {
        if (v <= 1) return 1;
        long p = 1;
        while (p < v && p < (1L << 62)) p <<= 1;
        return p;
    }

    /// <summary>Rounds up to a "nice" operator value: 1, 2 or 5 × 10^k... of at least v.</summary>
    public static long RoundUpNice(long v)
    {
        if (v <= 10) return Math.Max(v, 1);
        long magnitude = 1;
        while (magnitude <= v / 10) magnitude *= 10;
        foreach (var m in new long[] { 1, 2, 5, 10 })
        {
            if (Mul(m, magnitude) >= v) return Mul(m, magnitude);
        }
        return Mul(10, magnitude);
    }

    public static CheckResult Unknown(RuleDescriptor d, params RuleInput[] missing) => Unknown(d, missing.Select(i => i.Name).ToArray());

    public static CheckResult Unknown(RuleDescriptor d, params string[] missing) => new()
    {
        Id = d.Id,
        Title = d.Title,
        Status = CheckStatus.Unknown,
        Summary = "unknown: missing " + string.Join(", ", missing),
        MissingInputs = missing,
    };

    public static CheckResult Ok(RuleDescriptor d, string summary, IReadOnlyList<string>? missing = null) => new()
    {
        Id = d.Id,
        Title = d.Title,
        Status = CheckStatus.Ok,
        Summary = summary,
        MissingInputs = missing ?? [],
    };

    /// <summary>A finding's check line: the finding's own title says what is wrong; summary is kept for info findings.</summary>
    public static CheckResult Found(RuleDescriptor d, Finding f, string summary, IReadOnlyList<string>? missing = null) => new()
    {
        Id = d.Id,
        Title = d.Title,
        Summary = f.Severity >= Severity.Warning ? f.Title : summary,
        Status = f.Severity switch
        {
            Severity.Critical => CheckStatus.Critical,
            Severity.Warning => CheckStatus.Warning,
            Severity.Info => CheckStatus.Info,
            _ => CheckStatus.Ok,
        },
        MissingInputs = missing ?? [],
        Finding = f,
    };

    public static FixLine Sysctl(string name, string value, string why) =>
        new(name, value, why) { Command = $"sysctl -w {name}=\"{value}\"  # persist in /etc/sysctl.d/99-sockdoc.conf" };

    public static FixLine Action(string what, string why) => new(what, "", why) { Command = "" };

    /// <summary>Below this share of a limit, trouble seen only in the past gives no new value: today's use says nothing of the peak.</summary>
    public const double PastPeakOnly = 0.5;

    /// <summary>
    /// The fix for a limit hit earlier while today's use is low: sizing a new value on today's use would be a
    /// guess, so say how to find the peak and the formula to size on it.
    /// </summary>
    public static FixLine SizeOnThePeak(string setting, string todayUse, string formula) =>
        Action($"Keep {setting} for now: today's use is {todayUse}; find the peak first (`sockdoc logs`, `sockdoc record`)",
            $"The limit was reached earlier, not now, so a value sized on today's use would be a guess. Size it on the peak: {formula}.");

    /// <summary>
    /// Kernel-log incidents that are evidence for this finding, as evidence lines: count, suppressed range, when the
    /// last line was and how long before the sample, and how many fall in the --recent window.
    /// </summary>
    public static IEnumerable<Evidence> LogEvidence(RuleContext c, string findingId)
    {
        var source = c.Now.KernelLog?.Source ?? KernelLogSrc;
        foreach (var i in c.Incidents(findingId))
        {
            var r = c.Recency(i);
            var suppressed = i.SuppressedUpTo > 0 ? $" (+ up to {N(i.SuppressedUpTo)} suppressed by rate limiting)" : "";
            var last = i.LastWall?.ToString("u", CultureInfo.InvariantCulture)
                ?? (i.LastUptime is { } up ? $"{N(up, 0)} s after boot" : null);
            string when = last is null ? "lines carry no time"
                : r.AgeSeconds is { } age ? $"last at {last} ({Ago(age)} before the sample)" + (r.Recent ? $", {N(r.InWindow)} in the last {Window(c)}" : "")
                : $"last at {last}";
            yield return new Evidence($"{Evidence.LogPrefix}{i.Description}", $"{(i.Count == 1 ? "1 line" : $"{N(i.Count)} lines")}{suppressed}, {when}", source) { Value = i.Count, Unit = "count" };
        }
    }

    public static bool HasLog(RuleContext c, string findingId) => c.Incidents(findingId).Count > 0;

    /// <summary>What the kernel log says about one finding: any line, the most recent one's age, lines in the window.</summary>
    public sealed record LogState(bool Any, bool Recent, double? AgeSeconds, long InWindow, long Lines, long SuppressedUpTo, bool Ambiguous)
    {
        /// <summary>Wall time of the most recent line, when the source gives one.</summary>
        public DateTimeOffset? LastWall { get; init; }
        /// <summary>Seconds since boot of the most recent line, when the source gives kernel time only.</summary>
        public double? LastUptime { get; init; }
        /// <summary>Kinds of the incidents (e.g. tcp_too_many_orphans, out_of_socket_memory).</summary>
        public IReadOnlyList<string> Kinds { get; init; } = [];
    }

    public static LogState Log(RuleContext c, string findingId)
    {
        var incidents = c.Incidents(findingId);
        if (incidents.Count == 0) return new LogState(false, false, null, 0, 0, 0, false);
        var recencies = incidents.Select(c.Recency).ToList();
        double? age = recencies.Where(r => r.AgeSeconds is not null).Select(r => r.AgeSeconds).Min();
        // Saturating sums: a copied log can carry counts near LONG_MAX, and the arithmetic is checked.
        static long SatSum(IEnumerable<long> values) => values.Aggregate(0L, (a, v) => v > 0 && a > long.MaxValue - v ? long.MaxValue : a + Math.Max(v, 0));
        return new LogState(true, recencies.Any(r => r.Recent), age, SatSum(recencies.Select(r => r.InWindow)),
            SatSum(incidents.Select(i => i.Count)), SatSum(incidents.Select(i => i.SuppressedUpTo)),
            incidents.All(i => LogKinds.Ambiguous(i.Kind)))
        {
            LastWall = incidents.Max(i => i.LastWall),
            LastUptime = incidents.Max(i => i.LastUptime),
            Kinds = incidents.Select(i => i.Kind).Distinct().ToList(),
        };
    }

    /// <summary>Severity and when of trouble the kernel logged: critical and recent inside the window, else a warning from history.</summary>
    public static (Severity Severity, When When) LogTiming(LogState log) => Timing(log, NoAppErrors);

    private static readonly AppState NoAppErrors = new(false, 0, null, false);

    /// <summary>Severity and when of a failure counter: critical now when it rose during the interval, else a warning from history.</summary>
    public static (Severity Severity, When When) CounterTiming(long? delta) =>
        delta > 0 ? (Severity.Critical, When.Now) : (Severity.Warning, When.SinceBoot);

    /// <summary>
    /// A gauge or counter verdict joined with what the kernel logged: lines within the --recent window make a finding
    /// that is not already happening now critical and recent (the burst may be over; the operator came because of it).
    /// </summary>
    public static (Severity Severity, When When) WithLog(Severity severity, When when, LogState log) =>
        log.Recent && when != When.Now ? (Severity.Critical, When.Recent) : (severity, when);

    public static string Ago(double seconds) => seconds switch
    {
        < 120 => $"{N((long)Math.Round(seconds))} s",
        < 7200 => $"{N((long)Math.Round(seconds / 60))} min",
        < 172800 => $"{N(seconds / 3600, 1)} h",
        _ => $"{N(seconds / 86400, 1)} days",
    };

    private static string Window(RuleContext c) => Ago(c.Options.RecentWindow.TotalSeconds);

    /// <summary>
    /// A finding that rests on the kernel's own line alone (the gauges are not in the sample): likely, or possible
    /// when the wording is shared by two causes. Recent lines make it critical.
    /// </summary>
    public static CheckResult FromLog(RuleDescriptor d, RuleContext c, string title, string explanation,
        IReadOnlyList<FixLine> fix, IReadOnlyList<string>? caveats = null, IReadOnlyList<Evidence>? extraEvidence = null)
    {
        var log = Log(c, d.Id);
        var (severity, when) = LogTiming(log);
        var evidence = new List<Evidence>(extraEvidence ?? []);
        evidence.AddRange(LogEvidence(c, d.Id));
        return Conclude(d, c, severity, when, log.Ambiguous ? Confidence.Possible : Confidence.Likely, title, evidence, explanation, fix, caveats ?? []);
    }
}
