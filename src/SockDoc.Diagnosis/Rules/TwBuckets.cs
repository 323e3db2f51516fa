using System.Globalization;
using SockDoc.Diagnosis.Advice;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// TIME_WAIT against tcp_max_tw_buckets (kernel-facts §4). inet_twsk_alloc()
/// (net/ipv4/inet_timewait_sock.c) refuses a tw bucket when tw_refcount - 1 >= tcp_max_tw_buckets;
/// the connection then closes with no TIME_WAIT at all. Current kernels log nothing: the only
/// evidence is TcpExt TCPTimeWaitOverflow. TIME_WAIT lasts TCP_TIMEWAIT_LEN = 60 s.
/// </summary>
public sealed class TwBuckets : IRule
{
    /// <summary>TCP_TIMEWAIT_LEN (include/net/tcp.h), fixed; only vendor kernels have tcp_tw_timeout.</summary>
    public const int TimeWaitSeconds = 60;

    public RuleDescriptor Descriptor { get; } = new(
        "tw_buckets",
        "TIME_WAIT sockets against tcp_max_tw_buckets",
        "inet_twsk_alloc(): no tw bucket when tw count >= tcp_max_tw_buckets (TCPTimeWaitOverflow)",
        [Inputs.SockStatTw, Inputs.TcpMaxTwBuckets, Inputs.TcpTimeWaitOverflow, Inputs.TcpExtTw, Inputs.KernelLog]);

    /// <summary>The vendor tcp_tw_timeout when present (its range is 1–600 s), else TCP_TIMEWAIT_LEN.</summary>
    public static int TimeWaitLength(Snapshot s) => s.Sysctls.Long(SysctlNames.TcpTwTimeout) is { } t ? (int)Math.Clamp(t, 1, 600) : TimeWaitSeconds;

    private const string Explanation =
        "The side that closes a TCP connection first keeps a small TIME_WAIT bucket for 60 s (TCP_TIMEWAIT_LEN; no mainline sysctl changes it). " +
        "When the namespace already holds tcp_max_tw_buckets of them, inet_twsk_alloc() refuses a new one and the connection is closed " +
        "without TIME_WAIT, losing its protection against late duplicates. Current kernels print nothing; only TCPTimeWaitOverflow counts it " +
        "(kernels before about 3.4 printed \"TCP: time wait bucket table overflow\").";

    private static readonly string[] BaseCaveats =
    [
        "tcp_max_tw_buckets and the tw count are per network namespace.",
        "tcp_fin_timeout does not shorten TIME_WAIT; tcp_tw_recycle no longer exists (removed in 4.12).",
    ];

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var tw = c.Now.SockStat?.TcpTw;
        var max = c.Now.Sysctls.Long(SysctlNames.TcpMaxTwBuckets);
        var log = Log(c, d.Id);
        var overflowDelta = c.CounterDelta("TcpExt", "TCPTimeWaitOverflow");
        var overflowTotal = c.Counter("TcpExt", "TCPTimeWaitOverflow");
        if (tw is null || max is null)
        {
            // The counter alone proves refusals; the old kernels' line alone says so too.
            if (overflowDelta > 0 || overflowTotal > 0) return FromCounter(c, overflowTotal!.Value, overflowDelta, log);
            if (log.Any) return FromLog(d, c, $"The kernel logged a time wait bucket table overflow: {LogWhen(c, log)}", Explanation,
                [SizeOnThePeak(SysctlNames.TcpMaxTwBuckets, "unknown (sockstat tw and the limit were not given)",
                    $"tcp_max_tw_buckets ≥ 1.5 × the peak rate of new TIME_WAIT (TW + TCPTimeWaitOverflow per second) × {TimeWaitLength(c.Now)} s"),
                 PortAdvice.Pooling(TimeWaitLength(c.Now))], BaseCaveats);
            return Unknown(d, tw is null ? "sockstat TCP tw" : SysctlNames.TcpMaxTwBuckets);
        }

        var twDelta = c.CounterDelta("TcpExt", "TW");
        int twLen = Math.Max(TimeWaitLength(c.Now), 1);
        // TW counts only the buckets that were created (__inet_twsk_schedule()); a refused one counts in
        // TCPTimeWaitOverflow instead, so the demand is the sum of both.
        double? createRate = twDelta is { } td && c.IntervalSeconds is > 0 ? Math.Max(0, (double)td + (overflowDelta ?? 0)) / c.IntervalSeconds!.Value : null;

        var evidence = new List<Evidence>
        {
            Count("TIME_WAIT now", tw.Value, N(tw.Value) + " (this network namespace)", SockStatSrc),
            Count("tcp_max_tw_buckets", max.Value, N(max.Value), Sys(SysctlNames.TcpMaxTwBuckets)),
            max > 0 ? Ratio("use", Share(tw.Value, max.Value), "computed") : new("use", "limit is 0: no TIME_WAIT is ever kept", "computed"),
        };
        if (overflowTotal is { } ot) evidence.Add(Counter("TCPTimeWaitOverflow", ot, overflowDelta, c.IntervalSeconds, NetStatSrc));
        if (createRate is { } cr) evidence.Add(PerSecond("TIME_WAIT wanted (created + refused)", cr, $"{N(cr)}/s → steady state {N((long)Math.Min(cr * twLen, long.MaxValue / 2))} at {twLen} s each", NetStatSrc + " TW + TCPTimeWaitOverflow"));
        evidence.AddRange(LogEvidence(c, d.Id));

        Severity severity;
        When when; string title;
        if (overflowDelta > 0)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"TIME_WAIT table overflowing now: TCPTimeWaitOverflow {Rate(overflowDelta.Value, c.IntervalSeconds)}";
        }
        else if (tw.Value >= max.Value)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"{N(tw.Value)} TIME_WAIT sockets reach tcp_max_tw_buckets {N(max.Value)}: new ones are dropped";
        }
        else if (log.Recent)
        {
            severity = Severity.Critical; when = When.Recent;
            title = $"The kernel logged a time wait bucket table overflow: {LogWhen(c, log)}";
        }
        else if (tw.Value > NearLimit * max.Value)
        {
            severity = Severity.Warning; when = When.Risk;
            title = $"{N(tw.Value)} TIME_WAIT sockets are past 80 % of tcp_max_tw_buckets {N(max.Value)}";
        }
        else if (overflowTotal > 0 || log.Any)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = overflowTotal > 0
                ? $"The TIME_WAIT table overflowed {N(overflowTotal!.Value)} times since boot"
                : $"The kernel log reports a time wait bucket table overflow: {LogWhen(c, log)}";
        }
        else
        {
            return Ok(d, $"{N(tw.Value)} of {N(max.Value)}");
        }

        long steady = createRate is { } rate ? (long)Math.Min(Math.Ceiling(rate * twLen), long.MaxValue / 4) : tw.Value;
        long need = Math.Max(Mul(Math.Max(steady, tw.Value), 3) / 2, Add(max.Value, 1));
        long proposed = RoundUpPow2(need);
        long twObject = c.Now.SlabInfo?.Find("tw_sock_TCP")?.ObjectSize ?? 256;
        // A limit that cannot be reached (LONG_MAX, 2^62 and up) is not what refused the buckets: nothing to raise.
        bool pastOnly = (when is When.SinceBoot or When.Recent && tw.Value < PastPeakOnly * max.Value) || Unlimited(max.Value);
        var fix = new List<FixLine>
        {
            pastOnly
                ? SizeOnThePeak(SysctlNames.TcpMaxTwBuckets, $"{N(tw.Value)} of {N(max.Value)}",
                    $"tcp_max_tw_buckets ≥ 1.5 × the peak rate of new TIME_WAIT (TW + TCPTimeWaitOverflow per second) × {twLen} s, at {twObject} B each")
                : Sysctl(SysctlNames.TcpMaxTwBuckets, proposed.ToString(CultureInfo.InvariantCulture),
                (createRate is null ? $"today's {N(tw.Value)} TIME_WAIT (no rate: one sample)" : $"steady state = (created + refused) rate × {twLen} s = {N(steady)}") + "; × 1.5 headroom, rounded up to a power of two. " +
                $"Cost: {N(proposed)} × {twObject} B (tw_sock_TCP) = {Bytes(Mul(proposed, twObject))} at most."),
            PortAdvice.Pooling(twLen),
        };
        return Conclude(d, c, severity, when, Confidence.Confirmed, title, evidence, Explanation, fix,
            BaseCaveats);
    }

    /// <summary>TCPTimeWaitOverflow without the gauge (a paste of netstat -s): refusals are proven, the limit and count unknown.</summary>
    private CheckResult FromCounter(RuleContext c, long total, long? delta, LogState log)
    {
        var d = Descriptor;
        var evidence = new List<Evidence> { Counter("TCPTimeWaitOverflow", total, delta, c.IntervalSeconds, NetStatSrc) };
        evidence.AddRange(LogEvidence(c, d.Id));
        var (severity, when) = delta > 0 ? (Severity.Critical, When.Now) : log.Recent ? (Severity.Critical, When.Recent) : (Severity.Warning, When.SinceBoot);
        string title = delta > 0
            ? $"TIME_WAIT table overflowing now: TCPTimeWaitOverflow {Rate(delta.Value, c.IntervalSeconds)}"
            : $"The TIME_WAIT table overflowed {N(total)} times since boot";
        int twLen = Math.Max(TimeWaitLength(c.Now), 1);
        return Conclude(d, c, severity, when, Confidence.Confirmed, title, evidence, Explanation,
            [SizeOnThePeak(SysctlNames.TcpMaxTwBuckets, "unknown (sockstat tw and the limit were not given)",
                $"tcp_max_tw_buckets ≥ 1.5 × the peak rate of new TIME_WAIT (TW + TCPTimeWaitOverflow per second) × {twLen} s"),
             PortAdvice.Pooling(twLen)], BaseCaveats);
    }
}
