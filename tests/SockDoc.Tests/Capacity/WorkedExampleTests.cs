using SockDoc.Diagnosis.Capacity;
using SockDoc.Model;

namespace SockDoc.Tests.Capacity;

/// <summary>The three worked examples of issue 7, from published field reports.</summary>
public class WorkedExampleTests
{
    /// <summary>
    /// C1M: 1,024,000 idle connections with 4 KB buffers; the field measured ~7.5 KB per connection.
    /// The plan's split: ~4 KB of kernel structures from this host's slab sizes, 0 buffer pages while
    /// idle, the rest the server's own memory (--app-bytes-per-conn). Planned for a 64 GiB host (--ram 64G): with
    /// every connection busy the field's tcp_mem (12 GiB of buffers) is under a quarter of that RAM. On the 23.5 GiB
    /// test host the same workload does not fit; see the next test.
    /// </summary>
    [Fact]
    public void C1M_idle_connections_split_and_settings_of_the_fields_order()
    {
        var inputs = new PlanInputs
        {
            Connections = 1_024_000,
            Role = PlanRole.Server,
            BufferRxBytes = 4096,
            BufferTxBytes = 4096,
            AppBytesPerConn = 3700,
            RamBytes = 64L << 30,
        };
        var plan = PlanHosts.Plan(inputs);
        Assert.Empty(plan.Warnings);

        // Kernel structures from the slab fixture: TCP 2368 + sock_inode 832 + filp 192 + dentry 192 +
        // lsm_file 24 + epitem 128 (measured) + eppoll_entry 64 (default, merged here) + fd slot 8.
        Assert.Equal(2368 + 832 + 192 + 192 + 24 + 128 + 64 + 8, plan.KernelBytesPerConn);
        Assert.InRange(plan.KernelBytesPerConn, 3500, 4300);
        Assert.Equal(Origin.Measured, plan.Find("kernel.TCP")!.Origin);
        Assert.Equal(Origin.KernelDefault, plan.Find("kernel.eventpoll_pwq")!.Origin);
        Assert.Equal(0, plan.BufferBytesPerConnIdle);
        Assert.Equal(Origin.Input, plan.Find("app")!.Origin);
        // ~7.5 KB in total while idle, as the field measured.
        Assert.InRange(plan.TotalBytesPerConnIdle, 7.5 * 1000 * 0.97, 7.5 * 1024 * 1.03);
        // Busy: one page each way.
        Assert.Equal(2 * 4096, plan.BufferBytesPerConnBusy);

        // Field: tcp_mem 786432 2097152 3145728 pages, nofile 1048576.
        var tcpMem = plan.RecommendedTcpMem!;
        Assert.InRange(tcpMem[1], 2097152 * 0.95, 2097152 * 1.05);
        Assert.InRange(tcpMem[2], 3145728 * 0.95, 3145728 * 1.05);
        Assert.InRange(tcpMem[0], 786432 / 2, 786432 * 2);
        Assert.True(tcpMem[0] <= tcpMem[1] && tcpMem[1] <= tcpMem[2]);
        Assert.Equal(1048576, plan.Nofile);
        // 1,048,576 is exactly the default fs.nr_open: no nr_open change needed.
        Assert.DoesNotContain(plan.Sysctls, s => s.Key == "fs.nr_open");
        // Starting buffers lowered to 4 KB, as the field did.
        Assert.Contains(plan.Sysctls, s => s.Key == "net.ipv4.tcp_rmem" && s.Value.Split(' ')[1] == "4096");
        Assert.Contains(plan.Sysctls, s => s.Key == "net.ipv4.tcp_wmem" && s.Value.Split(' ')[1] == "4096");
    }

    /// <summary>
    /// Issue 14 #12: the same C1M workload on the 23.5 GiB test host used to get tcp_mem max 3,072,000 pages
    /// (11.7 GiB, half of RAM). Buffers may have at most a quarter of RAM: the plan says first that it does not fit,
    /// how many busy connections do, caps tcp_mem[2] there, and the written file carries the warning.
    /// </summary>
    [Fact]
    public void C1M_on_a_small_host_says_it_does_not_fit_and_caps_tcp_mem_at_a_quarter_of_ram()
    {
        var inputs = new PlanInputs { Connections = 1_024_000, Role = PlanRole.Server, BufferRxBytes = 4096, BufferTxBytes = 4096, AppBytesPerConn = 3700 };
        var facts = HostFacts.From(PlanHosts.Snapshot(), inputs);
        var plan = CapacityModel.Compute(inputs, facts);
        long ram = facts.RamBytes.Value, page = facts.PageSize.Value;
        var tcpMem = plan.RecommendedTcpMem!;
        Assert.True(tcpMem[2] * page <= ram / 4, $"tcp_mem[2] {tcpMem[2]} pages is over a quarter of {ram} B");
        Assert.StartsWith("does not fit", plan.Warnings[0], StringComparison.Ordinal);
        // A quarter of RAM in pages, 2/3 of it at pressure, 2 pages per busy connection.
        long expectedFit = (long)(ram * 0.25 / page / 1.5) / 2;
        Assert.Equal(expectedFit, plan.FitConnections);
        Assert.Contains("# WARNING: does not fit", PlanFiles.SysctlDropIn(plan, "h"), StringComparison.Ordinal);
    }

    /// <summary>Issue 14 #12: 200,000 connections at the host's default buffers proposed 41 GiB of tcp_mem on 23.5 GiB.</summary>
    [Fact]
    public void Default_buffers_never_get_a_tcp_mem_above_a_quarter_of_ram()
    {
        foreach (long ram in new[] { 0L, 4L << 30 })
        {
            var inputs = new PlanInputs { Connections = 200_000, RamBytes = ram == 0 ? null : ram };
            var facts = HostFacts.From(PlanHosts.Snapshot(), inputs);
            var plan = CapacityModel.Compute(inputs, facts);
            long max = plan.RecommendedTcpMem?[2] ?? facts.TcpMem.Value[2];
            Assert.True(max * facts.PageSize.Value <= facts.RamBytes.Value / 4, $"ram {facts.RamBytes.Value}: tcp_mem[2] {max} pages");
            Assert.StartsWith("does not fit", plan.Warnings[0], StringComparison.Ordinal);
        }
    }

    /// <summary>Issue 14 #12: a small workload must not change the host-wide starting buffers (it wrote 4 KiB defaults for 11 MiB of use).</summary>
    [Fact]
    public void A_small_workload_leaves_tcp_rmem_and_tcp_wmem_alone()
    {
        var plan = PlanHosts.Plan(new PlanInputs { Connections = 1000, BufferRxBytes = 4096, BufferTxBytes = 4096 });
        Assert.DoesNotContain(plan.Sysctls, s => s.Key is "net.ipv4.tcp_rmem" or "net.ipv4.tcp_wmem");
        Assert.Empty(plan.Warnings);
    }

    /// <summary>A hand-set tcp_mem higher than the plan needs is kept, never lowered.</summary>
    [Fact]
    public void A_higher_hand_set_tcp_mem_is_never_lowered()
    {
        var s = PlanHosts.Snapshot(PlanHosts.With(("net.ipv4.tcp_mem", "1000000 1200000 1400000")));
        var plan = PlanHosts.Plan(new PlanInputs { Connections = 100_000, BufferRxBytes = 4096, BufferTxBytes = 4096 }, s);
        Assert.DoesNotContain(plan.Sysctls, x => x.Key == "net.ipv4.tcp_mem");
    }

    /// <summary>
    /// Proxy, 62 GB of RAM, tcp_mem high ~47 GB, ~150 KB of buffers per busy connection
    /// (tcp_rmem[1] 128 KiB + tcp_wmem[1] 16 KiB): ~320,000 connections before the hard limit.
    /// </summary>
    [Fact]
    public void Proxy_with_47_GB_tcp_mem_high_allows_about_320k_connections()
    {
        long high = 47_000_000_000 / 4096; // 11,474,609 pages
        var snap = PlanHosts.Snapshot();
        var inputs = new PlanInputs
        {
            Connections = 300_000,
            BufferRxBytes = 128 * 1024,
            BufferTxBytes = 16 * 1024,
            RamBytes = 62L << 30,
            AssumedSysctls = new Dictionary<string, string> { [SysctlNames.TcpMem] = $"{high / 4 * 3} {high} {high}" },
        };
        var plan = PlanHosts.Plan(inputs, snap);
        Assert.Equal(147456, plan.BufferBytesPerConnBusy);
        Assert.InRange(plan.MaxConnsBeforeHardLimit!.Value, 320_000 * 0.95, 320_000 * 1.05);
        Assert.Equal(Origin.Input, plan.Find("ram")!.Origin);
        Assert.Equal(Origin.Input, plan.Find("tcp_mem.max")!.Origin);
        // The other RAM-scaled values are the kernel's defaults for 62 GiB, not this 24 GiB host's.
        Assert.Equal(Origin.KernelDefault, plan.Find("tcp_max_orphans")!.Origin);

        // Halving the default buffers halves the pages per connection: twice the connections.
        var halved = PlanHosts.Plan(inputs with { BufferRxBytes = 64 * 1024, BufferTxBytes = 8 * 1024 }, snap);
        Assert.Equal(2.0, halved.MaxConnsBeforeHardLimit!.Value / plan.MaxConnsBeforeHardLimit.Value, 3);
        Assert.InRange(halved.MaxConnsBeforeHardLimit.Value, 600_000, 680_000);
    }

    /// <summary>28,232 default ephemeral ports and 60 s of TIME_WAIT: ~470 new connections/s per destination.</summary>
    [Fact]
    public void Default_port_range_and_time_wait_allow_about_470_per_second_per_destination()
    {
        var plan = PlanHosts.Plan(new PlanInputs { Role = PlanRole.Client, Connections = 100, RatePerSecond = 400 });
        Assert.Equal(28232.0 / 60, plan.MaxRatePerDestination!.Value, 6);
        Assert.InRange(plan.MaxRatePerDestination.Value, 469, 472);
        Assert.Equal(1, plan.SourceAddressesPerDestination);
        Assert.Equal(Origin.Measured, plan.Find("ports.range")!.Origin);
    }

    [Fact]
    public void Client_above_one_range_needs_extra_source_addresses()
    {
        // 20,000/s over 3 destinations, 200 ms each: 6,667/s × 60.2 s = 401,334 ports per destination → 15 ranges.
        var plan = PlanHosts.Plan(new PlanInputs { Role = PlanRole.Client, RatePerSecond = 20_000, Destinations = 3, LifetimeSeconds = 0.2 });
        Assert.Equal(15, plan.SourceAddressesPerDestination);
        // 20,000/s × 0.2 s = 4,000 open at once (Little's law), each with an fd.
        Assert.Equal(4000, plan.Find("connections")!.Value);
        Assert.Equal(4000 + KernelConstants.FdReserve, plan.Find("fd.per_process")!.Value);
        // The doctor's range (PortAdvice): 10000-65535 = 55,536 ports → ceil(401,334 / 55,536) = 8 addresses.
        Assert.Equal(8, plan.Find("ports.source_addresses_with_wide_range")!.Value);
        Assert.Contains(plan.Sysctls, s => s.Key == "net.ipv4.ip_local_port_range" && s.Value == "10000 65535");
        Assert.Contains(plan.Warnings, w => w.Contains("14 extra source address", StringComparison.Ordinal));
        // 20,000/s × 60 s = 1.2 M TIME_WAIT buckets, above the 131,072 limit.
        var tw = Assert.Single(plan.Sysctls, s => s.Key == "net.ipv4.tcp_max_tw_buckets");
        Assert.Equal("1500000", tw.Value);
    }

    [Fact]
    public void Tw_reuse_1_shortens_the_port_hold_to_a_second()
    {
        var snap = PlanHosts.Snapshot(PlanHosts.With((SysctlNames.TcpTwReuse, "1")));
        var plan = PlanHosts.Plan(new PlanInputs { Role = PlanRole.Client, RatePerSecond = 1000 }, snap);
        Assert.Equal(28232, plan.MaxRatePerDestination!.Value, 6);
    }
}
