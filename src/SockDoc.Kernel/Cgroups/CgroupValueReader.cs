using SockDoc.Kernel.Procfs;

namespace SockDoc.Kernel.Cgroups;

/// <summary>A one-number cgroup file in bytes or a count; "max" (v2) and v1's PAGE_COUNTER_MAX × PAGE_SIZE are "no limit".</summary>
public readonly record struct CgroupValue(long? Value)
{
    public bool Unlimited => Value is null;
}

/// <summary>
/// One-number files of the memory controller: v2 memory.current and memory.max (memory_max_show(): "max" when
/// unlimited); v1 memory.kmem.tcp.{usage,limit,max_usage}_in_bytes and failcnt (mem_cgroup_read_u64(): counter × PAGE_SIZE,
/// so an unset limit reads PAGE_COUNTER_MAX × PAGE_SIZE, e.g. 9223372036854771712 with 4 KiB pages).
/// </summary>
public static class CgroupValueReader
{
    public const string Current = "memory.current";
    public const string Max = "memory.max";
    public const string TcpUsage = "memory.kmem.tcp.usage_in_bytes";
    public const string TcpLimit = "memory.kmem.tcp.limit_in_bytes";
    public const string TcpMaxUsage = "memory.kmem.tcp.max_usage_in_bytes";
    public const string TcpFailcnt = "memory.kmem.tcp.failcnt";

    /// <summary>Limits at or above 2^62 bytes cannot be reached: PAGE_COUNTER_MAX (LONG_MAX / PAGE_SIZE pages) in bytes.</summary>
    public const long UnlimitedFrom = 1L << 62;

    public static ReadResult<CgroupValue> Read(string path) => CgroupFile.Read(path, Parse);

    public static CgroupValue Parse(ReadOnlySpan<byte> data)
    {
        if (ProcText.LooksBinary(data)) throw new ProcParseException("binary data where a number was expected");
        var lines = ProcText.Lines(data);
        if (!lines.MoveNext()) throw new ProcParseException("empty file");
        var f = ProcText.Fields(lines.Current);
        if (!f.MoveNext()) throw new ProcParseException("empty file", 1);
        if (f.Current.SequenceEqual("max"u8)) return new CgroupValue(null);
        if (!ProcText.TryLong(f.Current, out var v) || v < 0)
            throw new ProcParseException($"expected a number or \"max\", got \"{ProcText.Str(f.Current[..Math.Min(f.Current.Length, 40)])}\"", 1);
        if (f.MoveNext()) throw new ProcParseException("expected one value", 1);
        return new CgroupValue(v >= UnlimitedFrom ? null : v);
    }
}

/// <summary>Cgroup files are small; a larger one is not what the kernel prints.</summary>
internal static class CgroupFile
{
    public const int MaxBytes = 256 * 1024;

    public static ReadResult<T> Read<T>(string path, Func<ReadOnlySpan<byte>, T> parse) => ProcFile.ReadPath(path, parse, MaxBytes);
}
