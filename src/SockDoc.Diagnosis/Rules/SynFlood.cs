using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// SYN queue full (kernel-facts §6). tcp_conn_request() (net/ipv4/tcp_input.c) calls
/// tcp_syn_flood_action() when the SYN queue (limit: the listen backlog, not tcp_max_syn_backlog)
/// is full: with syncookies it counts TCPReqQFullDoCookies and answers with a cookie, without it
/// counts TCPReqQFullDrop and drops the SYN. The log line is printed once per listener.
/// </summary>
public sealed class SynFlood : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "syn_flood",
        "SYN queue overflow (SYN flood or backlog too small)",
        "tcp_syn_flood_action(): SYN queue > backlog → cookies (TCPReqQFullDoCookies) or drop (TCPReqQFullDrop)",
        [Inputs.TcpReqQFullDrop, Inputs.TcpReqQFullDoCookies, Inputs.TcpSyncookies, Inputs.ListenOverflows, Inputs.ListenDrops, Inputs.TcpMaxSynBacklog, Inputs.KernelLog, Inputs.Stated]);

    private const string Explanation =
        "Half-open connections wait in the listener's SYN queue, whose limit is the listen backlog (min(backlog, somaxconn), taken inside listen()); " +
        "tcp_max_syn_backlog matters only with syncookies off, where tcp_conn_request() drops new SYNs once fewer than a quarter of its slots " +
        "are free, counted only in ListenDrops. When the queue is full the kernel answers with SYN cookies (tcp_syncookies=1) or drops the SYN " +
        "(TCPReqQFullDrop), and logs \"Possible SYN flooding on port N\" once per listening socket. A full accept queue fills the SYN queue too: " +
        "the final ACKs are ignored and the acknowledged requests stay there, so SYN-queue counters rising with ListenOverflows mean a slow accept(), not a flood.";

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var drop = c.Counter("TcpExt", "TCPReqQFullDrop");
        long? cookies = c.Counter("TcpExt", "TCPReqQFullDoCookies");
        var log = Log(c, d.Id);
        var syncookies = c.Now.Sysctls.Long(SysctlNames.TcpSyncookies);
        var listenDrops = c.Counter("TcpExt", "ListenDrops");
        if (drop is null && cookies is null && !(syncookies == 0 && listenDrops is not null))
        {
            if (log.Any)
                return FromLog(d, c, $"The kernel logged a possible SYN flood: {LogWhen(c, log)}", Explanation,
                    Fixes(c, syncookies, acceptFull: false), Caveats());
            // Kernels before TCPReqQFullDoCookies (3.x), and netstat -s pastes cut before it, show only SyncookiesSent.
            // cookie_v4_init_sequence() counts it for each cookie sent, and tcp_conn_request() sends one only when
            // tcp_syn_flood_action() found the SYN queue full, unless tcp_syncookies = 2 (cookies always).
            if (c.Counter("TcpExt", "SyncookiesSent") is > 0 and var sentOnly && syncookies != 2)
            {
                var sentDelta = c.CounterDelta("TcpExt", "SyncookiesSent");
                var (sev, sentWhen) = CounterTiming(sentDelta);
                return Conclude(d, c, sev, sentWhen, syncookies == 1 ? Confidence.Confirmed : Confidence.Likely,
                    sentDelta > 0
                        ? $"The SYN queue is full now; the kernel answers with SYN cookies (SyncookiesSent {Rate(sentDelta.Value, c.IntervalSeconds)})"
                        : $"The SYN queue overflowed since boot: {N(sentOnly)} SYN cookies sent",
                    [Counter("SYN cookies sent (SyncookiesSent)", sentOnly, sentDelta, c.IntervalSeconds, NetStatSrc), .. LogEvidence(c, d.Id)],
                    Explanation, Fixes(c, syncookies, acceptFull: false),
                    [.. Caveats(), "With tcp_syncookies = 2 every SYN gets a cookie, full queue or not; the setting is not in the input unless shown as evidence."]);
            }
            if (HalfOpen(c) is { } halfOpen && halfOpen >= HalfOpenRows)
                return Conclude(d, c, Severity.Warning, When.Now, Confidence.Possible,
                    $"{N(halfOpen)} half-open (SYN_RECV) connections in the socket rows: a SYN flood, or clients whose final ACK does not arrive",
                    [Count("half-open connections (SYN_RECV)", halfOpen, N(halfOpen), CensusSource(c.Now.Census!))], Explanation,
                    Fixes(c, syncookies, acceptFull: false),
                    [.. Caveats(), "A request waits in SYN_RECV for one round trip when the client is real; spoofed sources never answer, so a flood keeps them for the SYN-ACK retries (tcp_synack_retries, about 30 s). TCPReqQFullDoCookies / TCPReqQFullDrop rising, or the kernel's \"Possible SYN flooding\" line, would decide."]);
            var stated = Stated(c, StatedConditions.SynFlood);
            if (stated.Count > 0)
                return FromStatement(d, c, stated, "The paste says the kernel detected a SYN flood (a SYN queue full)", Explanation,
                    Fixes(c, syncookies, acceptFull: false), Caveats());
            return Unknown(d, "TcpExt TCPReqQFullDrop", "TcpExt TCPReqQFullDoCookies");
        }
        var dropDelta = c.CounterDelta("TcpExt", "TCPReqQFullDrop");
        long? cookieDelta = c.CounterDelta("TcpExt", "TCPReqQFullDoCookies");
        var sent = c.Counter("TcpExt", "SyncookiesSent");
        var failed = c.Counter("TcpExt", "SyncookiesFailed");
        var overflows = c.Counter("TcpExt", "ListenOverflows");
        var overDelta = c.CounterDelta("TcpExt", "ListenOverflows");
        var listenDropDelta = c.CounterDelta("TcpExt", "ListenDrops");
        // tcp_conn_request() calls tcp_syn_flood_action() for every SYN when syncookies == 2, full queue or not,
        // so the cookie counter says nothing about the queue in that mode.
        if (syncookies == 2)
        {
            cookieDelta = null;
            cookies = null;
        }
        // With syncookies off, SYNs refused by the tcp_max_syn_backlog quarter rule go to drop_and_release: only
        // ListenDrops counts them. What ListenDrops adds beyond ListenOverflows and TCPReqQFullDrop is them (or
        // another listener drop: memory, a failed route).
        long? quarterDelta = syncookies == 0 && listenDropDelta is { } ldd ? ldd - (overDelta ?? 0) - (dropDelta ?? 0) : null;
        long? quarterTotal = syncookies == 0 && listenDrops is { } ld ? ld - (overflows ?? 0) - (drop ?? 0) : null;
        bool acceptFull = overDelta > 0;
        var maxSynBacklog = c.Now.Sysctls.Long(SysctlNames.TcpMaxSynBacklog);

        var evidence = new List<Evidence>();
        if (drop is { } dr) evidence.Add(Counter("SYNs dropped, queue full (TCPReqQFullDrop)", dr, dropDelta, c.IntervalSeconds, NetStatSrc));
        if (cookies is { } ck) evidence.Add(Counter("SYNs answered with cookies (TCPReqQFullDoCookies)", ck, cookieDelta, c.IntervalSeconds, NetStatSrc));
        if (sent is { } s) evidence.Add(Count("SyncookiesSent / SyncookiesFailed", s, $"{N(s)} / {N(failed ?? 0)}", NetStatSrc));
        if (overflows is { } ov) evidence.Add(Counter("ListenOverflows (accept queue full)", ov, overDelta, c.IntervalSeconds, NetStatSrc));
        if (quarterTotal is { } qt && qt > 0) evidence.Add(Counter("ListenDrops beyond ListenOverflows and TCPReqQFullDrop", qt, quarterDelta, c.IntervalSeconds, NetStatSrc + " ListenDrops"));
        if (syncookies is { } sc) evidence.Add(Count("tcp_syncookies", sc, sc switch { 0 => "0 (off: a full SYN queue drops)", 1 => "1 (cookies when the queue is full)", 2 => "2 (always cookies)", _ => sc.ToString(CultureInfo.InvariantCulture) }, Sys(SysctlNames.TcpSyncookies)));
        if (syncookies == 0 && maxSynBacklog is { } msb) evidence.Add(Count("tcp_max_syn_backlog", msb, $"{N(msb)}: without cookies new SYNs are dropped past {N(msb - (msb >> 2))} half-open requests", Sys(SysctlNames.TcpMaxSynBacklog)));
        evidence.AddRange(LogEvidence(c, d.Id));

        Severity severity;
        When when; string title;
        var confidence = Confidence.Confirmed;
        if (dropDelta > 0 || cookieDelta > 0)
        {
            severity = Severity.Critical; when = When.Now;
            string what = dropDelta > 0 ? $"SYNs are dropped now: the SYN queue is full ({Rate(dropDelta!.Value, c.IntervalSeconds)})"
                : $"The SYN queue is full now; the kernel answers with SYN cookies ({Rate(cookieDelta!.Value, c.IntervalSeconds)})";
            title = acceptFull
                ? $"{what}, together with ListenOverflows {Rate(overDelta!.Value, c.IntervalSeconds)}: the accept queue is full, a slow accept(), not a flood"
                : what + "; ListenOverflows flat, so not a slow accept(): a burst or a flood";
            if (overDelta is null) title = what;
        }
        else if (quarterDelta > 0)
        {
            severity = Severity.Critical; when = When.Now; confidence = Confidence.Likely;
            title = $"SYNs dropped now by the tcp_max_syn_backlog quarter rule (syncookies off): ListenDrops {Rate(quarterDelta!.Value, c.IntervalSeconds)} beyond the overflows";
        }
        else if (log.Recent)
        {
            severity = Severity.Critical; when = When.Recent;
            title = $"The kernel logged a possible SYN flood: {LogWhen(c, log)}";
        }
        else if (drop > 0 || cookies > 0 || log.Any || quarterTotal > 0)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = drop > 0 || cookies > 0
                ? $"The SYN queue overflowed since boot ({N(drop ?? 0)} dropped, {N(cookies ?? 0)} cookies)"
                : quarterTotal > 0
                ? $"With syncookies off, ListenDrops exceeds the overflows by {N(quarterTotal!.Value)} since boot: SYNs refused by the tcp_max_syn_backlog quarter rule (or other listener drops)"
                : "The kernel log reports a possible SYN flood (the counters of this namespace are 0: it happened in another namespace or before a counter reset)";
            if (drop is not > 0 && cookies is not > 0 && quarterTotal > 0) confidence = Confidence.Possible;
        }
        else
        {
            return Ok(d, "no SYN queue overflow since boot");
        }

        return Conclude(d, c, severity, when, confidence, title, evidence, Explanation, Fixes(c, syncookies, acceptFull), Caveats());
    }

    /// <summary>
    /// Rows in SYN_RECV a socket list shows at once at which the half-open connections are no longer a server's normal
    /// traffic (one round trip each) but requests left waiting for an ACK that does not come.
    /// </summary>
    public const long HalfOpenRows = 10;

    /// <summary>Half-open requests in the census (SYN_RECV rows of a pasted list, NEW_SYN_RECV request sockets of a dump).</summary>
    private static long? HalfOpen(RuleContext c) =>
        c.Now.Census is { } census ? census.ByState.GetValueOrDefault("SYN_RECV") + census.ByState.GetValueOrDefault("NEW_SYN_RECV") : null;

    private static string[] Caveats() =>
    [
        "The log line appears once per listener lifetime; the counters are the truth.",
        "Counters are per network namespace.",
        "With tcp_syncookies = 2 every SYN is counted as a cookie, so only drops are read in that mode.",
    ];

    private static List<FixLine> Fixes(RuleContext c, long? syncookies, bool acceptFull)
    {
        var fix = new List<FixLine>();
        if (acceptFull)
            fix.Add(Action("Fix the accept queue first (see listen_overflow): the application accepts too slowly",
                "Requests whose final ACK found the accept queue full stay in the SYN queue; cookies or a larger SYN queue do not make accept() faster."));
        if (syncookies == 0)
            fix.Add(Sysctl(SysctlNames.TcpSyncookies, "1", "With cookies a full SYN queue still accepts legitimate clients instead of dropping their SYNs."));
        var somaxconn = c.Now.Sysctls.Long(SysctlNames.Somaxconn);
        var full = c.Now.Census?.Listeners.Where(l => l.Full).OrderByDescending(l => l.AcceptQueue).FirstOrDefault();
        fix.AddRange(ListenOverflow.Fixes(somaxconn, full).Where(f => f.Command.Length > 0 || f.Setting.StartsWith("Raise the backlog", StringComparison.Ordinal)));
        if (syncookies == 0)
        {
            long current = c.Now.Sysctls.Long(SysctlNames.TcpMaxSynBacklog) ?? 0;
            long want = Math.Min(Math.Max(Mul(Math.Max(current, 0), 2), 8192), int.MaxValue);
            if (want > current)
                fix.Add(Sysctl(SysctlNames.TcpMaxSynBacklog, want.ToString(CultureInfo.InvariantCulture),
                    $"Only with syncookies off: new SYNs are dropped once fewer than a quarter of tcp_max_syn_backlog slots are free; {(current > 0 ? $"2 × current {N(current)}" : "at least 8192")}."));
        }
        fix.Add(Action("If it is an attack: filter at the edge; the log names the port once per listener", "Counters keep counting after the single log line."));
        return fix;
    }
}
