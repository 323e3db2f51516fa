using System.Globalization;
using SockDoc.Diagnosis.Engine;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SockDoc.Cli.Views;

/// <summary>The doctor's human view: a summary table, then one panel per finding. Builds renderables only.</summary>
public static class DoctorView
{
    public static IRenderable Render(Report report)
    {
        var rows = new List<IRenderable> { Header(report), Summary(report) };
        foreach (var f in report.Findings) rows.Add(NamespacesView.Tagged(f, FindingPanel(f)));
        if (report.Findings.Count == 0)
            rows.Add(new Markup("[green]Nothing to report: no socket limit is near, and none was hit since boot.[/]"));
        if (report.Namespaces is { Count: > 0 }) rows.Add(NamespacesView.Section(report));
        if (report.SocketSlab is { } slab) rows.Add(SlabLine(slab));
        if (report.Unreadable.Count > 0) rows.Add(Unreadable(report));
        return new Rows(rows);
    }

    private static IRenderable Header(Report r)
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
        var text = $"[bold]SockDoc doctor[/]  {Markup.Escape(r.Hostname ?? "?")}  kernel {Markup.Escape(r.KernelRelease ?? "?")}  {r.TakenAt.ToString("u", CultureInfo.InvariantCulture)}\n" +
                   $"[grey]{Markup.Escape(ns)}" + (r.NetNsInode is { } ino ? Markup.Escape($" (net:[{ino}])") : "") + $"; {Markup.Escape(interval)}" +
                   (r.Origin != "live" ? $"; from {Markup.Escape(r.Origin)}" : "") + "[/]";
        return new Markup(text);
    }

    private static IRenderable Summary(Report r)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Checks[/]");
        table.AddColumn("check");
        table.AddColumn("status");
        table.AddColumn("summary");
        foreach (var c in r.Checks)
            table.AddRow(new Text(c.Id), Status(c.Status), new Text(c.Summary));
        return table;
    }

    private static Markup Status(CheckStatus s) => s switch
    {
        CheckStatus.Critical => new Markup("[bold red]CRITICAL[/]"),
        CheckStatus.Warning => new Markup("[yellow]WARNING[/]"),
        CheckStatus.Info => new Markup("[blue]info[/]"),
        CheckStatus.Ok => new Markup("[green]ok[/]"),
        CheckStatus.Unknown => new Markup("[grey]unknown[/]"),
        _ => new Markup("[red]error[/]"),
    };

    private static string SeverityWord(Severity s) => s switch
    {
        Severity.Critical => "[bold red]CRITICAL[/]",
        Severity.Warning => "[yellow]WARNING[/]",
        Severity.Info => "[blue]INFO[/]",
        _ => "[green]OK[/]",
    };

    private static IRenderable FindingPanel(Finding f)
    {
        var parts = new List<IRenderable>
        {
            new Markup($"{SeverityWord(f.Severity)} [bold]{Markup.Escape(f.Title)}[/]  [grey]({Markup.Escape(WhenText(f))})[/]"),
        };
        var evidence = new Table().Border(TableBorder.Simple).HideHeaders().Expand();
        evidence.AddColumn("what");
        evidence.AddColumn("value");
        evidence.AddColumn("source");
        foreach (var e in f.Evidence)
            evidence.AddRow(new Text(e.Name), new Text(e.Text), new Markup($"[grey]{Markup.Escape(e.Source)}[/]"));
        parts.Add(new Markup("[bold]Evidence[/]"));
        parts.Add(evidence);
        parts.Add(new Markup("[bold]Mechanism[/]"));
        parts.Add(new Text(f.Explanation));
        if (f.Fix.Count > 0)
        {
            parts.Add(new Markup("[bold]Fix[/]"));
            foreach (var fix in f.Fix)
            {
                var line = fix.Command.Length > 0 ? fix.Command : fix.Setting;
                parts.Add(new Markup($"  [cyan]{Markup.Escape(line)}[/]\n    [grey]{Markup.Escape(fix.Why)}[/]"));
            }
        }
        if (f.Caveats.Count > 0)
        {
            parts.Add(new Markup("[bold]Caveats[/]"));
            foreach (var c in f.Caveats) parts.Add(new Markup($"  - {Markup.Escape(c)}"));
        }
        var color = f.Severity switch { Severity.Critical => Color.Red, Severity.Warning => Color.Yellow, _ => Color.Blue };
        return new Panel(new Rows(parts)).Header($" {f.Id} ").BorderColor(color).Expand();
    }

    /// <summary>"happening now", "recently", ... plus how sure the verdict is when it is not confirmed by a counter.</summary>
    public static string WhenText(Finding f)
    {
        ArgumentNullException.ThrowIfNull(f);
        var when = f.When switch
        {
            When.Now => "happening now",
            When.Recent => "recently, in the kernel log",
            When.SinceBoot => "happened since boot, not during the sample",
            When.Risk => "near a limit",
            _ => f.When.ToString(),
        };
        return f.Confidence switch
        {
            Confidence.Likely => when + "; likely: the gauges are not in the sample",
            Confidence.Possible => when + "; possible: the evidence fits more than one cause",
            _ => when,
        };
    }

    private static IRenderable SlabLine(SocketSlabSummary slab)
    {
        var per = slab.FloorBytesPerTcpSocket is { } p ? $"; one idle TCP socket costs {p.ToString("0", CultureInfo.InvariantCulture)} B here" : "";
        var top = string.Join(", ", slab.Caches.Where(c => c.Bytes > 0).OrderByDescending(c => c.Bytes).Take(5)
            .Select(c => $"{c.Name} {c.ActiveObjects.ToString("N0", CultureInfo.InvariantCulture)}×{c.ObjectSize} B"));
        return new Markup($"[grey]Socket structures in slab (not counted in tcp_mem): {ByteText.Format(slab.TotalBytes)}{per}. {Markup.Escape(top)}[/]");
    }

    private static IRenderable Unreadable(Report r)
    {
        var lines = r.Unreadable.Select(u => $"  - {Markup.Escape(u.Source)}: {Markup.Escape(u.Reason)}" + (u.NeedsRoot ? " [grey](run as root)[/]" : ""));
        var unknown = r.Checks.Where(c => c.Status == CheckStatus.Unknown).Select(c => c.Id).ToList();
        var tail = unknown.Count > 0 ? $"\n  Left unknown: {string.Join(", ", unknown)}" : "";
        return new Markup("[yellow]Sources not read:[/]\n" + string.Join('\n', lines) + Markup.Escape(tail));
    }
}
