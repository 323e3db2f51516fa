using System.Globalization;
using System.Text;
using SockDoc.Cli.History;
using SockDoc.Cli.Views;
using SockDoc.Diagnosis.Engine;

namespace SockDoc.Cli.HtmlReporting;

/// <summary>
/// The history as one self-contained HTML page: inline CSS and SVG, no script, no external
/// resource, so it opens offline and in a mail attachment.
/// </summary>
public static class HtmlReport
{
    public static string Render(IReadOnlyList<Sample> samples, DateTimeOffset generatedAt)
    {
        if (samples.Count == 0) throw new ArgumentException("no samples", nameof(samples));
        var from = samples[0].TakenAt;
        var to = samples[^1].TakenAt;
        if (to <= from) to = from + TimeSpan.FromSeconds(1);
        var last = samples[^1];
        var host = samples.Select(s => s.Hostname).LastOrDefault(h => h is not null) ?? "unknown host";

        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append(CultureInfo.InvariantCulture, $"<title>SockDoc report: {E(host)}</title>");
        sb.Append("""
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fff}
            h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 6px}
            .meta{color:#666;font-size:13px} .chart{display:block;max-width:100%;height:auto}
            .tick{font-size:11px;fill:#666} .legend{font-size:12px;fill:#333}
            table{border-collapse:collapse;font-size:13px} td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
            .crit{color:#b00020;font-weight:600} .warn{color:#a66a00;font-weight:600} .info{color:#1a5fb4}
            </style></head><body>
            """);
        sb.Append(CultureInfo.InvariantCulture, $"<h1>SockDoc report: {E(host)}</h1>");
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{samples.Count} samples from {T(from)} to {T(samples[^1].TakenAt)} UTC · generated {T(generatedAt)} UTC · page size {E(DashboardView.Num(last.PageSize))} B</p>");

        Section(sb, "Use of every limit", "Each resource as a percentage of the limit the kernel enforces: 100 % is where connections start to fail.",
            SvgChart.Line("chart-limits",
            [
                Percent("orphans / tcp_max_orphans", "#d62728", samples, s => s.TcpOrphan, s => s.TcpMaxOrphans),
                Percent("TCP memory / tcp_mem max", "#1f77b4", samples, s => s.TcpMemPages, s => s.TcpMemMaxPages),
                Percent("TIME_WAIT / tcp_max_tw_buckets", "#9467bd", samples, s => s.TcpTw, s => s.TcpMaxTwBuckets),
                Percent("busiest destination / port range", "#2ca02c", samples, s => s.BusiestDestinationConnections, s => s.LocalPortRangeSize),
                Percent("conntrack / nf_conntrack_max", "#8c564b", samples, s => s.ConntrackCount, s => s.ConntrackMax),
                Percent("files / file-max", "#17becf", samples, s => s.FilesAllocated, s => s.FileMax),
                Percent("top process fds / nofile", "#e377c2", samples, s => s.TopFdOpen, s => s.TopFdSoftLimit),
            ], v => v.ToString("0.#", CultureInfo.InvariantCulture) + " %", from, to));
        Section(sb, "Connections by state", "TCP sockets by kernel state from the sock_diag census; without a census, sockstat inuse and tw.",
            SvgChart.Line("chart-states", StateSeries(samples), Count, from, to));
        Section(sb, "Orphans against their limit", "tcp_too_many_orphans(): killed when orphans << shift > tcp_max_orphans, shift 0 at close(), up to 2 from the timers: the effective limit is max, max/2 or max/4.",
            SvgChart.Line("chart-orphans",
            [
                Series("orphans", "#d62728", samples, s => s.TcpOrphan),
                Series("tcp_max_orphans", "#7f7f7f", samples, s => s.TcpMaxOrphans, dashed: true),
                Series("max/2", "#bcbd22", samples, s => s.TcpMaxOrphans >> 1, dashed: true),
                Series("max/4", "#ff7f0e", samples, s => s.TcpMaxOrphans >> 2, dashed: true),
            ], Count, from, to));
        Section(sb, "TCP buffer memory against tcp_mem", "sockstat TCP mem (pages × page size) against tcp_mem[1] (pressure) and tcp_mem[2] (hard limit).",
            SvgChart.Line("chart-tcpmem",
            [
                Series("TCP buffer memory", "#1f77b4", samples, s => s.TcpMemBytes),
                Series("tcp_mem pressure", "#ff7f0e", samples, s => s.TcpMemPressureBytes, dashed: true),
                Series("tcp_mem max", "#d62728", samples, s => s.TcpMemMaxBytes, dashed: true),
            ], v => DashboardView.Bytes((long)v), from, to));
        Section(sb, "TIME_WAIT and port use", "TIME_WAIT buckets against tcp_max_tw_buckets; connections to the busiest destination against the ephemeral port range.",
            SvgChart.Line("chart-tw",
            [
                Series("TIME_WAIT", "#9467bd", samples, s => s.TcpTw),
                Series("tcp_max_tw_buckets", "#7f7f7f", samples, s => s.TcpMaxTwBuckets, dashed: true),
                Series("busiest destination", "#2ca02c", samples, s => s.BusiestDestinationConnections),
                Series("port range", "#17becf", samples, s => s.LocalPortRangeSize, dashed: true),
            ], Count, from, to));
        Section(sb, "Conntrack", "nf_conntrack entries (this network namespace) against nf_conntrack_max.",
            SvgChart.Line("chart-conntrack",
            [
                Series("conntrack entries", "#8c564b", samples, s => s.ConntrackCount),
                Series("nf_conntrack_max", "#c49c94", samples, s => s.ConntrackMax, dashed: true),
            ], Count, from, to));
        Section(sb, "Open files", "Allocated files against fs.file-max (ENFILE), and the process nearest its RLIMIT_NOFILE (EMFILE).",
            SvgChart.Line("chart-files",
            [
                Series("open files (system)", "#1f77b4", samples, s => s.FilesAllocated),
                Series("fs.file-max", "#aec7e8", samples, s => s.FileMax, dashed: true),
                Series("top process fds", "#e377c2", samples, s => s.TopFdOpen),
                Series("top process nofile", "#f7b6d2", samples, s => s.TopFdSoftLimit, dashed: true),
            ], Count, from, to));
        Section(sb, "Findings and kernel-log incidents", "Each row is a doctor finding (orange warning, red critical) or a kernel-log incident kind (grey: first to last line seen; counts are lower bounds, lines are rate-limited).",
            SvgChart.Timeline("chart-timeline", TimelineRows(samples), from, to));

        var findings = samples.SelectMany(s => s.Findings.Select(f => (s.TakenAt, f))).GroupBy(x => x.f.Id).ToList();
        sb.Append("<h2>Finding summary</h2>");
        if (findings.Count == 0) sb.Append("<p>No findings in this period.</p>");
        else
        {
            sb.Append("<table><tr><th>Id</th><th>Worst</th><th>Samples</th><th>First</th><th>Last</th><th>Title</th></tr>");
            foreach (var g in findings.OrderByDescending(g => g.Max(x => x.f.Severity)))
            {
                var worst = g.Max(x => x.f.Severity);
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(g.Key)}</td><td class=\"{Css(worst)}\">{E(worst.ToString().ToLowerInvariant())}</td><td>{g.Count()}</td><td>{T(g.Min(x => x.TakenAt))}</td><td>{T(g.Max(x => x.TakenAt))}</td><td>{E(g.Last().f.Title)}</td></tr>");
            }
            sb.Append("</table>");
        }
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private static void Section(StringBuilder sb, string title, string note, string svg)
    {
        sb.Append(CultureInfo.InvariantCulture, $"<h2>{E(title)}</h2><p class=\"meta\">{E(note)}</p>");
        sb.Append(svg);
    }

    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"];

    private static List<ChartSeries> StateSeries(IReadOnlyList<Sample> samples)
    {
        var states = samples.Where(s => s.States is not null).SelectMany(s => s.States!.Where(kv => kv.Value > 0).Select(kv => kv.Key)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var result = new List<ChartSeries>();
        for (int i = 0; i < states.Count; i++)
        {
            var state = states[i];
            result.Add(Series(state, Palette[i % Palette.Length], samples, s => s.States is { } d ? d.GetValueOrDefault(state) : null));
        }
        if (result.Count == 0)
        {
            result.Add(Series("TCP inuse (sockstat)", "#1f77b4", samples, s => s.TcpInUse));
            result.Add(Series("TIME_WAIT (sockstat tw)", "#9467bd", samples, s => s.TcpTw));
        }
        return result;
    }

    private static List<(string, IReadOnlyList<(DateTimeOffset, DateTimeOffset, string, string)>)> TimelineRows(IReadOnlyList<Sample> samples)
    {
        var rows = new List<(string, IReadOnlyList<(DateTimeOffset, DateTimeOffset, string, string)>)>();
        var ids = samples.SelectMany(s => s.Findings).Select(f => f.Id).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            // A span per run of consecutive samples at the same severity.
            var spans = new List<(DateTimeOffset, DateTimeOffset, string, string)>();
            (DateTimeOffset Start, Severity Sev, string Title)? open = null;
            DateTimeOffset prev = samples[0].TakenAt;
            foreach (var s in samples)
            {
                var f = s.Findings.FirstOrDefault(x => x.Id == id);
                var sev = f?.Severity ?? Severity.Ok;
                if (open is { } o && o.Sev != sev)
                {
                    spans.Add((o.Start, prev, Colour(o.Sev), $"{id}: {o.Sev.ToString().ToLowerInvariant()}: {o.Title}"));
                    open = null;
                }
                if (open is null && sev > Severity.Ok) open = (s.TakenAt, sev, f!.Title);
                prev = s.TakenAt;
            }
            if (open is { } last) spans.Add((last.Start, prev, Colour(last.Sev), $"{id}: {last.Sev.ToString().ToLowerInvariant()}: {last.Title}"));
            rows.Add(($"finding {id}", spans));
        }
        var incidents = samples.SelectMany(s => s.Incidents.Select(i => (s.TakenAt, i))).GroupBy(x => x.i.Kind, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal);
        foreach (var g in incidents)
        {
            var spans = g.Select(x => (x.i.FirstWall ?? x.TakenAt, x.i.LastWall ?? x.TakenAt, x.i.Count, x.i.Description))
                .Distinct()
                .Select(x => (x.Item1, x.Item2, "#555555", $"{g.Key}: {x.Description} ({x.Count.ToString(CultureInfo.InvariantCulture)} lines seen)"))
                .ToList();
            rows.Add(($"log {g.Key}", spans));
        }
        return rows;
    }

    private static ChartSeries Series(string name, string colour, IReadOnlyList<Sample> samples, Func<Sample, long?> read, bool dashed = false) =>
        new(name, colour, samples.Select(s => (s.TakenAt, (double?)read(s))).ToList(), dashed);

    private static ChartSeries Percent(string name, string colour, IReadOnlyList<Sample> samples, Func<Sample, long?> value, Func<Sample, long?> limit) =>
        new(name, colour, samples.Select(s => (s.TakenAt, value(s) is { } v && limit(s) is { } l && l > 0 ? 100.0 * v / l : (double?)null)).ToList());

    private static string Count(double v) => v >= 1e6 ? (v / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + "M"
        : v >= 1e4 ? (v / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k" : v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Colour(Severity s) => s switch { Severity.Critical => "#d62728", Severity.Warning => "#ff7f0e", _ => "#1f77b4" };

    private static string Css(Severity s) => s switch { Severity.Critical => "crit", Severity.Warning => "warn", _ => "info" };

    private static string T(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string E(string s) => SvgChart.Esc(s);
}
