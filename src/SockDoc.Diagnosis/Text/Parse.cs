using System.Globalization;

namespace SockDoc.Diagnosis.Text;

/// <summary>
/// The one parser for each kind of value an option takes (README "Conventions"). Every command's durations,
/// times, counts, sizes and lists go through here, so `--since 1w`, `--retention 1w` and `--interval 1w` mean the same.
/// </summary>
public static class Parse
{
    private static readonly CultureInfo Ic = CultureInfo.InvariantCulture;

    /// <summary>Examples printed in argument errors, one per kind.</summary>
    public const string DurationExamples = "500ms, 30s, 5m, 2h, 1d, 1w (a bare number is seconds)";
    public const string TimeExamples = "2026-11-24T12:00:00Z, or a time ago: 30m, 2h, 1d, 1w";
    public const string CountExamples = "1000000, 1M, 1e6, 1,000,000, 1_000_000";
    public const string SizeExamples = "4096, 4k, 64KiB, 1.5M, 64G";

    private static readonly (string Suffix, double Seconds)[] DurationUnits =
    [
        ("ms", 0.001), ("us", 1e-6), ("sec", 1), ("s", 1), ("min", 60), ("m", 60), ("h", 3600), ("d", 86400), ("w", 604800),
    ];

    /// <summary>"500ms", "1.5s", "5m", "2h", "1d", "1w", "1h30m"; a bare number is seconds. Never negative.</summary>
    public static bool TryDuration(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var t = text.Trim();
        double total = 0;
        int i = 0;
        bool any = false;
        while (i < t.Length)
        {
            int start = i;
            while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.')) i++;
            if (i == start) return false;
            if (!double.TryParse(t.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, Ic, out var n)) return false;
            int unitStart = i;
            while (i < t.Length && char.IsAsciiLetter(t[i])) i++;
            var unit = t[unitStart..i];
            double scale;
            if (unit.Length == 0)
            {
                if (i < t.Length || any) return false; // a bare number only alone: "90" is seconds, "1h30" is not
                scale = 1;
            }
            else
            {
                scale = -1;
                foreach (var (suffix, seconds) in DurationUnits)
                {
                    if (unit == suffix) { scale = seconds; break; }
                }
                if (scale < 0) return false;
            }
            total += n * scale;
            any = true;
        }
        if (!any || double.IsNaN(total) || total > TimeSpan.MaxValue.TotalSeconds / 2) return false;
        value = TimeSpan.FromSeconds(total);
        return true;
    }

    /// <summary>An instant: ISO 8601 (no zone means UTC) or a duration meaning that long before now.</summary>
    public static bool TryTime(string? text, DateTimeOffset now, out DateTimeOffset at)
    {
        at = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var t = text.Trim();
        if (TryDuration(t, out var ago))
        {
            at = now - ago;
            return true;
        }
        if (t.Length >= 10 && char.IsAsciiDigit(t[0])
            && DateTimeOffset.TryParse(t, Ic, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed))
        {
            at = parsed;
            return true;
        }
        return false;
    }

    /// <summary>"1000000", "1M", "1e6", "1,000,000", "1_000_000", "10k": a whole, non-negative count (k, M, G are powers of 1000).</summary>
    public static bool TryCount(string? text, out long value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var t = text.Trim().Replace("_", "", StringComparison.Ordinal);
        if (t.Contains(',', StringComparison.Ordinal))
        {
            // Thousands separators only where they belong: 1,000,000 yes, 1,0 no (a list, or a decimal comma).
            var groups = t.Split(',');
            if (groups[0].Length is 0 or > 3 || groups.Skip(1).Any(g => g.Length != 3)) return false;
            t = string.Concat(groups);
        }
        double mult = 1;
        if (t.Length > 1 && char.ToUpperInvariant(t[^1]) is 'K' or 'M' or 'G' && char.IsAsciiDigit(t[^2]))
        {
            mult = char.ToUpperInvariant(t[^1]) switch { 'K' => 1e3, 'M' => 1e6, _ => 1e9 };
            t = t[..^1];
        }
        if (t.Length == 0 || !(char.IsAsciiDigit(t[0]) || t[0] == '.')) return false;
        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, Ic, out var n)) return false;
        var v = n * mult;
        if (v < 0 || v > long.MaxValue / 2 || v != Math.Floor(v)) return false;
        value = (long)v;
        return true;
    }

    /// <summary>"4096", "4k", "4K", "4KiB", "4KB", "64G", "1.5M": bytes in binary multiples (k = 1024), as the kernel's sizes are.</summary>
    public static bool TrySize(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim().Replace("_", "", StringComparison.Ordinal);
        int i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
        if (i == 0 || !double.TryParse(s.AsSpan(0, i), NumberStyles.AllowDecimalPoint, Ic, out var n)) return false;
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

    /// <summary>A list option: "a,b" and repeated options ("--x a --x b") mean the same; blanks dropped, order kept.</summary>
    public static IReadOnlyList<string> List(IEnumerable<string>? values) =>
        values is null ? [] : [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal)];

    /// <summary>Examples printed in port errors.</summary>
    public const string PortExamples = "--port 443, --port 80,443, --port 80 --port 443, --port 8000-8099";

    /// <summary>
    /// Ports from a list option: "80,443", repeated options, and ranges "8000-8099" (inclusive), each 0 to 65535.
    /// Distinct and ascending; error names the piece that is not a port.
    /// </summary>
    public static bool TryPorts(IEnumerable<string>? values, out IReadOnlyList<int> ports, out string? error)
    {
        var set = new SortedSet<int>();
        ports = [];
        error = null;
        foreach (var piece in List(values))
        {
            var dash = piece.IndexOf('-', StringComparison.Ordinal);
            var (lowText, highText) = dash > 0 ? (piece[..dash].Trim(), piece[(dash + 1)..].Trim()) : (piece, piece);
            if (!TryPort(lowText, out var low) || !TryPort(highText, out var high))
            {
                error = $"\"{piece}\" is not a port (0 to 65535) or a range of ports";
                return false;
            }
            if (high < low)
            {
                error = $"\"{piece}\" is a range that runs backwards (write {high}-{low})";
                return false;
            }
            for (int p = low; p <= high; p++) set.Add(p);
        }
        if (set.Count == 0)
        {
            error = "no port given";
            return false;
        }
        ports = [.. set];
        return true;
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, Ic, out port) && port <= 65535;

    /// <summary>The closest candidate to a mistyped word ("did you mean"), or null when nothing is close.</summary>
    public static string? Suggest(string typed, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(typed);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Distance(typed.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance) { best = c; bestDistance = d; }
        }
        // Close enough to be a typo: a third of the word, at least one edit.
        return best is not null && bestDistance <= Math.Max(1, Math.Min(typed.Length, best.Length) / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
