using SockDoc.Kernel.Netlink.SockDiag;
using static SockDoc.Kernel.Netlink.SockDiag.InetDiag;

namespace SockDoc.Tests.Census;

public class SockDiagReaderTests
{
    private static readonly uint[] Mem = [100, 131072, 0, 16384, 4096, 12000, 0, 0, 2];

    private static (List<InetDiagSocket> Items, DumpOutcome Outcome) Parse(byte[] datagram)
    {
        var sink = new ListSink();
        var outcome = SockDiagDump.ParseDatagram(datagram, ref sink);
        return (sink.Items, outcome);
    }

    [Fact]
    public void Decodes_addresses_ports_queues_meminfo_and_tcp_info()
    {
        var d = new DiagEncoder()
            .Add(new("10.1.2.3", 40000, "192.168.0.9", 443, TCP_ESTABLISHED, Inode: 777, RQueue: 5, WQueue: 9, Timer: 4, MemInfo: Mem, TcpInfoLen: 232, NotSent: 4242, SndWnd: 0))
            .Done().ToArray();
        var (items, outcome) = Parse(d);
        Assert.True(outcome.Complete);
        Assert.Null(outcome.Problem);
        var s = Assert.Single(items);
        Assert.Equal("10.1.2.3", s.SourceAddress.ToString());
        Assert.Equal("192.168.0.9", s.DestinationAddress.ToString());
        Assert.Equal(40000, s.SourcePort);
        Assert.Equal(443, s.DestinationPort);
        Assert.Equal((uint)5, s.RQueue);
        Assert.Equal((uint)9, s.WQueue);
        Assert.Equal((uint)777, s.Inode);
        Assert.Equal("ESTABLISHED", s.StateName);
        Assert.True(s.HasMemInfo);
        Assert.Equal(100, s.RmemAlloc);
        Assert.Equal(131072, s.RcvBuf);
        Assert.Equal(16384, s.SndBuf);
        Assert.Equal(4096, s.FwdAlloc);
        Assert.Equal(12000, s.WmemQueued);
        Assert.Equal(2, s.Drops);
        Assert.Equal(232, s.TcpInfoLength);
        Assert.Equal(3, s.TcpiRetransmits);
        Assert.Equal(7, s.TcpiUnacked);
        Assert.Equal(1234, s.TcpiRtt);
        Assert.Equal(4242, s.TcpiNotsentBytes);
        Assert.Equal(5000, s.TcpiRwndLimited);
        Assert.Equal(0, s.TcpiSndWnd);
    }

    [Fact]
    public void Ipv6_addresses_are_read_in_full()
    {
        var d = new DiagEncoder().Add(new("2001:db8::1", 22, "::1", 50000, TCP_LISTEN)).ToArray();
        var s = Assert.Single(Parse(d).Items);
        Assert.Equal(AF_INET6, s.Family);
        Assert.Equal("2001:db8::1", s.SourceAddress.ToString());
        Assert.Equal("[2001:db8::1]:22", InetDiagSocket.Endpoint(s.Family, s.Source, s.SourcePort));
    }

    [Fact]
    public void A_shorter_tcp_info_from_an_older_kernel_leaves_newer_fields_absent()
    {
        // 104 bytes: tcp_info up to tcpi_total_retrans (about 4.1); 192 bytes: up to tcpi_sndbuf_limited (4.10).
        var d = new DiagEncoder()
            .Add(new("127.0.0.1", 1, "127.0.0.1", 2, TCP_ESTABLISHED, TcpInfoLen: 104))
            .Add(new("127.0.0.1", 3, "127.0.0.1", 4, TCP_ESTABLISHED, TcpInfoLen: 192))
            .ToArray();
        var items = Parse(d).Items;
        Assert.Equal(1234, items[0].TcpiRtt);
        Assert.Equal(-1, items[0].TcpiNotsentBytes);
        Assert.Equal(-1, items[0].TcpiSndWnd);
        Assert.Equal(5000, items[1].TcpiRwndLimited);
        Assert.Equal(-1, items[1].TcpiSndWnd);
        Assert.False(items[0].HasMemInfo);
        Assert.Equal(-1, items[0].WmemQueued);
    }

    [Fact]
    public void Unknown_attributes_are_skipped()
    {
        var d = new DiagEncoder().Add(new("127.0.0.1", 1, "127.0.0.1", 2, TCP_ESTABLISHED, MemInfo: Mem, ExtraAttrType: 99)).Done().ToArray();
        var (items, outcome) = Parse(d);
        Assert.True(outcome.Complete);
        Assert.Equal(12000, Assert.Single(items).WmemQueued);
    }

    [Fact]
    public void A_message_longer_than_the_datagram_is_a_clear_problem()
    {
        var d = new DiagEncoder().Add(new("127.0.0.1", 1, "127.0.0.1", 2, TCP_ESTABLISHED)).ToArray();
        var cut = d[..60];
        var (items, outcome) = Parse(cut);
        Assert.Empty(items);
        Assert.False(outcome.Complete);
        Assert.Contains("claims 88 bytes, 60 left", outcome.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_payload_shorter_than_inet_diag_msg_is_a_clear_problem()
    {
        var d = new DiagEncoder().Message(SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, new byte[20]).ToArray();
        var outcome = Parse(d).Outcome;
        Assert.Contains("20 bytes, an inet_diag_msg needs 72", outcome.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_attribute_length_is_a_clear_problem()
    {
        var d = new DiagEncoder().Add(new("127.0.0.1", 1, "127.0.0.1", 2, TCP_ESTABLISHED, MemInfo: Mem)).ToArray();
        // rta_len of the first attribute (right after nlmsghdr + inet_diag_msg) set to 2000
        d[16 + 72] = 0xD0;
        d[16 + 72 + 1] = 0x07;
        var outcome = Parse(d).Outcome;
        Assert.Contains("attribute type 7 claims 2000 bytes", outcome.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_length_below_16_does_not_loop()
    {
        var d = new byte[32];
        d[0] = 4; // nlmsg_len 4
        var outcome = Parse(d).Outcome;
        Assert.Contains("claims 4 bytes", outcome.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_bytes_shorter_than_a_header_are_reported()
    {
        var d = new DiagEncoder().Add(new("127.0.0.1", 1, "127.0.0.1", 2, TCP_ESTABLISHED)).Raw([1, 2, 3, 4, 5, 6, 7, 8]).ToArray();
        var (items, outcome) = Parse(d);
        Assert.Single(items);
        Assert.Contains("8 trailing bytes", outcome.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void NLMSG_ERROR_carries_the_errno()
    {
        var outcome = Parse(new DiagEncoder().Error(22).ToArray()).Outcome;
        Assert.False(outcome.Complete);
        Assert.Equal(22, outcome.Errno);
        Assert.Contains("NLMSG_ERROR", outcome.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void NLM_F_DUMP_INTR_marks_the_dump_interrupted()
    {
        var d = new DiagEncoder().Add(new("127.0.0.1", 1, "127.0.0.1", 2, TCP_ESTABLISHED), NLM_F_MULTI | NLM_F_DUMP_INTR).Done().ToArray();
        var outcome = Parse(d).Outcome;
        Assert.True(outcome.Complete);
        Assert.True(outcome.Interrupted);
    }

    [Fact]
    public void A_wrong_address_family_is_a_problem_not_a_crash()
    {
        var d = new DiagEncoder().Add(new("127.0.0.1", 1, "127.0.0.1", 2, TCP_ESTABLISHED)).ToArray();
        d[16] = 1; // AF_UNIX
        Assert.Contains("address family 1", Parse(d).Outcome.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_bytes_never_throw_or_hang()
    {
        var rng = new Random(4);
        var valid = new DiagEncoder().Add(new("127.0.0.1", 1, "127.0.0.1", 2, TCP_ESTABLISHED, MemInfo: Mem, TcpInfoLen: 232)).Done().ToArray();
        for (int i = 0; i < 2000; i++)
        {
            var d = (byte[])valid.Clone();
            for (int k = 0; k < 4; k++) d[rng.Next(d.Length)] = (byte)rng.Next(256);
            var cut = d[..rng.Next(d.Length + 1)];
            var sink = new ListSink();
            _ = SockDiagDump.ParseDatagram(cut, ref sink);
            Assert.True(sink.Items.Count <= 1);
        }
    }

    [Fact]
    public void Replay_reports_a_cut_capture()
    {
        var d = new DiagEncoder().Add(new("127.0.0.1", 1, "127.0.0.1", 2, TCP_ESTABLISHED)).Done().ToArray();
        var capture = DiagEncoder.Capture(d);
        var sink = new ListSink();
        var outcome = SockDiagDump.Replay(capture.AsSpan(0, capture.Length - 10), ref sink);
        Assert.False(outcome.Complete);
        Assert.Contains("only", outcome.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ESTABLISHED", 1)]
    [InlineData("time-wait", 6)]
    [InlineData("FIN-WAIT-1", 4)]
    [InlineData("syn_recv", 3)]
    [InlineData("LISTEN", 10)]
    [InlineData("new_syn_recv", 12)]
    [InlineData("bogus", -1)]
    public void State_names_parse_like_the_kernel_and_ss_spell_them(string name, int state) => Assert.Equal(state, ParseState(name));
}
