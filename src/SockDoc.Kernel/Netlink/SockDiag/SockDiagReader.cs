using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SockDoc.Kernel.Netlink.SockDiag;

public enum SockDiagItem
{
    /// <summary>An inet_diag_msg: Socket is filled.</summary>
    Socket,
    /// <summary>NLMSG_DONE: the dump of this family is complete.</summary>
    Done,
    /// <summary>NLMSG_ERROR with a non-zero error: Error holds the positive errno.</summary>
    Error,
    /// <summary>The buffer does not hold what the kernel sends; Problem says where and what.</summary>
    Malformed,
    /// <summary>A message type we skip (NLMSG_NOOP, an ACK).</summary>
    Other,
}

/// <summary>
/// Walks the netlink messages of one receive buffer (one datagram of a SOCK_DIAG_BY_FAMILY dump) and decodes
/// each inet_diag_msg with its attributes. Pure over bytes, no allocation per socket (ref struct over the span).
/// Layout: nlmsghdr (netlink.h), NLMSG_ALIGN 4; inet_diag_msg and rtattr (inet_diag.h), RTA_ALIGN 4.
/// </summary>
public ref struct SockDiagReader(ReadOnlySpan<byte> datagram)
{
    private ReadOnlySpan<byte> _rest = datagram;
    private int _offset;

    /// <summary>Some message of this buffer carried NLM_F_DUMP_INTR: the table changed during the dump.</summary>
    public bool Interrupted { get; private set; }
    public int Error { get; private set; }
    public string? Problem { get; private set; }

    /// <summary>Decodes the next message; false at the end of the buffer. After Malformed the reader stops.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Next(out SockDiagItem item, ref InetDiagSocket socket)
    {
        item = SockDiagItem.Other;
        if (_rest.IsEmpty) return false;
        if (_rest.Length < InetDiag.NlMsgHdrLen)
            return Fail(out item, $"{_rest.Length} trailing bytes at offset {_offset}, shorter than a netlink header (16)");
        uint len = BinaryPrimitives.ReadUInt32LittleEndian(_rest);
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(_rest[4..]);
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(_rest[6..]);
        if (len < InetDiag.NlMsgHdrLen || len > (uint)_rest.Length)
            return Fail(out item, $"netlink message at offset {_offset} claims {len} bytes, {_rest.Length} left in the datagram");
        if ((flags & InetDiag.NLM_F_DUMP_INTR) != 0) Interrupted = true;
        var payload = _rest[InetDiag.NlMsgHdrLen..(int)len];
        int aligned = (int)Math.Min((len + 3u) & ~3u, (uint)_rest.Length);
        _rest = _rest[aligned..];
        int at = _offset;
        _offset += aligned;

        switch (type)
        {
            case InetDiag.NLMSG_DONE:
                item = SockDiagItem.Done;
                return true;
            case InetDiag.NLMSG_ERROR:
                if (payload.Length < 4) return Fail(out item, $"NLMSG_ERROR at offset {at} without an error code");
                int err = BinaryPrimitives.ReadInt32LittleEndian(payload);
                if (err == 0) { item = SockDiagItem.Other; return true; } // an ACK
                Error = -err;
                item = SockDiagItem.Error;
                return true;
            case InetDiag.SOCK_DIAG_BY_FAMILY:
            case InetDiag.TCPDIAG_GETSOCK:
                if (!Decode(payload, ref socket, out var problem)) return Fail(out item, $"inet_diag_msg at offset {at}: {problem}");
                item = SockDiagItem.Socket;
                return true;
            default:
                item = SockDiagItem.Other;
                return true;
        }
    }

    private bool Fail(out SockDiagItem item, string problem)
    {
        Problem = problem;
        _rest = default;
        item = SockDiagItem.Malformed;
        return true;
    }

    /// <summary>Decodes one inet_diag_msg payload (after the nlmsghdr) and its attributes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Decode(ReadOnlySpan<byte> p, ref InetDiagSocket s, out string? problem)
    {
        problem = null;
        if (p.Length < InetDiag.MsgLen)
        {
            problem = $"{p.Length} bytes, an inet_diag_msg needs {InetDiag.MsgLen}";
            return false;
        }
        s.Family = p[0];
        s.State = p[1];
        s.Timer = p[2];
        s.Retrans = p[3];
        // struct inet_diag_sockid: __be16 sport, dport; __be32 src[4], dst[4]; __u32 if; __u32 cookie[2]
        s.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(p[4..]);
        s.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(p[6..]);
        p.Slice(8, 16).CopyTo(s.Source);
        p.Slice(24, 16).CopyTo(s.Destination);
        s.Interface = BinaryPrimitives.ReadUInt32LittleEndian(p[40..]);
        s.Cookie = BinaryPrimitives.ReadUInt32LittleEndian(p[44..]) | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(p[48..]) << 32);
        s.Expires = BinaryPrimitives.ReadUInt32LittleEndian(p[52..]);
        s.RQueue = BinaryPrimitives.ReadUInt32LittleEndian(p[56..]);
        s.WQueue = BinaryPrimitives.ReadUInt32LittleEndian(p[60..]);
        s.Uid = BinaryPrimitives.ReadUInt32LittleEndian(p[64..]);
        s.Inode = BinaryPrimitives.ReadUInt32LittleEndian(p[68..]);
        if (s.Family is not (InetDiag.AF_INET or InetDiag.AF_INET6))
        {
            problem = $"address family {s.Family}, expected AF_INET (2) or AF_INET6 (10)";
            return false;
        }

        s.HasMemInfo = false;
        s.RmemAlloc = s.RcvBuf = s.WmemAlloc = s.SndBuf = s.FwdAlloc = s.WmemQueued = s.OptMem = s.Backlog = s.Drops = -1;
        s.TcpInfoLength = 0;
        s.CgroupId = 0;
        s.TcpiRetransmits = s.TcpiUnacked = s.TcpiRtt = s.TcpiRttVar = s.TcpiTotalRetrans = s.TcpiNotsentBytes = -1;
        s.TcpiBusyTime = s.TcpiRwndLimited = s.TcpiSndbufLimited = s.TcpiSndWnd = -1;

        // struct rtattr { unsigned short rta_len; unsigned short rta_type; }, RTA_ALIGNTO 4.
        var attrs = p[InetDiag.MsgLen..];
        while (attrs.Length >= 4)
        {
            int alen = BinaryPrimitives.ReadUInt16LittleEndian(attrs);
            int atype = BinaryPrimitives.ReadUInt16LittleEndian(attrs[2..]) & 0x3FFF; // strip NLA_F_NESTED / NET_BYTEORDER
            if (alen < 4 || alen > attrs.Length)
            {
                problem = $"attribute type {atype} claims {alen} bytes, {attrs.Length} left";
                return false;
            }
            var data = attrs[4..alen];
            if (atype == InetDiag.INET_DIAG_SKMEMINFO) ReadMemInfo(data, ref s);
            else if (atype == InetDiag.INET_DIAG_INFO) ReadTcpInfo(data, ref s);
            else if (atype == InetDiag.INET_DIAG_CGROUP_ID && data.Length >= 8) s.CgroupId = BinaryPrimitives.ReadUInt64LittleEndian(data);
            int next = (alen + 3) & ~3;
            attrs = next >= attrs.Length ? default : attrs[next..];
        }
        return true;
    }

    // sk_get_meminfo() (net/core/sock.c) fills SK_MEMINFO_VARS u32s; read as many as the attribute holds.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadMemInfo(ReadOnlySpan<byte> d, ref InetDiagSocket s)
    {
        if (d.Length < 4) return;
        s.HasMemInfo = true;
        s.RmemAlloc = U32(d, 0);
        s.RcvBuf = U32(d, 4);
        s.WmemAlloc = U32(d, 8);
        s.SndBuf = U32(d, 12);
        s.FwdAlloc = U32(d, 16);
        s.WmemQueued = U32(d, 20);
        s.OptMem = U32(d, 24);
        s.Backlog = U32(d, 28);
        s.Drops = U32(d, 32);
    }

    // struct tcp_info grows across kernels; the INET_DIAG_INFO attribute is sizeof(the running kernel's struct)
    // (inet_sk_diag_fill() reserves the handler's idiag_info_size, tcp_diag's is sizeof(struct tcp_info)): 280 bytes on 6.18. No length is assumed: each field
    // is read only when the attribute reaches it, so an older kernel's shorter struct leaves the newer fields at -1.
    // Offsets from include/uapi/linux/tcp.h, checked against 6.18's BTF (bits_offset / 8).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReadTcpInfo(ReadOnlySpan<byte> d, ref InetDiagSocket s)
    {
        s.TcpInfoLength = d.Length;
        if (d.Length > 2) s.TcpiRetransmits = d[2];
        s.TcpiUnacked = U32(d, 24);
        s.TcpiRtt = U32(d, 68);
        s.TcpiRttVar = U32(d, 72);
        s.TcpiTotalRetrans = U32(d, 100);
        s.TcpiNotsentBytes = U32(d, 144);
        s.TcpiBusyTime = U64(d, 168);
        s.TcpiRwndLimited = U64(d, 176);
        s.TcpiSndbufLimited = U64(d, 184);
        s.TcpiSndWnd = U32(d, 228);
    }

    private static long U32(ReadOnlySpan<byte> d, int off) =>
        off + 4 <= d.Length ? BinaryPrimitives.ReadUInt32LittleEndian(d[off..]) : -1;

    private static long U64(ReadOnlySpan<byte> d, int off) =>
        off + 8 <= d.Length ? (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(d[off..]), long.MaxValue) : -1;
}
