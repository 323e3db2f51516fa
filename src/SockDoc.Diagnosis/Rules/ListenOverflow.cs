using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
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
        [Inputs.ListenOverflows, Inputs.ListenDrops, Inputs.Somaxconn, Inputs.CensusListeners]);

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var overflows = c.Counter("TcpExt", "ListenOverflows");
        var drops = c.Counter("TcpExt", "ListenDrops");
        if (overflows is null) return Unknown(d, "TcpExt ListenOverflows");
        var overDelta = c.CounterDelta("TcpExt", "ListenOverflows");
        var dropDelta = c.CounterDelta("TcpExt", "ListenDrops");
        var somaxconn = c.Now.Sysctls.Long(SysctlNames.Somaxconn);
        var full = c.Now.Census?.Listeners.Where(l => l.Full).OrderByDescending(l => l.AcceptQueue).ToList() ?? [];

        var evidence = new List<Evidence>
        {
            new("ListenOverflows", overDelta is { } od ? $"{N(overflows.Value)} since boot, {Rate(od, c.IntervalSeconds)}" : $"{N(overflows.Value)} since boot", NetStatSrc + " (this network namespace)"),
        };
        if (drops is { } dr) evidence.Add(new("ListenDrops", dropDelta is { } dd ? $"{N(dr)} since boot, {Rate(dd, c.IntervalSeconds)}" : $"{N(dr)} since boot", NetStatSrc));
        if (somaxconn is { } sm) evidence.Add(new("somaxconn", N(sm), Sys(SysctlNames.Somaxconn)));
        foreach (var l in full.Take(5))
            evidence.Add(new($"full accept queue {l.LocalAddress}:{l.LocalPort}", $"{N(l.AcceptQueue)} waiting, backlog {N(l.Backlog)}" + (l.Command is null ? "" : $", {l.Command} (pid {l.Pid})"), CensusSrc));

        Severity severity;
        When when; string title;
        if (overDelta > 0 || full.Count > 0)
        {
            severity = Severity.Critical; when = When.Now;
            title = overDelta > 0
                ? $"Accept queues overflow now: ListenOverflows {Rate(overDelta!.Value, c.IntervalSeconds)}"
                : $"{full.Count} listener(s) have a full accept queue now";
        }
        else if (overflows.Value > 0)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = $"Accept queues overflowed {N(overflows.Value)} times since boot";
        }
        else
        {
            return Ok(d, "no accept queue overflow since boot");
        }

        long current = somaxconn ?? 4096;
        long proposed = Math.Max(current * 2, 4096);
        var busiest = full.FirstOrDefault();
        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "Connections that finished the handshake wait in the listener's accept queue until the application calls accept(). " +
                "The queue holds min(listen backlog, somaxconn) + 1; when it is full the kernel drops the client's final ACK or SYN and counts " +
                "ListenOverflows, and the client sees slow connects (SYN retransmits after 1, 3, 7 s) or timeouts. The usual cause is an " +
                "application that accepts too slowly (busy, blocked, or failing accept() with EMFILE, which leaves the connection queued).",
            Fix =
            [
                Sysctl(SysctlNames.Somaxconn, proposed.ToString(CultureInfo.InvariantCulture),
                    $"2 × current {N(current)}: the cap on every listen() backlog in this namespace. The application must also ask for it (listen(fd, {proposed}), nginx backlog=, ...)."),
                Action(busiest is null ? "Find the listener: `ss -ltn` (Recv-Q = queue, Send-Q = backlog)" : $"Look at {busiest.LocalAddress}:{busiest.LocalPort}: accept faster (more acceptor threads, no blocking work before accept())",
                    "A bigger queue only absorbs bursts; an application that cannot keep up fills any queue."),
            ],
            Caveats =
            [
                "ListenDrops includes ListenOverflows plus other drops (SYN-queue drops, memory).",
                "Counters are per network namespace.",
            ],
        }, title);
    }
}
