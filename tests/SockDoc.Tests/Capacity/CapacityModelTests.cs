using SockDoc.Diagnosis.Capacity;
using SockDoc.Model;

namespace SockDoc.Tests.Capacity;

public class CapacityModelTests
{
    [Fact]
    public void Without_slabinfo_the_kernel_sizes_are_the_measured_defaults_and_said_so()
    {
        var plan = PlanHosts.Plan(new PlanInputs { Connections = 1000 }, PlanHosts.Snapshot(slab: false));
        var tcp = plan.Find("kernel.TCP")!;
        Assert.Equal(KernelConstants.TcpSock, tcp.Value);
        Assert.Equal(Origin.KernelDefault, tcp.Origin);
        Assert.Contains("no /proc/slabinfo", tcp.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_host_the_ram_scaled_defaults_come_from_the_kernel_formulas()
    {
        var inputs = new PlanInputs { Connections = 1000, RamBytes = 64L << 30 };
        var plan = CapacityModel.Compute(inputs, HostFacts.From(null, inputs));
        // tcp_init_mem(): limit = pages/16 → 1,048,576 pages for 64 GiB; min = 3/4, max = 2 × min.
        Assert.Equal(1048576 / 4 * 3, plan.Find("tcp_mem.min")!.Value);
        Assert.Equal(1048576, plan.Find("tcp_mem.pressure")!.Value);
        Assert.Equal(1048576 / 4 * 3 * 2, plan.Find("tcp_mem.max")!.Value);
        Assert.Equal(Origin.KernelDefault, plan.Find("tcp_mem.max")!.Origin);
        // ehash 524288 (capped) → tcp_max_orphans 262144 at 64 GiB (kernel-facts §1.7).
        Assert.Equal(262144, plan.Find("tcp_max_orphans")!.Value);
    }

    [Fact]
    public void Busy_buffers_are_charged_in_whole_pages_of_the_hosts_page_size()
    {
        var inputs = new PlanInputs { Connections = 10, BufferRxBytes = 4096, BufferTxBytes = 100 };
        var p4k = PlanHosts.Plan(inputs, PlanHosts.Snapshot(pageSize: 4096));
        var p64k = PlanHosts.Plan(inputs, PlanHosts.Snapshot(pageSize: 65536));
        Assert.Equal(2 * 4096, p4k.BufferBytesPerConnBusy);
        Assert.Equal(2 * 65536, p64k.BufferBytesPerConnBusy);
        // tcp_mem counts pages: the same pages hold 16 times more bytes with 64 KiB pages.
        Assert.Equal(p4k.MaxConnsBeforeHardLimit, p64k.MaxConnsBeforeHardLimit);
    }

    [Fact]
    public void Nofile_above_nr_open_proposes_raising_nr_open()
    {
        var plan = PlanHosts.Plan(new PlanInputs { Connections = 2_000_000 });
        Assert.Equal(2097152, plan.Nofile);
        var s = Assert.Single(plan.Sysctls, x => x.Key == "fs.nr_open");
        Assert.Equal("2097152", s.Value);
        Assert.Equal("1048576", s.Current);
    }

    [Fact]
    public void Epoll_watches_below_the_connections_propose_a_larger_limit()
    {
        var small = PlanHosts.Plan(new PlanInputs { Connections = 1_000_000 }, PlanHosts.Snapshot(PlanHosts.With((SysctlNames.EpollMaxUserWatches, "500000"))));
        var s = Assert.Single(small.Sysctls, x => x.Key == "fs.epoll.max_user_watches");
        Assert.Equal("1250000", s.Value);
        var noEpoll = PlanHosts.Plan(new PlanInputs { Connections = 1_000_000, Epoll = false }, PlanHosts.Snapshot(PlanHosts.With((SysctlNames.EpollMaxUserWatches, "500000"))));
        Assert.DoesNotContain(noEpoll.Sysctls, x => x.Key == "fs.epoll.max_user_watches");
        Assert.Null(noEpoll.Find("kernel.eventpoll_epi"));
    }

    [Fact]
    public void Current_values_that_suffice_are_not_proposed()
    {
        var plan = PlanHosts.Plan(new PlanInputs { Connections = 1000, BufferRxBytes = 4096, BufferTxBytes = 4096 },
            PlanHosts.Snapshot(PlanHosts.With((SysctlNames.TcpRmem, "4096 4096 6291456"), (SysctlNames.TcpWmem, "4096 4096 4194304"))));
        Assert.Empty(plan.Sysctls);
        Assert.Null(plan.RecommendedTcpMem);
        Assert.Contains("nothing to change", PlanFiles.SysctlDropIn(plan, "t"), StringComparison.Ordinal);
    }

    [Fact]
    public void Conntrack_settings_get_the_dash_prefix_so_a_missing_module_is_not_an_error()
    {
        var noCt = new Dictionary<string, string>(PlanHosts.VmSysctls);
        noCt.Remove(SysctlNames.NfConntrackMax);
        noCt.Remove(SysctlNames.NfConntrackBuckets);
        var plan = PlanHosts.Plan(new PlanInputs { Connections = 500_000, RatePerSecond = 1000 }, PlanHosts.Snapshot(noCt));
        // 500,000 + 1000/s × 120 s = 620,000 entries, + 25 %.
        Assert.Equal(620_000, plan.Find("conntrack.entries")!.Value);
        var text = PlanFiles.SysctlDropIn(plan, "t");
        Assert.Contains("-net.netfilter.nf_conntrack_max = 775000", text, StringComparison.Ordinal);
        Assert.Contains("-net.netfilter.nf_conntrack_buckets = 1048576", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_rate_above_what_somaxconn_holds_in_100ms_proposes_a_larger_somaxconn()
    {
        var plan = PlanHosts.Plan(new PlanInputs { Connections = 1000, RatePerSecond = 100_000 });
        var s = Assert.Single(plan.Sysctls, x => x.Key == "net.core.somaxconn");
        Assert.Equal("16384", s.Value);
    }

    [Fact]
    public void Every_line_of_the_written_files_is_commented_with_why()
    {
        var plan = PlanHosts.Plan(new PlanInputs { Connections = 2_000_000, BufferRxBytes = 4096, BufferTxBytes = 4096, RatePerSecond = 50_000 });
        var text = PlanFiles.SysctlDropIn(plan, "header");
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0 || lines[i][0] == '#') continue;
            Assert.StartsWith("#", lines[i - 1], StringComparison.Ordinal);
            Assert.True(lines[i].Length <= 120);
        }
        Assert.Contains("* soft nofile 2097152", PlanFiles.LimitsSnippet(plan, "*"), StringComparison.Ordinal);
        Assert.Contains("LimitNOFILE=2097152", PlanFiles.SystemdLines(plan), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4k", 4096)]
    [InlineData("64G", 68719476736)]
    [InlineData("1.5M", 1572864)]
    [InlineData("4KiB", 4096)]
    [InlineData("4096", 4096)]
    [InlineData("2kb", 2048)]
    public void Sizes_parse(string text, long bytes)
    {
        Assert.True(Units.TryParseBytes(text, out var v));
        Assert.Equal(bytes, v);
    }

    [Theory]
    [InlineData("")]
    [InlineData("k")]
    [InlineData("4X")]
    [InlineData("-4k")]
    public void Bad_sizes_do_not_parse(string text) => Assert.False(Units.TryParseBytes(text, out _));

    [Fact]
    public void Rates_durations_and_pairs_parse()
    {
        Assert.True(Units.TryParseRate("20000/s", out var r) && r == 20000);
        Assert.True(Units.TryParseRate("600/min", out r) && r == 10);
        Assert.True(Units.TryParseRate("20k", out r) && r == 20000);
        Assert.False(Units.TryParseRate("fast", out _));
        Assert.True(Units.TryParseDuration("200ms", out var d) && Math.Abs(d - 0.2) < 1e-9);
        Assert.True(Units.TryParseDuration("2m", out d) && d == 120);
        Assert.False(Units.TryParseDuration("soon", out _));
        Assert.True(Units.TryParseBufferPair("4k/16k", out var rx, out var tx) && rx == 4096 && tx == 16384);
        Assert.False(Units.TryParseBufferPair("4k/4k/4k", out _, out _));
    }
}
