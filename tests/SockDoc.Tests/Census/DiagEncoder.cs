using System.Buffers.Binary;
using System.Net;
using SockDoc.Kernel.Netlink.SockDiag;

namespace SockDoc.Tests.Census;

/// <summary>Builds sock_diag datagrams in the kernel's layout (inet_diag.h) for parser tests.</summary>
internal sealed class DiagEncoder
{
    private readonly MemoryStream _out = new();

    public sealed record Sock(string Src, int SPort, string Dst, int DPort, byte State, uint Inode = 1, uint RQueue = 0, uint WQueue = 0,
        byte Timer = 0, uint[]? MemInfo = null, int TcpInfoLen = 0, uint NotSent = 0, uint SndWnd = 65535, ushort ExtraAttrType = 0);

    public DiagEncoder Add(Sock s, ushort flags = InetDiag.NLM_F_MULTI)
    {
        var body = new MemoryStream();
        var msg = new byte[InetDiag.MsgLen];
        var src = IPAddress.Parse(s.Src);
        var dst = IPAddress.Parse(s.Dst);
        msg[0] = src.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? InetDiag.AF_INET : InetDiag.AF_INET6;
        msg[1] = s.State;
        msg[2] = s.Timer;
        BinaryPrimitives.WriteUInt16BigEndian(msg.AsSpan(4), (ushort)s.SPort);
        BinaryPrimitives.WriteUInt16BigEndian(msg.AsSpan(6), (ushort)s.DPort);
        src.GetAddressBytes().CopyTo(msg, 8);
        dst.GetAddressBytes().CopyTo(msg, 24);
        BinaryPrimitives.WriteUInt32LittleEndian(msg.AsSpan(56), s.RQueue);
        BinaryPrimitives.WriteUInt32LittleEndian(msg.AsSpan(60), s.WQueue);
        BinaryPrimitives.WriteUInt32LittleEndian(msg.AsSpan(68), s.Inode);
        body.Write(msg);
        if (s.MemInfo is { } mi)
        {
            var d = new byte[mi.Length * 4];
            for (int i = 0; i < mi.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(i * 4), mi[i]);
            Attr(body, InetDiag.INET_DIAG_SKMEMINFO, d);
        }
        if (s.ExtraAttrType != 0) Attr(body, s.ExtraAttrType, [1, 2, 3, 4, 5]);
        if (s.TcpInfoLen > 0)
        {
            var d = new byte[s.TcpInfoLen];
            d[2] = 3; // tcpi_retransmits
            W32(d, 24, 7); // unacked
            W32(d, 68, 1234); // rtt µs
            W32(d, 144, s.NotSent);
            W64(d, 176, 5000); // rwnd_limited
            W32(d, 228, s.SndWnd);
            Attr(body, InetDiag.INET_DIAG_INFO, d);
        }
        return Message(InetDiag.SOCK_DIAG_BY_FAMILY, flags, body.ToArray());
    }

    public DiagEncoder Done(ushort flags = InetDiag.NLM_F_MULTI) => Message(InetDiag.NLMSG_DONE, flags, new byte[4]);

    public DiagEncoder Error(int errno)
    {
        var p = new byte[4 + 16];
        BinaryPrimitives.WriteInt32LittleEndian(p, -errno);
        return Message(InetDiag.NLMSG_ERROR, 0, p);
    }

    public DiagEncoder Raw(byte[] bytes)
    {
        _out.Write(bytes);
        return this;
    }

    public DiagEncoder Message(ushort type, ushort flags, byte[] payload)
    {
        var h = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)(16 + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), flags);
        _out.Write(h);
        _out.Write(payload);
        Pad(_out);
        return this;
    }

    public byte[] ToArray() => _out.ToArray();

    /// <summary>Wraps datagrams in the capture format ([u32 length][bytes]…).</summary>
    public static byte[] Capture(params byte[][] datagrams)
    {
        var ms = new MemoryStream();
        foreach (var d in datagrams)
        {
            var len = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)d.Length);
            ms.Write(len);
            ms.Write(d);
        }
        return ms.ToArray();
    }

    private static void Attr(MemoryStream body, ushort type, byte[] data)
    {
        var h = new byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(h, (ushort)(4 + data.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(2), type);
        body.Write(h);
        body.Write(data);
        Pad(body);
    }

    private static void Pad(MemoryStream s)
    {
        while (s.Length % 4 != 0) s.WriteByte(0);
    }

    private static void W32(byte[] d, int off, uint v)
    {
        if (off + 4 <= d.Length) BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(off), v);
    }

    private static void W64(byte[] d, int off, ulong v)
    {
        if (off + 8 <= d.Length) BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(off), v);
    }
}

/// <summary>Collects parsed sockets (tests only; the product never keeps them).</summary>
internal struct ListSink : ISockDiagSink
{
    public List<InetDiagSocket> Items;

    public ListSink() => Items = [];

    public readonly void OnSocket(in InetDiagSocket socket) => Items.Add(socket);
}
