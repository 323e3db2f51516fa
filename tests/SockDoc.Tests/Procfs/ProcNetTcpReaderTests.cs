using System.Text;
using SockDoc.Kernel.Netlink.SockDiag;
using SockDoc.Kernel.Procfs;

namespace SockDoc.Tests.Procfs;

/// <summary>ProcNetTcpReader on /proc/net/tcp* and udp* captured on the VM (fixtures/procnet/SOURCE.md) and on damage.</summary>
public class ProcNetTcpReaderTests
{
    private sealed class Collect : ISockDiagSink
    {
        public List<InetDiagSocket> Items { get; } = [];
        public void OnSocket(in InetDiagSocket socket) => Items.Add(socket);
    }

    private static string Dir => Fixtures.Dir("procnet", "debian12-6.18-vm-netns");

    private static (List<InetDiagSocket> Items, ProcNetOutcome Outcome) ReadFixture(string file, bool udp)
    {
        var sink = new Collect();
        var o = ProcNetTcpReader.ReadFile(Path.Combine(Dir, file), udp, ref sink);
        return (sink.Items, o);
    }

    private static (List<InetDiagSocket> Items, ProcNetOutcome Outcome) ReadBytes(byte[] data, bool udp = false)
    {
        var sink = new Collect();
        using var ms = new MemoryStream(data);
        var o = ProcNetTcpReader.Read(ms, "/proc/net/tcp", udp, ref sink);
        return (sink.Items, o);
    }

    /// <summary>ss -tan rows of the same namespace at the same moment: (state in kernel words, local, peer, Recv-Q, Send-Q).</summary>
    private static List<(string State, string Local, string Peer, long RecvQ, long SendQ)> Ss(string file)
    {
        var rows = new List<(string, string, string, long, long)>();
        foreach (var line in File.ReadAllLines(Path.Combine(Dir, file)).Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5) continue;
            string state = f[0] switch
            {
                "ESTAB" => "ESTABLISHED", "UNCONN" => "CLOSE", "FIN-WAIT-1" => "FIN_WAIT1", "FIN-WAIT-2" => "FIN_WAIT2", _ => f[0].Replace('-', '_'),
            };
            rows.Add((state, f[3], f[4], long.Parse(f[1]), long.Parse(f[2])));
        }
        return rows;
    }

    [Fact]
    public void Tcp_and_tcp6_give_the_states_addresses_and_queues_ss_showed()
    {
        var (v4, o4) = ReadFixture("tcp", udp: false);
        var (v6, o6) = ReadFixture("tcp6", udp: false);
        Assert.True(o4.Complete, o4.Problem);
        Assert.True(o6.Complete, o6.Problem);
        Assert.Equal(18, o4.Sockets);
        Assert.Equal(9, o6.Sockets);
        var all = v4.Concat(v6).ToList();
        var ss = Ss("ss-tan.txt");
        Assert.Equal(ss.GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Count()).OrderBy(kv => kv.Key),
            all.GroupBy(s => s.StateName).ToDictionary(g => g.Key, g => g.Count()).OrderBy(kv => kv.Key));

        // Every ss row is one line, with the same endpoints (ss prints "*" for a wildcard listener).
        static string Ep(InetDiagSocket s, bool local)
        {
            var e = local ? InetDiagSocket.Endpoint(s.Family, s.Source, s.SourcePort) : InetDiagSocket.Endpoint(s.Family, s.Destination, s.DestinationPort);
            return e.Replace("[::]:0", "[::]:*").Replace("0.0.0.0:0", "0.0.0.0:*").Replace("[::]:7005", "*:7005");
        }
        var mine = all.Select(s => (s.StateName, Ep(s, true), Ep(s, false))).OrderBy(x => x).ToList();
        var theirs = ss.Select(r => (r.State, r.Local, r.Peer == "*:*" ? "[::]:*" : r.Peer)).OrderBy(x => x).ToList();
        Assert.Equal(theirs, mine);

        // Queues of connected sockets: rx = Recv-Q (1000 unread bytes on the IPv6 server side), tx = Send-Q.
        Assert.Equal(2, all.Count(s => s.State == InetDiag.TCP_ESTABLISHED && s.RQueue == 1000 && s.Family == InetDiag.AF_INET6));
        var synSent = Assert.Single(all, s => s.State == InetDiag.TCP_SYN_SENT);
        Assert.Equal(1u, synSent.WQueue); // the SYN
        Assert.Equal(InetDiag.TimerRetransmit, synSent.Timer);
        Assert.Equal(1, synSent.Retrans);
        Assert.Equal(500u, synSent.Expires); // 0x32 clock_t = 50 ticks of USER_HZ 100
        // The full listener: accept queue 3, backlog not in the file (tx_queue of a listener is not sk_max_ack_backlog).
        var full = Assert.Single(all, s => s.State == InetDiag.TCP_LISTEN && s.SourcePort == 7001);
        Assert.Equal(3u, full.RQueue);
        Assert.Equal("127.0.0.1", full.SourceAddress.ToString());
        // TIME_WAIT buckets: timer 3, no inode, no skmem, no tcp_info.
        var tw = all.Where(s => s.State == InetDiag.TCP_TIME_WAIT).ToList();
        Assert.Equal(3, tw.Count);
        Assert.All(tw, s => Assert.True(s.IsTimeWaitBucket && s.Inode == 0 && s.Expires > 0));
        Assert.All(all, s => Assert.False(s.HasMemInfo));
        Assert.All(all, s => Assert.Equal(-1, s.TcpiSndWnd));
        Assert.All(all, s => Assert.Equal(0ul, s.CgroupId));
        // The keepalive client: timer 2.
        Assert.Contains(all, s => s.Timer == InetDiag.TimerKeepalive && s.DestinationPort == 7005);
        // v4-mapped IPv6 and ::1 decode to the addresses ss printed (32-bit words, host-endian hex).
        Assert.Contains(all, s => s.Family == InetDiag.AF_INET6 && s.SourceAddress.ToString() == "::ffff:127.0.0.1");
        Assert.Contains(all, s => s.Family == InetDiag.AF_INET6 && s.SourceAddress.ToString() == "::1" && s.SourcePort == 7002);
        // Accepted children still in the accept queue have no inode yet, but are not orphans (ESTABLISHED).
        Assert.Equal(3, all.Count(s => s.State == InetDiag.TCP_ESTABLISHED && s.Inode == 0 && s.SourcePort == 7001));
    }

    [Fact]
    public void Udp_gives_queues_and_sk_drops()
    {
        var (v4, o4) = ReadFixture("udp", udp: true);
        var (v6, o6) = ReadFixture("udp6", udp: true);
        Assert.True(o4.Complete && o6.Complete, o4.Problem ?? o6.Problem);
        var small = Assert.Single(v4, s => s.SourcePort == 7100);
        Assert.True(small.HasDrops);
        Assert.Equal(199, small.Drops);
        Assert.Equal(0x500u, small.RQueue);
        Assert.False(small.HasMemInfo);
        var connected = Assert.Single(v6);
        Assert.Equal(InetDiag.TCP_ESTABLISHED, connected.State);
        Assert.Equal("[::1]:7100", InetDiagSocket.Endpoint(connected.Family, connected.Destination, connected.DestinationPort));
        Assert.Equal(Ss("ss-uan.txt").Count, v4.Count + v6.Count);
    }

    [Fact]
    public void Hex_words_are_host_endian_on_little_endian_hosts()
    {
        // x86_64 and arm64 are little-endian: 127.0.0.1 is the u32 0x0100007F, printed "0100007F".
        Assert.True(BitConverter.IsLittleEndian);
        var s = default(InetDiagSocket);
        Assert.Null(ProcNetTcpReader.ParseLine("   0: 0A00020F:1F90 C0A80001:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 42 1 0000000000000000 20 4 30 10 -1"u8, false, ref s));
        Assert.Equal("15.2.0.10", s.SourceAddress.ToString());
        Assert.Equal(8080, s.SourcePort);
        Assert.Equal("1.0.168.192", s.DestinationAddress.ToString());
        Assert.Equal(443, s.DestinationPort);
        Assert.Equal(1000u, s.Uid);
        Assert.Equal(42u, s.Inode);
        Assert.Null(ProcNetTcpReader.ParseLine("   0: B80D0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7 1 0000000000000000 100 0 0 10 0"u8, false, ref s));
        Assert.Equal("2001:db8::1", s.SourceAddress.ToString());
    }

    public static TheoryData<string, string> BadLines => new()
    {
        { "   0: 0100007F:1F90 0100007F 01 00000000:00000000 00:00000000 00000000 0 0 1", "remote address" },
        { "   0: 0100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1", "remote address" },
        { "   0: 0100007G:1F90 0100007F:0050 01 00000000:00000000 00:00000000 00000000 0 0 1", "local address" },
        { "   0: 0100007F:1F90 0100007F:0050 00 00000000:00000000 00:00000000 00000000 0 0 1", "state" },
        { "   0: 0100007F:1F90 0100007F:0050 01 00000000 00:00000000 00000000 0 0 1", "tx_queue:rx_queue" },
        { "   0: 0100007F:1F90 0100007F:0050 01 00000000:00000000 00:00000000 00000000 -5 0 1", "uid" },
        { "   0: 0100007F:1F90 0100007F:0050 01 00000000:00000000 00:00000000 00000000 0 0", "inode" },
        { "x0: 0100007F:1F90", "slot" },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public void A_damaged_line_names_the_file_the_line_and_what_was_expected(string bad, string expected)
    {
        var good = File.ReadAllText(Path.Combine(Dir, "tcp")).Split('\n');
        var text = string.Join('\n', good.Take(3).Append(bad).Concat(good.Skip(3)));
        var (items, o) = ReadBytes(Encoding.ASCII.GetBytes(text));
        Assert.False(o.Complete);
        Assert.Equal(2, items.Count); // the lines before the damage: a partial result
        Assert.StartsWith("/proc/net/tcp: line 4: ", o.Problem);
        Assert.Contains(expected, o.Problem);
    }

    [Fact]
    public void Garbage_gives_a_clear_error_or_a_partial_result_never_a_crash_or_hang()
    {
        var good = File.ReadAllBytes(Path.Combine(Dir, "tcp"));
        foreach (var bad in Fixtures.Damaged(good))
        {
            var (items, o) = ReadBytes(bad);
            if (!o.Complete) Assert.StartsWith("/proc/net/tcp: ", o.Problem);
            Assert.True(items.Count <= 18);
        }
        // Truncated in the middle of a line: the whole lines before it, then the cut line named.
        var (cut, oc) = ReadBytes(good[..(good.Length - 60)]);
        Assert.False(oc.Complete);
        Assert.Equal(17, cut.Count);
        Assert.Contains("line 19", oc.Problem);
        // One huge line (no newline for megabytes): stops after MaxLineBytes, does not read on.
        var (_, oh) = ReadBytes([.. good[..200], .. Encoding.ASCII.GetBytes(new string('7', 5_000_000))]);
        Assert.Contains($"longer than {ProcNetTcpReader.MaxLineBytes} bytes", oh.Problem);
        // An endless stream without newlines (as /dev/zero would be) ends after one line's worth.
        var sink = new Collect();
        var oz = ProcNetTcpReader.ReadFile("/dev/zero", false, ref sink);
        Assert.False(oz.Complete);
        Assert.Contains("longer than", oz.Problem);
        // Not this table at all, empty, missing.
        Assert.Contains("expected the header", ReadBytes(Encoding.ASCII.GetBytes("TCP: inuse 5\n")).Outcome.Problem);
        Assert.Contains("empty", ReadBytes([]).Outcome.Problem);
        Assert.Contains("does not exist", ProcNetTcpReader.ReadFile("/nonexistent/tcp", false, ref sink).Problem);
    }

    [Fact]
    public void A_line_cut_at_the_end_without_newline_still_counts_when_whole()
    {
        var good = File.ReadAllText(Path.Combine(Dir, "tcp")).TrimEnd('\n');
        var (items, o) = ReadBytes(Encoding.ASCII.GetBytes(good));
        Assert.True(o.Complete, o.Problem);
        Assert.Equal(18, items.Count);
    }
}
