using System.Globalization;
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

    public static int TimeWaitLength(Snapshot s) => (int?)s.Sysctls.Long(SysctlNames.TcpTwTimeout) ?? TimeWaitSeconds;

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var tw = c.Now.SockStat?.TcpTw;
        var max = c.Now.Sysctls.Long(SysctlNames.TcpMaxTwBuckets);
        if (tw is null) return Unknown(d, "sockstat TCP tw");
        if (max is null) return Unknown(d, SysctlNames.TcpMaxTwBuckets);

        var overflowDelta = c.CounterDelta("TcpExt", "TCPTimeWaitOverflow");
        var overflowTotal = c.Counter("TcpExt", "TCPTimeWaitOverflow");
        var twDelta = c.CounterDelta("TcpExt", "TW");
        int twLen = TimeWaitLength(c.Now);
        // TW counts only the buckets that were created (__inet_twsk_schedule()); a refused one counts in
        // TCPTimeWaitOverflow instead, so the demand is the sum of both.
        double? createRate = twDelta is { } td && c.IntervalSeconds is > 0 ? (td + (overflowDelta ?? 0)) / c.IntervalSeconds!.Value : null;

        var evidence = new List<Evidence>
        {
            new("TIME_WAIT now", N(tw.Value) + " (this network namespace)", SockStatSrc),
            new("tcp_max_tw_buckets", N(max.Value), Sys(SysctlNames.TcpMaxTwBuckets)),
            new("use", max > 0 ? Pct((double)tw.Value / max.Value) : "limit is 0: no TIME_WAIT is ever kept", "computed"),
        };
        if (overflowTotal is { } ot) evidence.Add(new("TCPTimeWaitOverflow", overflowDelta is { } od ? $"{N(ot)} since boot, {Rate(od, c.IntervalSeconds)}" : $"{N(ot)} since boot", NetStatSrc));
        if (createRate is { } cr) evidence.Add(new("TIME_WAIT wanted (created + refused)", $"{N(cr)}/s → steady state {N((long)(cr * twLen))} at {twLen} s each", NetStatSrc + " TW + TCPTimeWaitOverflow"));
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
        else if (tw.Value > NearLimit * max.Value)
        {
            severity = Severity.Warning; when = When.Risk;
            title = $"{N(tw.Value)} TIME_WAIT sockets are past 80 % of tcp_max_tw_buckets {N(max.Value)}";
        }
        else if (overflowTotal > 0 || HasLog(c, d.Id))
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = overflowTotal > 0
                ? $"The TIME_WAIT table overflowed {N(overflowTotal!.Value)} times since boot"
                : "The kernel log reports a time wait bucket table overflow";
        }
        else
        {
            return Ok(d, $"{N(tw.Value)} of {N(max.Value)}");
        }

        long steady = createRate is { } rate ? (long)Math.Ceiling(rate * twLen) : tw.Value;
        long need = Math.Max(Math.Max(steady, tw.Value) * 3 / 2, max.Value + 1);
        long proposed = RoundUpPow2(need);
        long twObject = c.Now.SlabInfo?.Find("tw_sock_TCP")?.ObjectSize ?? 256;
        bool pastOnly = when == When.SinceBoot && tw.Value < PastPeakOnly * max.Value;
        var fix = new List<FixLine>
        {
            pastOnly
                ? SizeOnThePeak(SysctlNames.TcpMaxTwBuckets, $"{N(tw.Value)} of {N(max.Value)}",
                    $"tcp_max_tw_buckets ≥ 1.5 × the peak rate of new TIME_WAIT (TW + TCPTimeWaitOverflow per second) × {twLen} s, at {twObject} B each")
                : Sysctl(SysctlNames.TcpMaxTwBuckets, proposed.ToString(CultureInfo.InvariantCulture),
                (createRate is null ? $"today's {N(tw.Value)} TIME_WAIT (no rate: one sample)" : $"steady state = (created + refused) rate × {twLen} s = {N(steady)}") + "; × 1.5 headroom, rounded up to a power of two. " +
                $"Cost: {N(proposed)} × {twObject} B (tw_sock_TCP) = {Bytes(proposed * twObject)} at most."),
            Action("Prefer fewer short connections: keep-alive or a connection pool on the side that closes first",
                "TIME_WAIT belongs to the side that closes first and lasts 60 s whatever tcp_fin_timeout says."),
        };
        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "The side that closes a TCP connection first keeps a small TIME_WAIT bucket for 60 s (TCP_TIMEWAIT_LEN; no mainline sysctl changes it). " +
                "When the namespace already holds tcp_max_tw_buckets of them, inet_twsk_alloc() refuses a new one and the connection is closed " +
                "without TIME_WAIT, losing its protection against late duplicates. Current kernels print nothing; only TCPTimeWaitOverflow counts it.",
            Fix = fix,
            Caveats =
            [
                "tcp_max_tw_buckets and the tw count are per network namespace.",
                "tcp_fin_timeout does not shorten TIME_WAIT; tcp_tw_recycle no longer exists (removed in 4.12).",
            ],
        }, $"{N(tw.Value)} of {N(max.Value)}");
    }
}
