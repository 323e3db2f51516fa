using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Explain;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SockDoc.Cli.Views;

/// <summary>The human view of `explain`: what was read, the doctor's findings, and what the paste cannot settle.</summary>
public static class ExplainView
{
    public static IRenderable Render(ExplainResult r, string source)
    {
        ArgumentNullException.ThrowIfNull(r);
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]SockDoc explain[/]  {Markup.Escape(source)}  [grey]{r.LinesRead.ToString("N0", CultureInfo.InvariantCulture)} lines, {r.LinesRecognised.ToString("N0", CultureInfo.InvariantCulture)} recognised[/]"),
        };
        if (r.NothingRecognised)
        {
            rows.Add(new Markup("[yellow]Nothing in this paste was recognised.[/] explain reads:"));
            foreach (var what in Explainer.Readable) rows.Add(new Text("  • " + what));
            AddUnrecognised(rows, r);
            return new Rows(rows);
        }

        rows.Add(new Markup("[bold]Read from the paste[/]"));
        foreach (var b in r.Blocks)
            rows.Add(new Text($"  {Range(b)}: {b.Kind}" + (b.What.Length > 0 && b.What != b.Kind ? $" ({b.What})" : "")));
        foreach (var d in r.Damage) rows.Add(new Markup($"  [yellow]damaged:[/] {Markup.Escape(d)}"));

        var findings = r.Report.Findings;
        if (findings.Count == 0)
            rows.Add(new Markup("[green]No doctor finding from what the paste shows.[/]"));
        foreach (var f in findings) rows.Add(Finding(f));

        var decided = r.Report.Checks.Where(c => c.Status == CheckStatus.Ok && r.Relevant.Contains(c.Id)).ToList();
        if (decided.Count > 0)
        {
            rows.Add(new Markup("[bold]Checks the paste clears[/]"));
            foreach (var c in decided) rows.Add(new Markup($"  [green]ok[/] {Markup.Escape(c.Id)}: {Markup.Escape(c.Summary)}"));
        }

        if (r.Ambiguities.Count > 0)
        {
            rows.Add(new Markup("[bold]Cannot tell apart[/]"));
            foreach (var a in r.Ambiguities)
                rows.Add(new Markup($"  [yellow]{Markup.Escape(string.Join(" or ", a.Candidates))}[/]: {Markup.Escape(a.Why)}\n    to decide: {Markup.Escape(a.ToDecide)}"));
        }
        if (r.Traps.Count > 0)
        {
            rows.Add(new Markup("[bold]Traps[/]"));
            foreach (var t in r.Traps)
                rows.Add(new Markup($"  [yellow]{Markup.Escape(t.Id)}[/]" + (t.Lines.Count > 0 ? $" [grey](line {Markup.Escape(string.Join(", ", t.Lines.Take(5)))})[/]" : "") + $": {Markup.Escape(t.Text)}"));
        }
        if (r.Extra.Count > 0)
        {
            rows.Add(new Markup("[bold]Application errors[/]"));
            foreach (var e in r.Extra)
                rows.Add(new Markup($"  [bold]{Markup.Escape(e.Errno)}[/] × {e.Count.ToString("N0", CultureInfo.InvariantCulture)} ({Markup.Escape(e.Runtime)}, {Markup.Escape(e.Call)}) [grey]line {Markup.Escape(string.Join(", ", e.Lines.Take(5)))}: {Markup.Escape(e.Sample)}[/]\n    {Markup.Escape(e.Explanation)}"));
        }
        if (r.Observations.Count > 0)
        {
            rows.Add(new Markup("[bold]Sockets listed in the paste[/]"));
            foreach (var o in r.Observations) rows.Add(new Text($"  {o.Name}: {o.Value}"));
        }
        var primary = r.Missing.Where(m => m.Primary).ToList();
        if (primary.Count > 0)
        {
            rows.Add(new Markup("[bold]Missing to be sure[/]"));
            foreach (var m in primary.GroupBy(m => (m.Paste, m.Why)))
                rows.Add(new Text($"  paste {m.Key.Paste} {m.Key.Why} ({string.Join(", ", m.Select(x => x.CheckId).Distinct())})"));
        }
        var secondary = r.Missing.Where(m => !m.Primary).GroupBy(m => m.CheckId).ToList();
        if (secondary.Count > 0)
            rows.Add(new Markup("[grey]" + Markup.Escape("Also undecided from this paste: " + string.Join("; ", secondary.Select(g => $"{g.Key} (paste {string.Join(" and ", g.Select(m => m.Paste).Distinct())})"))) + "[/]"));
        if (r.Snapshot.KernelLog is { } log)
        {
            rows.Add(new Markup("[bold]Kernel log lines[/]"));
            foreach (var i in log.Incidents)
                rows.Add(new Text($"  {i.Description}: {i.Count.ToString("N0", CultureInfo.InvariantCulture)} line(s)" + (i.SuppressedUpTo > 0 ? $", up to {i.SuppressedUpTo.ToString("N0", CultureInfo.InvariantCulture)} more suppressed" : "") + $" → {string.Join(" or ", LogKinds.FindingsFor(i.Kind))}" + (i.Note is null ? "" : $" ({i.Note})")));
        }
        AddUnrecognised(rows, r);
        return new Rows(rows);
    }

    private static string Range(RecognisedBlock b) => b.FirstLine == b.LastLine
        ? "line " + b.FirstLine.ToString(CultureInfo.InvariantCulture)
        : $"lines {b.FirstLine.ToString(CultureInfo.InvariantCulture)}–{b.LastLine.ToString(CultureInfo.InvariantCulture)}";

    private static void AddUnrecognised(List<IRenderable> rows, ExplainResult r)
    {
        if (r.UnrecognisedCount == 0) return;
        rows.Add(new Markup($"[grey]{r.UnrecognisedCount.ToString("N0", CultureInfo.InvariantCulture)} line(s) not recognised, e.g.:[/]"));
        foreach (var l in r.Unrecognised)
            rows.Add(new Markup($"[grey]  {l.Number.ToString(CultureInfo.InvariantCulture)}: {Markup.Escape(l.Text.Length > 100 ? l.Text[..100] + "…" : l.Text)}[/]"));
    }

    private static IRenderable Finding(Finding f)
    {
        var word = f.Severity switch
        {
            Severity.Critical => "[bold red]CRITICAL[/]",
            Severity.Warning => "[yellow]WARNING[/]",
            Severity.Info => "[blue]INFO[/]",
            _ => "[green]OK[/]",
        };
        var parts = new List<IRenderable>
        {
            new Markup($"{word} [bold]{Markup.Escape(f.Id)}[/]: {Markup.Escape(f.Title)} [grey]({Markup.Escape(DoctorView.WhenText(f))})[/]"),
        };
        foreach (var e in f.Evidence) parts.Add(new Markup($"  {Markup.Escape(e.Name)}: {Markup.Escape(e.Text)} [grey]({Markup.Escape(e.Source)})[/]"));
        parts.Add(new Text(f.Explanation));
        foreach (var fix in f.Fix)
            parts.Add(new Markup($"  [bold]fix[/] {Markup.Escape(fix.Setting)}" + (fix.Value.Length > 0 ? $" = {Markup.Escape(fix.Value)}" : "") + $": {Markup.Escape(fix.Why)}"));
        foreach (var c in f.Caveats) parts.Add(new Markup($"  [grey]caveat: {Markup.Escape(c)}[/]"));
        return new Panel(new Rows(parts)).Border(BoxBorder.Rounded).Expand();
    }
}
