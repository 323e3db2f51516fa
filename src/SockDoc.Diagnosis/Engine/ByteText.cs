using System.Globalization;

namespace SockDoc.Diagnosis.Engine;

/// <summary>Bytes as the doctor prints them: "952 KiB", "2.2 GiB" (binary units, up to two decimals).</summary>
public static class ByteText
{
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = bytes;
        int u = 0;
        while (Math.Abs(v) >= 1024 && u < units.Length - 1)
        {
            v /= 1024;
            u++;
        }
        return u == 0 ? $"{bytes} B" : v.ToString("0.##", CultureInfo.InvariantCulture) + " " + units[u];
    }
}
