using System.Globalization;

namespace SockDoc.Diagnosis.Capacity;

/// <summary>Parses the quantities `plan` takes on its command line: sizes (4k, 64G), rates (20000/s), durations (200ms, 60s).</summary>
public static class Units
{
    /// <summary>"4096", "4k", "4K", "4KiB", "64G", "1.5M": binary multiples (k = 1024), as the kernel's buffer sizes are.</summary>
    public static bool TryParseBytes(string text, out long bytes) => Text.Parse.TrySize(text, out bytes);

    /// <summary>"20000/s", "20000", "1.2M/s", "600/min".</summary>
    public static bool TryParseRate(string text, out double perSecond)
    {
        perSecond = 0;
        var s = text.Trim();
        double div = 1;
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var per = s[(slash + 1)..].Trim();
            div = per switch { "s" or "sec" => 1, "min" or "m" => 60, "h" => 3600, _ => -1 };
            if (div < 0) return false;
            s = s[..slash];
        }
        if (s.EndsWith('k') || s.EndsWith('K'))
        {
            if (!double.TryParse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var k)) return false;
            perSecond = k * 1000 / div;
            return perSecond >= 0;
        }
        if (s.EndsWith('M'))
        {
            if (!double.TryParse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var m)) return false;
            perSecond = m * 1e6 / div;
            return perSecond >= 0;
        }
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return false;
        perSecond = v / div;
        return perSecond >= 0;
    }

    /// <summary>"200ms", "1.5s", "2m", "1h"; a bare number is seconds (the one duration parser, <see cref="Text.Parse.TryDuration"/>).</summary>
    public static bool TryParseDuration(string text, out double seconds)
    {
        var ok = Text.Parse.TryDuration(text, out var span);
        seconds = ok ? span.TotalSeconds : 0;
        return ok;
    }

    /// <summary>"4k/4k" → receive, send bytes.</summary>
    public static bool TryParseBufferPair(string text, out long rx, out long tx)
    {
        rx = tx = 0;
        var parts = text.Split('/');
        if (parts.Length == 1) return TryParseBytes(parts[0], out rx) && TryParseBytes(parts[0], out tx);
        return parts.Length == 2 && TryParseBytes(parts[0], out rx) && TryParseBytes(parts[1], out tx);
    }

    public static string Bytes(double b) => Text.Quantities.Bytes(b);

    public static string Count(double n) => n.ToString("#,0", CultureInfo.InvariantCulture);
}
