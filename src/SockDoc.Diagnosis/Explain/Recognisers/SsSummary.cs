using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// `ss -s` (iproute2 ss.c print_summary()): "Total:", the transport table, and "TCP: N (estab E, closed C, orphaned O,
/// [synrecv S,] timewait T/…)" whose orphaned and timewait are sockstat's orphan and tw.
/// </summary>
public sealed partial class SsSummary : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var t = lines[i].Text.Trim();
        if (TotalRegex().IsMatch(t) || TransportRegex().IsMatch(t) || TransportHeadRegex().IsMatch(t))
        {
            into.Claim("ss -s", lines[i].Number, "ss -s summary");
            return 1;
        }
        if (TcpRegex().Match(t) is { Success: true } m)
        {
            into.SsOrphaned = PasteParse.Long(m.Groups["orph"].Value);
            into.SsTimeWait = PasteParse.Long(m.Groups["tw"].Value);
            into.Claim("ss -s", lines[i].Number, "ss -s summary");
            return 1;
        }
        return 0;
    }

    [GeneratedRegex(@"^Total: \d+(?: \(kernel \d+\))?$")]
    private static partial Regex TotalRegex();
    [GeneratedRegex(@"^(?:(?:RAW|UDP|TCP|INET|FRAG)\s+\d+\s+\d+\s+\d+|\*\s+\d+\s+-\s+-)$")]
    private static partial Regex TransportRegex();
    [GeneratedRegex(@"^Transport\s+Total\s+IP\s+IPv6$")]
    private static partial Regex TransportHeadRegex();
    [GeneratedRegex(@"^TCP:\s+\d+ \(estab \d+, closed \d+, orphaned (?<orph>\d+), (?:synrecv \d+, )?timewait (?<tw>\d+)(?:/\d+)?\)(?:, ports \d+)?$")]
    private static partial Regex TcpRegex();
}
