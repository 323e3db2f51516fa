using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// RuleKit, continued (formerly RuleFacts, merged so the rules have one finding builder): numeric evidence in the
/// port/file rules' argument order, the application errors only one failure gives, the timing of log and application
/// evidence, and limits that stay defined on the kernel's extreme values (fs.file-max = LONG_MAX, 0, absent inputs).
/// </summary>
internal static partial class RuleKit
{
    public const string AppErrorsSrc = Evidence.AppErrorsSource;

    // ---- numeric evidence -------------------------------------------------------------------------------

    public static Evidence Count(string name, long value, string text, string source) => CountEv(name, text, source, value);

    public static Evidence Ratio(string name, double fraction, string source) => RatioEv(name, Pct(fraction), source, fraction);

    public static Evidence PerSecond(string name, double rate, string text, string source) => Ev(name, text, source, rate, "per_second");

    /// <summary>"1,234 since boot, +5 in 1.0 s (5.0/s)": the counter's total as the value.</summary>
    public static Evidence Counter(string name, long total, long? delta, double? seconds, string source) =>
        Count(name, total, delta is { } d ? $"{N(total)} since boot, {Rate(d, seconds)}" : $"{N(total)} since boot", source);

    // ---- arithmetic safe on LONG_MAX (Add and Mul are RuleKit's) ----------------------------------------------

    /// <summary>a / b as a fraction; 0 when b is not positive.</summary>
    public static double Share(long a, long b) => b > 0 ? (double)a / b : 0;

    /// <summary>
    /// RuleKit.RoundUpNice for any value: at or above 10^17 the nice value would not fit in a long, so the value is
    /// returned as it is (a limit that large is not one an operator types anyway).
    /// </summary>
    public static long NiceUp(long v) => v >= 100_000_000_000_000_000L ? v : RoundUpNice(v);

    /// <summary>A limit so large it cannot be reached (LONG_MAX, ULONG_MAX read as long, 2^62 and up).</summary>
    public static bool Unlimited(long limit) => limit >= (1L << 62);

    // ---- addresses ---------------------------------------------------------------------------------------

    /// <summary>ipv4_is_loopback() (127/8), ipv6_addr_loopback() (::1) and ipv6_addr_v4mapped_loopback() (::ffff:127/104).</summary>
    public static bool IsLoopback(string? address)
    {
        if (string.IsNullOrEmpty(address)) return false;
        var a = address.Trim('[', ']');
        if (a.StartsWith("::ffff:", StringComparison.OrdinalIgnoreCase)) a = a[7..];
        return a.StartsWith("127.", StringComparison.Ordinal) || a == "::1" || a == "0:0:0:0:0:0:0:1";
    }

    /// <summary>True when the census was read from an operator's paste (ss/netstat), not over netlink on the host.</summary>
    public static bool FromPaste(Snapshot s) => s.Origin == "paste";

    // ---- application errors ------------------------------------------------------------------------------

    /// <summary>The application errors with this errno whose failing call passes the filter.</summary>
    public static IReadOnlyList<AppErrorReport> AppErrors(RuleContext c, string errno, Func<string, bool>? call = null) =>
        c.Now.AppErrors?.Where(e => e.Count > 0 && string.Equals(e.Errno, errno, StringComparison.OrdinalIgnoreCase) && (call is null || call(e.Call))).ToList() ?? [];

    public static Evidence AppErrorEvidence(AppErrorReport e)
    {
        var call = e.Call switch { "unknown" => "", "bind(0)" => " from bind() to port 0 (a port the kernel picks)", "bindresvport" => " from bindresvport() (each privileged source port, 1023 down to 512, bound in turn before connect())", var x => $" from {x}()" };
        var who = e.Runtime is null ? "" : $" ({e.Runtime})";
        var last = e.LastWall is { } t ? $", last at {t.ToString("u", CultureInfo.InvariantCulture)}" : "";
        var sample = e.Sample is null ? "" : $": {e.Sample}";
        return Count($"application: {e.Errno}{call}", e.Count, $"{N(e.Count)} lines{who}{last}{sample}", AppErrorsSrc);
    }

    // ---- conditions stated in words ------------------------------------------------------------------------

    public const string StatedSrc = Evidence.StatedSource;

    /// <summary>The paste's statements of this condition (StatedConditions.*).</summary>
    public static IReadOnlyList<StatedCondition> Stated(RuleContext c, string condition) =>
        c.Now.Stated?.Where(s => s.Condition == condition).ToList() ?? [];

    /// <summary>
    /// A finding on the paste's words alone ("a lot of listen overflows"), taken only where nothing measured in the
    /// paste decides: possible, a warning about the trouble the operator came with (recent), and the inputs that would
    /// confirm it. The rule's own explanation and fixes follow, as for any other evidence.
    /// </summary>
    public static CheckResult FromStatement(RuleDescriptor d, RuleContext c, IReadOnlyList<StatedCondition> stated, string title,
        string explanation, IReadOnlyList<FixLine> fix, IReadOnlyList<string> caveats)
    {
        // A program's status field (Kubernetes' "Reason: OOMKilled") records the kernel event itself: likely, like an errno.
        var reported = stated.Where(s => s.Reporter is not null).ToList();
        if (reported.Count > 0)
        {
            var reporters = string.Join(" and ", reported.Select(s => s.Reporter).Distinct());
            var shown = reported.Take(3).Select(s => new Evidence($"reported: {s.Condition}", $"line {s.Line}: \"{s.Sample}\"", s.Reporter + " status" + Evidence.PastedSuffix)).ToList();
            return Conclude(d, c, Severity.Warning, When.Recent, Confidence.Likely,
                title + $" ({reporters} reports it; no kernel line or counter in the paste)", shown, explanation, fix, caveats);
        }
        var evidence = stated.Take(3).Select(s => new Evidence($"stated: {s.Condition}", $"line {s.Line}: \"{s.Sample}\"", StatedSrc)).ToList();
        return Conclude(d, c, Severity.Warning, When.Recent, Confidence.Possible,
            title + " (in words; nothing in the paste measures it)", evidence, explanation, fix, caveats);
    }

    /// <summary>What the application errors say about timing: any, how many, the age of the latest, whether it is in the window.</summary>
    public sealed record AppState(bool Any, long Count, double? AgeSeconds, bool Recent)
    {
        /// <summary>"last 40 s ago", or "time not in the lines" when no error line carries a time; for a title.</summary>
        public string LastText => AgeSeconds is { } a ? $"last {Ago(a)} ago" : "time not in the lines";

        /// <summary>Errors inside the --recent window are trouble now (critical, recent); older ones a warning since boot.</summary>
        public (Severity Severity, When When) Timing => Recent ? (Severity.Critical, When.Recent) : (Severity.Warning, When.SinceBoot);
    }

    /// <summary>
    /// An error line with a time is recent when inside the --recent window of the sample (a paste's "now" is its latest
    /// timestamp). A line without a time came in the paste the operator made because it is failing: taken as recent.
    /// </summary>
    public static AppState AppTiming(RuleContext c, IReadOnlyList<AppErrorReport> errors)
    {
        if (errors.Count == 0) return new AppState(false, 0, null, false);
        long count = errors.Aggregate(0L, (s, e) => Add(s, e.Count));
        var times = errors.Where(e => e.LastWall is not null).Select(e => e.LastWall!.Value).ToList();
        if (times.Count == 0) return new AppState(true, count, null, c.Options.RecentWindow > TimeSpan.Zero);
        double age = Math.Max(0, (c.Now.TakenAt - times.Max()).TotalSeconds);
        return new AppState(true, count, age, age <= c.Options.RecentWindow.TotalSeconds);
    }

    /// <summary>
    /// "last at 2026-11-30 11:02:03Z (40 s ago), 13 in the window (15 min), up to 273 suppressed" for a title: the
    /// line's own wall time when it carries one, else the sample's time less its age, else seconds after boot.
    /// </summary>
    public static string LogWhen(RuleContext c, LogState log)
    {
        var parts = new List<string>();
        var last = log.LastWall?.ToString("u", CultureInfo.InvariantCulture)
            ?? (log.AgeSeconds is { } a ? c.Now.TakenAt.AddSeconds(-a).ToString("u", CultureInfo.InvariantCulture) : null)
            ?? (log.LastUptime is { } up ? $"{N(up, 0)} s after boot" : null);
        parts.Add(last is null ? "time not in the lines" : $"last at {last}" + (log.AgeSeconds is { } age ? $" ({Ago(age)} ago)" : ""));
        if (log.Recent) parts.Add($"{N(log.InWindow)} in the window ({Window(c)})");
        else parts.Add(log.Lines == 1 ? "1 line" : $"{N(log.Lines)} lines");
        if (log.SuppressedUpTo > 0) parts.Add($"up to {N(log.SuppressedUpTo)} suppressed");
        return string.Join(", ", parts);
    }

    /// <summary>Severity and when from the kernel log and the application errors together: recent on either is critical.</summary>
    public static (Severity Severity, When When) Timing(LogState log, AppState app) =>
        log.Recent || app.Recent ? (Severity.Critical, When.Recent) : (Severity.Warning, When.SinceBoot);

    /// <summary>
    /// A finding that rests on the kernel's line or an application errno, not on a gauge: likely (or the given confidence),
    /// with the inputs that would confirm it.
    /// </summary>
    public static CheckResult Conclude(RuleDescriptor d, RuleContext c, Severity severity, When when, Confidence confidence, string title,
        IReadOnlyList<Evidence> evidence, string explanation, IReadOnlyList<FixLine> fix, IReadOnlyList<string> caveats)
    {
        var toConfirm = confidence == Confidence.Confirmed ? [] : d.Inputs.Where(i => !i.IsIn(c.Now) && !Inputs.EvidenceOnly(i)).ToList();
        var finding = new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Confidence = confidence,
            Title = title,
            Evidence = evidence,
            Explanation = explanation,
            Fix = fix,
            Caveats = caveats,
            ToConfirm = toConfirm,
        };
        return Found(d, finding, title, toConfirm.Select(i => i.Name).ToList());
    }
}
