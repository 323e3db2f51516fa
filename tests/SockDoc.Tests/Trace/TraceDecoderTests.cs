using System.Buffers.Binary;
using System.Net;
using SockDoc.Diagnosis.Trace;
using SockDoc.Kernel.Tracing;
using SockDoc.Model.Trace;

namespace SockDoc.Tests.Trace;

/// <summary>Raw records laid out by the captured 6.18 format files, decoded and aggregated as the live trace does.</summary>
public class TraceDecoderTests
{
    private static TraceEventFormat F(string sys, string name) => TraceFormatReaderTests.Load(sys, name);

    private sealed class Rec(TraceEventFormat f)
    {
        public byte[] Raw { get; } = MakeRaw(f);

        private static byte[] MakeRaw(TraceEventFormat f)
        {
            var last = f.Fields.MaxBy(x => x.Offset + x.Size)!;
            var raw = new byte[last.Offset + last.Size];
            BinaryPrimitives.WriteUInt16LittleEndian(raw, (ushort)f.Id);
            return raw;
        }

        public Rec Set(string field, long value)
        {
            var x = f.Field(field)!;
            var span = Raw.AsSpan(x.Offset, x.Size);
            switch (x.Size)
            {
                case 1: span[0] = (byte)value; break;
                case 2: BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)value); break;
                case 4: BinaryPrimitives.WriteInt32LittleEndian(span, (int)value); break;
                default: BinaryPrimitives.WriteInt64LittleEndian(span, value); break;
            }
            return this;
        }

        public Rec Bytes(string field, ReadOnlySpan<byte> b)
        {
            b.CopyTo(Raw.AsSpan(f.Field(field)!.Offset));
            return this;
        }

        public Rec V4(string field, string ip) => Bytes(field, IPAddress.Parse(ip).GetAddressBytes());
    }

    private static void Feed(TraceDecoder d, Rec r, int pid, int tid, ulong timeNs)
    {
        var s = new PerfSample(pid, tid, timeNs, 0, r.Raw);
        d.OnSample(in s);
    }

    private static (TraceAggregator Agg, TraceDecoder Dec, TraceEventFormat State) Setup(TraceBy by, params (string, string)[] events)
    {
        var agg = new TraceAggregator(by, pid => new TraceProcess(pid, "proc" + pid, "/cg/" + pid));
        var dec = new TraceDecoder(agg);
        var state = F("sock", "inet_sock_set_state");
        Assert.NotNull(dec.Prepare(state, TraceWhat.All, out _));
        foreach (var (s, n) in events) Assert.NotNull(dec.Prepare(F(s, n), TraceWhat.All, out _));
        return (agg, dec, state);
    }

    private static Rec State(TraceEventFormat f, ulong sk, string oldS, string newS, ushort sport, string dst, ushort dport, bool softirq = false)
    {
        var r = new Rec(f).Set("skaddr", (long)sk).Set("oldstate", f.ValueOf("oldstate", oldS)!.Value).Set("newstate", f.ValueOf("newstate", newS)!.Value)
            .Set("sport", sport).Set("dport", dport).Set("family", 2).Set("protocol", 6).V4("saddr", "127.0.0.1").V4("daddr", dst);
        if (softirq) r.Set("common_flags", 0x10);
        return r;
    }

    [Fact]
    public void FailedConnect_JoinsTheSameThreadsFailedSynSentForTheDestination()
    {
        var (agg, dec, st) = Setup(TraceBy.Process | TraceBy.Peer, ("syscalls", "sys_exit_connect"));
        var exit = F("syscalls", "sys_exit_connect");
        for (int i = 0; i < 3; i++)
        {
            ulong t = (ulong)(1000 + i * 10);
            Feed(dec, State(st, 0xAA00 + (ulong)i, "TCP_CLOSE", "TCP_SYN_SENT", 0, "10.1.2.3", 443), 77, 78, t);
            Feed(dec, State(st, 0xAA00 + (ulong)i, "TCP_SYN_SENT", "TCP_CLOSE", 0, "10.1.2.3", 443), 77, 78, t + 1);
            Feed(dec, new Rec(exit).Set("ret", -99), 77, 78, t + 2);
        }
        // A failure on another thread with no state change before it (not TCP): destination unknown, not stolen.
        Feed(dec, new Rec(exit).Set("ret", -98), 77, 79, 2000);

        var report = TraceReportBuilder.Build(agg, Info(TraceWhat.Ports, TraceBy.Process | TraceBy.Peer), 20);
        var rows = report.ConnectErrors!;
        var known = Assert.Single(rows, r => r.Error == "EADDRNOTAVAIL");
        Assert.Equal(("proc77", 77, "10.1.2.3:443", 3L, 0L), (known.Process, known.Pid, known.Destination, known.Count, known.DestinationUnknown));
        var unknown = Assert.Single(rows, r => r.Error == "EADDRINUSE");
        Assert.Equal((1L, 1L, "?"), (unknown.Count, unknown.DestinationUnknown, unknown.Destination));
        // The failed attempts are churn's "failed", never "opened".
        var churn = TraceReportBuilder.Build(agg, Info(TraceWhat.Churn, TraceBy.Process | TraceBy.Peer), 20).Churn!;
        Assert.Equal((0L, 3L), (churn[0].Opened, churn[0].Failed));
    }

    [Fact]
    public void Churn_LifetimesAndTimeWaitFromStateChanges()
    {
        var (agg, dec, st) = Setup(TraceBy.Peer);
        for (int i = 0; i < 100; i++)
        {
            ulong sk = 0x1000 + (ulong)i;
            ulong t0 = (ulong)i * 1_000_000;
            Feed(dec, State(st, sk, "TCP_CLOSE", "TCP_SYN_SENT", 0, "192.0.2.9", 80), 10, 10, t0);
            Feed(dec, State(st, sk, "TCP_SYN_SENT", "TCP_ESTABLISHED", 40000, "192.0.2.9", 80, softirq: true), 0, 0, t0 + 100_000);
            // 99 live 5 ms, one lives 200 ms: p50 ≈ 5 ms, p99 ≈ 5 ms, TIME_WAIT entered by the active closer.
            ulong life = i == 99 ? 200_000_000UL : 5_000_000UL;
            Feed(dec, State(st, sk, "TCP_FIN_WAIT2", "TCP_CLOSE", 40000, "192.0.2.9", 80, softirq: true), 0, 0, t0 + life);
        }
        // A socket opened before the trace: counted apart, no lifetime.
        Feed(dec, State(st, 0x9999, "TCP_LAST_ACK", "TCP_CLOSE", 80, "192.0.2.7", 5555, softirq: true), 0, 0, 999_000_000);
        var rows = TraceReportBuilder.Build(agg, Info(TraceWhat.Churn, TraceBy.Peer), 20).Churn!;
        var r = rows[0];
        Assert.Equal(("192.0.2.9:80", 100L, 100L, 100L, 100L), (r.Destination, r.Opened, r.Closed, r.TimeWaitEntered, r.LifetimesMeasured));
        Assert.InRange(r.LifetimeP50Ms!.Value, 5.0, 5.0 * 1.125);
        Assert.InRange(r.LifetimeP99Ms!.Value, 5.0, 5.0 * 1.125);
        Assert.Null(r.Pid); // not in --by
        Assert.Equal(1000.0, r.OpenedPerActiveSecond!.Value, 1);
        var pre = Assert.Single(rows, x => x.Process == "(opened before the trace)");
        Assert.Equal((1L, 0L), (pre.Closed, pre.TimeWaitEntered));
    }

    [Fact]
    public void DropReason_IsTheNameInTheRunningKernelsFormatNeverANumber()
    {
        var agg = new TraceAggregator(TraceBy.Process, pid => new TraceProcess(pid, "x", "/"));
        var dec = new TraceDecoder(agg);
        var f = F("skb", "kfree_skb");
        Assert.NotNull(dec.Prepare(f, TraceWhat.Drops, out _));
        Feed(dec, new Rec(f).Set("reason", 3).Set("protocol", 0x0800), 0, 0, 1);
        Feed(dec, new Rec(f).Set("reason", 40).Set("protocol", 0x86DD), 0, 0, 2);
        Feed(dec, new Rec(f).Set("reason", 40).Set("protocol", 0x86DD), 0, 0, 3);
        // Another kernel numbering the same reasons differently: the file is what counts.
        var text = File.ReadAllText(Fixtures.Dir("tracefs", "linux-6.18-x86_64", "events", "skb", "kfree_skb", "format"))
            .Replace("{ 3, \"NO_SOCKET\" }", "{ 3, \"RENUMBERED\" }", StringComparison.Ordinal).Replace("ID: 2310", "ID: 2311", StringComparison.Ordinal);
        var other = TraceFormatReader.Parse("skb", Fixtures.Text(text), out _)!;
        Assert.NotNull(dec.Prepare(other, TraceWhat.Drops, out _));
        Feed(dec, new Rec(other).Set("reason", 3).Set("protocol", 0x0800), 0, 0, 4);
        Feed(dec, new Rec(f).Set("reason", 9999).Set("protocol", 0x0800), 0, 0, 5);
        var drops = TraceReportBuilder.Build(agg, Info(TraceWhat.Drops, TraceBy.None), 20).Drops!;
        Assert.Contains(drops, d => d is { Reason: "NO_SOCKET", Protocol: "IPv4", Count: 1 });
        Assert.Contains(drops, d => d is { Reason: "TCP_LISTEN_OVERFLOW", Protocol: "IPv6", Count: 2 });
        Assert.Contains(drops, d => d is { Reason: "RENUMBERED", Count: 1 });
        Assert.Contains(drops, d => d is { Reason: "REASON_9999_NOT_IN_FORMAT", Count: 1 });
    }

    [Fact]
    public void SendReset_SockaddrAndReasonByName()
    {
        var agg = new TraceAggregator(TraceBy.Peer | TraceBy.Port, pid => new TraceProcess(pid, "x", "/"));
        agg.SetServicePorts(new HashSet<ushort>(), (32768, 60999)); // the peer's 51000 is ephemeral, our 8080 is not: inbound
        var dec = new TraceDecoder(agg);
        var f = F("tcp", "tcp_send_reset");
        Assert.NotNull(dec.Prepare(f, TraceWhat.Resets, out _));
        Span<byte> local = stackalloc byte[28], remote = stackalloc byte[28];
        BinaryPrimitives.WriteUInt16LittleEndian(local, 2);
        BinaryPrimitives.WriteUInt16BigEndian(local[2..], 8080);
        IPAddress.Parse("127.0.0.1").GetAddressBytes().CopyTo(local[4..]);
        BinaryPrimitives.WriteUInt16LittleEndian(remote, 2);
        BinaryPrimitives.WriteUInt16BigEndian(remote[2..], 51000);
        IPAddress.Parse("198.51.100.4").GetAddressBytes().CopyTo(remote[4..]);
        var r = new Rec(f).Set("reason", f.ValueOf("reason", "TCP_ABORT_ON_MEMORY")!.Value).Set("state", 4).Bytes("saddr", local).Bytes("daddr", remote).Set("common_flags", 0x10);
        Feed(dec, r, 0, 0, 1);
        Feed(dec, r, 0, 0, 2);
        var row = Assert.Single(TraceReportBuilder.Build(agg, Info(TraceWhat.Resets, TraceBy.Peer | TraceBy.Port), 20).Resets!);
        Assert.Equal(("sent", "TCP_ABORT_ON_MEMORY", "198.51.100.4", 8080, 2L), (row.Direction, row.Reason, row.Peer, row.Port, row.Count));
    }

    [Fact]
    public void MemoryRefusal_ProtocolKindAndLimit()
    {
        var agg = new TraceAggregator(TraceBy.Process, pid => new TraceProcess(pid, "writer", "/"));
        var dec = new TraceDecoder(agg);
        var f = F("sock", "sock_exceed_buf_limit");
        Assert.NotNull(dec.Prepare(f, TraceWhat.Memory, out _));
        var mem = new byte[24];
        BinaryPrimitives.WriteInt64LittleEndian(mem, 10);
        BinaryPrimitives.WriteInt64LittleEndian(mem.AsSpan(8), 20);
        BinaryPrimitives.WriteInt64LittleEndian(mem.AsSpan(16), 30);
        var r = new Rec(f).Bytes("name", "TCP\0"u8).Bytes("sysctl_mem", mem).Set("allocated", 31).Set("kind", 0);
        Feed(dec, r, 500, 500, 1);
        var row = Assert.Single(TraceReportBuilder.Build(agg, Info(TraceWhat.Memory, TraceBy.Process), 20).Memory!);
        Assert.Equal(("TCP", "SK_MEM_SEND", "writer", 1L, 31L, 30L, 1L), (row.Protocol, row.Kind, row.Process, row.Refused, row.MaxAllocatedPages, row.TcpMemMax, row.AboveMaxCount));
    }

    [Fact]
    public void ShortOrForeignRecords_AreCountedNotDecoded()
    {
        var (_, dec, st) = Setup(TraceBy.Peer);
        var s = new PerfSample(1, 1, 1, 0, new byte[3]);
        dec.OnSample(in s);
        var foreign = new byte[64];
        BinaryPrimitives.WriteUInt16LittleEndian(foreign, 1);
        s = new PerfSample(1, 1, 1, 0, foreign);
        dec.OnSample(in s);
        // A record shorter than its format says: ignored, no exception.
        s = new PerfSample(1, 1, 1, 0, State(st, 1, "TCP_CLOSE", "TCP_SYN_SENT", 0, "10.0.0.1", 1).Raw[..12]);
        dec.OnSample(in s);
        Assert.Equal((1L, 1L), (dec.Short, dec.Unknown));
    }

    internal static TraceRunInfo Info(TraceWhat what, TraceBy by) =>
        new(DateTimeOffset.UnixEpoch, 10, true, what, by, "test", [], 0, 0, 0, null, []);
}
