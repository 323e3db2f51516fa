using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using SockDoc.Model.Census;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// Accept queue overflow (kernel-facts §6). The accept queue of a listener holds backlog + 1
/// children, backlog = min(listen() backlog, somaxconn) (__sys_listen_socket()); when it is full,
/// tcp_conn_request() and tcp_v4_syn_recv_sock() drop and count ListenOverflows and ListenDrops.
/// </summary>
public sealed class ListenOverflow : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "listen_overflow",
        "Listen (accept) queue overflows",
        "sk_acceptq_is_full(): ack_backlog > min(backlog, somaxconn) → ListenOverflows",
        [Inputs.ListenOverflows, Inputs.ListenDrops, Inputs.Somaxconn, Inputs.CensusListeners, Inputs.AppErrors, Inputs.Stated]);

    private const string Explanation =
        "Connections that finished the handshake wait in the listener's accept queue until the application calls accept(). " +
        "The queue holds min(listen backlog, somaxconn) + 1, the cap taken inside listen() (__sys_listen_socket()); when it is full the kernel " +
        "drops the client's final ACK or SYN and counts ListenOverflows, and the client sees slow connects (SYN retransmits after 1, 3, 7 s) or " +
        "timeouts. The usual cause is an application that accepts too slowly (busy, blocked, or failing accept() with EMFILE, which leaves the " +
        "connection queued). Changing somaxconn does nothing for a socket already listening: the service must call listen() again (restart or reload).";

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var overflows = c.Counter("TcpExt", "ListenOverflows");
        var drops = c.Counter("TcpExt", "ListenDrops");
        var overDelta = c.CounterDelta("TcpExt", "ListenOverflows");
        var dropDelta = c.CounterDelta("TcpExt", "ListenDrops");
        var somaxconn = c.Now.Sysctls.Long(SysctlNames.Somaxconn);
        var full = c.Now.Census?.Listeners.Where(l => l.Full).OrderByDescending(l => l.AcceptQueue).ToList() ?? [];
        // A listener row whose Recv-Q is above its Send-Q proves a full queue at that instant; pasted, it is the
        // operator's copy of ss/netstat: likely rather than confirmed (the moment and the namespace are the paste's).
        bool pasted = FromPaste(c.Now);
        // A queue exactly at its backlog (Recv-Q 10 on Send-Q 10) is one connection from full: not yet an overflow, but
        // an application that has stopped keeping up.
        var atBacklog = full.Count > 0 ? [] : c.Now.Census?.Listeners.Where(l => l.AtBacklog).OrderByDescending(l => l.AcceptQueue).ToList() ?? [];
        // A Unix stream listener's full queue is not in ListenOverflows (TCP's counter): its connect()s fail with EAGAIN.
        var unixFull = AppErrors(c, "EAGAIN", call => call == "connect");
        if (overflows is null && full.Count == 0 && atBacklog.Count == 0)
        {
            if (unixFull.Count > 0) return UnixBacklogFull(c, unixFull, somaxconn);
            if (DropsOnly(c, drops, dropDelta, somaxconn) is { } fromDrops) return fromDrops;
            var stated = Stated(c, StatedConditions.ListenQueueOverflow);
            return stated.Count > 0
                ? FromStatement(d, c, stated, "The paste says a listen (accept) queue overflows", Explanation, Fixes(somaxconn, null), Caveats)
                : Unknown(d, "TcpExt ListenOverflows");
        }

        var evidence = new List<Evidence>();
        if (overflows is { } ov) evidence.Add(Counter("ListenOverflows", ov, overDelta, c.IntervalSeconds, NetStatSrc + " (this network namespace)"));
        if (drops is { } dr) evidence.Add(Counter("ListenDrops", dr, dropDelta, c.IntervalSeconds, NetStatSrc));
        if (somaxconn is { } sm) evidence.Add(Count("somaxconn", sm, N(sm), Sys(SysctlNames.Somaxconn)));
        // atBacklog is empty whenever a queue is full: one list, each listener named for what it shows.
        foreach (var l in full.Concat(atBacklog).Take(5))
            evidence.Add(Count((l.Full ? "full accept queue " : "accept queue at its backlog ") + Where(l), l.AcceptQueue,
                $"{N(l.AcceptQueue)} waiting, backlog {N(l.Backlog.GetValueOrDefault())}" + (l.Full ? "" : ": the next connection fills it") +
                (l.Command is null ? "" : $", {l.Command} (pid {l.Pid})"), pasted ? "listener rows" + Evidence.PastedSuffix : CensusSrc));
        foreach (var e in AppErrors(c, "EMFILE", call => call == "accept").Concat(AppErrors(c, "ENFILE", call => call == "accept")))
            evidence.Add(AppErrorEvidence(e));

        Severity severity;
        When when; string title;
        var confidence = Confidence.Confirmed;
        if (overDelta > 0 || full.Count > 0)
        {
            severity = Severity.Critical; when = When.Now;
            title = overDelta > 0
                ? $"Accept queues overflow now: ListenOverflows {Rate(overDelta!.Value, c.IntervalSeconds)}"
                : $"{full.Count} listener(s) have a full accept queue" + (pasted ? " in the pasted socket list" : " now") + $": {Where(full[0])} holds {N(full[0].AcceptQueue)} with backlog {N(full[0].Backlog.GetValueOrDefault())}";
            if (overDelta is not > 0 && pasted) confidence = Confidence.Likely;
        }
        else if (atBacklog.Count > 0)
        {
            severity = Severity.Warning; when = When.Now;
            confidence = Confidence.Possible;
            title = $"{atBacklog.Count} listener(s) have an accept queue at its backlog" + (pasted ? " in the pasted socket list" : " now") +
                    $": {Where(atBacklog[0])} holds {N(atBacklog[0].AcceptQueue)} of {N(atBacklog[0].Backlog.GetValueOrDefault())}; one more connection and it overflows" +
                    (overflows > 0 ? $" (ListenOverflows {N(overflows!.Value)} since boot)" : "");
        }
        else if (overflows > 0)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = $"Accept queues overflowed {N(overflows!.Value)} times since boot";
        }
        else
        {
            return unixFull.Count > 0 ? UnixBacklogFull(c, unixFull, somaxconn) : Ok(d, "no accept queue overflow since boot");
        }

        return Conclude(d, c, severity, when, confidence, title, evidence, Explanation, Fixes(somaxconn, full.FirstOrDefault() ?? atBacklog.FirstOrDefault()), Caveats);
    }

    /// <summary>
    /// connect() to a Unix stream socket failed with EAGAIN: unix_stream_connect() found the listener's queue longer than
    /// its backlog (unix_recvq_full(); the backlog is listen()'s, capped by somaxconn in __sys_listen()) and a
    /// non-blocking caller does not wait. nginx in front of php-fpm or uWSGI prints it as "connect() to unix:/run/php.sock
    /// failed (11: Resource temporarily unavailable) while connecting to upstream". TCP connect() never returns EAGAIN on
    /// current kernels, so the call alone points here; the socket path on the line makes it likely.
    /// </summary>
    private CheckResult UnixBacklogFull(RuleContext c, IReadOnlyList<AppErrorReport> errors, long? somaxconn)
    {
        var app = AppTiming(c, errors);
        var (severity, when) = app.Timing;
        bool unixShown = errors.Any(e => e.Sample is { } s && UnixPath(s));
        var title = $"connect() to a Unix socket failed with EAGAIN {N(app.Count)} times ({app.LastText}): its listener's queue is full";
        var fix = Fixes(somaxconn, null);
        fix.Add(Action("Raise the listener's own backlog with somaxconn (php-fpm listen.backlog, uWSGI --listen, gunicorn --backlog) and restart it; add workers if the queue stays full",
            "a Unix listener's queue is the backlog it passed to listen(), capped by somaxconn"));
        var caveats = new List<string>(Caveats)
        {
            "TcpExt ListenOverflows counts TCP listeners only: a full Unix listener shows as EAGAIN from connect() (or a blocked blocking connect()), not in any counter.",
        };
        return Conclude(Descriptor, c, severity, when, unixShown ? Confidence.Likely : Confidence.Possible, title,
            errors.Select(AppErrorEvidence).ToList(), Explanation, fix, caveats);
    }

    private static bool UnixPath(string sample) =>
        sample.Contains("unix:", StringComparison.OrdinalIgnoreCase) || sample.Contains(".sock", StringComparison.Ordinal) ||
        sample.Contains("connect_unix", StringComparison.OrdinalIgnoreCase) || sample.Contains("unix domain socket", StringComparison.OrdinalIgnoreCase) ||
        sample.Contains("unix socket", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// ListenDrops without ListenOverflows (`netstat -s | grep -i listen` kept only "SYNs to LISTEN sockets dropped", a
    /// netdata accept-queue-drops alarm): tcp_listendrop() counts every SYN or ACK a listener drops, and the accept queue
    /// being full (tcp_conn_request() and tcp_v4_syn_recv_sock() both count ListenOverflows first) is the usual one; a full
    /// SYN queue without cookies (TCPReqQFullDrop) and a failed child socket (memory, route) are the others. What is left
    /// after TCPReqQFullDrop is possibly overflows; ListenOverflows would decide.
    /// </summary>
    private CheckResult? DropsOnly(RuleContext c, long? drops, long? dropDelta, long? somaxconn)
    {
        if (drops is not > 0) return null;
        var synDrops = c.Counter("TcpExt", "TCPReqQFullDrop") ?? 0;
        if (drops <= synDrops) return null;
        var evidence = new List<Evidence> { Counter("ListenDrops (every listener drop, accept-queue overflows included)", drops.Value, dropDelta, c.IntervalSeconds, NetStatSrc) };
        if (synDrops > 0) evidence.Add(Count("TCPReqQFullDrop (SYN queue drops, also in ListenDrops)", synDrops, N(synDrops), NetStatSrc));
        var (severity, when) = CounterTiming(dropDelta);
        return Conclude(Descriptor, c, severity, when, Confidence.Possible,
            dropDelta > 0
                ? $"Listeners drop connections now (ListenDrops {Rate(dropDelta.Value, c.IntervalSeconds)}); ListenOverflows is not in the input, and a full accept queue is the usual cause"
                : $"{N(drops.Value - synDrops)} listener drops since boot (ListenDrops{(synDrops > 0 ? " beyond TCPReqQFullDrop" : "")}); ListenOverflows is not in the input, and a full accept queue is the usual cause",
            evidence, Explanation, Fixes(somaxconn, null),
            [.. Caveats, "ListenDrops also counts SYNs dropped on a full SYN queue and child sockets that could not be made (memory, no route): ListenOverflows in the same netstat -s decides."]);
    }

    private static readonly IReadOnlyList<string> Caveats =
    [
        "ListenDrops includes ListenOverflows plus other drops (SYN-queue drops, memory).",
        "Counters are per network namespace; somaxconn too.",
        "A listener's backlog (ss Send-Q) is fixed when listen() is called: a later somaxconn change shows only after the service listens again.",
    ];

    /// <summary>
    /// The backlog fix (issue 14 #5): somaxconn caps the backlog only inside listen(), so it helps only a listener whose
    /// backlog is at the cap, and only after it listens again. A full listener whose backlog is already below somaxconn
    /// asked for less: its own backlog is the fix. Never a somaxconn below today's.
    /// </summary>
    public static List<FixLine> Fixes(long? somaxconn, ListenerQueue? busiest)
    {
        var fix = new List<FixLine>();
        long current = somaxconn ?? 4096;
        long want = Math.Max(Mul(Math.Max(current, 0), 2), 4096);
        // somaxconn is an int (sk_max_ack_backlog is u32 but the sysctl is proc_dointvec): never propose above INT_MAX.
        want = Math.Min(want, int.MaxValue);
        string relisten = "then restart or reload the service so that it calls listen() again: sockets already listening keep the backlog they got.";
        if (busiest is { Backlog: { } backlog } && somaxconn is { } sm && backlog < sm)
        {
            // 2 × today's backlog, as far as somaxconn grants without a sysctl change.
            long appWant = Math.Max(Math.Min(Mul(Math.Max(backlog, 1), 2), sm), backlog + 1);
            fix.Add(Action($"Raise the backlog the application passes to listen() on {Where(busiest)} from {N(backlog)} to {N(appWant)} (listen(fd, {appWant}), nginx `listen ... backlog={appWant}`, ...)",
                $"Its backlog {N(backlog)} is already below somaxconn {N(sm)}, so somaxconn is not what limits it; a new value up to {N(sm)} needs no sysctl. " +
                "If somaxconn was raised after the service started, the service only needs to listen() again."));
        }
        else if (current < want)
        {
            // Unknown somaxconn: size on the default (SOMAXCONN, 4096 since 5.4; 128 before), and say it is the default.
            string basis = somaxconn is null
                ? $"2 × the default {N(current)} (SOMAXCONN since 5.4; 128 before): yours is not in the sample, read it with `sysctl net.core.somaxconn`"
                : $"2 × current {N(current)}";
            fix.Add(Sysctl(SysctlNames.Somaxconn, want.ToString(CultureInfo.InvariantCulture),
                $"{basis}: the cap on every listen() backlog in this namespace. The application must also ask for it (listen(fd, {want}), nginx backlog=, ...); {relisten}"));
        }
        fix.Add(Action(busiest is null ? "Find the listener: `ss -ltn` (Recv-Q = queue, Send-Q = backlog)" : $"Look at {Where(busiest)}: accept faster (more acceptor threads, no blocking work before accept())",
            "A bigger queue only absorbs bursts; an application that cannot keep up fills any queue."));
        return fix;
    }

    /// <summary>The listener's address, or what stands for it when a pasted row was cut before its address column.</summary>
    private static string Where(ListenerQueue l) =>
        l.Shown ?? "a listener (its address is not in the paste)";
}
