using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// Blocks a web page flattened into one line (its line breaks lost when the page was scraped or reflowed): an `ss`
/// table ("State Recv-Q Send-Q Local Address:Port Peer Address:Port LISTEN 129 128 *:80 *:*") or `nstat` rows
/// ("TcpExtListenOverflows 12178939 0.0 TcpExtListenDrops ..."), read where they stand inside the line. Offered
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
}
