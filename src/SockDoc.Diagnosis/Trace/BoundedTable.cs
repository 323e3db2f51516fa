using System.Runtime.InteropServices;

namespace SockDoc.Diagnosis.Trace;

/// <summary>
/// A fixed-capacity table: the first Capacity distinct keys get their own row, every later key lands in Other.
/// Memory is bounded whatever the event rate or the number of peers; Dropped says how many events went to Other.
/// </summary>
public sealed class BoundedTable<TKey, TValue> where TKey : struct, IEquatable<TKey> where TValue : class, new()
{
    private readonly Dictionary<TKey, TValue> _rows;

    public BoundedTable(int capacity)
    {
        Capacity = capacity;
        _rows = new Dictionary<TKey, TValue>(Math.Min(capacity, 1024));
    }

    public int Capacity { get; }
    public TValue Other { get; } = new();
    public long Dropped { get; private set; }
    public IReadOnlyDictionary<TKey, TValue> Rows => _rows;

    public TValue Get(in TKey key)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_rows, key);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot)) return slot;
        if (_rows.Count >= Capacity)
        {
            Dropped++;
            return Other;
        }
        var v = new TValue();
        _rows[key] = v;
        return v;
    }
}

/// <summary>
/// Log-linear histogram of durations in microseconds: 8 sub-buckets per power of two (≤ 12.5 % error), 64 powers,
/// so 4 KiB per row whatever the count. Percentiles report the bucket's upper edge.
/// </summary>
public sealed class LogHistogram
{
    private const int Sub = 8;
    private readonly long[] _buckets = new long[64 * Sub];

    public long Count { get; private set; }

    public void Add(long micros)
    {
        if (micros < 0) micros = 0;
        _buckets[Index(micros)]++;
        Count++;
    }

    private static int Index(long v)
    {
        if (v < Sub) return (int)v;
        int log = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)v); // ≥ 3
        int sub = (int)((v >> (log - 3)) & (Sub - 1));
        return Math.Min((log - 2) * Sub + sub, 64 * Sub - 1);
    }

    private static long UpperEdge(int index)
    {
        if (index < Sub) return index;
        int log = index / Sub + 2;
        int sub = index % Sub;
        return ((long)(Sub + sub + 1) << (log - 3)) - 1;
    }

    /// <summary>The value at quantile q (0..1) in microseconds, or null with no samples.</summary>
    public long? Quantile(double q)
    {
        if (Count == 0) return null;
        long rank = (long)Math.Ceiling(q * Count);
        if (rank < 1) rank = 1;
        long seen = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= rank) return UpperEdge(i);
        }
        return UpperEdge(_buckets.Length - 1);
    }
}
