using System.Globalization;
using Spectre.Console.Rendering;
using SockDoc.Cli.Output;
using SockDoc.Diagnosis.Text;
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
/// The live dashboard as plain text (TextDoc: limits, numbers and commands never broken). Pure: it never writes to a
/// console; `watch` swaps frames in a LiveDisplay (or prints them one after another when not on a terminal, without
/// bars and sparklines).
/// </summary>
public static class DashboardView
{
    private const string Spark = "▁▂▃▄▅▆▇█";
    private const int SparkWidth = 24;
    private const int BarWidth = 12;

    /// <summary>The frame as a renderable for Spectre's live display; laid out by TextDoc at the command's width.</summary>
    public static IRenderable Render(DashboardModel m) => new DocRenderable(Doc(m, graphics: !Look.Plain && (Look.Width ?? int.MaxValue) >= GraphicsWidth));

    /// <summary>Below this width bars and sparklines (40 columns) are left out, so the limits keep their room.</summary>
    public const int GraphicsWidth = 110;

    public static TextDoc Doc(DashboardModel m, bool graphics)
    {
        ArgumentNullException.ThrowIfNull(m);
        var s = m.Current;
        var doc = new TextDoc();
        doc.Prose($"SockDoc watch  {s.Hostname ?? "?"}  kernel {m.KernelRelease ?? "?"}  " +
            $"{s.TakenAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC  every {Quantities.Duration(m.Interval)}" +
            (m.Paused ? "  PAUSED" : "") + (graphics ? "  (q quit, p pause)" : ""), tone: Tone.Bold);
        if (m.LeftOut.Count > 0) doc.Prose("not read: " + string.Join("; ", m.LeftOut), tone: Tone.Dim, hanging: 2);
        doc.Blank();

        var rows = new List<(string[] Cells, Tone Tone)>();
        void Row(string name, string now, string limits, long? value, long? limit, double? warnAt, IEnumerable<long?> history)
        {
            var ratio = Ratio(value, limit);
            var tone = ratio is null ? Tone.Plain : ratio >= 1 ? Tone.Critical : warnAt is { } w && ratio >= w ? Tone.Warning : Tone.Plain;
            var use = ratio is { } r ? Quantities.Percent(r * 100) : "n/a";
            rows.Add((graphics
                ? [name, now, use, ratio is { } r2 ? Bar(r2) : new string(' ', BarWidth), Sparkline(history.TakeLast(SparkWidth).ToList()).PadRight(SparkWidth), limits]
                : [name, now, use, limits], tone));
        }
        // TCP buffer memory against tcp_mem pressure and max (kernel-facts §2.2).
        Row("TCP buffer memory", Bytes(s.TcpMemBytes),
            s.TcpMemMaxBytes is null ? "tcp_mem n/a" : $"pressure {Bytes(s.TcpMemPressureBytes)}, max {Bytes(s.TcpMemMaxBytes)}",
            s.TcpMemBytes, s.TcpMemMaxBytes, warnAt: Ratio(s.TcpMemPressureBytes, s.TcpMemMaxBytes), m.History.Select(x => x.TcpMemBytes));
        // Orphans against tcp_max_orphans >> shift for shift 0, 1, 2 (tcp_too_many_orphans(), kernel-facts §1.4).
        Row("Orphans", Num(s.TcpOrphan),
            s.TcpMaxOrphans is { } mo ? $"max {Num(mo)}, /2 {Num(mo >> 1)}, /4 {Num(mo >> 2)}" : "tcp_max_orphans n/a",
            s.TcpOrphan, s.TcpMaxOrphans, warnAt: 0.25, m.History.Select(x => x.TcpOrphan));
        Row("TIME_WAIT", Num(s.TcpTw),
            s.TcpMaxTwBuckets is { } tw ? $"tcp_max_tw_buckets {Num(tw)}" : "tcp_max_tw_buckets n/a",
            s.TcpTw, s.TcpMaxTwBuckets, warnAt: 0.8, m.History.Select(x => x.TcpTw));
        Row("Busiest destination ports", Num(s.BusiestDestinationConnections),
            s.BusiestDestination is null ? "n/a (no census)" : $"{s.BusiestDestination} of {Num(s.LocalPortRangeSize)} ports",
            s.BusiestDestinationConnections, s.LocalPortRangeSize, warnAt: 0.8, m.History.Select(x => x.BusiestDestinationConnections));
        Row("Conntrack", Num(s.ConntrackCount),
            s.ConntrackMax is { } cm ? $"nf_conntrack_max {Num(cm)}" : "n/a (conntrack not loaded)",
            s.ConntrackCount, s.ConntrackMax, warnAt: 0.8, m.History.Select(x => x.ConntrackCount));
        Row("Open files (system)", Num(s.FilesAllocated),
            s.FileMax is { } fm ? $"file-max {Num(fm)}" : "file-max n/a",
            s.FilesAllocated, s.FileMax, warnAt: 0.8, m.History.Select(x => x.FilesAllocated));
        Row("Open files (top process)", Num(s.TopFdOpen),
            s.TopFdPid is { } pid ? $"{s.TopFdCommand}[{pid.ToString(CultureInfo.InvariantCulture)}] nofile {Num(s.TopFdSoftLimit)}" : "n/a",
            s.TopFdOpen, s.TopFdSoftLimit, warnAt: 0.8, m.History.Select(x => x.TopFdOpen));
        Row("TCP sockets in use", Num(s.TcpInUse), s.States is null ? "" : StatesLine(s.States),
            null, null, warnAt: 1, m.History.Select(x => x.TcpInUse));
        string[] headers = graphics
            ? ["gauge", "now", "use", "", "last " + Quantities.Duration(m.Interval * Math.Max(1, Math.Min(m.History.Count, SparkWidth))), "limits"]
            : ["gauge", "now", "use", "limits"];
        doc.Table(headers, rows);
        doc.Blank();

        doc.Heading("Findings");
        if (m.Findings.Count == 0) doc.Prose("ok: no findings", indent: 2, tone: Tone.Ok);
        else doc.Table(["severity", "id", "finding"], m.Findings.Take(8).Select(f => (new[] { DoctorView.Word(f.Severity), f.Id, f.Title }, DoctorView.ToneOf(f.Severity))), indent: 2);
        doc.Blank();

        doc.Heading("Top processes by sockets");
        if (m.TopProcesses is null) doc.Prose("n/a (no socket census)", indent: 2, tone: Tone.Dim);
        else if (m.TopProcesses.Count == 0) doc.Prose("none", indent: 2, tone: Tone.Dim);
        else
            doc.Table(["pid", "sockets", "established", "listening", "command"], m.TopProcesses.OrderByDescending(p => p.Sockets).Take(5)
                .Select(p => (new[] { p.Pid.ToString(CultureInfo.InvariantCulture), Num(p.Sockets), Num(p.Established), Num(p.Listening), p.Command }, Tone.Plain)), indent: 2);
        if (m.SourceProblems > 0) doc.Prose($"{m.SourceProblems.ToString(CultureInfo.InvariantCulture)} sources unreadable (run as root for all of them)", tone: Tone.Dim);
        return doc;
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
        string.Join(", ", states.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).Take(4).Select(kv => $"{kv.Key} {Num(kv.Value)}"));

    public static string Num(long? v) => v is { } n ? n.ToString("#,0", CultureInfo.InvariantCulture) : "n/a";

    public static string Bytes(long? v) => v is { } b ? Diagnosis.Text.Quantities.Bytes(b) : "n/a";
}
