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
/// Test seam of a dump: the real kernel, with a receive buffer and a step after each request chosen by a test (to make
/// the kernel drop messages: ENOBUFS), and the per-family path forced.
/// </summary>
internal sealed record DumpProbe(bool PerFamily, int ReceiveBufferBytes, Action<NetlinkSocket, byte>? AfterRequest);

/// <summary>
/// Dumps every TCP socket through NETLINK_SOCK_DIAG (the requests `ss -t` sends) and streams each one to a sink.
/// The kernel fills one dump message per recv of at most SKB_WITH_OVERHEAD(32768) bytes (netlink_recvmsg() caps
/// max_recvmsg_len there, netlink_dump() sizes its skb by it), whatever the receive buffer: a 32 KiB buffer, rented
/// from the pool, holds every datagram; nothing is allocated per socket.
/// </summary>
public static class SockDiagDump
{
    /// <summary>Large enough for any dump datagram (the kernel's cap is 32768 minus the skb overhead).</summary>
    public const int ReceiveBufferBytes = 32 * 1024;

    /// <summary>
    /// Dumps both families. ext: InetDiag.ExtSkMemInfo | InetDiag.ExtInfo as needed. record, when given, gets every
    /// datagram as [u32 little-endian length][bytes] (the fixture format of tests/fixtures/netlink).
    /// </summary>
    public static DumpOutcome DumpTcp<TSink>(ref TSink sink, uint states, byte ext, Stream? record = null, byte[]? bytecode = null) where TSink : ISockDiagSink
        => DumpTcp(ref sink, states, ext, record, bytecode, null);

    internal static DumpOutcome DumpTcp<TSink>(ref TSink sink, uint states, byte ext, Stream? record, byte[]? bytecode, DumpProbe? probe)
        where TSink : ISockDiagSink
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
        try
        {
            // One walk for both families (TCPDIAG_GETSOCK, AF_UNSPEC); if this kernel refuses it before sending any
            // socket, one SOCK_DIAG_BY_FAMILY dump per family (what ss does).
            if (probe is not { PerFamily: true })
            {
                var both = DumpFamily(0, states, ext, 1, buffer, ref sink, record, bytecode, probe);
                if (both.Complete || both.Sockets > 0 || both.Errno is not (Errno.EINVAL or Errno.ENOENT or Errno.EOPNOTSUPP)) return both;
            }
            var v4 = DumpFamily(InetDiag.AF_INET, states, ext, 2, buffer, ref sink, record, bytecode, probe);
            // A failed IPv4 dump (ENOBUFS: the kernel dropped messages) says nothing about IPv6: dump it anyway, and
            // the sum is marked incomplete with the IPv4 reason.
            var v6 = DumpFamily(InetDiag.AF_INET6, states, ext, 3, buffer, ref sink, record, bytecode, probe);
            return v4 + v6;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// One dump on its own netlink socket. A dump that failed half-way (ENOBUFS) is still running in the kernel:
    /// another request on the same socket would be refused with EBUSY (__netlink_dump_start() while cb_running) and
    /// its recv would return the rest of the old dump. Closing the socket ends the old dump (netlink_release()).
    /// </summary>
    private static DumpOutcome DumpFamily<TSink>(byte family, uint states, byte ext, uint seq, byte[] buffer, ref TSink sink, Stream? record,
        byte[]? bytecode, DumpProbe? probe) where TSink : ISockDiagSink
    {
        string fam = family switch { 0 => "TCPDIAG_GETSOCK", InetDiag.AF_INET => "AF_INET", _ => "AF_INET6" };
        using var nl = NetlinkSocket.Open(Libc.NETLINK_SOCK_DIAG, probe?.ReceiveBufferBytes ?? 0, out int errno);
        if (nl is null)
            return new DumpOutcome(false, false, 0, 0, 0, $"socket(AF_NETLINK, NETLINK_SOCK_DIAG): {Errno.Text(errno)}", errno);
        var req = new byte[InetDiag.NlMsgHdrLen + InetDiag.ReqCompatLen + 4 + (bytecode?.Length ?? 0) + 4];
        int len = family == 0
            ? InetDiag.WriteCompatDumpRequest(req, states, ext, seq, bytecode)
            : InetDiag.WriteDumpRequest(req, family, states, ext, seq, bytecode);
        int err = nl.Send(req.AsSpan(0, len));
        if (err != 0) return new DumpOutcome(false, false, 0, 0, 0, $"sock_diag {fam} request: {Errno.Text(err)}", err);
        probe?.AfterRequest?.Invoke(nl, family);

        var total = new DumpOutcome(true, false, 0, 0, 0, null);
        Span<byte> prefix = stackalloc byte[4];
        // Bounded: a dump of a finite table ends with NLMSG_DONE; the datagram cap stops a misbehaving peer.
        for (long datagrams = 0; datagrams < 50_000_000; datagrams++)
        {
            long n = nl.Receive(buffer.AsSpan(0, ReceiveBufferBytes));
            if (n < 0)
            {
                int e = (int)-n;
                // ENOBUFS: the kernel dropped messages for this socket; the dump cannot be trusted as complete.
                return total with { Complete = false, Errno = e, Problem = $"sock_diag {fam} receive: {Errno.Name(e)} ({Errno.Text(e)}); this family's sockets are partly counted" };
            }
            if (n > ReceiveBufferBytes)
                return total with { Complete = false, Problem = $"sock_diag {fam}: datagram of {n} bytes cut at {ReceiveBufferBytes}" };
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
    /// True when errno says this host has no sock_diag for TCP (as opposed to a dump that failed half-way):
    /// EPROTONOSUPPORT from socket(): netlink_create() finds no registered NETLINK_SOCK_DIAG (gVisor; qemu-user's
    /// do_socket() refuses every netlink protocol but ROUTE, KOBJECT_UEVENT and AUDIT);
    /// EAFNOSUPPORT, EPERM or EACCES from socket(): a sandbox refuses AF_NETLINK (seccomp, systemd
    /// RestrictAddressFamilies=, an LSM);
    /// ENOENT from the dump: __sock_diag_cmd() and inet_diag_lock_handler() found no handler for the family or for
    /// IPPROTO_TCP even after request_module() (inet_diag / tcp_diag built as modules that cannot be loaded);
    /// EOPNOTSUPP: sock_diag_rcv_msg() has no inet compat handler (the per-family retry then says ENOENT).
    /// ENOBUFS, EINTR, EBUSY and a malformed message are failures of a dump that exists, not its absence.
    /// </summary>
    public static bool MeansNoSockDiag(int errno) =>
        errno is Errno.EPROTONOSUPPORT or Errno.EAFNOSUPPORT or Errno.EPERM or Errno.EACCES or Errno.ENOENT or Errno.EOPNOTSUPP;

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
