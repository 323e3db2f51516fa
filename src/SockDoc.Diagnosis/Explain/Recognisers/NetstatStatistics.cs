using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// `netstat -s` (net-tools statistics.c): "TcpExt:" group headers, then indented sentences (<see cref="NetstatSentences"/>)
/// or "Name: value" for counters net-tools has no sentence for. Tolerant of what pastes do to it: indentation lost
/// (markdown, `grep` of one sentence), trailing blanks and a reader's marks ("&lt;---- HERE"), the header cut off (TcpExt and Tcp sentences are unique to their
/// group), old net-tools wordings ("SYNs to LISTEN sockets ignored", "segments send out").
/// </summary>
public sealed partial class NetstatStatistics : IPasteRecogniser
{
    private string? _group;
    private bool _afterCommand;

    public void Command(string command)
    {
        _group = null;
        _afterCommand = NetstatSRegex().IsMatch(PasteParse.Bare(command));
    }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var text = line.Text;
        // A reader's mark after a sentence ("33861296 packet receive errors    <---- HERE", "# this one") is not part of it.
        var t = AnnotationRegex().Replace(text.Trim(), "");
        if (HeaderRegex().Match(t) is { Success: true } h && !text.StartsWith(' '))
        {
            _group = h.Groups["g"].Value == "TCPExt" ? "TcpExt" : h.Groups["g"].Value;
            into.Claim("netstat -s", line.Number, "netstat -s statistics");
            return 1;
        }
        if (MaySentence(t) && NetstatSentences.Match(t, _group) is { } sentence)
        {
            into.Counter(sentence.Group, sentence.Name, sentence.Value);
            into.Claim("netstat -s", line.Number, "netstat -s statistics");
            return 1;
        }
        // Under `netstat -s | grep TCPTimeWaitOverflow`, or one line quoted from it, the group header is gone; net-tools
        // prints TcpExt's counters it has no sentence for as "TCPxxx: N", and only TcpExt's names start with "TCP".
        if (NameValueRegex().Match(t) is { Success: true } nv &&
            (_group ?? (nv.Groups["n"].ValueSpan.StartsWith("TCP", StringComparison.Ordinal) ? "TcpExt" : null)) is { } group &&
            long.TryParse(nv.Groups["v"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
        {
            into.Counter(group, nv.Groups["n"].Value, v);
            into.Claim("netstat -s", line.Number, "netstat -s statistics");
            return 1;
        }
        if ((_group is not null && text.StartsWith(' ')) || (_afterCommand && OtherSentenceRegex().IsMatch(t)))
        {
            // A sentence of a counter the table does not know (histograms, newer texts): part of the block, no value read.
            into.Claim("netstat -s", line.Number, "netstat -s statistics");
            return 1;
        }
        _group = null;
        return 0;
    }

    /// <summary>Every sentence starts with its number or one of three words: a cheap test before the table's regexes.</summary>
    private static bool MaySentence(string t) =>
        t.Length > 4 && (char.IsAsciiDigit(t[0]) || t.StartsWith("Quick ack", StringComparison.Ordinal) || t.StartsWith("Ran ", StringComparison.Ordinal) ||
                         t.StartsWith("TCP ran", StringComparison.Ordinal));

    [GeneratedRegex(@"^netstat\s+(?:-\w*s\w*|--statistics)\b")]
    private static partial Regex NetstatSRegex();
    [GeneratedRegex(@"^(?<g>Ip|Icmp|IcmpMsg|Tcp|Udp|UdpLite|TcpExt|TCPExt|IpExt|MPTcpExt|Sctp|Ip6|Icmp6|Udp6|UdpLite6|Tcp6):\s*$")]
    private static partial Regex HeaderRegex();
    [GeneratedRegex(@"^(?<n>[A-Za-z][A-Za-z0-9_]*): (?<v>\d+)$")]
    private static partial Regex NameValueRegex();
    [GeneratedRegex(@"\s+(?:<-+|<=+|←|#|//)(?:\s.*|[^\d\s].*)?$")]
    private static partial Regex AnnotationRegex();
    [GeneratedRegex(@"^\d+ [a-zA-Z]")]
    private static partial Regex OtherSentenceRegex();
}
