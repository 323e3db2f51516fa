using SockDoc.Kernel.Procfs;

namespace SockDoc.Kernel.Cgroups;

/// <summary>
/// "name value" files of the memory controller: cgroup v2 memory.stat (memory_stat_format(): "sock" is MEMCG_SOCK,
/// the socket buffer bytes charged by mem_cgroup_charge_skmem()) and memory.events (__memory_events_show(): low, high,
/// max, oom, oom_kill, oom_group_kill, and sock_throttled on kernels that count it). Generic by name: fields a kernel
/// version adds or drops are simply present or absent.
/// </summary>
public static class MemoryStatReader
{
    public const string Stat = "memory.stat";
    public const string Events = "memory.events";

    public static ReadResult<IReadOnlyDictionary<string, long>> Read(string path) => CgroupFile.Read(path, Parse);

    public static IReadOnlyDictionary<string, long> Parse(ReadOnlySpan<byte> data)
    {
        if (ProcText.LooksBinary(data)) throw new ProcParseException("binary data where \"name value\" text was expected");
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        var lines = ProcText.Lines(data);
        while (lines.MoveNext())
        {
            if (lines.Current.Length > ProcText.MaxLineBytes) throw new ProcParseException("line too long", lines.LineNumber);
            var f = ProcText.Fields(lines.Current);
            if (!f.MoveNext()) continue;
            var name = ProcText.Str(f.Current);
            if (!f.MoveNext() || !ProcText.TryLong(f.Current, out var v) || f.MoveNext())
                throw new ProcParseException($"{name}: expected \"name value\"", lines.LineNumber);
            values[name] = v;
        }
        if (values.Count == 0) throw new ProcParseException("empty file");
        return values;
    }
}
