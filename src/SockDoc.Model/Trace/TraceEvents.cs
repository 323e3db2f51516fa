using System.Buffers.Binary;
using System.Net;

namespace SockDoc.Model.Trace;

/// <summary>What `sockdoc trace` watches (--what).</summary>
[Flags]
public enum TraceWhat
{
    None = 0,
    Resets = 1,
    Memory = 2,
    Ports = 4,
    Churn = 8,
    Drops = 16,
    Blocked = 32,
    All = Resets | Memory | Ports | Churn | Drops | Blocked,
}

/// <summary>How rows are keyed (--by). Port is the service port: destination port outbound, local port inbound.</summary>
[Flags]
public enum TraceBy
{
    None = 0,
    Process = 1,
    Cgroup = 2,
    Peer = 4,
    Port = 8,
}

/// <summary>TCP states, include/net/tcp_states.h (the decoder maps the kernel's own symbol names onto these).</summary>
public enum TcpState
{
    Unknown = 0,
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Close = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
    NewSynRecv = 12,
}

/// <summary>An IPv4 or IPv6 address and port, kept as 16 bytes so it can be a dictionary key without allocating.</summary>
public readonly record struct TraceEndpoint(byte Family, UInt128 Address, ushort Port)
{
    public const byte Inet = 2, Inet6 = 10;

    public static TraceEndpoint FromV4(ReadOnlySpan<byte> addr4, ushort port) =>
        new(Inet, BinaryPrimitives.ReadUInt32BigEndian(addr4), port);

    public static TraceEndpoint FromV6(ReadOnlySpan<byte> addr16, ushort port) =>
        new(Inet6, BinaryPrimitives.ReadUInt128BigEndian(addr16), port);

    public bool IsEmpty => Family == 0;

    public TraceEndpoint WithoutPort() => this with { Port = 0 };

    public IPAddress ToAddress()
    {
        Span<byte> b = stackalloc byte[16];
        if (Family == Inet)
        {
            BinaryPrimitives.WriteUInt32BigEndian(b, (uint)Address);
            return new IPAddress(b[..4]);
        }
        BinaryPrimitives.WriteUInt128BigEndian(b, Address);
        var a = new IPAddress(b);
        return a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
    }

    public override string ToString()
    {
        if (IsEmpty) return "?";
        var a = ToAddress();
        var text = a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "[" + a + "]" : a.ToString();
        return Port == 0 ? text : text + ":" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>sock:inet_sock_set_state. InIrq: the change ran in interrupt/softirq context, so Pid is not its owner.</summary>
public readonly record struct StateChangeEvent(ulong Time, int Pid, int Tid, bool InIrq, ulong Sock, TcpState Old, TcpState New,
    TraceEndpoint Local, TraceEndpoint Remote);

/// <summary>syscalls:sys_exit_connect with a negative return (the errno).</summary>
public readonly record struct ConnectExitEvent(ulong Time, int Pid, int Tid, long Ret);

/// <summary>tcp:tcp_send_reset (Sent) or tcp:tcp_receive_reset; Reason is the kernel's sk_rst_reason symbol.</summary>
public readonly record struct ResetEvent(ulong Time, int Pid, bool InIrq, bool Sent, string Reason, TcpState State,
    TraceEndpoint Local, TraceEndpoint Remote);

/// <summary>sock:sock_exceed_buf_limit: a memory charge the kernel refused in __sk_mem_raise_allocated().</summary>
public readonly record struct MemoryRefusalEvent(ulong Time, int Pid, bool InIrq, string Protocol, string Kind,
    long AllocatedPages, long MemMin, long MemPressure, long MemMax, int SysctlRmem, int RmemAlloc, int SysctlWmem, int WmemQueued);

/// <summary>skb:kfree_skb: Reason is the kernel's skb_drop_reason symbol from the format file; Protocol the ethertype.</summary>
public readonly record struct DropEvent(ulong Time, string Reason, ushort Protocol);

/// <summary>One thread seen asleep in sk_stream_wait_memory() by one stack sample.</summary>
public readonly record struct BlockedThreadSample(int Pid, int Tid, int Fd, TraceEndpoint Peer);

/// <summary>Who a pid is: command name and cgroup, read once when first seen.</summary>
public sealed record TraceProcess(int Pid, string Comm, string Cgroup);

/// <summary>Where decoded tracepoint events go (the aggregator); keeps the decoder free of aggregation.</summary>
public interface ITraceEvents
{
    void OnStateChange(in StateChangeEvent e);
    void OnConnectExit(in ConnectExitEvent e);
    void OnReset(in ResetEvent e);
    void OnMemoryRefusal(in MemoryRefusalEvent e);
    void OnDrop(in DropEvent e);
}
