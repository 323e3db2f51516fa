using SockDoc.Kernel;
using SockDoc.Kernel.Procfs;
using SockDoc.Model;

namespace SockDoc.Tests.Procfs;

public class NetStatReaderTests
{
    [Fact]
    public void Reads_every_group_and_column_of_the_vm_netstat()
    {
        var r = NetStatReader.ReadNetStat(Fixtures.Vm);
        Assert.True(r.Ok, r.Reason);
        var tcpExt = r.Value!.Groups["TcpExt"];
        // The 6.18 VM prints 135 TcpExt fields (kernel-facts §0); the parser takes them by name.
        Assert.Equal(135, tcpExt.Count);
        Assert.True(tcpExt.ContainsKey("TCPTimeWaitOverflow"));
        Assert.True(tcpExt.ContainsKey("TCPAbortOnMemory"));
        Assert.True(r.Value.Groups.ContainsKey("IpExt"));
        Assert.True(r.Value.Groups.ContainsKey("MPTcpExt"));
    }

    [Fact]
    public void Reads_snmp_groups_including_negative_values()
    {
        var r = NetStatReader.ReadSnmp(Fixtures.Vm);
        Assert.True(r.Ok, r.Reason);
        var g = r.Value!.Groups;
        Assert.Contains("Tcp", g.Keys);
        Assert.Contains("Udp", g.Keys);
        Assert.Contains("Icmp", g.Keys);
        Assert.Equal(-1, g["Tcp"]["MaxConn"]); // printed as -1 by the kernel
    }

    [Fact]
    public void Any_number_of_columns_is_parsed_by_header_name()
    {
        var c = NetStatReader.Parse("TcpExt: A B NewCounterFrom2030\nTcpExt: 1 2 3\nX: q\nX: 9\n"u8);
        Assert.Equal(3, c.Get("TcpExt", "NewCounterFrom2030"));
        Assert.Equal(9, c.Get("X", "q"));
        Assert.Null(c.Get("TcpExt", "Missing"));
    }

    [Theory]
    [InlineData("TcpExt: A B\nTcpExt: 1\n", "1 values")]
    [InlineData("TcpExt: A B\n", "truncated")]
    [InlineData("TcpExt: A B\nIpExt: 1 2\n", "value line")]
    [InlineData("TcpExt: A\nTcpExt: 1 2\n", "more values")]
    public void Mismatched_lines_are_reported(string text, string message)
    {
        var e = Assert.Throws<ProcParseException>(() => NetStatReader.Parse(Fixtures.Text(text)));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Merge_keeps_both_files_groups()
    {
        var a = NetStatReader.Parse("TcpExt: A\nTcpExt: 1\n"u8);
        var b = NetStatReader.Parse("Tcp: B\nTcp: 2\n"u8);
        var m = NetStatCounters.Merge(a, b, null);
        Assert.Equal(1, m.Get("TcpExt", "A"));
        Assert.Equal(2, m.Get("Tcp", "B"));
    }

    [Fact]
    public void Damaged_input_never_crashes()
    {
        var good = Fixtures.Bytes("debian12-6.18-vm", "net/netstat");
        foreach (var bad in Fixtures.Damaged(good))
        {
            try { NetStatReader.Parse(bad); } catch (ProcParseException) { }
        }
    }
}
