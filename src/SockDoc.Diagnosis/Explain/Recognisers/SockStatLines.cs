using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>`cat /proc/net/sockstat` and sockstat6: "TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1" (net/ipv4/proc.c sockstat_seq_show()).</summary>
public sealed partial class SockStatLines : IPasteRecogniser
{
    private static readonly HashSet<string> Protos = new(StringComparer.Ordinal) { "sockets", "TCP", "UDP", "UDPLITE", "RAW", "FRAG", "TCP6", "UDP6", "UDPLITE6", "RAW6", "FRAG6", "MPTCP" };

    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var m = RowRegex().Match(lines[i].Text.Trim());
        if (!m.Success || !Protos.Contains(m.Groups["p"].Value)) return 0;
        var proto = m.Groups["p"].Value;
        var parts = m.Groups["kv"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int k = 0; k + 1 < parts.Length; k += 2)
        {
            if (long.TryParse(parts[k + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var v)) into.SockStat[$"{proto}.{parts[k]}"] = v;
        }
        into.Claim(proto.EndsWith('6') ? "/proc/net/sockstat6" : "/proc/net/sockstat", lines[i].Number, "socket counts and memory");
        return 1;
    }

    [GeneratedRegex(@"^(?<p>[A-Z0-9]+|sockets): (?<kv>(?:[a-z]+ \d+\s*)+)$")]
    private static partial Regex RowRegex();
}
