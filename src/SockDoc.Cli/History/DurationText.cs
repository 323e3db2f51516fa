using System.Globalization;

namespace SockDoc.Cli.History;

/// <summary>Durations as operators type them: "500ms", "5s", "10m", "2h", "7d" (a bare number is seconds).</summary>
public static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var t = text.Trim();
        (string Suffix, double Seconds)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];
        double scale = 1;
        foreach (var (suffix, seconds) in units)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal) && !(suffix == "s" && t.EndsWith("ms", StringComparison.Ordinal)))
            {
                t = t[..^suffix.Length];
                scale = seconds;
                break;
            }
        }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < 0 || double.IsNaN(n) || n * scale > TimeSpan.MaxValue.TotalSeconds / 2) return false;
        value = TimeSpan.FromSeconds(n * scale);
        return true;
    }

    public static string Format(TimeSpan t) => t.TotalSeconds >= 86400 && t.TotalSeconds % 86400 == 0 ? $"{t.TotalDays:0}d"
        : t.TotalSeconds >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.###}s")
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0}ms");
}
