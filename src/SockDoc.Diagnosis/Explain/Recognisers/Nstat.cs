using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>`nstat` / `nstat -az` (iproute2): "#kernel", then "TcpExtListenOverflows  12  0.0" (name, value, rate).</summary>
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
            long.TryParse(m.Groups["v"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
        {
            into.Counter(name.Group, name.Name, v);
            into.Claim("nstat", lines[i].Number, "nstat counters");
            return 1;
        }
        return 0;
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

    [GeneratedRegex(@"^(?<n>[A-Z][A-Za-z0-9]+)\s+(?<v>\d+)(?:\s+\d+(?:\.\d+)?)?$")]
    private static partial Regex RowRegex();
}
