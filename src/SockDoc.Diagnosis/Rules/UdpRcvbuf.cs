using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using SockDoc.Model.Census;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// UDP datagrams dropped because the receiving socket's own buffer was full: the reader does not keep up with the
/// sender, or its buffer is too small for the bursts. __udp_enqueue_schedule_skb() (net/ipv4/udp.c) refuses a datagram
/// when the socket's sk_rmem_alloc is over sk_rcvbuf and returns -ENOMEM; __udp_queue_rcv_skb() counts that as Udp
/// RcvbufErrors (and InErrors), the socket as sk_drops (ss skmem d). sk_rcvbuf is net.core.rmem_default unless the
/// program set SO_RCVBUF, which sock_setsockopt() doubles and caps at 2 × net.core.rmem_max (SO_RCVBUFFORCE passes
/// the cap). The same function refusing for lack of udp_mem returns -ENOBUFS and counts MemErrors instead: that is
/// udp_mem, a machine-wide budget, not this.
/// </summary>
public sealed class UdpRcvbuf : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "udp_rcvbuf",
        "UDP datagrams dropped on full socket receive buffers",
        "__udp_enqueue_schedule_skb(): sk_rmem_alloc > sk_rcvbuf → -ENOMEM → Udp RcvbufErrors",
        [Inputs.UdpRcvbufErrors, Inputs.RmemMax, Inputs.CensusUdp, Inputs.Stated]);

    private const string RmemDefault = "net.core.rmem_default";

    /// <summary>
    /// net.core.rmem_default when nothing changed it: SK_RMEM_MAX (include/net/sock.h, 256 packets of SKB_TRUESIZE(256)),
    /// 212,992 bytes on x86-64 kernels of the last decade (larger on older ones, whose sk_buff was bigger).
    /// </summary>
    private const long SkRmemMax = 212_992;

    private const string Explanation =
        "A UDP socket queues datagrams until its program reads them; when the queued bytes (with their buffer overhead) pass the socket's " +
        "receive buffer, the kernel drops each new datagram and counts Udp RcvbufErrors (\"receive buffer errors\" in netstat -su). " +
        "The buffer is net.core.rmem_default unless the program asks for more with SO_RCVBUF, which the kernel doubles and caps at " +
        "2 × net.core.rmem_max. Bursts (syslog, DNS, statsd, metrics) overflow a small buffer even at a low average rate; a reader that " +
        "cannot keep up overflows any buffer.";

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var errors = c.Counter("Udp", "RcvbufErrors");
        var delta = c.CounterDelta("Udp", "RcvbufErrors");
        var udp = c.Now.Census?.Udp;
        var rmemMax = c.Now.Sysctls.Long(SysctlNames.RmemMax);
        var rmemDefault = c.Now.Sysctls.Long(RmemDefault);
        // Rows without the buffer (pasted ss/netstat rows, /proc/net/udp): a queue at the buffer a socket gets when its
        // program sets no SO_RCVBUF is full the same way, unless the program asked for more. "At" is within one datagram:
        // this kernel (6.18) refuses a datagram whose truesize would take sk_rmem_alloc past sk_rcvbuf (the queue stops
        // just below it: 211,968 of 212,992 with 1,000-byte datagrams here), older ones only once it was already past
        // (214,272 of 212,992 in a public paste). Within 5 % of the buffer covers datagrams up to ~10 KB of truesize.
        long defaultBuffer = rmemDefault ?? SkRmemMax;
        var atDefault = udp?.Top.Where(r => r.RcvBuf <= 0 && r.RecvQueue >= defaultBuffer - defaultBuffer / 20).OrderByDescending(r => r.RecvQueue).ToList() ?? [];
        // A missing counter has no delta either: errors is null covers both.
        if (errors is null && atDefault.Count > 0)
        {
            var top = atDefault[0];
            var ev = atDefault.Take(5).Select(r => BytesEv($"UDP socket {r.Local} Recv-Q", $"{Bytes(r.RecvQueue)} queued unread", udp!.Source, r.RecvQueue)).ToList();
            ev.Insert(1, rmemDefault is { } pasted
                ? BytesEv("net.core.rmem_default (buffer of a socket that sets none)", Bytes(pasted), Sys(RmemDefault), pasted)
                : BytesEv("receive buffer of a socket that sets none", $"{Bytes(SkRmemMax)} (net.core.rmem_default's default on x86-64, SK_RMEM_MAX; not in the input)", "kernel default", SkRmemMax));
            return Conclude(d, c, Severity.Warning, When.Now, rmemDefault is null ? Confidence.Possible : Confidence.Likely,
                $"{atDefault.Count} UDP socket(s) hold a receive queue at the default buffer: {top.Local} has {Bytes(top.RecvQueue)} unread of {Bytes(defaultBuffer)}; unless its program set a larger SO_RCVBUF, the next datagram is dropped",
                ev, Explanation, Fixes(rmemMax), Caveats);
        }
        var dropping = udp?.Top.Where(r => r.Drops > 0).OrderByDescending(r => r.Drops).ToList() ?? [];
        // A socket whose queued bytes reached its buffer drops the next datagram (the same comparison the kernel makes).
        var fullNow = udp?.Top.Where(r => r.RcvBuf > 0 && r.RmemAlloc >= r.RcvBuf).OrderByDescending(r => r.RmemAlloc).ToList() ?? [];
        if (errors is null && dropping.Count == 0 && fullNow.Count == 0)
        {
            var inErrors = c.Counter("Udp", "InErrors");
            // dropwatch's drop sites in UDP's receive queueing (a reported drop), when no counter is pasted.
            var stated = Stated(c, StatedConditions.UdpReceiveDrops);
            if (inErrors is null && stated.Count > 0)
                return FromStatement(d, c, stated, "Datagrams were dropped entering UDP socket receive queues", Explanation,
                    Fixes(rmemMax), Caveats);
            // Kernels before 2.6.18 and old net-tools print only "packet receive errors" (InErrors): full receive buffers,
            // udp_mem refusals and bad checksums together. Without the finer counters that is possible, not confirmed.
            return inErrors is long ie && ie > 0 && c.Counter("Udp", "MemErrors") is null
                ? Conclude(d, c, Severity.Warning, When.SinceBoot, Confidence.Possible,
                    $"{N(ie)} UDP receive errors since boot (InErrors): most often full socket receive buffers, also udp_mem or bad checksums",
                    [InErrorsEvidence(ie)],
                    Explanation, Fixes(rmemMax), Caveats)
                : Unknown(d, Inputs.UdpRcvbufErrors);
        }

        var evidence = new List<Evidence>();
        if (errors is { } e)
            evidence.Add(CountEv("Udp RcvbufErrors", delta is { } dl ? $"{N(e)} since boot, {Rate(dl, c.IntervalSeconds)}" : $"{N(e)} since boot", SnmpSrc + " (this network namespace)", e));
        if (c.Counter("Udp", "InErrors") is { } inErr) evidence.Add(InErrorsEvidence(inErr));
        if (rmemDefault is { } rd) evidence.Add(BytesEv("net.core.rmem_default (buffer of a socket that sets none)", Bytes(rd), Sys(RmemDefault), rd));
        if (rmemMax is { } rm) evidence.Add(BytesEv("net.core.rmem_max (caps SO_RCVBUF at twice this)", Bytes(rm), Sys(SysctlNames.RmemMax), rm));
        foreach (var r in fullNow.Concat(dropping.Except(fullNow)).Take(5))
            evidence.Add(Count($"UDP socket {r.Local}", r.Drops,
                $"{Bytes(Math.Max(r.RmemAlloc, 0))} queued of a {Bytes(Math.Max(r.RcvBuf, 0))} buffer, {N(r.Drops)} dropped", CensusSrc + " (skmem)"));

        Severity severity;
        When when; string title;
        if (delta > 0)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"UDP datagrams are dropped now on full receive buffers: RcvbufErrors {Rate(delta!.Value, c.IntervalSeconds)}";
        }
        else if (fullNow.Count > 0)
        {
            severity = Severity.Warning; when = When.Now;
            title = $"{fullNow.Count} UDP socket(s) have a full receive buffer: {fullNow[0].Local} holds {Bytes(fullNow[0].RmemAlloc)} of {Bytes(fullNow[0].RcvBuf)}; the next datagram is dropped";
        }
        else if (errors > 0)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = $"{N(errors!.Value)} UDP datagrams were dropped on full receive buffers since boot";
        }
        else if (dropping.Count > 0)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = $"{dropping.Count} UDP socket(s) have dropped datagrams: {dropping[0].Local} {N(dropping[0].Drops)}";
        }
        else
        {
            return Ok(d, "no UDP datagram dropped on a full receive buffer since boot");
        }
        return Conclude(d, c, severity, when, Confidence.Confirmed, title, evidence, Explanation, Fixes(rmemMax), Caveats);
    }

    private static Evidence InErrorsEvidence(long inErrors) =>
        CountEv("Udp InErrors (receive buffer, memory and checksum drops)", $"{N(inErrors)} since boot", SnmpSrc, inErrors);

    /// <summary>A ceiling that lets a program ask for a burst-sized buffer; the program's own SO_RCVBUF, and its reader, are the fix.</summary>
    private static List<FixLine> Fixes(long? rmemMax)
    {
        var fix = new List<FixLine>
        {
            Action("Find the socket: `ss -uamp` (Recv-Q near the buffer, skmem d = its drops), and make its reader keep up (more readers, SO_REUSEPORT, less work per datagram)",
                "a larger buffer only absorbs bursts; a reader slower than the sender drops at any size"),
        };
        // 16 MiB: room for a one-second burst of ~10,000 datagrams of 1 KiB with their overhead; never below today's.
        const long Ceiling = 16L << 20;
        if (rmemMax is null || rmemMax < Ceiling)
            fix.Add(Sysctl(SysctlNames.RmemMax, Ceiling.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "lets the program's SO_RCVBUF ask for up to 16 MiB (the kernel caps a request at twice rmem_max); set the program's buffer too (rsyslog/syslog-ng, unbound so-rcvbuf, statsd, vector receive_buffer_bytes)"));
        return fix;
    }

    private static readonly IReadOnlyList<string> Caveats =
    [
        "Udp counters are per network namespace; a container's drops show in its own /proc/net/snmp.",
        "Drops for lack of udp_mem (machine-wide) count MemErrors, not RcvbufErrors: see udp_mem.",
        "net.core.rmem_default changes the buffer of every UDP socket that sets none; prefer the program's own SO_RCVBUF.",
    ];
}
