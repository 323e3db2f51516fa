using SockDoc.Model;

namespace SockDoc.Kernel.Procfs;

/// <summary>
/// /proc/net/stat/nf_conntrack (net/netfilter/nf_conntrack_standalone.c ct_cpu_seq_show()):
/// a header line, then one row per possible CPU in hexadecimal. The first column ("entries") is
/// the global count repeated on every row, so it is taken once; the rest are summed.
/// </summary>
public static class ConntrackStatReader
{
    public const string Path = "net/stat/nf_conntrack";

    public static ReadResult<ConntrackStat> Read(ProcRoot root) => ProcFile.Read(root, Path, Parse);

    public static ConntrackStat Parse(ReadOnlySpan<byte> data)
    {
        if (ProcText.LooksBinary(data)) throw new ProcParseException("binary data where text was expected");
        var lines = ProcText.Lines(data);
        if (!lines.MoveNext()) throw new ProcParseException("empty file");
        var names = new List<string>();
        var hf = ProcText.Fields(lines.Current);
        while (hf.MoveNext()) names.Add(ProcText.Str(hf.Current));
        if (names.Count == 0 || names[0] != "entries") throw new ProcParseException("expected a header starting with \"entries\"", 1);
        var sums = new long[names.Count];
        int rows = 0;
        while (lines.MoveNext())
        {
            var f = ProcText.Fields(lines.Current);
            int i = 0;
            while (f.MoveNext())
            {
                if (i >= names.Count) throw new ProcParseException("more columns than the header names", lines.LineNumber);
                if (!ProcText.TryULongHex(f.Current, out var v)) throw new ProcParseException($"{names[i]}: not a hexadecimal number", lines.LineNumber);
                if (i == 0) sums[0] = (long)Math.Min(v, long.MaxValue);
                else sums[i] = unchecked(sums[i] + (long)Math.Min(v, long.MaxValue));
                i++;
            }
            if (i == 0) continue;
            if (i != names.Count) throw new ProcParseException($"{names.Count} columns expected, {i} found (truncated line?)", lines.LineNumber);
            rows++;
        }
        if (rows == 0) throw new ProcParseException("no per-CPU rows");
        var columns = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < names.Count; i++) columns[names[i]] = sums[i];
        return new ConntrackStat { Columns = columns };
    }
}
