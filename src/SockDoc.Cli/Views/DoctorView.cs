using System.Globalization;
using SockDoc.Cli.Output;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Text;

namespace SockDoc.Cli.Views;

/// <summary>
/// The doctor's human view, answer first: a summary (now, recently, at risk, history, unknown: one line each), the
/// settings to change (each once), then the checks and one block per finding. Plain text that pastes and greps:
/// no boxes, commands and file lines never wrapped (TextDoc). Builds the text only.
/// </summary>
public static class DoctorView
{
    public static TextDoc Render(Report report, SettingsToChange settings, bool brief = false)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(settings);
        var doc = new TextDoc();
        Header(doc, report);
        doc.Blank();
        Summary(doc, report);
        if (report.Findings.Count == 0) doc.Prose("Nothing to report: no socket limit is near, and none was hit since boot.", tone: Tone.Ok);
        doc.Blank();
        Settings(doc, settings);
        if (brief) return doc;
        doc.Blank();
        Checks(doc, report);
        foreach (var f in report.Findings)
        {
            doc.Blank();
            if (NamespacesView.Tag(f) is { } tag) doc.Prose(tag, tone: Tone.Bold);
            FindingBlock(doc, f);
        }
        if (report.Namespaces is { Count: > 0 })
        {
            doc.Blank();
            NamespacesView.Section(doc, report);
        }
        if (report.SocketSlab is { } slab)
        {
            doc.Blank();
            SlabLine(doc, slab);
        }
        if (report.Unreadable.Count > 0)
        {
            doc.Blank();
            Unreadable(doc, report);
        }
        return doc;
    }

    private static void Header(TextDoc doc, Report r)
    {
        var ns = r.InitialNetNs switch
        {
            true => "initial network namespace",
            false => "child network namespace (container): orphans, tcp_mem and sockstat mem are the host's; tw, inuse and counters are this namespace's",
            null => "network namespace unknown",
        };
        var interval = r.IntervalSeconds is { } s
            ? $"rates over {s.ToString("0.##", CultureInfo.InvariantCulture)} s"
            : "one sample: no rates, \"now\" cannot be told from \"since boot\" for counters";
        doc.Prose($"SockDoc doctor  {r.Hostname ?? "?"}  kernel {r.KernelRelease ?? "?"}  {r.TakenAt.ToString("u", CultureInfo.InvariantCulture)}", tone: Tone.Bold);
        doc.Prose(ns + (r.NetNsInode is { } ino ? $" (net:[{ino}])" : "") + "; " + interval + (r.Origin != "live" ? $"; from {r.Origin}" : ""), tone: Tone.Dim);
    }

    /// <summary>One line per kind of trouble, worst first: what an operator reads before anything else.</summary>
    private static void Summary(TextDoc doc, Report r)
    {
        doc.Heading("Summary");
        var rows = new List<(string[] Cells, Tone Tone)>();
        void Row(string label, IEnumerable<Finding> findings)
        {
            var list = findings.ToList();
            if (list.Count == 0)
            {
                rows.Add(([label, "none", ""], Tone.Plain));
                return;
            }
            var worst = list.Max(f => f.Severity);
            var text = string.Join("; ", list.Select(f => $"{f.Id}: {f.Title}" + (f.Confidence == Confidence.Confirmed ? "" : $" ({Word(f.Confidence)})")));
            rows.Add(([label, Word(worst), text], ToneOf(worst)));
        }
        Row("now", r.Findings.Where(f => f.When == When.Now));
        Row("recently", r.Findings.Where(f => f.When == When.Recent));
        Row("at risk", r.Findings.Where(f => f.When == When.Risk));
        Row("history", r.Findings.Where(f => f.When == When.SinceBoot));
        var unknown = r.Checks.Where(c => c.Status is CheckStatus.Unknown or CheckStatus.Error).ToList();
        rows.Add(unknown.Count == 0
            ? (["unknown", "none", ""], Tone.Plain)
            : (["unknown", "", string.Join(", ", unknown.Select(c => c.Id)) + " (why: in the checks table)"], Tone.Dim));
        doc.Table(["", "", ""], rows, indent: 2);
    }

    private static void Settings(TextDoc doc, SettingsToChange s)
    {
        if (s.IsEmpty)
        {
            doc.Heading("Settings to change: none");
            return;
        }
        doc.Heading("Settings to change (each once, the strictest value any check asks for)");
        foreach (var c in s.Sysctls)
        {
            doc.Verbatim(c.Command, indent: 2);
            if (c.Current is not null) doc.Prose($"now {c.Current}", indent: 6, tone: Tone.Dim);
            foreach (var (id, why) in c.Reasons) doc.Prose($"{id}: {why}", indent: 6, tone: Tone.Dim, hanging: 2);
        }
        if (s.Nofile is { } n)
        {
            doc.Prose("Open files, in the service's unit (systemctl edit SERVICE):", indent: 2);
            doc.Verbatim($"[Service]\nLimitNOFILE={n.Value}", indent: 4);
            doc.Prose("or for login sessions, in /etc/security/limits.d/90-sockdoc.conf:", indent: 2);
            doc.Verbatim($"*  soft  nofile  {n.Value}\n*  hard  nofile  {n.Value}", indent: 4);
            foreach (var (id, why) in n.Reasons) doc.Prose($"{id}: {why}", indent: 6, tone: Tone.Dim, hanging: 2);
        }
        if (s.Sysctls.Count > 0) doc.Prose("Persist them: `sockdoc doctor --write /etc/sysctl.d/99-sockdoc.conf`, then `sysctl --system`", indent: 2, tone: Tone.Dim);
    }

    private static void Checks(TextDoc doc, Report r)
    {
        doc.Heading("Checks");
        // The status is in its own column: a summary that repeats "unknown: " loses it.
        doc.Table(["check", "status", "summary"], r.Checks.Select(c => (new[] { c.Id, Word(c.Status),
            c.Summary.StartsWith("unknown: ", StringComparison.Ordinal) ? c.Summary["unknown: ".Length..] : c.Summary }, ToneOf(c.Status))), indent: 2);
    }

    /// <summary>One finding: title line, evidence, mechanism, fix lines (whole), caveats, what would confirm it.</summary>
    public static void FindingBlock(TextDoc doc, Finding f)
    {
        doc.Prose($"{f.Id}: {Word(f.Severity)}: {f.Title}  ({WhenText(f)})", tone: ToneOf(f.Severity), hanging: 4);
        if (f.Evidence.Count > 0)
        {
            doc.Prose("Evidence", indent: 2, tone: Tone.Bold);
            foreach (var e in f.Evidence) doc.Prose($"{e.Name}: {e.Text}  [{e.Source}]", indent: 4, hanging: 4);
        }
        doc.Prose("Mechanism", indent: 2, tone: Tone.Bold);
        doc.Prose(f.Explanation, indent: 4);
        if (f.Fix.Count > 0)
        {
            doc.Prose("Fix", indent: 2, tone: Tone.Bold);
            foreach (var fix in f.Fix)
            {
                if (fix.Command.Length > 0) doc.Verbatim(fix.Command, indent: 4);
                else doc.Prose(fix.Setting, indent: 4, tone: Tone.Command, hanging: 2);
                doc.Prose(fix.Why, indent: 6, tone: Tone.Dim);
            }
        }
        if (f.Trace is { } trace) doc.Verbatim(trace + "  # who: which process, peer or cgroup", indent: 4);
        if (f.Caveats.Count > 0)
        {
            doc.Prose("Caveats", indent: 2, tone: Tone.Bold);
            foreach (var c in f.Caveats) doc.Prose("- " + c, indent: 4, hanging: 2);
        }
        if (f.ToConfirm.Count > 0)
        {
            doc.Prose("To confirm", indent: 2, tone: Tone.Bold);
            foreach (var i in f.ToConfirm) doc.Prose($"- {i.Name}: `{i.Command}` ({i.Why})", indent: 4, hanging: 2);
        }
    }

    /// <summary>The one severity vocabulary: ok, info, warning, critical, unknown, error.</summary>
    public static string Word(Severity s) => s.ToString().ToLowerInvariant();

    public static string Word(CheckStatus s) => s.ToString().ToLowerInvariant();

    public static string Word(Confidence c) => c.ToString().ToLowerInvariant();

    public static Tone ToneOf(Severity s) => s switch
    {
        Severity.Critical => Tone.Critical,
        Severity.Warning => Tone.Warning,
        Severity.Info => Tone.Info,
        _ => Tone.Ok,
    };

    public static Tone ToneOf(CheckStatus s) => s switch
    {
        CheckStatus.Critical => Tone.Critical,
        CheckStatus.Warning => Tone.Warning,
        CheckStatus.Info => Tone.Info,
        CheckStatus.Ok => Tone.Plain,
        _ => Tone.Dim,
    };

    /// <summary>"happening now", "recently", ... plus how sure the verdict is when it is not confirmed by a counter.</summary>
    public static string WhenText(Finding f)
    {
        ArgumentNullException.ThrowIfNull(f);
        // Where "recently" was seen: the kernel's lines, the application's, or only the paste's words.
        string seen = f.Evidence.Any(e => e.FromLog) ? ", in the kernel log"
            : f.Evidence.Any(e => e.FromAppErrors) ? ", in the application's errors"
            : f.Evidence.Any(e => e.Stated) ? ", as the paste tells it" : "";
        var when = f.When switch
        {
            When.Now => "happening now",
            When.Recent => "recently" + seen,
            When.SinceBoot => "happened since boot, not during the sample",
            When.Risk => "near a limit",
            _ => f.When.ToString(),
        };
        return f.Confidence switch
        {
            Confidence.Likely => when + "; likely: " + LikelyBecause(f) + ", no gauge or counter in the sample shows it",
            Confidence.Possible when f.Evidence.Count > 0 && f.Evidence.All(e => e.Stated) => when + "; possible: only the paste's words say so",
            Confidence.Possible => when + "; possible: the evidence fits more than one cause",
            _ => when,
        };
    }

    /// <summary>What a "likely" verdict rests on, named from its evidence.</summary>
    private static string LikelyBecause(Finding f)
    {
        var what = new List<string>();
        if (f.Evidence.Any(e => e.FromLog)) what.Add("the kernel's line");
        if (f.Evidence.Any(e => e.FromAppErrors)) what.Add("an application's errno");
        if (f.Evidence.Any(e => e.FromPastedRow)) what.Add("a pasted socket row");
        return what.Count == 0 ? "the evidence says so" : string.Join(" and ", what) + (what.Count == 1 ? " says so" : " say so");
    }

    private static void SlabLine(TextDoc doc, SocketSlabSummary slab)
    {
        var per = slab.FloorBytesPerTcpSocket is { } p ? $"; one idle TCP socket costs {Quantities.Bytes(p)} here" : "";
        var top = string.Join(", ", slab.Caches.Where(c => c.Bytes > 0).OrderByDescending(c => c.Bytes).Take(5)
            .Select(c => $"{c.Name} {Quantities.Count(c.ActiveObjects)} × {Quantities.Bytes(c.ObjectSize)}"));
        doc.Prose($"Socket structures in slab (not counted in tcp_mem): {Quantities.Bytes(slab.TotalBytes)}{per}. {top}", tone: Tone.Dim);
    }

    private static void Unreadable(TextDoc doc, Report r)
    {
        doc.Prose("Sources not read:", tone: Tone.Warning);
        foreach (var u in r.Unreadable) doc.Prose($"- {u.Source}: {u.Reason}" + (u.NeedsRoot ? " (run as root)" : ""), indent: 2, hanging: 2);
        var unknown = r.Checks.Where(c => c.Status == CheckStatus.Unknown).Select(c => c.Id).ToList();
        if (unknown.Count > 0) doc.Prose($"Left unknown: {string.Join(", ", unknown)}", indent: 2);
    }
}
