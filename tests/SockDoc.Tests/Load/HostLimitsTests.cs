using SockDoc.Kernel;
using SockDoc.Kernel.Procfs;
using SockDoc.Load.Scenarios;
using SockDoc.Model;

namespace SockDoc.Tests.Load;

/// <summary>The load pre-checks read the doctor's Snapshot (issue 17: no second /proc reader).</summary>
public class HostLimitsTests
{
    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "load", name));

    private static Snapshot FromFixtures() => new()
    {
        TakenAt = DateTimeOffset.UnixEpoch,
        Host = new HostIdentity { PageSize = 4096 },
        SlabInfo = SlabInfoReader.Parse(Fixture("slabinfo")),
        SockStat = SockStatReader.Parse(Fixture("sockstat")),
        MemInfo = new MemInfo { Fields = new Dictionary<string, long> { ["MemAvailable"] = 20_000_000 } },
        Sysctls = new Sysctls
        {
            Values = new Dictionary<string, string>
            {
                [SysctlNames.FileMax] = "2466160", [SysctlNames.FileNr] = "1536\t0\t2466160", [SysctlNames.NrOpen] = "1048576",
                [SysctlNames.IpLocalPortRange] = "32768\t60999", [SysctlNames.TcpMem] = "287898\t383865\t575796",
                [SysctlNames.EpollMaxUserWatches] = "5491511",
            },
        },
    };

    [Fact]
    public void Limits_come_from_the_snapshot_the_doctor_reads()
    {
        var h = HostLimits.From(FromFixtures());
        Assert.Equal(2_466_160, h.FileMax);
        Assert.Equal(1536, h.FilesAllocated);
        Assert.Equal(1_048_576, h.NrOpen);
        Assert.Equal(32768, h.PortLow);
        Assert.Equal(60999, h.PortHigh);
        Assert.NotNull(h.TcpMemPages);
        Assert.Equal([287898L, 383865, 575796], h.TcpMemPages);
        Assert.Equal(0, h.TcpMemPagesInUse);
        Assert.Equal(20_000_000L * 1024, h.MemAvailableBytes);
        Assert.Equal(5_491_511, h.MaxUserWatches);
        Assert.Null(h.ConntrackMax); // no conntrack module in the sample
        Assert.Equal(2368, h.SlabObjectSizes["TCP"]);
        Assert.Equal(832, h.SlabObjectSizes["sock_inode_cache"]);
        Assert.Equal(4096, h.PageSize);
        // 2368 + 832 + filp + dentry + epoll items: the kernel floor per socket end comes from this host's sizes.
        Assert.True(C1mChecks.KernelBytesPerSocket(h) > 3500);
    }

    [Fact]
    public void A_sample_without_slabinfo_or_sysctls_leaves_the_limits_unknown_and_uses_the_measured_floor()
    {
        var h = HostLimits.From(new Snapshot { TakenAt = DateTimeOffset.UnixEpoch });
        Assert.Null(h.FileMax);
        Assert.Null(h.PortLow);
        Assert.Null(h.TcpMemPages);
        Assert.Empty(h.SlabObjectSizes);
        Assert.Equal(C1mChecks.DefaultKernelBytesPerSocket, C1mChecks.KernelBytesPerSocket(h));
    }

    [Fact]
    public void Smaps_rollup_from_this_vm_gives_rss_pss_and_private_bytes()
    {
        var m = ProcessMemoryReader.Parse(Fixture("smaps_rollup"));
        Assert.Equal(2208L * 1024, m.RssBytes);
        Assert.Equal(552L * 1024, m.PssBytes);
        Assert.True(m.PrivateBytes > 0 && m.PrivateBytes <= m.PssBytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Rss:  12 kB\n")]
    [InlineData("Rss: x kB\nPss: 1 kB\n")]
    [InlineData("\0\u0001\u0002binary")]
    public void Damaged_smaps_rollup_is_refused_with_a_reason(string text)
    {
        var e = Assert.Throws<ProcParseException>(() => ProcessMemoryReader.Parse(System.Text.Encoding.UTF8.GetBytes(text)));
        Assert.NotEmpty(e.Describe());
    }

    [Fact]
    public void This_process_has_a_resident_and_a_proportional_size()
    {
        var m = HostLimits.Memory(Environment.ProcessId);
        Assert.NotNull(m);
        Assert.True(m.Value.RssBytes >= m.Value.PssBytes && m.Value.PssBytes > 0);
    }
}
