using System.Globalization;
using System.Text;

namespace SockDoc.Load;

/// <summary>
/// Fixed-bucket log-linear histogram of microseconds (HdrHistogram's idea, 32 sub-buckets per power of two,
/// so a value is off by at most ~3%). Memory is fixed however many samples come in: no list per connection.
/// The buckets (9 KiB) are allocated with the first sample: a server worker never records one, and the parent parses
/// four progress lines a second from every worker, of which only the last carries buckets.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBits = 5;
    private const int Sub = 1 << SubBits;           // 32
    // values below 64 µs get their own bucket; each further power of two up to 2^40 µs gets 32.
    public const int BucketCount = 2 * Sub + (40 - SubBits - 1) * Sub;

    private long[]? _counts;

    private long[] Counts => _counts ??= new long[BucketCount];

    public long Count { get; private set; }
    public long MaxMicros { get; private set; }

    public void Record(long micros)
    {
        if (micros < 0) micros = 0;
        Counts[Index(micros)]++;
        Count++;
        if (micros > MaxMicros) MaxMicros = micros;
    }

    internal static int Index(long v)
    {
        if (v < 2 * Sub) return (int)v;
        int log = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)v); // ≥ 6
        int shift = log - SubBits;
        int idx = 2 * Sub + (shift - 1) * Sub + (int)((v >> shift) - Sub);
        return Math.Min(idx, BucketCount - 1);
    }

    /// <summary>The largest value that lands in bucket i (so percentiles never under-report).</summary>
    internal static long UpperBound(int i)
    {
        if (i < 2 * Sub) return i;
        int shift = (i - 2 * Sub) / Sub + 1;
        long mantissa = (i - 2 * Sub) % Sub + Sub;
        return ((mantissa + 1) << shift) - 1;
    }

    /// <summary>Percentile in µs (0..100), or null with no samples. Capped by the true maximum.</summary>
    public long? Percentile(double p)
    {
        if (Count == 0) return null;
        long rank = (long)Math.Ceiling(p / 100.0 * Count);
        if (rank < 1) rank = 1;
        long seen = 0;
        var counts = Counts;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += counts[i];
            if (seen >= rank) return Math.Min(UpperBound(i), MaxMicros);
        }
        return MaxMicros;
    }

    public void Merge(LatencyHistogram other)
    {
        if (other._counts is { } theirs)
        {
            var mine = Counts;
            for (int i = 0; i < BucketCount; i++) mine[i] += theirs[i];
        }
        Count += other.Count;
        MaxMicros = Math.Max(MaxMicros, other.MaxMicros);
    }

    /// <summary>Sparse "index:count;..." plus the max, for the worker → parent line.</summary>
    public void AppendTo(StringBuilder sb)
    {
        sb.Append(MaxMicros.ToString(CultureInfo.InvariantCulture));
        if (_counts is null) return;
        for (int i = 0; i < BucketCount; i++)
        {
            if (_counts[i] == 0) continue;
            sb.Append(';').Append(i.ToString(CultureInfo.InvariantCulture)).Append(':').Append(_counts[i].ToString(CultureInfo.InvariantCulture));
        }
    }

    public static LatencyHistogram Parse(ReadOnlySpan<char> text)
    {
        var h = new LatencyHistogram();
        int part = 0;
        foreach (var range in text.Split(';'))
        {
            var item = text[range];
            if (part++ == 0)
            {
                h.MaxMicros = long.Parse(item, NumberStyles.None, CultureInfo.InvariantCulture);
                continue;
            }
            int colon = item.IndexOf(':');
            if (colon < 0) throw new FormatException("histogram bucket without ':'");
            int idx = int.Parse(item[..colon], NumberStyles.None, CultureInfo.InvariantCulture);
            long c = long.Parse(item[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
            if (idx < 0 || idx >= BucketCount) throw new FormatException($"histogram bucket {idx} out of range");
            h.Counts[idx] += c;
            h.Count += c;
        }
        return h;
    }
}
