using SockDoc.Kernel;
using SockDoc.Kernel.Procfs;

namespace SockDoc.Tests.Procfs;

public class SockStatReaderTests
{
    [Fact]
    public void Reads_the_captured_vm_file()
    {
        var r = SockStatReader.Read(Fixtures.Vm);
        Assert.True(r.Ok, r.Reason);
        var s = r.Value!;
        // Values as captured (fixtures/hosts/debian12-6.18-vm/SOURCE.md).
        Assert.Equal(14, s.SocketsUsed);
        Assert.Equal(1, s.TcpInUse);
        Assert.Equal(0, s.TcpOrphan);
        Assert.Equal(0, s.TcpTw);
        Assert.Equal(1, s.TcpAlloc);
        Assert.Equal(101, s.TcpMemPages);
        Assert.Equal(0, s.UdpMemPages);
        Assert.Equal(0, s.FragMemoryBytes);
    }

    [Fact]
    public void Reads_sockstat6()
    {
        var r = SockStatReader.Read6(Fixtures.Vm);
        Assert.True(r.Ok, r.Reason);
        Assert.NotNull(r.Value!.Tcp6InUse);
    }

    [Fact]
    public void Keeps_unknown_protocols_and_keys()
    {
        var s = SockStatReader.Parse("sockets: used 5\nTCP: inuse 1 orphan 2 tw 3 alloc 4 mem 5 newfield 6\nMPTCP: inuse 7\n"u8);
        Assert.Equal(6, s.Fields["TCP.newfield"]);
        Assert.Equal(7, s.Fields["MPTCP.inuse"]);
        Assert.Equal(2, s.TcpOrphan);
        Assert.Null(s.UdpMemPages); // absent is not zero
    }

    [Fact]
    public void Old_kernel_without_alloc_and_mem_leaves_them_absent()
    {
        var s = SockStatReader.Parse("sockets: used 100\nTCP: inuse 10 orphan 0 tw 2\n"u8);
        Assert.Null(s.TcpAlloc);
        Assert.Null(s.TcpMemPages);
        Assert.Equal(2, s.TcpTw);
    }

    [Theory]
    [InlineData("TCP: inuse 1 orphan\n", "line 1")]
    [InlineData("sockets: used 1\nTCP: inuse x\n", "line 2")]
    [InlineData("garbage without colon\n", "line 1")]
    public void Damaged_lines_name_the_line(string text, string where)
    {
        var e = Assert.Throws<ProcParseException>(() => SockStatReader.Parse(Fixtures.Text(text)));
        Assert.Contains(where, e.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Damaged_input_never_crashes()
    {
        var good = Fixtures.Bytes("debian12-6.18-vm", "net/sockstat");
        foreach (var bad in Fixtures.Damaged(good))
        {
            try
            {
                var s = SockStatReader.Parse(bad);
                Assert.NotNull(s);
            }
            catch (ProcParseException)
            {
                // a clear, located error is the expected outcome for most damage
            }
        }
    }

    [Fact]
    public void Missing_file_is_missing_not_an_error()
    {
        var r = SockStatReader.Read(new ProcRoot(Path.Combine(Path.GetTempPath(), "sockdoc-no-such-" + Guid.NewGuid())));
        Assert.Equal(ReadStatus.Missing, r.Status);
        Assert.False(r.Ok);
    }
}
