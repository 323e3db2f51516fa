using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;

namespace SockDoc.Kernel.Netlink.SockDiag;

/// <summary>
/// Constants and layouts of the netlink sock_diag protocol for TCP. Every value is from the kernel's uapi
/// headers: include/uapi/linux/netlink.h, sock_diag.h, inet_diag.h, tcp.h (inet_diag_req_v2 56 bytes, inet_diag_msg 72).
/// struct tcp_info is 280 bytes on 6.18 (this VM's BTF: `bpftool btf dump file /sys/kernel/btf/vmlinux`; 6.18 appended
/// tcpi_received_ce and the AccECN byte counters after tcpi_total_rto_time); the fields read here end at 232
/// (tcpi_snd_wnd), and the reader takes whatever length the kernel sends (older kernels send less).
/// </summary>
public static class InetDiag
{
    // netlink.h
    public const int NlMsgHdrLen = 16;
    public const ushort NLMSG_NOOP = 1;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;
    public const ushort NLMSG_OVERRUN = 4;
    public const ushort NLM_F_REQUEST = 0x1;
    public const ushort NLM_F_MULTI = 0x2;
    /// <summary>The dump was interrupted by a change of the table (the kernel's nl_dump_check_consistent()).</summary>
    public const ushort NLM_F_DUMP_INTR = 0x10;
    public const ushort NLM_F_DUMP = 0x300; // NLM_F_ROOT | NLM_F_MATCH

    // sock_diag.h
    public const ushort SOCK_DIAG_BY_FAMILY = 20;
    /// <summary>
    /// The old inet_diag request type (inet_diag.h). inet_diag_dump_compat() (net/ipv4/inet_diag.c) dumps it
    /// with sdiag_family = AF_UNSPEC, i.e. IPv4 and IPv6 in ONE walk of the established hash, where
    /// SOCK_DIAG_BY_FAMILY needs one walk per family; the walk of the whole (all-netns) table is a large part of
    /// the cost at 400,000 sockets. Replies carry this type too.
    /// </summary>
    public const ushort TCPDIAG_GETSOCK = 18;
    /// <summary>sizeof(struct inet_diag_req): family, src_len, dst_len, ext, sockid (48), states, dbs.</summary>
    public const int ReqCompatLen = 60;

    // socket.h / in.h
    public const byte AF_INET = 2;
    public const byte AF_INET6 = 10;
    public const byte IPPROTO_TCP = 6;

    // inet_diag.h: enum { INET_DIAG_NONE, INET_DIAG_MEMINFO, INET_DIAG_INFO, ..., INET_DIAG_SKMEMINFO = 7 }
    public const ushort INET_DIAG_INFO = 2;
    public const ushort INET_DIAG_SKMEMINFO = 7;
    /// <summary>
    /// u64 cgroup v2 id of the socket (sock_cgroup_ptr(&amp;sk->sk_cgrp_data), set at creation), put unasked by
    /// inet_diag_msg_attrs_fill() since Linux 5.7 (commit b1f3e43dbfac, "inet_diag: add cgroup id attribute").
    /// Full sockets only: TIME_WAIT and request minisocks have none; older kernels send nothing.
    /// </summary>
    public const ushort INET_DIAG_CGROUP_ID = 21;
    public const byte IPPROTO_UDP = 17;
    /// <summary>idiag_ext is a bitmask of (1 &lt;&lt; (attribute - 1)) (inet_diag_dump_one_icsk / inet_sk_diag_fill).</summary>
    public const byte ExtInfo = 1 << (INET_DIAG_INFO - 1);
    public const byte ExtSkMemInfo = 1 << (INET_DIAG_SKMEMINFO - 1);

    /// <summary>sizeof(struct inet_diag_req_v2): family, protocol, ext, pad, states (u32), inet_diag_sockid (48).</summary>
    public const int ReqV2Len = 56;
    /// <summary>sizeof(struct inet_diag_msg): family, state, timer, retrans, sockid (48), expires, rqueue, wqueue, uid, inode.</summary>
    public const int MsgLen = 72;

    /// <summary>idiag_timer values (inet_sk_diag_fill / inet_twsk_diag_fill, net/ipv4/inet_diag.c).</summary>
    public const byte TimerNone = 0, TimerRetransmit = 1, TimerKeepalive = 2, TimerTimeWait = 3, TimerZeroWindowProbe = 4;

    /// <summary>
    /// Kernel TCP state names, indexed by the state number of include/net/tcp_states.h (TCP_ESTABLISHED = 1 …
    /// TCP_NEW_SYN_RECV = 12). Request sockets are reported as SYN_RECV by inet_req_diag_fill().
    /// </summary>
    public static readonly string[] StateNames =
    [
        "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
    ];

    public const int StateCount = 13;
    public const byte TCP_ESTABLISHED = 1, TCP_SYN_SENT = 2, TCP_SYN_RECV = 3, TCP_FIN_WAIT1 = 4, TCP_FIN_WAIT2 = 5,
        TCP_TIME_WAIT = 6, TCP_CLOSE = 7, TCP_CLOSE_WAIT = 8, TCP_LAST_ACK = 9, TCP_LISTEN = 10, TCP_CLOSING = 11,
        TCP_NEW_SYN_RECV = 12;

    /// <summary>Every state bit, TCP_BOUND_INACTIVE (13) included.</summary>
    public const uint AllStates = 0xFFFFFFFF;

    /// <summary>
    /// What the census asks for: states 0–12 (TCPF_SYN_RECV also brings the request sockets, TCP_NEW_SYN_RECV), the
    /// mask `ss -a` sends. Not TCP_BOUND_INACTIVE (13, 6.7+): with that bit set, inet_diag_dump_icsk() walks the whole
    /// bind hash (bhash2) after the established hash, every bound socket of every namespace, and skips all but the
    /// bound-and-idle ones, which hold no connection and no peer. Measured on 6.18 with 400,000 sockets in 20
    /// namespaces (bench/namespaces.sh 20 10000 3, same hour): `sockets --by container,state` took 0.775 of the ss
    /// loop's CPU with every bit and 0.634 without bit 13.
    /// </summary>
    public const uint CensusStates = (1u << 13) - 1;

    public static string StateName(int state) => (uint)state < (uint)StateNames.Length ? StateNames[state] : $"STATE_{state}";

    /// <summary>Parses a kernel state name (ESTABLISHED, TIME-WAIT, time_wait, SYN-RECV …); -1 if unknown.</summary>
    public static int ParseState(string name)
    {
        var n = name.Trim().Replace('-', '_').ToUpperInvariant();
        if (n == "FIN_WAIT_1") n = "FIN_WAIT1";
        if (n == "FIN_WAIT_2") n = "FIN_WAIT2";
        if (n == "SYN_RECEIVED") n = "SYN_RECV";
        if (n == "CLOSED") n = "CLOSE";
        if (n == "LISTENING") n = "LISTEN";
        return Array.IndexOf(StateNames, n) is var i && i > 0 ? i : -1;
    }

    /// <summary>INET_DIAG_REQ_BYTECODE: the request attribute carrying a filter program (inet_diag.h).</summary>
    public const ushort INET_DIAG_REQ_BYTECODE = 1;
    public const byte INET_DIAG_BC_JMP = 1, INET_DIAG_BC_S_GE = 2, INET_DIAG_BC_S_LE = 3, INET_DIAG_BC_D_GE = 4, INET_DIAG_BC_D_LE = 5;

    /// <summary>
    /// A filter program that splits the socket table in two disjoint halves so two dumps can run in parallel:
    /// part 0 takes the sockets whose local and peer ports fall in 8192-port blocks of the same parity, part 1
    /// the others. Ephemeral ports are spread evenly over blocks, so either side of a connection balances.
    /// Program rules from inet_diag_bc_audit()/inet_diag_bc_run() (net/ipv4/inet_diag.c): every op falls
    /// through on "yes" (yes = its own size, so every op is on the audited yes-chain), jumps on "no"; a jump to
    /// exactly the end accepts, to end + 4 rejects. Port operands sit in the "no" field of a follow-on op.
    /// </summary>
    public static byte[] SplitBytecode(int part)
    {
        const int blocks = 8, blockPorts = 8192, blockBytes = 20, testBytes = blocks / 2 * blockBytes + 4;
        const int seTrue = testBytes, seFalse = 2 * testBytes, end = 3 * testBytes;
        var bc = new byte[end];
        void Op(int at, byte code, int yes, int target)
        {
            bc[at] = code;
            bc[at + 1] = (byte)yes;
            BinaryPrimitives.WriteUInt16LittleEndian(bc.AsSpan(at + 2), (ushort)(target - at));
        }
        void Operand(int at, int port) => BinaryPrimitives.WriteUInt16LittleEndian(bc.AsSpan(at + 2), (ushort)port);
        void Test(int at, byte ge, byte le, int match, int noMatch)
        {
            for (int b = 0; b < blocks; b += 2)
            {
                int p = at + b / 2 * blockBytes, next = p + blockBytes;
                Op(p, ge, 8, next);
                Operand(p + 4, b * blockPorts);
                Op(p + 8, le, 8, next);
                Operand(p + 12, b * blockPorts + blockPorts - 1);
                Op(p + 16, INET_DIAG_BC_JMP, 4, match);
            }
            Op(at + testBytes - 4, INET_DIAG_BC_JMP, 4, noMatch);
        }
        int accept = end, reject = end + 4;
        Test(0, INET_DIAG_BC_S_GE, INET_DIAG_BC_S_LE, seTrue, seFalse);
        Test(seTrue, INET_DIAG_BC_D_GE, INET_DIAG_BC_D_LE, part == 0 ? accept : reject, part == 0 ? reject : accept);
        Test(seFalse, INET_DIAG_BC_D_GE, INET_DIAG_BC_D_LE, part == 0 ? reject : accept, part == 0 ? accept : reject);
        return bc;
    }

    /// <summary>Writes one TCPDIAG_GETSOCK dump request (nlmsghdr + struct inet_diag_req [+ bytecode]) for both families.</summary>
    public static int WriteCompatDumpRequest(Span<byte> dest, uint states, byte ext, uint seq, ReadOnlySpan<byte> bytecode = default)
    {
        int len = NlMsgHdrLen + ReqCompatLen + (bytecode.IsEmpty ? 0 : 4 + ((bytecode.Length + 3) & ~3));
        if (dest.Length < len) throw new ArgumentException("request buffer too small", nameof(dest));
        dest[..len].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(dest, (uint)len);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[4..], TCPDIAG_GETSOCK);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[6..], NLM_F_REQUEST | NLM_F_DUMP);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[8..], seq);
        var req = dest[NlMsgHdrLen..];
        req[0] = 0; // AF_UNSPEC: both families
        req[3] = ext;
        BinaryPrimitives.WriteUInt32LittleEndian(req[52..], states);
        WriteBytecode(dest[(NlMsgHdrLen + ReqCompatLen)..], bytecode);
        return len;
    }

    /// <summary>Appends the INET_DIAG_REQ_BYTECODE attribute (struct nlattr + program) when there is a program.</summary>
    private static void WriteBytecode(Span<byte> attr, ReadOnlySpan<byte> bytecode)
    {
        if (bytecode.IsEmpty) return;
        BinaryPrimitives.WriteUInt16LittleEndian(attr, (ushort)(4 + bytecode.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(attr[2..], INET_DIAG_REQ_BYTECODE);
        bytecode.CopyTo(attr[4..]);
    }

    /// <summary>
    /// Writes one SOCK_DIAG_BY_FAMILY dump request (nlmsghdr + inet_diag_req_v2 [+ INET_DIAG_REQ_BYTECODE]) into dest;
    /// returns its length.
    /// </summary>
    public static int WriteDumpRequest(Span<byte> dest, byte family, uint states, byte ext, uint seq, ReadOnlySpan<byte> bytecode = default)
    {
        int len = NlMsgHdrLen + ReqV2Len + (bytecode.IsEmpty ? 0 : 4 + ((bytecode.Length + 3) & ~3));
        if (dest.Length < len) throw new ArgumentException("request buffer too small", nameof(dest));
        dest[..len].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(dest, (uint)len);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[4..], SOCK_DIAG_BY_FAMILY);
        BinaryPrimitives.WriteUInt16LittleEndian(dest[6..], NLM_F_REQUEST | NLM_F_DUMP);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[8..], seq);
        var req = dest[NlMsgHdrLen..];
        req[0] = family;
        req[1] = IPPROTO_TCP;
        req[2] = ext;
        BinaryPrimitives.WriteUInt32LittleEndian(req[4..], states);
        // id: all zero, cookie INET_DIAG_NOCOOKIE is only needed for exact lookups.
        WriteBytecode(dest[(NlMsgHdrLen + ReqV2Len)..], bytecode);
        return len;
    }
}

/// <summary>A 16-byte address as the kernel stores it in inet_diag_sockid (IPv4 uses the first 4 bytes).</summary>
[InlineArray(16)]
public struct Addr16
{
    private byte _b0;
}

/// <summary>
/// One TCP socket from a sock_diag dump: inet_diag_msg plus the SKMEMINFO and INFO attributes we read.
/// A value type copied out of the receive buffer: no allocation per socket. Absent attributes leave
/// HasMemInfo false and the tcp_info fields at -1 (absent is not zero; a smaller tcp_info from an older
/// kernel leaves its newer fields absent).
/// </summary>
public struct InetDiagSocket
{
    public byte Family;
    public byte State;
    public byte Timer;
    public byte Retrans;
    public ushort SourcePort;
    public ushort DestinationPort;
    public Addr16 Source;
    public Addr16 Destination;
    public uint Interface;
    public ulong Cookie;
    public uint Expires;
    /// <summary>idiag_rqueue: Recv-Q; for a listener the accept queue length (sk_ack_backlog).</summary>
    public uint RQueue;
    /// <summary>idiag_wqueue: Send-Q; for a listener the backlog (sk_max_ack_backlog).</summary>
    public uint WQueue;
    public uint Uid;
    public uint Inode;

    public bool HasMemInfo;
    /// <summary>SK_MEMINFO_* (sock_diag.h): r, rb, t, tb, f, w, o, bl, d. -1 when the attribute was shorter.</summary>
    public long RmemAlloc, RcvBuf, WmemAlloc, SndBuf, FwdAlloc, WmemQueued, OptMem, Backlog, Drops;
    /// <summary>Drops known without the rest of skmem (/proc/net/udp prints sk_drops): set by ProcNetTcpReader only.</summary>
    public bool HasDrops;

    /// <summary>INET_DIAG_CGROUP_ID; 0 when absent (pre-5.7 kernel, TIME_WAIT or request sock).</summary>
    public ulong CgroupId;

    public int TcpInfoLength;
    /// <summary>struct tcp_info fields (include/uapi/linux/tcp.h); -1 when the kernel's struct is shorter.</summary>
    public long TcpiRetransmits, TcpiUnacked, TcpiRtt, TcpiRttVar, TcpiTotalRetrans, TcpiNotsentBytes,
        TcpiBusyTime, TcpiRwndLimited, TcpiSndbufLimited, TcpiSndWnd;

    /// <summary>True for a TIME_WAIT minisock (inet_twsk_diag_fill sets idiag_timer = 3), also when it carries tw_substate FIN_WAIT2.</summary>
    public readonly bool IsTimeWaitBucket => Timer == InetDiag.TimerTimeWait;

    public readonly string StateName => InetDiag.StateName(State);

    public readonly IPAddress SourceAddress => ToAddress(Family, Source);
    public readonly IPAddress DestinationAddress => ToAddress(Family, Destination);

    public static IPAddress ToAddress(byte family, in Addr16 a) =>
        family == InetDiag.AF_INET ? new IPAddress(((ReadOnlySpan<byte>)a)[..4]) : new IPAddress((ReadOnlySpan<byte>)a);

    public static string Endpoint(byte family, in Addr16 a, ushort port) =>
        family == InetDiag.AF_INET6 ? $"[{ToAddress(family, a)}]:{port}" : $"{ToAddress(family, a)}:{port}";
}
