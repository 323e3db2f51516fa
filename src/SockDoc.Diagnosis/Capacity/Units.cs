using System.Globalization;

namespace SockDoc.Diagnosis.Capacity;

/// <summary>Parses the quantities `plan` takes on its command line: sizes (4k, 64G), rates (20000/s), durations (200ms, 60s).</summary>
public static class Units
{
    /// <summary>"4096", "4k", "4K", "4KiB", "64G", "1.5M": binary multiples (k = 1024), as the kernel's buffer sizes are.</summary>
    public static bool TryParseBytes(string text, out long bytes)
    {
        bytes = 0;
        var s = text.Trim();
        if (s.Length == 0) return false;
        int i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
        if (i == 0 || !double.TryParse(s[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return false;
        var unit = s[i..].Trim().ToUpperInvariant();
        if (unit.EndsWith("IB", StringComparison.Ordinal)) unit = unit[..^2];
        else if (unit.Length == 2 && unit[1] == 'B') unit = unit[..1];
        else if (unit == "B") unit = "";
        double mult = unit switch { "" => 1, "K" => 1L << 10, "M" => 1L << 20, "G" => 1L << 30, "T" => 1L << 40, _ => -1 };
        if (mult < 0) return false;
        var v = n * mult;
        if (v > long.MaxValue / 2) return false;
        bytes = (long)Math.Round(v);
        return true;
    }

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

    /// <summary>"200ms", "1.5s", "2m", "1h"; a bare number is seconds.</summary>
    public static bool TryParseDuration(string text, out double seconds)
    {
        seconds = 0;
        var s = text.Trim();
        (string num, double mult) = s.EndsWith("ms", StringComparison.Ordinal) ? (s[..^2], 0.001)
            : s.EndsWith("us", StringComparison.Ordinal) ? (s[..^2], 1e-6)
            : s.EndsWith('s') ? (s[..^1], 1.0)
            : s.EndsWith("min", StringComparison.Ordinal) ? (s[..^3], 60.0)
            : s.EndsWith('m') ? (s[..^1], 60.0)
            : s.EndsWith('h') ? (s[..^1], 3600.0)
            : (s, 1.0);
        if (!double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0) return false;
        seconds = v * mult;
        return true;
    }

    /// <summary>"4k/4k" → receive, send bytes.</summary>
    public static bool TryParseBufferPair(string text, out long rx, out long tx)
    {
        rx = tx = 0;
        var parts = text.Split('/');
        if (parts.Length == 1) return TryParseBytes(parts[0], out rx) && TryParseBytes(parts[0], out tx);
        return parts.Length == 2 && TryParseBytes(parts[0], out rx) && TryParseBytes(parts[1], out tx);
    }

    public static string Bytes(double b)
    {
        string[] u = ["B", "KiB", "MiB", "GiB", "TiB"];
        int i = 0;
        while (Math.Abs(b) >= 1024 && i < u.Length - 1)
        {
            b /= 1024;
            i++;
        }
        return i == 0 ? $"{b:0} B".Replace(",", "", StringComparison.Ordinal) : b.ToString(b >= 100 ? "0" : "0.#", CultureInfo.InvariantCulture) + " " + u[i];
    }

    public static string Count(double n) => n.ToString("#,0", CultureInfo.InvariantCulture);
}
