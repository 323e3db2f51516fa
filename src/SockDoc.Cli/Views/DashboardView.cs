using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using SockDoc.Cli.History;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model.Census;

namespace SockDoc.Cli.Views;

/// <summary>What one frame of `watch` shows: the latest sample, the recent ones for sparklines, findings, top processes.</summary>
public sealed record DashboardModel
{
    public required Sample Current { get; init; }
    /// <summary>Recent samples, oldest first, the current one last.</summary>
    public IReadOnlyList<Sample> History { get; init; } = [];
    public IReadOnlyList<Finding> Findings { get; init; } = [];
    /// <summary>Top processes by sockets from the census; null when no census was taken.</summary>
    public IReadOnlyList<ProcessSocketUse>? TopProcesses { get; init; }
    public string? KernelRelease { get; init; }
    public bool Paused { get; init; }
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);
    public int SourceProblems { get; init; }
    /// <summary>Sources the dashboard does not read (LiveCollect.LeftOut), said in its header so fewer findings do not look like health.</summary>
    public IReadOnlyList<string> LeftOut { get; init; } = [];
}

/// <summary>
/// The live dashboard as a Spectre renderable. Pure: it never writes to a console; `watch` swaps
/// frames in a LiveDisplay (or prints them one after another when not on a terminal).
/// </summary>
public static class DashboardView
{
    private const string Spark = "▁▂▃▄▅▆▇█";
    private const int SparkWidth = 24;
    private const int BarWidth = 12;

    public static IRenderable Render(DashboardModel m)
    {
        var s = m.Current;
        var header = new Markup(
            $"[bold]sockdoc watch[/]  {Esc(s.Hostname ?? "?")}  kernel {Esc(m.KernelRelease ?? "?")}  " +
            $"{s.TakenAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC  every {Esc(DurationText.Format(m.Interval))}" +
            (m.Paused ? "  [black on yellow] PAUSED [/]" : "") +
            "  [dim]q quit · p pause[/]" +
            (m.LeftOut.Count > 0 ? $"\n[dim]not read: {Esc(string.Join("; ", m.LeftOut))}[/]" : ""));

        var gauges = new Table().Border(TableBorder.Rounded).Expand();
        gauges.AddColumn("Gauge");
        gauges.AddColumn(new TableColumn("Now").RightAligned());
        gauges.AddColumn("Limits");
        gauges.AddColumn(new TableColumn("Use").RightAligned());
        // Bars and sparklines never wrap: on a narrow terminal the limits text wraps instead.
        gauges.AddColumn(new TableColumn("").NoWrap());
        gauges.AddColumn(new TableColumn("Last " + Esc(DurationText.Format(m.Interval * Math.Max(1, Math.Min(m.History.Count, SparkWidth))))).NoWrap());
        gauges.Columns[0].NoWrap();
        gauges.Columns[1].NoWrap();
        gauges.Columns[3].NoWrap();

        // TCP buffer memory against tcp_mem pressure and max (kernel-facts §2.2).
        Row(gauges, "TCP buffer memory", Bytes(s.TcpMemBytes),
            s.TcpMemMaxBytes is null ? "tcp_mem n/a" : $"pressure {Bytes(s.TcpMemPressureBytes)} · max {Bytes(s.TcpMemMaxBytes)}",
            s.TcpMemBytes, s.TcpMemMaxBytes, warnAt: Ratio(s.TcpMemPressureBytes, s.TcpMemMaxBytes), m.History.Select(x => x.TcpMemBytes));
        // Orphans against tcp_max_orphans >> shift for shift 0, 1, 2 (tcp_too_many_orphans(), kernel-facts §1.4).
        Row(gauges, "Orphans", Num(s.TcpOrphan),
            s.TcpMaxOrphans is { } mo ? $"max {Num(mo)} · /2 {Num(mo >> 1)} · /4 {Num(mo >> 2)}" : "tcp_max_orphans n/a",
            s.TcpOrphan, s.TcpMaxOrphans, warnAt: 0.25, m.History.Select(x => x.TcpOrphan));
        Row(gauges, "TIME_WAIT", Num(s.TcpTw),
            s.TcpMaxTwBuckets is { } tw ? $"tcp_max_tw_buckets {Num(tw)}" : "tcp_max_tw_buckets n/a",
            s.TcpTw, s.TcpMaxTwBuckets, warnAt: 0.8, m.History.Select(x => x.TcpTw));
        Row(gauges, "Busiest destination ports", Num(s.BusiestDestinationConnections),
            s.BusiestDestination is null ? "n/a (no census)" : $"{s.BusiestDestination} of {Num(s.LocalPortRangeSize)} ports",
            s.BusiestDestinationConnections, s.LocalPortRangeSize, warnAt: 0.8, m.History.Select(x => x.BusiestDestinationConnections));
        Row(gauges, "Conntrack", Num(s.ConntrackCount),
            s.ConntrackMax is { } cm ? $"nf_conntrack_max {Num(cm)}" : "n/a (conntrack not loaded)",
            s.ConntrackCount, s.ConntrackMax, warnAt: 0.8, m.History.Select(x => x.ConntrackCount));
        Row(gauges, "Open files (system)", Num(s.FilesAllocated),
            s.FileMax is { } fm ? $"file-max {Num(fm)}" : "file-max n/a",
            s.FilesAllocated, s.FileMax, warnAt: 0.8, m.History.Select(x => x.FilesAllocated));
        Row(gauges, "Open files (top process)", Num(s.TopFdOpen),
            s.TopFdPid is { } pid ? $"{s.TopFdCommand}[{pid.ToString(CultureInfo.InvariantCulture)}] nofile {Num(s.TopFdSoftLimit)}" : "n/a",
            s.TopFdOpen, s.TopFdSoftLimit, warnAt: 0.8, m.History.Select(x => x.TopFdOpen));
        Row(gauges, "TCP sockets in use", Num(s.TcpInUse), s.States is null ? "" : StatesLine(s.States),
            null, null, warnAt: 1, m.History.Select(x => x.TcpInUse));

        var findings = new Table().Border(TableBorder.Rounded).Expand().Title("[bold]Findings[/]");
        findings.AddColumn("Severity");
        findings.AddColumn("Id");
        findings.AddColumn("Finding");
        if (m.Findings.Count == 0) findings.AddRow("[green]ok[/]", "", "no findings");
        foreach (var f in m.Findings.Take(8))
            findings.AddRow(SeverityMarkup(f.Severity), Esc(f.Id), Esc(f.Title));

        var procs = new Table().Border(TableBorder.Rounded).Expand().Title("[bold]Top processes by sockets[/]");
        procs.AddColumn(new TableColumn("PID").RightAligned());
        procs.AddColumn("Command");
        procs.AddColumn(new TableColumn("Sockets").RightAligned());
        procs.AddColumn(new TableColumn("Established").RightAligned());
        procs.AddColumn(new TableColumn("Listening").RightAligned());
        if (m.TopProcesses is null) procs.AddRow("", "n/a (no socket census)", "", "", "");
        else if (m.TopProcesses.Count == 0) procs.AddRow("", "none", "", "", "");
        foreach (var p in m.TopProcesses?.OrderByDescending(p => p.Sockets).Take(5) ?? [])
            procs.AddRow(p.Pid.ToString(CultureInfo.InvariantCulture), Esc(p.Command), Num(p.Sockets), Num(p.Established), Num(p.Listening));

        var parts = new List<IRenderable> { header, gauges, findings, procs };
        if (m.SourceProblems > 0) parts.Add(new Markup($"[dim]{m.SourceProblems.ToString(CultureInfo.InvariantCulture)} sources unreadable (run as root for all of them)[/]"));
        return new Rows(parts);
    }

    private static void Row(Table t, string name, string now, string limits, long? value, long? limit, double? warnAt, IEnumerable<long?> history)
    {
        var ratio = Ratio(value, limit);
        var colour = ratio is null ? "grey" : ratio >= 1 ? "red" : warnAt is { } w && ratio >= w ? "yellow" : "green";
        t.AddRow(
            new Markup(Esc(name)),
            new Markup(Esc(now)),
            new Markup(Esc(limits)),
            new Markup(ratio is { } r ? $"[{colour}]{Diagnosis.Text.Quantities.Percent(r * 100)}[/]" : "[grey]n/a[/]"),
            new Markup(ratio is { } r2 ? $"[{colour}]{Bar(r2)}[/]" : ""),
            new Markup($"[{colour}]{Sparkline(history.TakeLast(SparkWidth).ToList())}[/]"));
    }

    private static double? Ratio(long? value, long? limit) => value is { } v && limit is > 0 ? (double)v / limit.Value : null;

    public static string Bar(double ratio)
    {
        var filled = (int)Math.Round(Math.Clamp(ratio, 0, 1) * BarWidth);
        return new string('█', filled) + new string('░', BarWidth - filled);
    }

    /// <summary>
    /// Eight-level sparkline from 0 to the window's maximum (n/a points show as a space): a gauge of
    /// a resource reads as "how full", so a change of one socket in 131,000 does not fill the height.
    /// </summary>
    public static string Sparkline(IReadOnlyList<long?> values)
    {
        var known = values.OfType<long>().ToList();
        if (known.Count == 0) return "";
        long min = Math.Min(0, known.Min()), max = known.Max();
        var chars = new char[values.Count];
        for (int i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } v) { chars[i] = ' '; continue; }
            var level = max == min ? 0 : (int)Math.Round((double)(v - min) / (max - min) * (Spark.Length - 1));
            chars[i] = Spark[level];
        }
        return new string(chars);
    }

    private static string StatesLine(IReadOnlyDictionary<string, long> states) =>
        string.Join(" · ", states.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).Take(4).Select(kv => $"{kv.Key} {Num(kv.Value)}"));

    private static string SeverityMarkup(Severity s) => s switch
    {
        Severity.Critical => "[white on red] critical [/]",
        Severity.Warning => "[black on yellow] warning [/]",
        Severity.Info => "[blue]info[/]",
        _ => "[green]ok[/]",
    };

    public static string Num(long? v) => v is { } n ? n.ToString("#,0", CultureInfo.InvariantCulture) : "n/a";

    public static string Bytes(long? v) => v is { } b ? Diagnosis.Text.Quantities.Bytes(b) : "n/a";

    private static string Esc(string s) => Markup.Escape(s);
}
