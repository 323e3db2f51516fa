using SockDoc.Model;

namespace SockDoc.Kernel.Procfs;

/// <summary>/proc/meminfo (fs/proc/meminfo.c): "Name:   value kB" or "Name: value" (HugePages_* counts).</summary>
public static class MeminfoReader
{
    public const string Path = "meminfo";

    public static ReadResult<MemInfo> Read(ProcRoot root) => ProcFile.Read(root, Path, Parse);

    public static MemInfo Parse(ReadOnlySpan<byte> data)
    {
        if (ProcText.LooksBinary(data)) throw new ProcParseException("binary data where text was expected");
        var fields = new Dictionary<string, long>(StringComparer.Ordinal);
        var lines = ProcText.Lines(data);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            if (line.Trim((byte)' ').IsEmpty) continue;
            if (line.Length > ProcText.MaxLineBytes) throw new ProcParseException("line too long", lines.LineNumber);
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) throw new ProcParseException("expected \"Name: value [kB]\"", lines.LineNumber);
            var name = ProcText.Str(line[..colon]);
            var rest = ProcText.Fields(line[(colon + 1)..]);
            if (!rest.MoveNext() || !ProcText.TryLong(rest.Current, out var value))
                throw new ProcParseException($"{name}: value is not a number (truncated line?)", lines.LineNumber);
            if (rest.MoveNext() && !rest.Current.SequenceEqual("kB"u8))
                throw new ProcParseException($"{name}: unknown unit \"{ProcText.Str(rest.Current)}\"", lines.LineNumber);
            fields[name] = value;
        }
        if (!fields.ContainsKey("MemTotal")) throw new ProcParseException("no MemTotal line (not /proc/meminfo, or truncated)");
        return new MemInfo { Fields = fields };
    }
}
