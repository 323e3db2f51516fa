using System.Globalization;

namespace SockDoc.Diagnosis.Text;

/// <summary>
/// The one way every command prints a quantity (README "Conventions"): bytes in IEC units with a space
/// ("3.6 MiB"), counts with thousands separators ("1,000,000"), percentages with one decimal and a space
/// ("26.2 %"), durations in the largest whole unit ("1.5 s", "15m", "7d").
/// </summary>
public static class Quantities
{
    private static readonly CultureInfo Ic = CultureInfo.InvariantCulture;
    private static readonly string[] ByteUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    /// <summary>"512 B", "3.6 MiB", "2 GiB": binary units (the kernel's pages and buffers are), at most one decimal.</summary>
    public static string Bytes(double bytes)
    {
        if (double.IsNaN(bytes) || double.IsInfinity(bytes)) return "? B";
        double v = bytes;
        int u = 0;
        while (Math.Abs(v) >= 1024 && u < ByteUnits.Length - 1)
        {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes.ToString("#,0", Ic) + " B" : v.ToString("0.#", Ic) + " " + ByteUnits[u];
    }

    /// <summary>"1,000,000"; fractions only where the count is a rate or mean below 100 ("19.6").</summary>
    public static string Count(double n) =>
        double.IsNaN(n) ? "?" : Math.Abs(n) < 100 && n != Math.Floor(n) ? n.ToString("0.#", Ic) : n.ToString("#,0", Ic);

    /// <summary>"26.2 %" from 26.2; "0 %"; one decimal at most.</summary>
    public static string Percent(double percent) => double.IsNaN(percent) ? "? %" : percent.ToString("0.#", Ic) + " %";

    /// <summary>part of whole as a percentage; "? %" when whole is zero.</summary>
    public static string Percent(double part, double whole) => whole == 0 ? "? %" : Percent(100 * part / whole);

    /// <summary>"500ms", "1.5s", "15m", "2h", "7d", "2w": the form the duration parser reads back.</summary>
    public static string Duration(TimeSpan t)
    {
        var s = t.TotalSeconds;
        if (s == 0) return "0s";
        if (s < 1) return t.TotalMilliseconds.ToString("0", Ic) + "ms";
        foreach (var (unit, size) in new (string, double)[] { ("w", 604800), ("d", 86400), ("h", 3600), ("m", 60) })
        {
            if (s >= size && s % size == 0) return (s / size).ToString("0", Ic) + unit;
        }
        return s.ToString("0.###", Ic) + "s";
    }
}
