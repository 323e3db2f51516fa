using System.Globalization;
using System.Net;
using System.Text;

namespace SockDoc.Cli.HtmlReporting;

/// <summary>One line on a chart: points in time order; a null value breaks the line.</summary>
public sealed record ChartSeries(string Name, string Colour, IReadOnlyList<(DateTimeOffset At, double? Value)> Points, bool Dashed = false);

/// <summary>Inline SVG line charts: no script, no external resource, readable without a network.</summary>
public static class SvgChart
{
    private const int Width = 1160;
    private const int Height = 260;
    private const int Left = 90;
    private const int Right = 20;
    private const int Top = 20;
    private const int Bottom = 40;

    public static string Line(string id, IReadOnlyList<ChartSeries> series, Func<double, string> formatY, DateTimeOffset from, DateTimeOffset to)
    {
        var sb = new StringBuilder();
        var all = series.SelectMany(s => s.Points).Where(p => p.Value is not null).Select(p => p.Value!.Value).ToList();
        double maxY = all.Count == 0 ? 1 : all.Max();
        double minY = Math.Min(0, all.Count == 0 ? 0 : all.Min());
        if (maxY <= minY) maxY = minY + 1;
        maxY = Nice(maxY);
        double spanX = Math.Max(1, (to - from).TotalSeconds);
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        string X(DateTimeOffset t) => F(Left + (t - from).TotalSeconds / spanX * plotW);
        string Y(double v) => F(Top + plotH - (v - minY) / (maxY - minY) * plotH);

        sb.Append(CultureInfo.InvariantCulture, $"<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">");
        sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{F(plotW)}\" height=\"{F(plotH)}\" fill=\"#fbfbfd\" stroke=\"#ccc\"/>");
        for (int i = 0; i <= 4; i++)
        {
            var v = minY + (maxY - minY) * i / 4;
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(v)}\" y2=\"{Y(v)}\" stroke=\"#e4e4e4\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{Y(v)}\" text-anchor=\"end\" dominant-baseline=\"middle\" class=\"tick\">{Esc(formatY(v))}</text>");
        }
        for (int i = 0; i <= 5; i++)
        {
            var t = from + TimeSpan.FromSeconds(spanX * i / 5);
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(t)}\" y=\"{Height - Bottom + 16}\" text-anchor=\"{Anchor(i)}\" class=\"tick\">{Esc(TimeLabel(t, spanX))}</text>");
        }
        foreach (var s in series)
        {
            var path = new StringBuilder();
            bool pen = false;
            int drawn = 0;
            foreach (var (at, value) in s.Points)
            {
                if (value is not { } v) { pen = false; continue; }
                path.Append(pen ? " L" : " M").Append(X(at)).Append(',').Append(Y(v));
                pen = true;
                drawn++;
            }
            if (drawn == 0) continue;
            var dash = s.Dashed ? " stroke-dasharray=\"6 4\"" : "";
            sb.Append(CultureInfo.InvariantCulture, $"<path class=\"series\" d=\"{path.ToString().Trim()}\" fill=\"none\" stroke=\"{s.Colour}\" stroke-width=\"2\"{dash}><title>{Esc(s.Name)}</title></path>");
            if (drawn == 1)
            {
                var only = s.Points.First(p => p.Value is not null);
                sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(only.At)}\" cy=\"{Y(only.Value!.Value)}\" r=\"3\" fill=\"{s.Colour}\"/>");
            }
        }
        // Legend along the bottom, wrapped onto more rows when the names do not fit in one.
        double lx = Left;
        int legendRow = 0;
        foreach (var s in series)
        {
            double w = 24 + s.Name.Length * 7;
            if (lx > Left && lx + w > Width - Right) { lx = Left; legendRow++; }
            int ly = Height - 14 + legendRow * 16;
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(lx)}\" y=\"{ly}\" width=\"12\" height=\"4\" fill=\"{s.Colour}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(lx + 16)}\" y=\"{ly + 4}\" class=\"legend\">{Esc(s.Name)}</text>");
            lx += w;
        }
        if (legendRow > 0)
        {
            // Grow the picture to hold the extra legend rows.
            var total = Height + legendRow * 16;
            var head = $"viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\"";
            var grown = $"viewBox=\"0 0 {Width} {total}\" width=\"{Width}\" height=\"{total}\"";
            var text = sb.ToString();
            var at = text.IndexOf(head, StringComparison.Ordinal);
            sb.Clear().Append(text, 0, at).Append(grown).Append(text, at + head.Length, text.Length - at - head.Length);
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    /// <summary>A timeline: one row per label, coloured spans (severity) and point markers (incidents).</summary>
    public static string Timeline(string id, IReadOnlyList<(string Label, IReadOnlyList<(DateTimeOffset From, DateTimeOffset To, string Colour, string Title)> Spans)> rows, DateTimeOffset from, DateTimeOffset to)
    {
        const int rowH = 24;
        int height = Top + Math.Max(1, rows.Count) * rowH + Bottom;
        double spanX = Math.Max(1, (to - from).TotalSeconds);
        double plotW = Width - 200 - Right;
        string X(DateTimeOffset t) => F(200 + Math.Clamp((t - from).TotalSeconds, 0, spanX) / spanX * plotW);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {Width} {height}\" width=\"{Width}\" height=\"{height}\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">");
        if (rows.Count == 0)
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"200\" y=\"{Top + 16}\" class=\"legend\">no findings and no kernel-log incidents in this period</text>");
        for (int r = 0; r < rows.Count; r++)
        {
            var y = Top + r * rowH;
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"190\" y=\"{y + 16}\" text-anchor=\"end\" class=\"legend\">{Esc(rows[r].Label)}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"200\" x2=\"{Width - Right}\" y1=\"{y + 12}\" y2=\"{y + 12}\" stroke=\"#eee\"/>");
            foreach (var (a, b, colour, title) in rows[r].Spans)
            {
                var x1 = double.Parse(X(a), CultureInfo.InvariantCulture);
                var x2 = Math.Max(x1 + 3, double.Parse(X(b), CultureInfo.InvariantCulture));
                sb.Append(CultureInfo.InvariantCulture, $"<rect class=\"span\" x=\"{F(x1)}\" y=\"{y + 4}\" width=\"{F(x2 - x1)}\" height=\"16\" fill=\"{colour}\"><title>{Esc(title)}</title></rect>");
            }
        }
        int axisY = Top + Math.Max(1, rows.Count) * rowH + 16;
        for (int i = 0; i <= 5; i++)
        {
            var t = from + TimeSpan.FromSeconds(spanX * i / 5);
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(t)}\" y=\"{axisY}\" text-anchor=\"{Anchor(i)}\" class=\"tick\">{Esc(TimeLabel(t, spanX))}</text>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    /// <summary>The last tick ends at the right edge so its label is not cut.</summary>
    private static string Anchor(int tick) => tick == 5 ? "end" : tick == 0 ? "start" : "middle";

    private static string TimeLabel(DateTimeOffset t, double spanSeconds) =>
        t.UtcDateTime.ToString(spanSeconds > 86400 ? "MM-dd HH:mm" : spanSeconds < 10 ? "HH:mm:ss.f" : "HH:mm:ss", CultureInfo.InvariantCulture);

    private static double Nice(double v)
    {
        var exp = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (var m in new[] { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 })
        {
            if (m * exp >= v) return m * exp;
        }
        return 10 * exp;
    }

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    internal static string Esc(string s) => WebUtility.HtmlEncode(s);
}
