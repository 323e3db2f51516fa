using System.Text.RegularExpressions;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// dropwatch's report of where the kernel freed packets it dropped (kfree_skb() call sites, one line per site:
/// "95255 drops at udp_queue_rcv_skb+374 (0xffffffff815e1c64)"). A site in UDP's receive queueing (udp_queue_rcv_skb(),
/// __udp_queue_rcv_skb(), udp_queue_rcv_one_skb(), __udp_enqueue_schedule_skb() and their IPv6 twins) is a datagram
/// dropped on its way into a socket's receive queue: mostly the queue over sk_rcvbuf (RcvbufErrors), also udp_mem
/// (MemErrors) or a bad checksum (InCsumErrors) there. dropwatch records the kernel event itself, so it is read as a
/// reported drop, not someone's reading. Other sites are left alone: they are not one limit.
/// </summary>
public sealed partial class Dropwatch : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var text = line.Scanned;
        var m = DropSiteRegex().Match(text);
        if (!m.Success) return 0;
        into.State(StatedConditions.UdpReceiveDrops, line.Number, m.Value.Trim(), "dropwatch");
        into.Claim("dropwatch", line.Number, "dropwatch drop sites");
        return 1;
    }

    [GeneratedRegex(@"\b[1-9]\d* drops? at (?:__)?udp(?:v6)?_(?:queue_rcv_(?:one_)?skb|enqueue_schedule_skb)\+(?:0x)?[0-9a-f]+",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex DropSiteRegex();
}
