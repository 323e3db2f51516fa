using SockDoc.Model;

namespace SockDoc.Kernel.Procfs;

/// <summary>/proc/vmstat: "name value" per line. oom_kill exists since 4.13.</summary>
public static class VmStatReader
{
    public const string Path = "vmstat";

    public static ReadResult<VmStat> Read(ProcRoot root) => ProcFile.Read(root, Path, Parse);

    public static VmStat Parse(ReadOnlySpan<byte> data)
    {
        if (ProcText.LooksBinary(data)) throw new ProcParseException("binary data where text was expected");
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        var lines = ProcText.Lines(data);
        while (lines.MoveNext())
        {
            var f = ProcText.Fields(lines.Current);
            if (!f.MoveNext()) continue;
            var name = ProcText.Str(f.Current);
            if (!f.MoveNext() || !ProcText.TryLong(f.Current, out var v))
                throw new ProcParseException($"{name}: expected \"name value\"", lines.LineNumber);
            counters[name] = v;
        }
        if (counters.Count == 0) throw new ProcParseException("empty file");
        return new VmStat { Counters = counters };
    }
}
