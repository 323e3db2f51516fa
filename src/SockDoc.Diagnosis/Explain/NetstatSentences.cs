using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain;

/// <summary>
/// The sentences `netstat -s` (net-tools statistics.c, tables Tcptab, Udptab, Tcpexttab) prints for a
/// counter of /proc/net/snmp or /proc/net/netstat, mapped back to the counter's name. Counters net-tools
/// has no sentence for are printed as "Name: value" and are read that way by the caller.
/// Note from the source: "finished time wait in fast timer" is TW and "in slow timer" is TWKilled. The texts are
/// older than the counters' meaning: both count TIME_WAIT sockets when scheduled (__inet_twsk_schedule()), TWKilled
/// for a timeout of at most 4 s, TW otherwise (kernel-facts §4.3).
/// </summary>
public static class NetstatSentences
{
    public sealed record Sentence(string Group, string Name, Regex Pattern);

    private static readonly (string Group, string Name, string Text)[] Table =
    [
        ("Tcp", "ActiveOpens", "%llu active connection openings"),
        ("Tcp", "ActiveOpens", "%llu active connections openings"),
        ("Tcp", "PassiveOpens", "%llu passive connection openings"),
        ("Tcp", "AttemptFails", "%llu failed connection attempts"),
        ("Tcp", "EstabResets", "%llu connection resets received"),
        ("Tcp", "CurrEstab", "%llu connections established"),
        ("Tcp", "InSegs", "%llu segments received"),
        ("Tcp", "OutSegs", "%llu segments sent out"),
        ("Tcp", "OutSegs", "%llu segments send out"),
        ("Tcp", "RetransSegs", "%llu segments retransmitted"),
        ("Tcp", "RetransSegs", "%llu segments retransmited"),
        ("Tcp", "InErrs", "%llu bad segments received"),
        ("Tcp", "OutRsts", "%llu resets sent"),
        ("Udp", "InDatagrams", "%llu packets received"),
        ("Udp", "NoPorts", "%llu packets to unknown port received"),
        ("Udp", "InErrors", "%llu packet receive errors"),
        ("Udp", "OutDatagrams", "%llu packets sent"),
        ("Udp", "RcvbufErrors", "%llu receive buffer errors"),
        ("Udp", "SndbufErrors", "%llu send buffer errors"),
        // FreeBSD's (and macOS's) netstat -s, "udp:" section: udps_fullsock, a datagram refused by a full receive buffer
        // (sbappendaddr() failed in udp_append()). The same event as Linux's RcvbufErrors; its lower-case header is not read.
        ("Udp", "RcvbufErrors", "%llu dropped due to full socket buffers"),
        ("TcpExt", "DelayedACKLocked", "%llu delayed acks further delayed because of locked socket"),
        ("TcpExt", "DelayedACKLost", "Quick ack mode was activated %llu times"),
        ("TcpExt", "DelayedACKs", "%llu delayed acks sent"),
        ("TcpExt", "EmbryonicRsts", "%llu resets received for embryonic SYN_RECV sockets"),
        ("TcpExt", "ListenDrops", "%llu SYNs to LISTEN sockets dropped"),
        ("TcpExt", "ListenDrops", "%llu SYNs to LISTEN sockets ignored"),
        ("TcpExt", "ListenOverflows", "%llu times the listen queue of a socket overflowed"),
        ("TcpExt", "LockDroppedIcmps", "%llu ICMP packets dropped because socket was locked"),
        ("TcpExt", "OfoPruned", "%llu packets dropped from out-of-order queue because of socket buffer overrun"),
        ("TcpExt", "OutOfWindowIcmps", "%llu ICMP packets dropped because they were out-of-window"),
        ("TcpExt", "PAWSActive", "%llu active connections rejected because of time stamp"),
        ("TcpExt", "PAWSEstab", "%llu packetes rejected in established connections because of timestamp"),
        ("TcpExt", "PAWSEstab", "%llu packets rejects in established connections because of timestamp"),
        ("TcpExt", "PAWSPassive", "%llu passive connections rejected because of time stamp"),
        ("TcpExt", "PruneCalled", "%llu packets pruned from receive queue because of socket buffer overrun"),
        ("TcpExt", "RcvPruned", "%llu packets pruned from receive queue"),
        ("TcpExt", "SockMallocOOM", "Ran %llu times out of system memory during packet sending"),
        ("TcpExt", "SyncookiesFailed", "%llu invalid SYN cookies received"),
        ("TcpExt", "SyncookiesRecv", "%llu SYN cookies received"),
        ("TcpExt", "SyncookiesSent", "%llu SYN cookies sent"),
        ("TcpExt", "TCPAbortFailed", "%llu times unable to send RST due to no memory"),
        ("TcpExt", "TCPAbortOnClose", "%llu connections reset due to early user close"),
        ("TcpExt", "TCPAbortOnData", "%llu connections reset due to unexpected data"),
        ("TcpExt", "TCPAbortOnLinger", "%llu connections aborted after user close in linger timeout"),
        ("TcpExt", "TCPAbortOnMemory", "%llu connections aborted due to memory pressure"),
        ("TcpExt", "TCPAbortOnSyn", "%llu connections reset due to unexpected SYN"),
        ("TcpExt", "TCPAbortOnTimeout", "%llu connections aborted due to timeout"),
        ("TcpExt", "TCPDSACKOfoRecv", "%llu DSACKs for out of order packets received"),
        ("TcpExt", "TCPDSACKOldSent", "%llu DSACKs sent for old packets"),
        ("TcpExt", "TCPDSACKRecv", "%llu DSACKs received"),
        ("TcpExt", "TCPFastRetrans", "%llu fast retransmits"),
        ("TcpExt", "TCPHPAcks", "%llu predicted acknowledgments"),
        ("TcpExt", "TCPHPHits", "%llu packet headers predicted"),
        ("TcpExt", "TCPLossUndo", "%llu congestion windows recovered without slow start after partial ack"),
        ("TcpExt", "TCPLostRetransmit", "%llu retransmits lost"),
        ("TcpExt", "TCPMemoryPressures", "TCP ran low on memory %llu times"),
        ("TcpExt", "TCPPureAcks", "%llu acknowledgments not containing data payload received"),
        ("TcpExt", "TCPRcvCollapsed", "%llu packets collapsed in receive queue due to low socket buffer"),
        ("TcpExt", "TCPSackRecovery", "%llu times recovered from packet loss by selective acknowledgements"),
        ("TcpExt", "TCPSlowStartRetrans", "%llu retransmits in slow start"),
        ("TcpExt", "TCPTimeouts", "%llu other TCP timeouts"),
        ("TcpExt", "TWKilled", "%llu TCP sockets finished time wait in slow timer"),
        ("TcpExt", "TW", "%llu TCP sockets finished time wait in fast timer"),
        ("TcpExt", "TWRecycled", "%llu time wait sockets recycled by time stamp"),
    ];

    public static IReadOnlyList<Sentence> All { get; } = Table
        .Select(t => new Sentence(t.Group, t.Name, new Regex(
            "^" + Regex.Escape(t.Text).Replace("%llu", @"(\d+)", StringComparison.Ordinal) + @"\.?\s*$",
            RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1))))
        .ToList();

    /// <summary>Matches a trimmed sentence; the group under which it was printed wins over a sentence of another group.</summary>
    public static (string Group, string Name, long Value)? Match(string trimmed, string? group)
    {
        (string, string, long)? other = null;
        foreach (var s in All)
        {
            var m = s.Pattern.Match(trimmed);
            if (!m.Success || !long.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) continue;
            if (group is null || string.Equals(s.Group, group, StringComparison.Ordinal)) return (s.Group, s.Name, v);
            other ??= (s.Group, s.Name, v);
        }
        // TcpExt and Tcp sentences are unique to their group, so they count even when the header was cut off; so do UDP's
        // receive buffer drops (Udp or UdpLite, the same event). "packets received" is printed by Udp, UdpLite and Udp6
        // alike and needs its header.
        return other is { } o && (o.Item1 is "TcpExt" or "Tcp" || o.Item2 == "RcvbufErrors") ? o : null;
    }
}
