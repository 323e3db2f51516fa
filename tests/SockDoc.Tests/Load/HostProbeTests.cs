using SockDoc.Load.Scenarios;

namespace SockDoc.Tests.Load;

public class HostProbeTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "load", name));

    [Fact]
    public void Slabinfo_from_this_vm_gives_the_socket_caches()
    {
        var slab = HostProbe.ParseSlabInfo(Fixture("slabinfo"));
        Assert.NotNull(slab);
        Assert.Equal(2368, slab["TCP"].ObjectSize);
        Assert.Equal(832, slab["sock_inode_cache"].ObjectSize);
        Assert.Equal(192, slab["filp"].ObjectSize);
        Assert.True(slab["TCP"].ActiveObjects > 400_000); // captured while another run held 200,000 loopback pairs
        Assert.False(slab.ContainsKey("slabinfo"));
        Assert.False(slab.ContainsKey("#"));
    }

    [Fact]
    public void Sockstat_from_this_vm()
    {
        var s = HostProbe.ParseSockStat(Fixture("sockstat"));
        Assert.NotNull(s);
        Assert.Equal(1, s.Value.TcpTw);
        Assert.Equal(400_005, s.Value.TcpAlloc);
        Assert.Equal(0, s.Value.TcpMemPages);
    }

    [Theory]
    [InlineData("")]
    [InlineData("UDP: inuse 1 mem 2\n")]
    public void Sockstat_without_a_tcp_line_is_absent(string text) => Assert.Null(HostProbe.ParseSockStat(text));

    [Theory]
    [InlineData("slabinfo - version: 2.1\nTCP x 1 2368\n")]
    [InlineData("not slabinfo\n")]
    [InlineData("")]
    public void Damaged_slabinfo_gives_no_slab_figures(string text) => Assert.Null(HostProbe.ParseSlabInfo(text));
}
