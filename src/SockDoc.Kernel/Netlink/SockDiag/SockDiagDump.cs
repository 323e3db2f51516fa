using System.Buffers;
using System.Runtime.CompilerServices;
using SockDoc.Kernel.Interop;

namespace SockDoc.Kernel.Netlink.SockDiag;

/// <summary>Receives each socket of a dump; a struct implementing it avoids interface dispatch and allocation.</summary>
public interface ISockDiagSink
{
    void OnSocket(in InetDiagSocket socket);
}

/// <summary>How a dump (or a replay of captured datagrams) ended.</summary>
public readonly record struct DumpOutcome(bool Complete, bool Interrupted, long Sockets, long Datagrams, long Bytes, string? Problem, int Errno = 0)
{
    public static DumpOutcome operator +(DumpOutcome a, DumpOutcome b) => new(
        a.Complete && b.Complete, a.Interrupted || b.Interrupted, a.Sockets + b.Sockets, a.Datagrams + b.Datagrams, a.Bytes + b.Bytes,
        a.Problem is null ? b.Problem : b.Problem is null ? a.Problem : a.Problem + "; " + b.Problem, a.Errno != 0 ? a.Errno : b.Errno);
}

/// <summary>
/// Dumps every TCP socket of one address family through NETLINK_SOCK_DIAG (SOCK_DIAG_BY_FAMILY with
/// inet_diag_req_v2, the request `ss -t` sends) and streams each one to a sink. One 1 MiB receive buffer per
/// dump, rented from the pool; nothing allocated per socket.
/// </summary>
public static class SockDiagDump
{
    public const int ReceiveBufferBytes = 1 << 20;

    /// <summary>
    /// Dumps AF_INET then AF_INET6. ext: InetDiag.ExtSkMemInfo | InetDiag.ExtInfo as needed. record, when
    /// given, gets every datagram as [u32 little-endian length][bytes] (the fixture format of tests/fixtures/netlink).
    /// </summary>
    public static DumpOutcome DumpTcp<TSink>(ref TSink sink, uint states, byte ext, Stream? record = null, byte[]? bytecode = null) where TSink : ISockDiagSink
    {
        using var nl = NetlinkSocket.Open(Libc.NETLINK_SOCK_DIAG, ReceiveBufferBytes, out int errno);
        if (nl is null)
            return new DumpOutcome(false, false, 0, 0, 0, $"socket(AF_NETLINK, NETLINK_SOCK_DIAG): {Errno.Text(errno)}", errno);
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
        try
        {
            // One walk for both families (TCPDIAG_GETSOCK, AF_UNSPEC); if this kernel refuses it before sending
            // any socket, fall back to one SOCK_DIAG_BY_FAMILY dump per family (what ss does).
            var both = DumpFamily(nl, 0, states, ext, 1, buffer, ref sink, record, bytecode);
            if (both.Complete || both.Sockets > 0 || both.Errno is not (Errno.EINVAL or Errno.ENOENT or Errno.EOPNOTSUPP)) return both;
            var v4 = DumpFamily(nl, InetDiag.AF_INET, states, ext, 2, buffer, ref sink, record, bytecode);
            if (!v4.Complete && v4.Errno != Errno.ENOBUFS && !v4.Interrupted) return v4;
            var v6 = DumpFamily(nl, InetDiag.AF_INET6, states, ext, 3, buffer, ref sink, record, bytecode);
            return v4 + v6;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static DumpOutcome DumpFamily<TSink>(NetlinkSocket nl, byte family, uint states, byte ext, uint seq, byte[] buffer, ref TSink sink, Stream? record,
        byte[]? bytecode) where TSink : ISockDiagSink
    {
        var req = new byte[InetDiag.NlMsgHdrLen + InetDiag.ReqCompatLen + 4 + (bytecode?.Length ?? 0) + 4];
        int len = family == 0
            ? InetDiag.WriteCompatDumpRequest(req, states, ext, seq, bytecode)
            : InetDiag.WriteDumpRequest(req, family, states, ext, seq, bytecode);
        int err = nl.Send(req.AsSpan(0, len));
        string fam = family switch { 0 => "TCPDIAG_GETSOCK", InetDiag.AF_INET => "AF_INET", _ => "AF_INET6" };
        if (err != 0) return new DumpOutcome(false, false, 0, 0, 0, $"sock_diag {fam} request: {Errno.Text(err)}", err);

        var total = new DumpOutcome(true, false, 0, 0, 0, null);
        Span<byte> prefix = stackalloc byte[4];
        // Bounded: a dump of a finite table ends with NLMSG_DONE; the datagram cap stops a misbehaving peer.
        for (long datagrams = 0; datagrams < 50_000_000; datagrams++)
        {
            long n = nl.Receive(buffer);
            if (n < 0)
            {
                int e = (int)-n;
                // ENOBUFS: the kernel dropped messages for this socket; the dump cannot be trusted as complete.
                return total with { Complete = false, Errno = e, Problem = $"sock_diag {fam} receive: {Errno.Text(e)}" };
            }
            if (n > buffer.Length)
                return total with { Complete = false, Problem = $"sock_diag {fam}: datagram of {n} bytes cut at {buffer.Length}" };
            if (record is not null)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(prefix, (uint)n);
                record.Write(prefix);
                record.Write(buffer, 0, (int)n);
            }
            var step = ParseDatagram(buffer.AsSpan(0, (int)n), ref sink, fam);
            total = new DumpOutcome(step.Complete, total.Interrupted || step.Interrupted, total.Sockets + step.Sockets,
                total.Datagrams + 1, total.Bytes + n, step.Problem, step.Errno);
            if (step.Problem is not null) return total with { Complete = false };
            if (step.Complete) return total;
            if (n == 0) return total with { Complete = false, Problem = $"sock_diag {fam}: empty datagram before NLMSG_DONE" };
        }
        return total with { Complete = false, Problem = $"sock_diag {fam}: no NLMSG_DONE after 50,000,000 datagrams" };
    }

    /// <summary>
    /// Parses one datagram. Complete is true when it held NLMSG_DONE; Problem is set for NLMSG_ERROR or damage.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DumpOutcome ParseDatagram<TSink>(ReadOnlySpan<byte> datagram, ref TSink sink, string what = "sock_diag") where TSink : ISockDiagSink
    {
        var reader = new SockDiagReader(datagram);
        var s = default(InetDiagSocket);
        long sockets = 0;
        while (reader.Next(out var item, ref s))
        {
            switch (item)
            {
                case SockDiagItem.Socket:
                    sink.OnSocket(in s);
                    sockets++;
                    break;
                case SockDiagItem.Done:
                    return new DumpOutcome(true, reader.Interrupted, sockets, 1, datagram.Length, null);
                case SockDiagItem.Error:
                    return new DumpOutcome(false, reader.Interrupted, sockets, 1, datagram.Length,
                        $"{what}: kernel answered NLMSG_ERROR {Errno.Text(reader.Error)} (errno {reader.Error})", reader.Error);
                case SockDiagItem.Malformed:
                    return new DumpOutcome(false, reader.Interrupted, sockets, 1, datagram.Length, $"{what}: {reader.Problem}");
            }
        }
        return new DumpOutcome(false, reader.Interrupted, sockets, 1, datagram.Length, null);
    }

    /// <summary>
    /// Replays a capture ([u32 length][datagram]…, as written by DumpTcp's record) through the parser; stops at the
    /// first problem. Used by tests and to re-read a capture taken on another host.
    /// </summary>
    public static DumpOutcome Replay<TSink>(ReadOnlySpan<byte> capture, ref TSink sink) where TSink : ISockDiagSink
    {
        var total = new DumpOutcome(false, false, 0, 0, 0, null);
        int dones = 0;
        while (!capture.IsEmpty)
        {
            if (capture.Length < 4) return total with { Complete = false, Problem = $"capture: {capture.Length} stray bytes at the end" };
            uint len = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(capture);
            if (len > capture.Length - 4) return total with { Complete = false, Problem = $"capture: datagram of {len} bytes, only {capture.Length - 4} left" };
            var step = ParseDatagram(capture.Slice(4, (int)len), ref sink);
            if (step.Complete) dones++;
            total = new DumpOutcome(dones > 0, total.Interrupted || step.Interrupted, total.Sockets + step.Sockets, total.Datagrams + 1,
                total.Bytes + len, step.Problem, step.Errno);
            if (step.Problem is not null) return total with { Complete = false };
            capture = capture[(4 + (int)len)..];
        }
        return total;
    }
}
