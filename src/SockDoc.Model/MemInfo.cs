namespace SockDoc.Model;

/// <summary>/proc/meminfo. Values are kept in the kernel's unit (kB = KiB) with converted accessors.</summary>
public sealed record MemInfo
{
    /// <summary>Field name ("MemTotal", "Slab", "HugePages_Total") → value as printed (kB for sized fields).</summary>
    public IReadOnlyDictionary<string, long> Fields { get; init; } = new Dictionary<string, long>();

    public long? Kb(string name) => Fields.TryGetValue(name, out var v) ? v : null;
    public long? Bytes(string name) => Kb(name) is { } kb ? kb * 1024 : null;

    public long? MemTotalBytes => Bytes("MemTotal");
    public long? MemAvailableBytes => Bytes("MemAvailable");
    public long? SlabBytes => Bytes("Slab");
    public long? SUnreclaimBytes => Bytes("SUnreclaim");
    public long? CommittedAsBytes => Bytes("Committed_AS");
    public long? CommitLimitBytes => Bytes("CommitLimit");
    public long? SwapTotalBytes => Bytes("SwapTotal");
}
