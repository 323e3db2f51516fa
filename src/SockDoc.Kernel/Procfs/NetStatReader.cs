using SockDoc.Model;

namespace SockDoc.Kernel.Procfs;

/// <summary>
/// /proc/net/netstat and /proc/net/snmp: each group is two lines, "Group: name name ..." then
/// "Group: value value ...". Parsed by header name, any number of groups and columns (the TcpExt
/// list grows between versions; 135 fields on 6.18). Per network namespace.
/// </summary>
public static class NetStatReader
{
    public const string NetStatPath = "net/netstat";
    public const string SnmpPath = "net/snmp";

    public static ReadResult<NetStatCounters> ReadNetStat(ProcRoot root) => ProcFile.Read(root, NetStatPath, Parse);
    public static ReadResult<NetStatCounters> ReadSnmp(ProcRoot root) => ProcFile.Read(root, SnmpPath, Parse);

    public static NetStatCounters Parse(ReadOnlySpan<byte> data)
    {
        if (ProcText.LooksBinary(data)) throw new ProcParseException("binary data where text was expected");
        var groups = new Dictionary<string, IReadOnlyDictionary<string, long>>(StringComparer.Ordinal);
        var lines = ProcText.Lines(data);
        while (lines.MoveNext())
        {
            var header = lines.Current;
            if (header.Trim((byte)' ').IsEmpty) continue;
            int headerLine = lines.LineNumber;
            if (header.Length > ProcText.MaxLineBytes) throw new ProcParseException("line too long", headerLine);
            var colon = header.IndexOf((byte)':');
            if (colon <= 0) throw new ProcParseException("expected \"Group: name name ...\"", headerLine);
            var group = ProcText.Str(header[..colon]);
            if (!lines.MoveNext())
                throw new ProcParseException($"{group}: header line without a value line (truncated file?)", headerLine);
            var values = lines.Current;
            var vcolon = values.IndexOf((byte)':');
            if (vcolon <= 0 || !values[..vcolon].SequenceEqual(header[..colon]))
                throw new ProcParseException($"{group}: expected the value line of group {group}", lines.LineNumber);

            var names = new List<string>();
            var nameFields = ProcText.Fields(header[(colon + 1)..]);
            while (nameFields.MoveNext()) names.Add(ProcText.Str(nameFields.Current));
            var counters = new Dictionary<string, long>(names.Count, StringComparer.Ordinal);
            var valueFields = ProcText.Fields(values[(vcolon + 1)..]);
            int i = 0;
            while (valueFields.MoveNext())
            {
                if (i >= names.Count)
                    throw new ProcParseException($"{group}: more values than names ({names.Count})", lines.LineNumber);
                if (!ProcText.TryLong(valueFields.Current, out var v))
                {
                    // Counters are u64 in the kernel; one past long.MaxValue is not a number we can use.
                    throw new ProcParseException($"{group}: value of {names[i]} is not a number: \"{ProcText.Str(valueFields.Current)}\"", lines.LineNumber);
                }
                counters[names[i]] = v;
                i++;
            }
            if (i != names.Count)
                throw new ProcParseException($"{group}: {names.Count} names but {i} values (truncated line?)", lines.LineNumber);
            groups[group] = counters;
        }
        if (groups.Count == 0) throw new ProcParseException("empty: no counter groups");
        return new NetStatCounters { Groups = groups };
    }
}
