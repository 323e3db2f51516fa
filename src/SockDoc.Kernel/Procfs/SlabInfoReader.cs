using SockDoc.Model;

namespace SockDoc.Kernel.Procfs;

/// <summary>
/// /proc/slabinfo (mm/slab_common.c, "slabinfo - version: 2.1"), readable by root only.
/// Columns: name active_objs num_objs objsize objperslab pagesperslab : tunables ... : slabdata ...
/// </summary>
public static class SlabInfoReader
{
    public const string Path = "slabinfo";

    public static ReadResult<SlabInfo> Read(ProcRoot root) => ProcFile.Read(root, Path, Parse);

    public static SlabInfo Parse(ReadOnlySpan<byte> data)
    {
        if (ProcText.LooksBinary(data)) throw new ProcParseException("binary data where text was expected");
        var lines = ProcText.Lines(data);
        if (!lines.MoveNext()) throw new ProcParseException("empty file");
        var first = lines.Current;
        const string prefix = "slabinfo - version: ";
        var firstText = ProcText.Str(first);
        if (!firstText.StartsWith(prefix, StringComparison.Ordinal))
            throw new ProcParseException("expected \"slabinfo - version: 2.x\" on the first line", 1);
        var version = firstText[prefix.Length..].Trim();
        if (!version.StartsWith("2.", StringComparison.Ordinal))
            throw new ProcParseException($"unsupported slabinfo version {version}", 1);

        var caches = new List<SlabCache>();
        Span<long> n = stackalloc long[5];
        while (lines.MoveNext())
        {
            var line = lines.Current;
            if (line.IsEmpty || line[0] == (byte)'#') continue;
            if (line.Length > ProcText.MaxLineBytes) throw new ProcParseException("line too long", lines.LineNumber);
            var f = ProcText.Fields(line);
            if (!f.MoveNext()) continue;
            var name = ProcText.Str(f.Current);
            for (int i = 0; i < 5; i++)
            {
                if (!f.MoveNext() || !ProcText.TryLong(f.Current, out n[i]))
                    throw new ProcParseException($"cache {name}: expected 5 numbers after the name (truncated line?)", lines.LineNumber);
            }
            caches.Add(new SlabCache(name, n[0], n[1], n[2], n[3], n[4]));
        }
        return new SlabInfo { Version = version, Caches = caches };
    }
}
