using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// Senders blocked on a full send buffer (kernel-facts §11). tcp_sendmsg_locked() waits in
/// sk_stream_wait_memory() (net/core/stream.c) while sk_wmem_queued >= sk_sndbuf, and is woken only
/// when the queue drains to 2/3 of sk_sndbuf. Seen from outside in the census (skmem w vs tb) and in
/// the threads' kernel stacks.
/// </summary>
public sealed class SendBufferFull : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "send_buffer_full",
        "Senders blocked on a full send buffer (slow receivers)",
        "sk_stream_wait_memory(): sleep while sk_wmem_queued >= sk_sndbuf, wake at 2/3",
        [Inputs.CensusSkmem, Inputs.TaskStacks]);

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var census = c.Now.Census;
        if (census is null) return Unknown(d, "socket census (sock_diag; `sockdoc sockets`)");
        var blocked = census.BlockedSenders ?? [];
        long fullCount = Math.Max(census.SendBufferFullCount, census.SendBufferFull.Count);

        var evidence = new List<Evidence>
        {
            new("sockets with a full send buffer", N(fullCount), CensusSrc + " (skmem w ≥ 2/3 tb with data queued: unsent or unacknowledged)"),
        };
        foreach (var b in blocked.Take(5))
            evidence.Add(new($"blocked thread {b.Command} pid {b.Pid} tid {b.Tid}", $"fd {b.Fd} → {b.Peer ?? "?"}, blocked ≥ {N(b.SecondsObservedBlocked)} s" + (b.WmemQueued is { } w && b.SndBuf is { } t ? $", queued {Bytes(w)} of {Bytes(t)}" : ""), "/proc/PID/task/TID/stack"));
        foreach (var s in census.SendBufferFull.Take(5))
            evidence.Add(new($"{s.Local} → {s.Peer}", $"queued {Bytes(s.WmemQueued)} of sndbuf {Bytes(s.SndBuf)}" + (s.NotSentBytes is { } ns ? $", {Bytes(ns)} not sent" : "") + (s.PeerWindowZero ? ", peer window 0" : "") + (s.Command is null ? "" : $", {s.Command} ({s.Pid})"), CensusSrc));
        if (census.BlockedSenders is null) evidence.Add(new("blocked threads", "not sampled (needs root)", "/proc/PID/task/TID/stack"));

        Severity severity;
        When when; string title;
        bool peerSlow = census.SendBufferFull.Any(s => s.PeerWindowZero);
        if (blocked.Count > 0)
        {
            severity = Severity.Critical; when = When.Now;
            var b = blocked[0];
            title = $"{blocked.Count} thread(s) blocked in sk_stream_wait_memory now, e.g. {b.Command} (pid {b.Pid}) writing to {b.Peer ?? "?"}";
        }
        else if (fullCount > 0)
        {
            severity = Severity.Warning; when = When.Now;
            title = $"{N(fullCount)} socket(s) have a full send buffer" + (peerSlow ? " (the peer advertises a zero window: a slow receiver)" : "");
        }
        else
        {
            return Ok(d, "no socket with a full send buffer");
        }

        var tcpMem = c.Now.Sysctls.Vector(SysctlNames.TcpMem, 3);
        bool memoryBound = tcpMem is not null && c.Now.SockStat?.TcpMemPages > tcpMem[2];
        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "A blocking send() sleeps in sk_stream_wait_memory() while the socket's queued data reaches its send buffer, and wakes only " +
                "when the peer has acknowledged enough to drain it to two thirds. A receiver that stops reading closes its window, the data " +
                "stays queued and the sender hangs: the hang is the peer's, seen at the sender. With TCP memory over tcp_mem[2] senders block the same way with room in their own buffer.",
            Fix =
            [
                Action("Find and fix the slow receiver named above (its Recv-Q is full; `ss -tm dst PEER`)", "More send buffer only delays the hang."),
                Action("Use timeouts on writes (SO_SNDTIMEO, non-blocking sockets with a deadline) and drop peers that stop reading", "A server must not let one slow client block a thread."),
            ],
            Caveats = memoryBound
                ? ["TCP memory is over tcp_mem[2]: senders may be blocked by the global limit, not by their peers (see tcp_mem)."]
                : ["wchan shows wait_woken for these threads, not sk_stream_wait_memory; only the stack (root) tells them apart."],
        }, title);
    }
}
