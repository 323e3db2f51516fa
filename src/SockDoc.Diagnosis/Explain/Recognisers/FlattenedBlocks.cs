using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// Blocks a web page flattened into one line (its line breaks lost when the page was scraped or reflowed): an `ss`
/// table ("State Recv-Q Send-Q Local Address:Port Peer Address:Port LISTEN 129 128 *:80 *:*") or `nstat` rows
/// ("TcpExtListenOverflows 12178939 0.0 TcpExtListenDrops ..."), `/proc/net/snmp`'s header and value lines ("Udp:
/// InDatagrams ... Udp: 23971006 ..."), or `netstat -s` counters under their group ("Udp: ... RcvbufErrors: 20930
/// MemErrors: 137759", as a commit message quotes them), read where they stand inside the line. Offered
/// last, so only a line no other format claimed is read this way. An `ss` row counts only after an `ss` header in
/// the same line and an `nstat` row only with its rate column, so prose that names a counter is not a row.
/// </summary>
public sealed partial class FlattenedBlocks : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var t = line.Text.Length > 65_536 ? line.Text[..65_536] : line.Text;
        bool read = false;
        var head = SsHeadRegex().Match(t);
        if (head.Success)
        {
            foreach (Match row in SsRowRegex().Matches(t, head.Index + head.Length))
            {
                if (!SsRows.StateName(row.Groups["st"].Value, out var state) || PasteParse.Long(row.Groups["rq"].Value) is not { } rq ||
                    PasteParse.Long(row.Groups["sq"].Value) is not { } sq) continue;
                into.Socket(state, rq, state == "LISTEN" ? sq : null, row.Groups["l"].Value, row.Groups["p"].Value);
                read = true;
            }
            if (read) into.SawSocketTable();
        }
        foreach (Match m in NstatRowRegex().Matches(t))
        {
            if (Nstat.Split(m.Groups["n"].Value) is not { } name || PasteParse.Long(m.Groups["v"].Value) is not { } v) continue;
            into.Counter(name.Group, name.Name, v);
            read = true;
        }
        // /proc/net/snmp's two lines per group run together: "Udp: InDatagrams NoPorts ... Udp: 23971006 75 ...".
        bool snmp = false;
        foreach (Match m in SnmpPairRegex().Matches(t))
        {
            var names = m.Groups["names"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = m.Groups["vals"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (names.Length != values.Length) continue;
            for (int k = 0; k < names.Length; k++)
                if (PasteParse.Long(values[k]) is { } v) into.Counter(m.Groups["g"].Value, names[k], v);
            read = snmp = true;
        }
        // netstat -s run together: its "Name: value" counters ("RcvbufErrors: 20930 MemErrors: 137759"), each in the
        // group whose header ("Udp:", "TcpExt:") last stood before it.
        if (!snmp)
        {
            var headers = SectionRegex().Matches(t);
            foreach (Match m in NamedCounterRegex().Matches(t))
            {
                var header = headers.LastOrDefault(h => h.Index < m.Index);
                if (header is null || SectionNames.Contains(m.Groups["n"].Value) || PasteParse.Long(m.Groups["v"].Value) is not { } v) continue;
                into.Counter(header.Groups["g"].Value, m.Groups["n"].Value, v);
                read = true;
            }
        }
        // A counter as a script or chart labels it, "RcvbufErrors=749" or "DELTA RcvbufErrors=749": only names that belong
        // to one group, so the group is known.
        foreach (Match m in AssignedCounterRegex().Matches(t))
        {
            if (PasteParse.Long(m.Groups["v"].Value) is not { } v) continue;
            var name = m.Groups["n"].Value;
            into.Counter(name is "RcvbufErrors" or "MemErrors" ? "Udp" : "TcpExt", name, v);
            read = true;
        }
        if (!read) return 0;
        into.Claim("flattened", line.Number, "a table flattened into one line");
        return 1;
    }

    [GeneratedRegex(@"Recv-Q\s+Send-Q\s+Local\s+Address:Port(?:\s+Peer\s+Address:Port)?", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SsHeadRegex();

    [GeneratedRegex(@"(?<![\w-])(?<st>LISTEN|ESTAB|TIME-WAIT|SYN-SENT|SYN-RECV|FIN-WAIT-1|FIN-WAIT-2|CLOSE-WAIT|LAST-ACK|CLOSING|UNCONN)\s+(?<rq>\d+)\s+(?<sq>\d+)\s+(?<l>\S+:\S+)\s+(?<p>\S+:\S+|\*)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SsRowRegex();

    [GeneratedRegex(@"(?<![\w])(?<n>(?:TcpExt|IpExt|Tcp|Udp6?|Ip6?)[A-Z][A-Za-z0-9]+)\s+(?<v>\d+)\s+\d+\.\d+(?![\w.])", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex NstatRowRegex();

    private static readonly HashSet<string> SectionNames = ["Ip", "Icmp", "IcmpMsg", "Tcp", "Udp", "UdpLite", "TcpExt", "IpExt", "MPTcpExt", "Ip6", "Udp6", "Tcp6"];

    [GeneratedRegex(@"(?<![\w])(?<g>Ip|Icmp|Tcp|Udp|UdpLite|TcpExt|IpExt):(?<names>(?: [A-Z][A-Za-z0-9]*){2,80}) \k<g>:(?<vals>(?: -?\d{1,20}){2,80})(?![\w.])", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SnmpPairRegex();

    [GeneratedRegex(@"(?<![\w])(?<g>Ip|Icmp|IcmpMsg|Tcp|Udp|UdpLite|TcpExt|IpExt|MPTcpExt):(?=\s)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SectionRegex();

    [GeneratedRegex(@"(?<![\w])(?<n>[A-Z][A-Za-z0-9]{2,40}): (?<v>\d{1,20})(?![\w.:])", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex NamedCounterRegex();

    [GeneratedRegex(@"(?<![\w.])(?<n>RcvbufErrors|MemErrors|ListenOverflows|ListenDrops|TCPMemoryPressures|TCPAbortOnMemory|SyncookiesSent|TCPReqQFullDrop|TCPReqQFullDoCookies|TCPTimeWaitOverflow)\s?=\s?(?<v>\d{1,20})(?![\w.])", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AssignedCounterRegex();
}
