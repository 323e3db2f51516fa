using SockDoc.Cli.Output;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Explain;
using SockDoc.Diagnosis.Text;

namespace SockDoc.Cli.Views;

/// <summary>
/// The human view of `explain`: what was read, the doctor's findings (the doctor's own block: fix lines whole), and what
/// the paste cannot settle. Plain text that pastes and greps (TextDoc); builds the text only.
/// </summary>
public static class ExplainView
{
    public static TextDoc Render(ExplainResult r, string source)
    {
        ArgumentNullException.ThrowIfNull(r);
        var doc = new TextDoc();
        doc.Prose($"SockDoc explain  {source}", tone: Tone.Bold);
        doc.Prose($"{Quantities.Count(r.LinesRead)} lines, {Quantities.Count(r.LinesRecognised)} recognised", tone: Tone.Dim);
        if (r.NothingRecognised)
        {
            doc.Blank();
            doc.Prose("Nothing in this paste was recognised. explain reads:", tone: Tone.Warning);
            foreach (var what in Explainer.Readable) doc.Prose("- " + what, indent: 2, hanging: 2);
            AddUnrecognised(doc, r);
            return doc;
        }

        doc.Blank();
        doc.Heading("Read from the paste");
        foreach (var b in r.Blocks)
            doc.Prose($"{Range(b)}: {b.Kind}" + (b.What.Length > 0 && b.What != b.Kind ? $" ({b.What})" : ""), indent: 2, hanging: 2);
        foreach (var d in r.Damage) doc.Prose("damaged: " + d, indent: 2, tone: Tone.Warning, hanging: 2);

        var findings = r.Report.Findings;
        doc.Blank();
        if (findings.Count == 0) doc.Prose("No doctor finding from what the paste shows.", tone: Tone.Ok);
        foreach (var f in findings)
        {
            DoctorView.FindingBlock(doc, f);
            doc.Blank();
        }

        var decided = r.Report.Checks.Where(c => c.Status == CheckStatus.Ok && r.Relevant.Contains(c.Id)).ToList();
        if (decided.Count > 0)
        {
            doc.Heading("Checks the paste clears");
            doc.Table(["", "", ""], decided.Select(c => (new[] { "ok", c.Id, c.Summary }, Tone.Plain)), indent: 2);
        }
        if (r.Ambiguities.Count > 0)
        {
            doc.Heading("Cannot tell apart");
            foreach (var a in r.Ambiguities)
            {
                doc.Prose($"{string.Join(" or ", a.Candidates)}: {a.Why}", indent: 2, tone: Tone.Warning, hanging: 2);
                doc.Prose("to decide: " + a.ToDecide, indent: 4, hanging: 2);
            }
        }
        if (r.Traps.Count > 0)
        {
            doc.Heading("Traps");
            foreach (var t in r.Traps)
                doc.Prose(t.Id + (t.Lines.Count > 0 ? $" (line {string.Join(", ", t.Lines.Take(5))})" : "") + $": {t.Text}", indent: 2, hanging: 2);
        }
        if (r.Extra.Count > 0)
        {
            doc.Heading("Application errors");
            foreach (var e in r.Extra)
            {
                doc.Prose($"{e.Errno} × {Quantities.Count(e.Count)} ({e.Runtime}, {e.Call}), line {string.Join(", ", e.Lines.Take(5))}", indent: 2, tone: Tone.Bold, hanging: 2);
                doc.Verbatim(e.Sample, indent: 4, tone: Tone.Dim);
                doc.Prose(e.Explanation, indent: 4);
            }
        }
        if (r.Observations.Count > 0)
        {
            doc.Heading("Sockets listed in the paste");
            foreach (var o in r.Observations) doc.Prose($"{o.Name}: {o.Value}", indent: 2, hanging: 2);
        }
        var primary = r.Missing.Where(m => m.Primary).ToList();
        if (primary.Count > 0)
        {
            doc.Heading("Missing to be sure");
            foreach (var m in primary.GroupBy(m => (m.Paste, m.Why)))
                doc.Prose($"paste {m.Key.Paste} {m.Key.Why} ({string.Join(", ", m.Select(x => x.CheckId).Distinct())})", indent: 2, hanging: 2);
        }
        var secondary = r.Missing.Where(m => !m.Primary).GroupBy(m => m.CheckId).ToList();
        if (secondary.Count > 0)
            doc.Prose("Also undecided from this paste: " + string.Join("; ", secondary.Select(g => $"{g.Key} (paste {string.Join(" and ", g.Select(m => m.Paste).Distinct())})")), tone: Tone.Dim);
        if (r.Snapshot.KernelLog is { } log)
        {
            doc.Heading("Kernel log lines");
            foreach (var i in log.Incidents)
                doc.Prose($"{i.Description}: {Quantities.Count(i.Count)} line(s)" + (i.SuppressedUpTo > 0 ? $", up to {Quantities.Count(i.SuppressedUpTo)} more suppressed" : "") +
                    $" → {string.Join(" or ", LogKinds.FindingsFor(i.Kind))}" + (i.Note is null ? "" : $" ({i.Note})"), indent: 2, hanging: 2);
        }
        AddUnrecognised(doc, r);
        return doc;
    }

    private static string Range(RecognisedBlock b) => b.FirstLine == b.LastLine
        ? $"line {b.FirstLine}"
        : $"lines {b.FirstLine}-{b.LastLine}";

    private static void AddUnrecognised(TextDoc doc, ExplainResult r)
    {
        if (r.UnrecognisedCount == 0) return;
        doc.Prose($"{Quantities.Count(r.UnrecognisedCount)} line(s) not recognised, e.g.:", tone: Tone.Dim);
        // The paste's own lines, as they were: never wrapped.
        foreach (var l in r.Unrecognised)
            doc.Verbatim($"{l.Number}: {(l.Text.Length > 100 ? l.Text[..100] + "…" : l.Text)}", indent: 2, tone: Tone.Dim);
    }
}
