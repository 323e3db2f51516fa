using SockDoc.Kernel;
using SockDoc.Kernel.Procfs;

namespace SockDoc.Tests.Procfs;

/// <summary>Readers on /proc files captured on other machines (see each tree's SOURCE.md).</summary>
public class PublicFixtureTests
{
    private static ProcRoot Procfs => Fixtures.Host("procfs-testdata");
    private static ProcRoot NodeExporter => Fixtures.Host("node-exporter-fixtures");

    [Fact]
    public void Procfs_sockstat()
    {
        var s = SockStatReader.Read(Procfs).Value!;
        Assert.Equal(1602, s.SocketsUsed);
        Assert.Equal(35, s.TcpInUse);
        Assert.Equal(4, s.TcpTw);
        Assert.Equal(59, s.TcpAlloc);
        Assert.Equal(22, s.TcpMemPages);
        Assert.Equal(62, s.UdpMemPages);
        Assert.Equal(17, SockStatReader.Read6(Procfs).Value!.Tcp6InUse);
    }

    [Fact]
    public void Rhel4_sockstat_has_no_udp_mem_and_that_stays_absent()
    {
        var r = ProcFile.Read(NodeExporter, "net/sockstat_rhe4", SockStatReader.Parse);
        Assert.True(r.Ok, r.Reason);
        Assert.Equal(229, r.Value!.SocketsUsed);
        Assert.Equal(1, r.Value.TcpMemPages);
        Assert.Null(r.Value.UdpMemPages);
        Assert.Null(r.Value.UdpLiteInUse);
    }

    [Fact]
    public void Older_kernels_have_fewer_tcpext_columns()
    {
        var procfs = ProcFile.Read(Procfs, "26231/net/netstat", NetStatReader.Parse).Value!;
        Assert.Equal(113, procfs.Groups["TcpExt"].Count);
        Assert.Equal(6, procfs.Get("TcpExt", "TCPAbortOnMemory"));
        var node = NetStatReader.ReadNetStat(NodeExporter).Value!;
        Assert.Equal(83, node.Groups["TcpExt"].Count);
        Assert.Equal(0, node.Get("TcpExt", "ListenOverflows"));
    }

    [Fact]
    public void Snmp_of_other_hosts()
    {
        var a = ProcFile.Read(Procfs, "26231/net/snmp", NetStatReader.Parse).Value!;
        Assert.Equal(1103, a.Get("Tcp", "ActiveOpens"));
        var b = NetStatReader.ReadSnmp(NodeExporter).Value!;
        Assert.Equal(3556, b.Get("Tcp", "ActiveOpens"));
        Assert.Equal(["Icmp", "IcmpMsg", "Ip", "Tcp", "Udp", "UdpLite"], b.Groups.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Slabinfo_of_a_debug_kernel_and_an_excerpt()
    {
        var s = SlabInfoReader.Read(Procfs).Value!;
        Assert.Equal(300, s.Caches.Count);
        Assert.Equal(2624, s.Find("TCP")!.ObjectSize);
        var n = SlabInfoReader.Read(NodeExporter).Value!;
        Assert.Equal(4, n.Caches.Count);
        Assert.Null(n.Find("TCP"));
        Assert.Equal(256, n.Find("tw_sock_TCP")!.ObjectSize);
    }

    [Fact]
    public void Meminfo_without_MemAvailable_leaves_it_absent()
    {
        var m = MeminfoReader.Read(Procfs).Value!;
        Assert.Equal(15666184L * 1024, m.MemTotalBytes);
        Assert.Null(m.MemAvailableBytes);
    }

    [Fact]
    public void Conntrack_stat_with_four_cpus()
    {
        var c = ConntrackStatReader.Read(NodeExporter);
        Assert.True(c.Ok, c.Reason);
        Assert.Equal(17, c.Value!.Columns.Count);
    }

    [Fact]
    public void Limits_of_other_processes()
    {
        Assert.Equal(new Model.ProcLimits(2048, 4096), ProcLimitsReader.Read(Procfs, 26231).Value);
        Assert.Equal(new Model.ProcLimits(1024, 4096), ProcLimitsReader.Read(Procfs, 26232).Value);
    }

    [Fact]
    public void Old_vmstat_layout()
    {
        Assert.Equal(0, VmStatReader.Read(NodeExporter).Value!.OomKill);
    }
}
