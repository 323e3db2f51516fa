using System.Text.RegularExpressions;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// Counts of the kernel's udp:udp_fail_queue_rcv_skb tracepoint, as perf stat, bpftrace or an eBPF exporter print them
/// ("  1,234  udp:udp_fail_queue_rcv_skb", "ebpf_exporter_udp_fail_queue_rcv_skbs_total{local_port="443"} 787961"), and
/// its events ("udp:udp_fail_queue_rcv_skb: rc=-12 port=53"). __udp_queue_rcv_skb() fires it when
/// __udp_enqueue_schedule_skb() refuses a datagram: -ENOMEM when the queue is over sk_rcvbuf (counted in RcvbufErrors),
/// -ENOBUFS when udp_mem refuses the memory (MemErrors). A count is mostly the first; an event with rc=-105 is the
/// second and is left to the counters. The kernel event itself, so it is read as a reported drop.
/// </summary>
public sealed partial class UdpFailQueueTracepoint : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var text = line.Scanned;
        if (!text.Contains("udp_fail_queue_rcv_skb", StringComparison.OrdinalIgnoreCase) || text.TrimStart().StartsWith('#')) return 0;
        var m = CountRegex().Match(text);
        if (!m.Success) return 0;
        into.State(StatedConditions.UdpReceiveDrops, line.Number, text.Trim(), "the udp:udp_fail_queue_rcv_skb tracepoint");
        into.Claim("udp-tracepoint", line.Number, "udp_fail_queue_rcv_skb tracepoint counts");
        return 1;
    }

    // A count before the name (perf stat), a count after it at the end of the line (an exporter's sample, bpftrace's
    // map), or an event refused for the receive buffer (rc=-12, -ENOMEM).
    [GeneratedRegex(@"^\s*[1-9][\d,]*\s+(?:udp:)?udp_fail_queue_rcv_skb\b|udp_fail_queue_rcv_skbs?\w*(?:\{[^}]*\}|\[[^\]]*\])?\]?:?\s+[1-9][\d,]*\s*$|udp_fail_queue_rcv_skb:?\s.*\brc=-12\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex CountRegex();
}
