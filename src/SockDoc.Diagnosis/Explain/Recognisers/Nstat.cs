using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// `nstat` / `nstat -az` (iproute2): "#kernel", then "TcpExtListenOverflows  12  0.0" (name, value, rate). Also one
/// counter as "Group: Name value" ("Udp: RcvbufErrors 89200"), the way people retype one field of /proc/net/snmp,
/// anywhere in a line (prose glued around it), each such pair read; and "Group.Name: value" (xsos). A retyped row may
/// group its digits with commas and end in a note after an arrow.
/// </summary>
public sealed partial class Nstat : IPasteRecogniser
{
    private static readonly string[] Groups = ["MPTcpExt", "TcpExt", "IpExt", "IcmpMsg", "Icmp6", "Icmp", "Ip6", "Ip", "UdpLite6", "UdpLite", "Udp6", "Udp", "Tcp", "Sctp"];

    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var t = lines[i].Text.Trim();
        if (t == "#kernel")
        {
            into.Claim("nstat", lines[i].Number, "nstat counters");
            return 1;
        }
        if (RowRegex().Match(t) is { Success: true } m && Split(m.Groups["n"].Value) is { } name &&
            PasteParse.Long(m.Groups["v"].Value.Replace(",", "", StringComparison.Ordinal)) is { } v)
        {
            into.Counter(name.Group, name.Name, v);
            into.Claim("nstat", lines[i].Number, "nstat counters");
            return 1;
        }
        bool any = false;
        foreach (Match p in PairRegex().Matches(t.Length > 4096 ? t[..4096] : t))
        {
            if (!long.TryParse(p.Groups["v"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var pv)) continue;
            into.Counter(p.Groups["g"].Value, p.Groups["n"].Value, pv);
            any = true;
        }
        if (!any) return 0;
        into.Claim("nstat", lines[i].Number, "counters written as Group: Name value");
        return 1;
    }

    /// <summary>"TcpExtListenOverflows" → ("TcpExt", "ListenOverflows").</summary>
    public static (string Group, string Name)? Split(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var g in Groups)
        {
            if (name.Length > g.Length && name.StartsWith(g, StringComparison.Ordinal) && char.IsAsciiLetterUpper(name[g.Length]))
                return (g, name[g.Length..]);
        }
        return null;
    }

    // The value may carry thousands separators as a person formats it ("UdpRcvbufErrors  838,702,972,194"), and a note
    // after an arrow or a comment mark ("← ~15× more drops than delivered datagrams").
    [GeneratedRegex(@"^(?<n>[A-Z][A-Za-z0-9]+)\s+(?<v>\d{1,3}(?:,\d{3})+|\d+)(?:\s+\d+(?:\.\d+)?)?(?:\s+(?:←|<-+|#|//).*)?$")]
    private static partial Regex RowRegex();
    // The group names of /proc/net/snmp and /proc/net/netstat; one CamelCase counter name and its value, nothing after
    // the value but a space or the end (so "Udp: InDatagrams NoPorts" headers and "Udp: 12 34" values are not pairs).
    // Also "Group.Name: value", as xsos prints a sosreport's counters ("  TcpExt.ListenOverflows:   287").
    [GeneratedRegex(@"(?<![\w-])(?<g>TcpExt|IpExt|MPTcpExt|UdpLite6?|Udp6?|Tcp|Ip6?|Icmp6?|Sctp)(?:: (?<n>[A-Z][A-Za-z0-9]{2,40}) |\.(?<n>[A-Z][A-Za-z0-9]{2,40}):\s+)(?<v>\d{1,19})(?![\w.])", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PairRegex();
}
