using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using SockDoc.Model.Census;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// Senders blocked on a full send buffer (kernel-facts §11, §2.2 step 7). tcp_sendmsg_locked() waits in
/// sk_stream_wait_memory() (net/core/stream.c) while sk_stream_memory_free() is false: sk_wmem_queued ≥ sk_sndbuf
/// ("full", w ≥ tb), or unsent bytes ≥ TCP_NOTSENT_LOWAT. It is woken when the queue drains to 2/3 of sk_sndbuf
/// (sk_stream_write_space()), so 2/3·tb ≤ w &lt; tb is a socket draining, not a fault.
/// Three causes look the same from the writer: the peer does not read (zero window, persist timer, rwnd_limited);
/// global TCP memory over tcp_mem[2], where sk_stream_moderate_sndbuf() shrinks an unlocked sk_sndbuf to about
/// half the queue and the charge is forced at w + size ≥ sndbuf, so the writer blocks on a buffer that looks full
/// (tb far below tcp_wmem[1], w ≈ 2·tb); or the buffer is simply small for the path (sndbuf_limited).
/// </summary>
public sealed class SendBufferFull : IRule
{
    /// <summary>Share of tcpi_busy_time a limit must account for to be named the cause.</summary>
    public const double Dominant = 0.5;
    /// <summary>A send buffer at or below this share of tcp_wmem[1] was shrunk (the default starts there and only autotunes up).</summary>
    public const double Shrunk = 0.5;

    public RuleDescriptor Descriptor { get; } = new(
        "send_buffer_full",
        "Senders blocked on a full send buffer",
        "sk_stream_wait_memory(): sleep while sk_wmem_queued >= sk_sndbuf, wake at 2/3; sk_stream_moderate_sndbuf() over tcp_mem[2]",
        [Inputs.CensusSkmem, Inputs.TaskStacks, Inputs.SockStatTcpMem, Inputs.TcpMem, Inputs.KernelLog]);

    /// <summary>
    /// Writes that ran past their deadline or are stuck, with no socket memory to look at (a paste): a TCP write waits
    /// only in sk_stream_wait_memory(), so each waited on a full send buffer, unless its deadline had passed before it began.
    /// </summary>
    private CheckResult? FromBlockedWrites(RuleContext c)
    {
        var stated = Stated(c, StatedConditions.SocketWriteBlocked);
        if (stated.Count == 0) return null;
        return FromStatement(Descriptor, c, stated, "Writes to a socket blocked (stuck, or past their deadline): the send buffer stayed full (the peer or the path does not drain it)",
            "tcp_sendmsg_locked() copies into the send buffer and sleeps in sk_stream_wait_memory() only while the buffer is full (sk_wmem_queued >= sk_sndbuf) or TCP memory refuses more; a write that times out waited there. Usually the receiver reads too slowly (a slow consumer, a slow proxy), sometimes the path is slow or global TCP memory shrank the buffer.",
            [Action("Find the slow receiver: `ss -tmi dst PEER` on the sender shows Send-Q against tb (skmem) and whether the peer's window is 0",
                 "A Send-Q pinned at the send buffer with a zero window is the peer not reading; a shrunk tb (far below tcp_wmem[1]) is TCP memory."),
             Action("Drop or isolate peers that stop reading (the deadline is the right tool); raise the send buffer only for a fast path that needs it",
                 "More buffer only delays the block for a peer that does not read.")],
            ["A write whose deadline had already passed before it started fails the same way without a full buffer."]);
    }

    private enum Cause { Peer, CgroupMemory, GlobalMemory, BufferSize, Network, Unknown }

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var census = c.Now.Census;
        if (census is null) return FromBlockedWrites(c) ?? Unknown(d, "socket census (sock_diag; `sockdoc sockets`)");
        var blocked = census.BlockedSenders ?? [];
        // A census from /proc/net/tcp (no sock_diag on this host) has no skmem: nothing to say either way.
        if (census.SendBufferFull is not { } top) return FromBlockedWrites(c) ?? Unknown(d, "socket memory (skmem w, tb): " + (census.SourceLine ?? "not in the census"));
        // The census lists w ≥ 2/3·tb; only w ≥ tb is full. Old samples lack the count: take it from the listed sockets.
        long atLimit = census.SendBufferAtLimitCount ?? top.Count(s => s.WmemQueued >= s.SndBuf);
        long draining = Math.Max(0, Math.Max(census.SendBufferFullCount ?? 0, top.Count) - atLimit);

        // Global TCP memory: over tcp_mem[2] or in pressure now, the pressure counter rising, or the kernel's tcp_mem line in the window.
        var tcpMem = c.Now.Sysctls.Vector(SysctlNames.TcpMem, 3);
        var memPages = c.Now.SockStat?.TcpMemPages;
        bool memOverHard = tcpMem is not null && memPages > tcpMem[2];
        bool memPressure = tcpMem is not null && memPages > tcpMem[1];
        var tcpMemLog = Log(c, "tcp_mem");
        bool memTrouble = memOverHard || memPressure || c.CounterDelta("TcpExt", "TCPMemoryPressures") > 0 || tcpMemLog.Recent;
        long? wmemDefault = c.Now.Sysctls.Vector(SysctlNames.TcpWmem, 3)?[1];
        // A memory cgroup at its limit refuses its sockets' charges the same way, with the host's counters quiet (issue 14 defect 13).
        var memcg = MemcgLimits.Refusals(c).Where(r => r.Now).ToList();
        MemcgRefusal? CgroupOf(int? pid) =>
            (pid is { } p ? memcg.FirstOrDefault(r => r.Cgroup.Pids.Contains(p)) : null) ?? (!memTrouble && memcg.Count > 0 ? memcg[0] : null);

        Cause CauseOf(long w, long tb, bool zeroWindow, long? rwndUs, long? sndbufUs, long? busyUs, int? pid)
        {
            if (zeroWindow) return Cause.Peer;
            // sk_stream_moderate_sndbuf() sets sk_sndbuf to half the queue on every refused charge: tb far below
            // tcp_wmem[1], or a queue about twice the buffer (more than one 64 KiB skb over it, which a normal full buffer never is).
            bool shrunk = (wmemDefault is { } def && tb <= def * Shrunk) || (w / 2 >= tb && w >= Add(tb, 65_536));
            // A writer whose own cgroup refuses now cannot get memory whatever its buffer looks like (the kernel shrinks
            // tb toward w/2 on each refusal); a cgroup matched by elimination only counts when the buffer was shrunk.
            if (CgroupOf(pid) is { } cg && (shrunk || (pid is { } p && cg.Cgroup.Pids.Contains(p)))) return Cause.CgroupMemory;
            if (shrunk && memTrouble) return Cause.GlobalMemory;
            // rwnd_limited after the zero-window and memory tests: a socket whose buffer memory shrank can also sit at the peer's window.
            if (Share(rwndUs, busyUs) >= Dominant) return Cause.Peer;
            if (Share(sndbufUs, busyUs) >= Dominant) return Cause.BufferSize;
            if (busyUs is > 0) return Cause.Network; // busy, not limited by the peer or the buffer: the path (cwnd) sets the pace
            return Cause.Unknown;
        }

        var full = top.Where(s => s.WmemQueued >= s.SndBuf)
            .Select(s => (Socket: s, Cause: CauseOf(s.WmemQueued, s.SndBuf, s.PeerWindowZero, s.RwndLimitedUs, s.SndbufLimitedUs, s.BusyUs, s.Pid))).ToList();
        var threads = blocked.Select(b => (Thread: b, Cause: b.WmemQueued is { } w && b.SndBuf is { } tb
            ? (w < tb && !memTrouble && CgroupOf(b.Pid) is null ? Cause.Unknown : CauseOf(w, tb, b.PeerWindowZero == true, null, null, null, b.Pid))
            : Cause.Unknown)).ToList();
        // A thread blocked with w < tb and no memory trouble is held by TCP_NOTSENT_LOWAT (or refused with SO_SNDBUF locked).
        // Held by TCP_NOTSENT_LOWAT only when the queue is below the wake-up mark: sk_stream_write_space() wakes a writer
        // once queued ≤ 2/3 of sk_sndbuf, so a sleeper above it is still waiting for buffer space (just drained a little).
        var lowat = blocked.Where(b => b.WmemQueued is { } w && b.SndBuf is { } tb && w < tb / 3 * 2 && !memTrouble && CgroupOf(b.Pid) is null).ToList();

        // A pasted ss listing is no census of this host, and nobody sampled its threads: say where the rows came from.
        bool pasted = FromPaste(c.Now);
        var src = pasted ? "ss rows with skmem" + Evidence.PastedSuffix : CensusSrc;
        var evidence = new List<Evidence>
        {
            CountEv("sockets with a full send buffer (w ≥ tb)", N(atLimit), src + " (skmem w ≥ tb with data queued: the writer blocks)", atLimit),
            CountEv("sockets draining (2/3·tb ≤ w < tb)", N(draining), src + " (above the wake-up mark; normal for a bulk sender)", draining),
        };
        foreach (var b in blocked.Take(5))
            evidence.Add(Ev($"blocked thread {b.Command} pid {b.Pid} tid {b.Tid}", $"fd {b.Fd} → {b.Peer ?? "?"}, blocked ≥ {N(b.SecondsObservedBlocked)} s" + (b.WmemQueued is { } w && b.SndBuf is { } t ? $", queued {Bytes(w)} of {Bytes(t)}" : ""), "/proc/PID/task/TID/stack", b.SecondsObservedBlocked, "seconds"));
        foreach (var (s, cause) in full.Take(5))
            evidence.Add(BytesEv($"{s.Local} → {s.Peer}", $"queued {Bytes(s.WmemQueued)} of sndbuf {Bytes(s.SndBuf)}" + (s.NotSentBytes is { } ns ? $", {Bytes(ns)} not sent" : "") +
                (s.PeerWindowZero ? ", peer window 0" : "") + Limited(s) + $"; cause: {Name(cause)}" + (s.Command is null ? "" : $", {s.Command} ({s.Pid})"), src, s.WmemQueued));
        if (wmemDefault is { } wd && full.Any(f => f.Cause == Cause.GlobalMemory))
            evidence.Add(BytesEv("tcp_wmem[1] (the send buffer a socket starts with)", Bytes(wd), Sys(SysctlNames.TcpWmem), wd));
        if (memTrouble && tcpMem is not null && memPages is { } mp)
            evidence.Add(PagesEv("TCP memory", $"{Pages(mp, c.PageSize)} against pressure {N(tcpMem[1])} / high {N(tcpMem[2])}", SockStatSrc, mp));
        if (tcpMemLog.Any) evidence.AddRange(LogEvidence(c, "tcp_mem"));
        if (census.BlockedSenders is null && !pasted) evidence.Add(new("blocked threads", "not sampled (needs root)", "/proc/PID/task/TID/stack"));

        var causes = full.Select(f => f.Cause).Concat(threads.Select(t => t.Cause)).ToList();
        bool peer = causes.Contains(Cause.Peer), memory = causes.Contains(Cause.GlobalMemory), size = causes.Contains(Cause.BufferSize);
        // The cgroup that refuses: the one holding the first stalled socket or thread blamed on it.
        var cgroup = causes.Contains(Cause.CgroupMemory)
            ? full.Where(f => f.Cause == Cause.CgroupMemory).Select(f => CgroupOf(f.Socket.Pid))
                .Concat(threads.Where(t => t.Cause == Cause.CgroupMemory).Select(t => CgroupOf(t.Thread.Pid))).FirstOrDefault(r => r is not null)
            : null;
        if (cgroup is not null) evidence.AddRange(cgroup.Evidence);

        Severity severity;
        string title;
        var confidence = Confidence.Confirmed;
        if (blocked.Count > 0)
        {
            var b = blocked[0];
            // Blocked now is critical unless the block is the application's own choice (TCP_NOTSENT_LOWAT) or plain
            // flow control of a buffer that is small for the path; a block whose cause the sample cannot name stays critical.
            severity = peer || memory || cgroup is not null || !(size || lowat.Count > 0) ? Severity.Critical : Severity.Warning;
            title = $"{blocked.Count} thread(s) blocked in sk_stream_wait_memory now, e.g. {b.Command} (pid {b.Pid}) writing to {b.Peer ?? "?"}: " +
                    (cgroup is not null ? $"memory cgroup {cgroup.Cgroup.Path} is at its limit ({Bytes(cgroup.Cgroup.UsageBytes ?? 0)} of {Bytes(cgroup.Cgroup.LimitBytes ?? 0)}) and refused their send buffers (not the peers)"
                    : memory ? "global TCP memory shrank their send buffers (not the peers)"
                    : peer ? "the peer does not read (zero window)"
                    : lowat.Count > 0 ? "their queues are below the send buffer, so TCP_NOTSENT_LOWAT (or a locked SO_SNDBUF refused memory) holds them"
                    : size ? "the send buffer is small for the path"
                    : "cause not known");
        }
        else if (full.Count > 0 && cgroup is not null)
        {
            severity = Severity.Critical;
            var e = full.First(f => f.Cause == Cause.CgroupMemory).Socket;
            title = $"{N(full.Count(f => f.Cause == Cause.CgroupMemory))} socket(s) stall on a send buffer shrunk because memory cgroup {cgroup.Cgroup.Path} is at its limit " +
                    $"({Bytes(cgroup.Cgroup.UsageBytes ?? 0)} of {Bytes(cgroup.Cgroup.LimitBytes ?? 0)}), e.g. {e.Local} → {e.Peer} with tb {Bytes(e.SndBuf)}: the cgroup refused the memory, not the peer";
        }
        else if (full.Count > 0 && (memory || peer))
        {
            severity = memory ? Severity.Critical : Severity.Warning;
            var e = full.First(f => f.Cause == (memory ? Cause.GlobalMemory : Cause.Peer)).Socket;
            title = memory
                ? $"{N(full.Count(f => f.Cause == Cause.GlobalMemory))} socket(s) stall on a send buffer shrunk by TCP memory over its limit (e.g. tb {Bytes(e.SndBuf)}, far below tcp_wmem[1] {Bytes(wmemDefault ?? 0)}): the cause is global memory, not the peer"
                : $"{N(full.Count(f => f.Cause == Cause.Peer))} socket(s) have a full send buffer because the peer does not read (zero window or receive-window limited), e.g. {e.Local} → {e.Peer}";
        }
        else if (full.Count > 0 && full.All(f => f.Cause is Cause.BufferSize or Cause.Network))
        {
            // A bulk sender filling its buffer faster than the path drains it is healthy: information, not a fault.
            severity = Severity.Info;
            title = size
                ? $"{N(full.Count(f => f.Cause == Cause.BufferSize))} socket(s) are limited by their own send buffer size (sndbuf_limited): throughput is capped, nothing is stuck"
                : $"{N(full.Count)} bulk sender(s) keep their send buffer full while the network sets the pace: normal";
        }
        else if (atLimit > 0)
        {
            // Full buffers, but no tcp_info to tell the cause (an older sample, or sockets beyond the listed ones).
            severity = Severity.Warning;
            confidence = Confidence.Possible;
            title = $"{N(atLimit)} socket(s) have a full send buffer (w ≥ tb); the cause (slow peer, TCP memory, buffer size) is not in the sample";
        }
        else
        {
            // No socket listed full, but a writer's stack or its program says a write blocked: that says more than the list.
            if (FromBlockedWrites(c) is { } blockedWrites) return blockedWrites;
            return Ok(d, draining > 0 ? $"no socket with a full send buffer ({N(draining)} draining above the 2/3 wake-up mark)" : "no socket with a full send buffer");
        }

        var fix = new List<FixLine>();
        if (cgroup is not null)
        {
            fix.Add(cgroup.Fix);
            fix.Add(Action("Expect the shrunken send buffers to stay small after the cgroup has room again, until autotuning grows them (or the connection is renewed)",
                "sk_stream_moderate_sndbuf() rewrote sk_sndbuf when the cgroup refused the charge; it is not restored."));
        }
        if (memory)
        {
            fix.Add(Action("Free TCP memory first (see the tcp_mem check): these writers are blocked by the global limit, not by their peers",
                "Over tcp_mem[2], sk_stream_moderate_sndbuf() halves an unlocked socket's send buffer toward what it has queued; raising its buffer or blaming the peer changes nothing."));
            fix.Add(Action("Expect the shrunken send buffers to stay small after memory recovers, until autotuning grows them again (or the connection is renewed)",
                "sk_sndbuf is rewritten, not restored, when pressure ends."));
        }
        if (peer)
        {
            fix.Add(Action("Find and fix the slow receiver named above (its Recv-Q is full; `ss -tm dst PEER`)", "More send buffer only delays the hang."));
            fix.Add(Action("Use timeouts on writes (SO_SNDTIMEO, non-blocking sockets with a deadline) and drop peers that stop reading", "A server must not let one slow client block a thread."));
        }
        if (size)
            fix.Add(Action($"Only if this flow needs more throughput: raise tcp_wmem[2] (today {(c.Now.Sysctls.Vector(SysctlNames.TcpWmem, 3)?[2] is { } w2 ? Bytes(w2) : "unknown")}) or the application's SO_SNDBUF to the bandwidth-delay product",
                "sndbuf_limited means the buffer, not the peer or the network, capped the rate; it never blocks a healthy peer forever."));
        if (lowat.Count > 0)
            fix.Add(Action("Check the writers' TCP_NOTSENT_LOWAT (`ss -tmi` notsent, the application's socket options)", "A writer held by the unsent-bytes mark waits with little queued; that is flow control it asked for."));
        if (fix.Count == 0)
            fix.Add(Action("Take the census as root with tcp_info (`sockdoc sockets`, or `ss -tmi`): rwnd_limited, sndbuf_limited, the persist timer and tb against tcp_wmem[1] tell the cause",
                "A full buffer alone fits a slow peer, global memory and a small buffer alike."));

        var caveats = new List<string> { "wchan shows wait_woken for these threads, not sk_stream_wait_memory; only the stack (root) tells them apart." };
        if (memOverHard && !memory) caveats.Add("TCP memory is over tcp_mem[2]: writers may also be blocked by the global limit (see tcp_mem).");
        if (census.BlockedSenders is null)
            caveats.Add("Writers held by TCP_NOTSENT_LOWAT have little queued (w far below tb) and are not in the census list; only their stacks (root) show them.");
        if (cgroup is null) caveats.Add(MemcgLimits.Coverage(c));

        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = When.Now,
            Confidence = confidence,
            Title = title,
            Evidence = evidence,
            Explanation =
                "A blocking send() sleeps in sk_stream_wait_memory() while the socket's queued data (w) is at its send buffer (tb), and wakes " +
                "when the queue has drained to two thirds of it; between 2/3·tb and tb a socket is draining, which bulk senders do all the time. " +
                "A receiver that stops reading closes its window and the sender hangs: the hang is the peer's, seen at the sender. Over tcp_mem[2] " +
                "the kernel halves an unlocked socket's send buffer and forces the charge, so the writer blocks the same way on a buffer that looks " +
                "full, but far smaller than tcp_wmem[1]: then the cause is global memory.",
            Fix = fix,
            Caveats = caveats,
            ToConfirm = confidence == Confidence.Confirmed ? [] : [Inputs.TaskStacks],
        }, title);
    }

    private static double Share(long? part, long? whole) => part is { } p && whole is { } w && w > 0 ? (double)p / w : 0;

    private static string Limited(SendBufferFullSocket s) =>
        s.BusyUs is > 0 ? $", rwnd_limited {Pct(Share(s.RwndLimitedUs, s.BusyUs))}, sndbuf_limited {Pct(Share(s.SndbufLimitedUs, s.BusyUs))} of busy time" : "";

    private static string Name(Cause c) => c switch
    {
        Cause.Peer => "the peer does not read",
        Cause.CgroupMemory => "its memory cgroup is at its limit and shrank the send buffer",
        Cause.GlobalMemory => "TCP memory shrank the send buffer",
        Cause.BufferSize => "the send buffer is small for the path",
        Cause.Network => "the network sets the pace (healthy)",
        _ => "not known",
    };
}
