using System.Buffers;
using SockDoc.Kernel.Interop;
using SockDoc.Kernel.Netlink;
using SockDoc.Kernel.Netlink.SockDiag;
using SockDoc.Kernel.Procfs;
using SockDoc.Model.Census;

namespace SockDoc.Kernel.Census;

/// <summary>
/// UDP sockets of the caller's network namespace over sock_diag (inet_diag_req_v2 with sdiag_protocol =
/// IPPROTO_UDP, what `ss -u` sends; udp_diag.c answers with the same inet_diag_msg): receive and send queues
/// and, from INET_DIAG_SKMEMINFO, each socket's sk_drops (SK_MEMINFO_DROPS: datagrams dropped because the
/// receive buffer was full, the per-socket side of udp_mem and UdpRcvbufErrors).
/// </summary>
public static class UdpCensusCollector
{
    public static UdpCensus Collect(int top)
    {
        var sink = new Sink(Math.Max(1, top));
        if (SocketCensusCollector.SockDiagSwitchedOff() is { } off) return FromProcNet(sink, off);
        using var nl = NetlinkSocket.Open(Libc.NETLINK_SOCK_DIAG, SockDiagDump.ReceiveBufferBytes, out int errno);
        if (nl is null && SockDiagDump.MeansNoSockDiag(errno))
            return FromProcNet(sink, $"socket(AF_NETLINK, NETLINK_SOCK_DIAG): {Errno.Describe(errno)}");
        if (nl is null) return new UdpCensus { Partial = true, Problem = $"socket(AF_NETLINK, NETLINK_SOCK_DIAG): {Errno.Describe(errno)}" };
        var buffer = ArrayPool<byte>.Shared.Rent(SockDiagDump.ReceiveBufferBytes);
        string? problem = null;
        try
        {
            uint seq = 1;
            foreach (var family in (ReadOnlySpan<byte>)[InetDiag.AF_INET, InetDiag.AF_INET6])
            {
                var req = new byte[InetDiag.NlMsgHdrLen + InetDiag.ReqV2Len];
                int len = InetDiag.WriteDumpRequest(req, family, InetDiag.AllStates, InetDiag.ExtSkMemInfo, seq++);
                req[InetDiag.NlMsgHdrLen + 1] = InetDiag.IPPROTO_UDP; // sdiag_protocol
                int err = nl.Send(req.AsSpan(0, len));
                if (err != 0)
                {
                    problem = $"sock_diag UDP request: {Errno.Describe(err)}";
                    break;
                }
                // Bounded like the TCP dump: a finite table ends with NLMSG_DONE.
                bool done = false;
                for (int i = 0; i < 10_000_000 && !done; i++)
                {
                    long n = nl.Receive(buffer);
                    if (n <= 0)
                    {
                        problem = n < 0 ? $"sock_diag UDP receive: {Errno.Describe((int)-n)}" : "sock_diag UDP: empty datagram before NLMSG_DONE";
                        break;
                    }
                    var step = SockDiagDump.ParseDatagram(buffer.AsSpan(0, (int)Math.Min(n, buffer.Length)), ref sink, "sock_diag UDP");
                    // No udp_diag (module not loadable: ENOENT from inet_diag_lock_handler) before any socket.
                    if (step.Problem is not null && step.Sockets == 0 && sink.Count == 0 && SockDiagDump.MeansNoSockDiag(step.Errno))
                        return FromProcNet(new Sink(Math.Max(1, top)), step.Problem);
                    if (step.Problem is not null)
                    {
                        problem = step.Problem;
                        break;
                    }
                    done = step.Complete;
                }
                if (problem is not null) break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return sink.Build() with { Partial = problem is not null, Problem = problem };
    }

    /// <summary>
    /// /proc/net/udp and udp6 of the calling thread's namespace: queues and sk_drops per socket (udp4_format_sock
    /// prints them), no skmem: memory is unknown (null).
    /// </summary>
    private static UdpCensus FromProcNet(Sink sink, string why)
    {
        var root = ProcRoot.ThreadNetns;
        var v4 = ProcNetTcpReader.ReadFile(root.PathOf("net/udp"), udp: true, ref sink);
        var v6 = ProcNetTcpReader.ReadFile(root.PathOf("net/udp6"), udp: true, ref sink);
        if (!v6.Complete && v6.Lines == 0 && !File.Exists(root.PathOf("net/udp6"))) v6 = v6 with { Complete = true, Problem = null };
        var both = v4 + v6;
        return sink.Build() with
        {
            MemoryBytes = null, Partial = !both.Complete, Problem = both.Problem,
            Source = "/proc/net/udp", SockDiagUnavailable = why,
        };
    }

    /// <summary>Folds UDP sockets into totals and a bounded top list (by drops, then receive queue).</summary>
    public struct Sink(int top) : ISockDiagSink
    {
        private readonly PriorityQueue<UdpSocketRow, (long, long)> _top = new(top + 1);
        private long _sockets, _rq, _wq, _drops, _mem;

        public void OnSocket(in InetDiagSocket s)
        {
            _sockets++;
            _rq += s.RQueue;
            _wq += s.WQueue;
            long drops = s.HasMemInfo || s.HasDrops ? Math.Max(0, s.Drops) : 0;
            _drops += drops;
            if (s.HasMemInfo) _mem += Math.Max(0, s.RmemAlloc) + Math.Max(0, s.WmemAlloc) + Math.Max(0, s.FwdAlloc);
            var key = (drops, (long)s.RQueue);
            if (_top.Count >= top && (!_top.TryPeek(out _, out var min) || key.CompareTo(min) <= 0)) return;
            var row = new UdpSocketRow(InetDiagSocket.Endpoint(s.Family, s.Source, s.SourcePort), InetDiagSocket.Endpoint(s.Family, s.Destination, s.DestinationPort),
                s.RQueue, s.WQueue, s.HasMemInfo ? s.RmemAlloc : -1, s.HasMemInfo ? s.RcvBuf : -1, drops, s.CgroupId);
            if (_top.Count < top) _top.Enqueue(row, key);
            else _top.DequeueEnqueue(row, key);
        }

        public readonly long Count => _sockets;

        public readonly UdpCensus Build()
        {
            var rows = _top.UnorderedItems.OrderByDescending(x => x.Priority).Select(x => x.Element).ToList();
            return new UdpCensus { Sockets = _sockets, RecvQueueBytes = _rq, SendQueueBytes = _wq, Drops = _drops, MemoryBytes = _mem, Top = rows };
        }
    }
}
