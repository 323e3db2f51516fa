using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// `netstat -tan`, `netstat -lnt`, `netstat -plunt` rows (net-tools, from /proc/net/tcp): Proto Recv-Q Send-Q Local
/// Foreign State [PID/Program]. For a listener /proc/net/tcp gives rx_queue = sk_ack_backlog but tx_queue =
/// write_seq − snd_una = 0 (get_tcp4_sock()), so netstat never shows the backlog: a listener's Recv-Q is compared
/// with net.core.somaxconn when the paste has it (the backlog is at most somaxconn), and otherwise with the common
/// backlogs the kernel caps listen() to (128, SOMAXCONN before 5.4; 4096 since; 511, the default of nginx, Redis
/// and Apache; 1024; 65535) and of the servers most often pasted (50 for Java, 100 for Tomcat): sk_acceptq_is_full() lets the queue reach backlog + 1 and never beyond, so a Recv-Q of
/// exactly one of those + 1 is a full queue; so is one more than any round backlog a program configures (a power of two,
/// or a multiple of 100 such as Salt's zmq_backlog of 1000): a queue that long by chance one past it is unlikely.
/// </summary>
public sealed partial class NetstatRows : IPasteRecogniser
{
    /// <summary>net-tools prints the kernel's own state names (tcp_states.h), as the census keeps them.</summary>
    private static readonly HashSet<string> States = new(StringComparer.Ordinal)
    {
        "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
    };

    /// <summary>
    /// Backlogs a full queue's Recv-Q (backlog + 1) betrays when netstat does not print the backlog; 50 is
    /// java.net.ServerSocket's default backlog and 100 Tomcat's acceptCount.
    /// </summary>
    public static IReadOnlyList<long> CommonBacklogs { get; } = [50, 100, 128, 511, 1024, 4096, 65535];

    /// <summary>A backlog whose full queue (backlog + 1) the Recv-Q <paramref name="recvQ"/> would be.</summary>
    public static long? FullAt(long recvQ)
    {
        long b = recvQ - 1;
        return CommonBacklogs.Contains(b) || (b >= 64 && ((b & (b - 1)) == 0 || b % 100 == 0)) ? b : null;
    }

    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var t = line.Text.Trim();
        if (HeadRegex().IsMatch(t))
        {
            into.SawSocketTable();
            into.Claim("netstat", line.Number, "socket list");
            return 1;
        }
        var m = RowRegex().Match(t);
        if (!m.Success) return 0;
        if (m.Groups["st"].Success && States.Contains(m.Groups["st"].Value))
        {
            var state = m.Groups["st"].Value;
            long rq = PasteParse.Long(m.Groups["rq"].Value) ?? 0;
            long sq = PasteParse.Long(m.Groups["sq"].Value) ?? 0;
            long? backlog = null;
            if (state == "LISTEN")
            {
                var somaxconn = into.Sysctls.TryGetValue("net.core.somaxconn", out var s) ? PasteParse.Long(s) : null;
                backlog = sq > 0 ? sq : somaxconn is { } max && rq > max ? max : FullAt(rq);
            }
            into.Socket(state, rq, backlog, m.Groups["l"].Value, m.Groups["p"].Value);
        }
        // net-tools prints no state for an unconnected UDP socket (and ESTABLISHED for a connected one).
        if (m.Groups["proto"].Value.StartsWith("udp", StringComparison.Ordinal))
        {
            if (!m.Groups["st"].Success) into.Socket("UNCONN", PasteParse.Long(m.Groups["rq"].Value) ?? 0, null, m.Groups["l"].Value, m.Groups["p"].Value);
            into.UdpSocket(m.Groups["l"].Value, m.Groups["p"].Value, PasteParse.Long(m.Groups["rq"].Value) ?? 0, PasteParse.Long(m.Groups["sq"].Value) ?? 0);
        }
        into.Claim("netstat", line.Number, "socket list");
        return 1;
    }

    [GeneratedRegex(@"^(?:Active Internet connections|Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address)")]
    private static partial Regex HeadRegex();
    [GeneratedRegex(@"^(?<proto>(?:tcp|udp|raw)6?)\s+(?<rq>\d+)\s+(?<sq>\d+)\s+(?<l>\S+:\S+)\s+(?<p>\S+:\S+)(?:\s+(?<st>[A-Z_12]+))?(?:\s+(?:\d+/\S.*|-))?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex RowRegex();
}
