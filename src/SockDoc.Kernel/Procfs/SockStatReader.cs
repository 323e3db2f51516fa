using SockDoc.Model;

namespace SockDoc.Kernel.Procfs;

/// <summary>
/// /proc/net/sockstat and /proc/net/sockstat6 (net/ipv4/proc.c sockstat_seq_show(),
/// net/ipv6/proc.c sockstat6_seq_show()). Lines are "PROTO: key value key value ...";
/// unknown protocols and keys are kept in Fields so a newer kernel loses nothing.
/// </summary>
public static class SockStatReader
{
    public const string Path4 = "net/sockstat";
    public const string Path6 = "net/sockstat6";

    public static ReadResult<SockStat> Read(ProcRoot root) => ProcFile.Read(root, Path4, Parse);
    public static ReadResult<SockStat6> Read6(ProcRoot root) => ProcFile.Read(root, Path6, Parse6);

    public static SockStat Parse(ReadOnlySpan<byte> data)
    {
        var f = ParseFields(data);
        return new SockStat
        {
            SocketsUsed = Get(f, "sockets.used"),
            TcpInUse = Get(f, "TCP.inuse"),
            TcpOrphan = Get(f, "TCP.orphan"),
            TcpTw = Get(f, "TCP.tw"),
            TcpAlloc = Get(f, "TCP.alloc"),
            TcpMemPages = Get(f, "TCP.mem"),
            UdpInUse = Get(f, "UDP.inuse"),
            UdpMemPages = Get(f, "UDP.mem"),
            UdpLiteInUse = Get(f, "UDPLITE.inuse"),
            RawInUse = Get(f, "RAW.inuse"),
            FragInUse = Get(f, "FRAG.inuse"),
            FragMemoryBytes = Get(f, "FRAG.memory"),
            Fields = f,
        };
    }

    public static SockStat6 Parse6(ReadOnlySpan<byte> data)
    {
        var f = ParseFields(data);
        return new SockStat6
        {
            Tcp6InUse = Get(f, "TCP6.inuse"),
            Udp6InUse = Get(f, "UDP6.inuse"),
            UdpLite6InUse = Get(f, "UDPLITE6.inuse"),
            Raw6InUse = Get(f, "RAW6.inuse"),
            Frag6InUse = Get(f, "FRAG6.inuse"),
            Frag6MemoryBytes = Get(f, "FRAG6.memory"),
            Fields = f,
        };
    }

    private static long? Get(Dictionary<string, long> f, string key) => f.TryGetValue(key, out var v) ? v : null;

    /// <summary>"TCP: inuse 3 orphan 0" → {"TCP.inuse": 3, "TCP.orphan": 0}. Throws ProcParseException on damage.</summary>
    private static Dictionary<string, long> ParseFields(ReadOnlySpan<byte> data)
    {
        if (ProcText.LooksBinary(data)) throw new ProcParseException("binary data where text was expected");
        var fields = new Dictionary<string, long>(StringComparer.Ordinal);
        var lines = ProcText.Lines(data);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            if (line.Length > ProcText.MaxLineBytes) throw new ProcParseException("line too long", lines.LineNumber);
            if (line.Trim((byte)' ').IsEmpty) continue;
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) throw new ProcParseException("expected \"PROTO: key value ...\"", lines.LineNumber);
            var proto = ProcText.Str(line[..colon].Trim((byte)' '));
            var rest = ProcText.Fields(line[(colon + 1)..]);
            while (rest.MoveNext())
            {
                var key = ProcText.Str(rest.Current);
                if (!rest.MoveNext())
                    throw new ProcParseException($"{proto}: key \"{key}\" has no value (truncated line?)", lines.LineNumber);
                if (!ProcText.TryLong(rest.Current, out var value))
                    throw new ProcParseException($"{proto}: value of \"{key}\" is not a number: \"{ProcText.Str(rest.Current)}\"", lines.LineNumber);
                fields[$"{proto}.{key}"] = value;
            }
        }
        if (fields.Count == 0) throw new ProcParseException("empty: no \"PROTO: key value\" line");
        return fields;
    }
}
