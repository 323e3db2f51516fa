using System.Buffers.Binary;
using SockDoc.Model.Trace;

namespace SockDoc.Kernel.Tracing;

/// <summary>A tracepoint this tool knows how to read, and which --what needs it.</summary>
public sealed record KnownTracepoint(string System, string Name, TraceWhat UsedBy, string Purpose);

/// <summary>
/// Decodes raw tracepoint records by the field offsets of the running kernel's format files and hands typed
/// events on. Symbol values (TCP states, drop and reset reasons) are looked up by name in each format's
/// __print_symbolic tables, never assumed.
/// </summary>
public sealed class TraceDecoder : ITraceSink
{
    public static readonly IReadOnlyList<KnownTracepoint> Known =
    [
        new("sock", "inet_sock_set_state", TraceWhat.Churn | TraceWhat.Ports, "connection opens, closes, lifetimes, TIME_WAIT entered; destination of failed connects"),
        new("syscalls", "sys_exit_connect", TraceWhat.Ports, "connect() returning EADDRNOTAVAIL / EADDRINUSE, by process"),
        new("tcp", "tcp_send_reset", TraceWhat.Resets, "resets sent, with the kernel's reason (TCP_ABORT_ON_MEMORY ...)"),
        new("tcp", "tcp_receive_reset", TraceWhat.Resets, "resets received from peers"),
        new("sock", "sock_exceed_buf_limit", TraceWhat.Memory, "memory charges refused by __sk_mem_raise_allocated()"),
        new("skb", "kfree_skb", TraceWhat.Drops, "packets dropped, with the kernel's drop reason"),
    ];

    // include/linux/trace_events.h, enum trace_flag_type.
    private const byte TRACE_FLAG_HARDIRQ = 0x08, TRACE_FLAG_SOFTIRQ = 0x10, TRACE_FLAG_NMI = 0x40;

    private readonly ITraceEvents _sink;
    private readonly Dictionary<int, Decoder> _byId = [];

    public TraceDecoder(ITraceEvents sink)
    {
        _sink = sink;
    }

    public long Unknown { get; private set; }
    public long Short { get; private set; }

    private delegate void Decoder(in PerfSample s);

    /// <summary>Prepares decoding for one tracepoint and returns what to attach (with the kernel-side filter), or null with a reason.</summary>
    public TraceAttach? Prepare(TraceEventFormat f, TraceWhat what, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(f);
        problem = null;
        var flags = f.Field("common_flags");
        Func<ReadOnlySpan<byte>, bool> inIrq = flags is null
            ? _ => false
            : raw => raw.Length > flags.Offset && (raw[flags.Offset] & (TRACE_FLAG_HARDIRQ | TRACE_FLAG_SOFTIRQ | TRACE_FLAG_NMI)) != 0;
        switch (f.FullName)
        {
            case "sock:inet_sock_set_state":
                return PrepareStateChange(f, what, inIrq, out problem);
            case "syscalls:sys_exit_connect":
            {
                var ret = Need(f, "ret", ref problem);
                if (ret is null) return null;
                _byId[f.Id] = (in PerfSample s) =>
                {
                    if (!Fits(s.Raw, ret)) return;
                    _sink.OnConnectExit(new ConnectExitEvent(s.Time, s.Pid, s.Tid, ReadSigned(s.Raw, ret)));
                };
                // EADDRINUSE 98, EADDRNOTAVAIL 99 (include/uapi/asm-generic/errno.h): only failures reach the ring.
                return new TraceAttach(f, "ret == -99 || ret == -98");
            }
            case "tcp:tcp_send_reset":
                return PrepareSendReset(f, inIrq, out problem);
            case "tcp:tcp_receive_reset":
            {
                var ep = Endpoints(f, ref problem);
                if (ep is null) return null;
                _byId[f.Id] = (in PerfSample s) =>
                {
                    var (local, remote) = ep(s.Raw);
                    _sink.OnReset(new ResetEvent(s.Time, s.Pid, inIrq(s.Raw), false, "RECEIVED", TcpState.Unknown, local, remote));
                };
                return new TraceAttach(f, null);
            }
            case "sock:sock_exceed_buf_limit":
                return PrepareMemory(f, inIrq, out problem);
            case "skb:kfree_skb":
                return PrepareDrop(f, out problem);
            default:
                problem = $"{f.FullName}: no decoder";
                return null;
        }
    }

    private TraceAttach? PrepareStateChange(TraceEventFormat f, TraceWhat what, Func<ReadOnlySpan<byte>, bool> inIrq, out string? problem)
    {
        problem = null;
        var sk = Need(f, "skaddr", ref problem);
        var olds = Need(f, "oldstate", ref problem);
        var news = Need(f, "newstate", ref problem);
        var ep = Endpoints(f, ref problem);
        if (sk is null || olds is null || news is null || ep is null) return null;
        var states = StateMap(f, "oldstate");
        _byId[f.Id] = (in PerfSample s) =>
        {
            if (!Fits(s.Raw, news)) return;
            var (local, remote) = ep(s.Raw);
            _sink.OnStateChange(new StateChangeEvent(s.Time, s.Pid, s.Tid, inIrq(s.Raw), ReadUnsigned(s.Raw, sk),
                Map(states, ReadSigned(s.Raw, olds)), Map(states, ReadSigned(s.Raw, news)), local, remote));
        };
        // Only the transitions the tables use reach the ring: → ESTABLISHED, → SYN_SENT, → CLOSE, TCP only.
        long? est = f.ValueOf("newstate", "TCP_ESTABLISHED"), syn = f.ValueOf("newstate", "TCP_SYN_SENT"), close = f.ValueOf("newstate", "TCP_CLOSE");
        long? tcp = f.ValueOf("protocol", "IPPROTO_TCP");
        string? filter = null;
        if (est is not null && syn is not null && close is not null)
        {
            filter = (what & TraceWhat.Churn) != 0
                ? $"newstate == {est} || newstate == {syn} || newstate == {close}"
                : $"oldstate == {syn} && newstate == {close} && sport == 0"; // ports only: failed connects
            if (tcp is not null && f.Field("protocol") is not null) filter = $"protocol == {tcp} && ({filter})";
        }
        return new TraceAttach(f, filter);
    }

    private TraceAttach? PrepareSendReset(TraceEventFormat f, Func<ReadOnlySpan<byte>, bool> inIrq, out string? problem)
    {
        problem = null;
        var saddr = Need(f, "saddr", ref problem);
        var daddr = Need(f, "daddr", ref problem);
        if (saddr is null || daddr is null) return null;
        var state = f.Field("state");
        var reason = f.Field("reason");
        var states = StateMap(f, "state");
        var reasons = f.Symbols.TryGetValue("reason", out var r) ? r : null;
        _byId[f.Id] = (in PerfSample s) =>
        {
            if (!Fits(s.Raw, daddr)) return;
            var local = SockAddr(s.Raw.Slice(saddr.Offset, saddr.Size));
            var remote = SockAddr(s.Raw.Slice(daddr.Offset, daddr.Size));
            string why = reason is null || !Fits(s.Raw, reason) ? "NOT_RECORDED_BY_THIS_KERNEL"
                : reasons is not null && reasons.TryGetValue(ReadSigned(s.Raw, reason), out var n) ? n
                : "REASON_" + ReadSigned(s.Raw, reason).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var st = state is not null && Fits(s.Raw, state) ? Map(states, ReadSigned(s.Raw, state)) : TcpState.Unknown;
            _sink.OnReset(new ResetEvent(s.Time, s.Pid, inIrq(s.Raw), true, why, st, local, remote));
        };
        return new TraceAttach(f, null);
    }

    private TraceAttach? PrepareMemory(TraceEventFormat f, Func<ReadOnlySpan<byte>, bool> inIrq, out string? problem)
    {
        problem = null;
        var name = Need(f, "name", ref problem);
        var mem = Need(f, "sysctl_mem", ref problem);
        var alloc = Need(f, "allocated", ref problem);
        if (name is null || mem is null || alloc is null) return null;
        var kind = f.Field("kind");
        var kinds = f.Symbols.TryGetValue("kind", out var k) ? k : null;
        TraceField? rmem = f.Field("sysctl_rmem"), rmemAlloc = f.Field("rmem_alloc"), wmem = f.Field("sysctl_wmem"), queued = f.Field("wmem_queued");
        var protoNames = new Dictionary<string, string>(StringComparer.Ordinal);
        _byId[f.Id] = (in PerfSample s) =>
        {
            if (!Fits(s.Raw, alloc) || !Fits(s.Raw, name) || !Fits(s.Raw, mem)) return;
            var nameBytes = s.Raw.Slice(name.Offset, name.Size);
            int nul = nameBytes.IndexOf((byte)0);
            if (nul >= 0) nameBytes = nameBytes[..nul];
            var proto = System.Text.Encoding.ASCII.GetString(nameBytes);
            if (protoNames.TryGetValue(proto, out var interned)) proto = interned;
            else if (protoNames.Count < 64) protoNames[proto] = proto;
            string kindName = kind is null || !Fits(s.Raw, kind) ? "?" :
                kinds is not null && kinds.TryGetValue(ReadSigned(s.Raw, kind), out var kn) ? kn : "KIND_" + ReadSigned(s.Raw, kind);
            var m = s.Raw.Slice(mem.Offset, mem.Size);
            long m0 = m.Length >= 8 ? BinaryPrimitives.ReadInt64LittleEndian(m) : 0;
            long m1 = m.Length >= 16 ? BinaryPrimitives.ReadInt64LittleEndian(m[8..]) : 0;
            long m2 = m.Length >= 24 ? BinaryPrimitives.ReadInt64LittleEndian(m[16..]) : 0;
            _sink.OnMemoryRefusal(new MemoryRefusalEvent(s.Time, s.Pid, inIrq(s.Raw), proto, kindName, ReadSigned(s.Raw, alloc), m0, m1, m2,
                (int)Opt(s.Raw, rmem), (int)Opt(s.Raw, rmemAlloc), (int)Opt(s.Raw, wmem), (int)Opt(s.Raw, queued)));
        };
        return new TraceAttach(f, null);
    }

    private TraceAttach? PrepareDrop(TraceEventFormat f, out string? problem)
    {
        problem = null;
        var reason = f.Field("reason");
        var proto = f.Field("protocol");
        // Before 5.17 kfree_skb has no reason field: every drop is "reason not recorded by this kernel".
        var reasons = f.Symbols.TryGetValue("reason", out var r) ? r : null;
        var cache = new Dictionary<long, string>();
        _byId[f.Id] = (in PerfSample s) =>
        {
            string why;
            if (reason is null || !Fits(s.Raw, reason)) why = "NOT_RECORDED_BY_THIS_KERNEL";
            else
            {
                long v = ReadSigned(s.Raw, reason);
                if (reasons is not null && reasons.TryGetValue(v, out var n)) why = n;
                else if (!cache.TryGetValue(v, out why!))
                {
                    why = "REASON_" + v.ToString(System.Globalization.CultureInfo.InvariantCulture) + "_NOT_IN_FORMAT";
                    if (cache.Count < 1024) cache[v] = why;
                }
            }
            // TP_fast_assign stores ntohs(skb->protocol) (include/trace/events/skb.h): host order already.
            ushort p = proto is not null && Fits(s.Raw, proto) ? (ushort)ReadUnsigned(s.Raw, proto) : (ushort)0;
            _sink.OnDrop(new DropEvent(s.Time, why, p));
        };
        return new TraceAttach(f, null);
    }

    public void OnSample(in PerfSample sample)
    {
        if (sample.Raw.Length < 8)
        {
            Short++;
            return;
        }
        if (_byId.TryGetValue(sample.EventId, out var d)) d(sample);
        else Unknown++;
    }

    private static TraceField? Need(TraceEventFormat f, string name, ref string? problem)
    {
        var field = f.Field(name);
        if (field is null) problem = (problem is null ? "" : problem + "; ") + $"{f.FullName} has no field '{name}' on this kernel";
        return field;
    }

    private static bool Fits(ReadOnlySpan<byte> raw, TraceField f) => f.Offset >= 0 && f.Offset + f.Size <= raw.Length;

    private static long Opt(ReadOnlySpan<byte> raw, TraceField? f) => f is not null && Fits(raw, f) ? ReadSigned(raw, f) : 0;

    public static long ReadSigned(ReadOnlySpan<byte> raw, TraceField f)
    {
        var b = raw.Slice(f.Offset, f.Size);
        return f.Size switch
        {
            1 => f.Signed ? (sbyte)b[0] : b[0],
            2 => f.Signed ? BinaryPrimitives.ReadInt16LittleEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b),
            4 => f.Signed ? BinaryPrimitives.ReadInt32LittleEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b),
            // syscall args are 8-byte slots even when declared int (signed:0 for "int fd"): the low bits are the value.
            8 => BinaryPrimitives.ReadInt64LittleEndian(b),
            _ => 0,
        };
    }

    public static ulong ReadUnsigned(ReadOnlySpan<byte> raw, TraceField f) => unchecked((ulong)ReadSigned(raw, f)) & (f.Size >= 8 ? ulong.MaxValue : (1UL << (8 * f.Size)) - 1);

    /// <summary>Kernel state number → TcpState through the format's own symbol names.</summary>
    private static Dictionary<long, TcpState> StateMap(TraceEventFormat f, string field)
    {
        var map = new Dictionary<long, TcpState>();
        if (!f.Symbols.TryGetValue(field, out var table)) return map;
        foreach (var (v, name) in table)
        {
            var state = name switch
            {
                "TCP_ESTABLISHED" => TcpState.Established, "TCP_SYN_SENT" => TcpState.SynSent, "TCP_SYN_RECV" => TcpState.SynRecv,
                "TCP_FIN_WAIT1" => TcpState.FinWait1, "TCP_FIN_WAIT2" => TcpState.FinWait2, "TCP_TIME_WAIT" => TcpState.TimeWait,
                "TCP_CLOSE" => TcpState.Close, "TCP_CLOSE_WAIT" => TcpState.CloseWait, "TCP_LAST_ACK" => TcpState.LastAck,
                "TCP_LISTEN" => TcpState.Listen, "TCP_CLOSING" => TcpState.Closing, "TCP_NEW_SYN_RECV" => TcpState.NewSynRecv,
                _ => TcpState.Unknown,
            };
            map[v] = state;
        }
        return map;
    }

    private static TcpState Map(Dictionary<long, TcpState> m, long v) =>
        m.TryGetValue(v, out var s) ? s
        : m.Count == 0 && v is >= 1 and <= 12 ? (TcpState)v // no table in this format: the uapi numbering of tcp_states.h
        : TcpState.Unknown;

    private delegate (TraceEndpoint Local, TraceEndpoint Remote) EndpointReader(ReadOnlySpan<byte> raw);

    /// <summary>sport/dport (host order), family, saddr/daddr (4 bytes) and saddr_v6/daddr_v6 (16 bytes), as in inet_sock_set_state.</summary>
    private static EndpointReader? Endpoints(TraceEventFormat f, ref string? problem)
    {
        var sport = Need(f, "sport", ref problem);
        var dport = Need(f, "dport", ref problem);
        var family = Need(f, "family", ref problem);
        var saddr = Need(f, "saddr", ref problem);
        var daddr = Need(f, "daddr", ref problem);
        TraceField? s6 = f.Field("saddr_v6"), d6 = f.Field("daddr_v6");
        if (sport is null || dport is null || family is null || saddr is null || daddr is null) return null;
        return raw =>
        {
            if (!Fits(raw, daddr) || !Fits(raw, family) || !Fits(raw, dport)) return default;
            var sp = (ushort)ReadUnsigned(raw, sport);
            var dp = (ushort)ReadUnsigned(raw, dport);
            if (ReadUnsigned(raw, family) == TraceEndpoint.Inet6 && s6 is not null && d6 is not null && Fits(raw, d6) && Fits(raw, s6))
                return (TraceEndpoint.FromV6(raw.Slice(s6.Offset, 16), sp), TraceEndpoint.FromV6(raw.Slice(d6.Offset, 16), dp));
            return (TraceEndpoint.FromV4(raw.Slice(saddr.Offset, 4), sp), TraceEndpoint.FromV4(raw.Slice(daddr.Offset, 4), dp));
        };
    }

    /// <summary>A struct sockaddr_in / sockaddr_in6 copied into a 28-byte field (TP_STORE_ADDR_PORTS, include/trace/events/net_probe_common.h).</summary>
    public static TraceEndpoint SockAddr(ReadOnlySpan<byte> sa)
    {
        if (sa.Length < 8) return default;
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(sa);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(sa[2..]);
        if (family == TraceEndpoint.Inet) return TraceEndpoint.FromV4(sa.Slice(4, 4), port);
        if (family == TraceEndpoint.Inet6 && sa.Length >= 24) return TraceEndpoint.FromV6(sa.Slice(8, 16), port);
        return default;
    }
}
