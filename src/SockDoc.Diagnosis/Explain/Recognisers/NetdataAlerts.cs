using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// netdata's TCP queue alarms as their notifications print them ("ip.tcp_syn_queue (tcp), 1m tcp syn queue cookies =
/// 2 cookies", "1m_tcp_accept_queue_overflows = 15"): each is one TcpExt counter's rise over the last minute
/// (netdata's health.d/tcp_listen.conf), so it is read as that counter above zero.
/// </summary>
public sealed partial class NetdataAlerts : IPasteRecogniser
{
    /// <summary>netdata's alarm name (spaces or underscores) → the TcpExt counter it watches.</summary>
    private static readonly Dictionary<string, string> Counters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["syn queue cookies"] = "TCPReqQFullDoCookies",
        ["syn queue drops"] = "TCPReqQFullDrop",
        ["accept queue overflows"] = "ListenOverflows",
        ["accept queue drops"] = "ListenDrops",
    };

    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var m = AlarmRegex().Match(line.Text.Length > 4096 ? line.Text[..4096] : line.Text);
        if (!m.Success) return 0;
        var name = m.Groups["q"].Value.Replace('_', ' ') + " " + m.Groups["k"].Value.ToLowerInvariant();
        if (!Counters.TryGetValue(name, out var counter) ||
            !double.TryParse(m.Groups["v"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return 0;
        into.Counter("TcpExt", counter, (long)Math.Ceiling(v));
        into.Claim("netdata", line.Number, "monitoring alerts");
        return 1;
    }

    [GeneratedRegex(@"(?i)\b1m[ _]tcp[ _](?<q>syn[ _]queue|accept[ _]queue)[ _](?<k>cookies|drops|overflows)\s*=\s*(?<v>\d+(?:\.\d+)?)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AlarmRegex();
}
