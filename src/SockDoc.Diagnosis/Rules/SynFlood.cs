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
        [Inputs.TcpReqQFullDrop, Inputs.TcpReqQFullDoCookies, Inputs.TcpSyncookies, Inputs.KernelLog]);

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var drop = c.Counter("TcpExt", "TCPReqQFullDrop");
        long? cookies = c.Counter("TcpExt", "TCPReqQFullDoCookies");
        if (drop is null && cookies is null) return Unknown(d, "TcpExt TCPReqQFullDrop", "TcpExt TCPReqQFullDoCookies");
        var dropDelta = c.CounterDelta("TcpExt", "TCPReqQFullDrop");
        long? cookieDelta = c.CounterDelta("TcpExt", "TCPReqQFullDoCookies");
        var syncookies = c.Now.Sysctls.Long(SysctlNames.TcpSyncookies);
        var sent = c.Counter("TcpExt", "SyncookiesSent");
        var failed = c.Counter("TcpExt", "SyncookiesFailed");
        // tcp_conn_request() calls tcp_syn_flood_action() for every SYN when syncookies == 2, full queue or not,
        // so the cookie counter says nothing about the queue in that mode.
        if (syncookies == 2)
        {
            cookieDelta = null;
            cookies = null;
        }

        var evidence = new List<Evidence>();
        if (drop is { } dr) evidence.Add(new("SYNs dropped, queue full (TCPReqQFullDrop)", dropDelta is { } dd ? $"{N(dr)} since boot, {Rate(dd, c.IntervalSeconds)}" : $"{N(dr)} since boot", NetStatSrc));
        if (cookies is { } ck) evidence.Add(new("SYNs answered with cookies (TCPReqQFullDoCookies)", cookieDelta is { } cd ? $"{N(ck)} since boot, {Rate(cd, c.IntervalSeconds)}" : $"{N(ck)} since boot", NetStatSrc));
        if (sent is { } s) evidence.Add(new("SyncookiesSent / SyncookiesFailed", $"{N(s)} / {N(failed ?? 0)}", NetStatSrc));
        if (syncookies is { } sc) evidence.Add(new("tcp_syncookies", sc switch { 0 => "0 (off: a full SYN queue drops)", 1 => "1 (cookies when the queue is full)", 2 => "2 (always cookies)", _ => sc.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Sys(SysctlNames.TcpSyncookies)));
        evidence.AddRange(LogEvidence(c, d.Id));

        Severity severity;
        When when; string title;
        if (dropDelta > 0)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"SYNs are dropped now: the SYN queue is full ({Rate(dropDelta!.Value, c.IntervalSeconds)})";
        }
        else if (cookieDelta > 0)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"The SYN queue is full now; the kernel answers with SYN cookies ({Rate(cookieDelta!.Value, c.IntervalSeconds)})";
        }
        else if (drop > 0 || cookies > 0 || HasLog(c, d.Id))
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = drop > 0 || cookies > 0
                ? $"The SYN queue overflowed since boot ({N(drop ?? 0)} dropped, {N(cookies ?? 0)} cookies)"
                : "The kernel log reports a possible SYN flood (the counters of this namespace are 0: it happened in another namespace or before a counter reset)";
        }
        else
        {
            return Ok(d, "no SYN queue overflow since boot");
        }

        var fix = new List<FixLine>();
        if (syncookies == 0)
            fix.Add(Sysctl(SysctlNames.TcpSyncookies, "1", "With cookies a full SYN queue still accepts legitimate clients instead of dropping their SYNs."));
        fix.Add(Sysctl(SysctlNames.Somaxconn, Math.Max((c.Now.Sysctls.Long(SysctlNames.Somaxconn) ?? 4096) * 2, 4096).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "The SYN queue limit is the listen backlog, capped by somaxconn; raise both (the application's listen() backlog too)."));
        if (syncookies == 0)
            fix.Add(Sysctl(SysctlNames.TcpMaxSynBacklog, "8192", "Only with syncookies off: new SYNs are dropped once fewer than a quarter of tcp_max_syn_backlog slots are free."));
        fix.Add(Action("If it is an attack: filter at the edge; the log names the port once per listener", "Counters keep counting after the single log line."));

        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "Half-open connections wait in the listener's SYN queue, whose limit is the listen backlog (min(backlog, somaxconn)); " +
                "tcp_max_syn_backlog matters only with syncookies off. When the queue is full the kernel answers with SYN cookies " +
                "(tcp_syncookies=1) or drops the SYN, and logs \"Possible SYN flooding on port N\" once per listening socket. " +
                "A real flood and a too-small backlog under a burst look the same in the counters.",
            Fix = fix,
            Caveats =
            [
                "The log line appears once per listener lifetime; the counters are the truth.",
                "Counters are per network namespace.",
                "With tcp_syncookies = 2 every SYN is counted as a cookie, so only drops are read in that mode.",
            ],
        }, title);
    }
}
