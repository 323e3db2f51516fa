using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// netdata's TCP queue alarms as their notifications print them ("ip.tcp_syn_queue (tcp), 1m tcp syn queue cookies =
/// 2 cookies", "1m_tcp_accept_queue_overflows = 15", the older "1m ipv4 tcp listen drops = 0.55 drops"): each is one TcpExt counter's rise over the last minute
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
        // The older alarms on chart ipv4.tcplistenissues: 1m_ipv4_tcp_listen_overflows and 1m_ipv4_tcp_listen_drops.
        ["listen overflows"] = "ListenOverflows",
        ["listen drops"] = "ListenDrops",
    };

    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var text = line.Scanned;
        // netdata's UDP alarm (health.d/udp_errors.conf: 1m_ipv4_udp_receive_buffer_errors on Udp RcvbufErrors) fires only
        // when the counter rose; its notification may name it without a value: at least one then.
        var udp = UdpAlarmRegex().Match(text);
        if (udp.Success)
        {
            double uv = 1;
            if (udp.Groups["v"].Success && !double.TryParse(udp.Groups["v"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out uv)) return 0;
            into.Counter("Udp", udp.Groups["k"].Value.Equals("send", StringComparison.OrdinalIgnoreCase) ? "SndbufErrors" : "RcvbufErrors", Math.Max(1, (long)Math.Ceiling(uv)));
            into.Claim("netdata", line.Number, "monitoring alerts");
            return 1;
        }
        var m = AlarmRegex().Match(text);
        if (!m.Success) return 0;
        var name = m.Groups["q"].Value.Replace('_', ' ') + " " + m.Groups["k"].Value.ToLowerInvariant();
        if (!Counters.TryGetValue(name, out var counter) ||
            !double.TryParse(m.Groups["v"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) return 0;
        into.Counter("TcpExt", counter, (long)Math.Ceiling(v));
        into.Claim("netdata", line.Number, "monitoring alerts");
        return 1;
    }

    [GeneratedRegex(@"(?i)\b1m[ _](?:ipv4[ _])?tcp[ _](?<q>syn[ _]queue|accept[ _]queue|listen)[ _](?<k>cookies|drops|overflows)\s*=\s*(?<v>\d+(?:\.\d+)?)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AlarmRegex();

    [GeneratedRegex(@"(?i)\b1m[ _]ipv4[ _]udp[ _](?<k>receive|send)[ _]buffer[ _]errors\b(?:\s*=\s*(?<v>\d+(?:\.\d+)?))?", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex UdpAlarmRegex();
}
