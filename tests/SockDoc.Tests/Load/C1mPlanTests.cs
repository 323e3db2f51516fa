using SockDoc.Load;
using SockDoc.Load.Scenarios;

namespace SockDoc.Tests.Load;

public class C1mPlanTests
{
    // This VM's numbers (kernel 6.18, 24 GiB, hard RLIMIT_NOFILE 20,000), written out so the test needs no root.
    private static HostLimits ThisVm() => new()
    {
        FileMax = 2_466_177, FilesAllocated = 500, NrOpen = 1_048_576, NofileHard = 20_000, NofileSoft = 20_000,
        PortLow = 32768, PortHigh = 60999, TcpMemPages = [287901, 383868, 575802], TcpMemPagesInUse = 0,
        MemAvailableBytes = 24L * 1024 * 1024 * 1024, MaxUserWatches = 5_491_511, PageSize = 4096,
        SlabObjectSizes = new Dictionary<string, long> { ["TCP"] = 2368, ["sock_inode_cache"] = 832, ["filp"] = 192, ["dentry"] = 192, ["eventpoll_epi"] = 128 },
    };

    [Fact]
    public void A_million_fits_in_workers_under_the_hard_limit()
    {
        var plan = C1mPlan.Make(1_000_000, 20_000);
        Assert.True(plan.PerWorker * (long)plan.ClientWorkers >= 1_000_000);
        Assert.True(plan.ClientFdsNeeded < 20_000);
        Assert.True(plan.ServerFdsNeeded < 20_000, $"server worker needs {plan.ServerFdsNeeded}");
        Assert.Equal(plan.ClientWorkers, plan.Sources.Distinct().Count());
        Assert.All(plan.Sources, s => Assert.Equal(127u, s >> 24));
        Assert.All(plan.Listen, e => Assert.True(e.Port < 32768));
        Assert.All(C1mChecks.Check(plan, ThisVm()), c => Assert.NotEqual(CheckStatus.Fail, c.Status));
    }

    [Fact]
    public void A_narrow_port_range_is_named_with_its_fix()
    {
        var plan = C1mPlan.Make(100_000, 20_000, ports: 1);
        var checks = C1mChecks.Check(plan, ThisVm() with { PortLow = 40000, PortHigh = 40009 });
        var ports = Assert.Single(checks, c => c.Status == CheckStatus.Fail);
        Assert.StartsWith("ephemeral ports", ports.Limit, StringComparison.Ordinal);
        Assert.Contains("ip_local_port_range", ports.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Listening_ports_inside_the_ephemeral_range_are_refused()
    {
        var plan = C1mPlan.Make(1000, 20_000, basePort: 40000);
        var fail = Assert.Single(C1mChecks.Check(plan, ThisVm()), c => c.Status == CheckStatus.Fail);
        Assert.Contains("--base-port", fail.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_little_memory_says_how_many_connections_would_fit()
    {
        var plan = C1mPlan.Make(1_000_000, 20_000);
        var fail = Assert.Single(C1mChecks.Check(plan, ThisVm() with { MemAvailableBytes = 4L * 1024 * 1024 * 1024 }), c => c.Status == CheckStatus.Fail);
        Assert.StartsWith("MemAvailable", fail.Limit, StringComparison.Ordinal);
        Assert.Contains("lower --connections to about", fail.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_small_hard_nofile_limit_or_epoll_watches_stop_the_run()
    {
        var plan = C1mPlan.Make(1_000_000, 20_000);
        var checks = C1mChecks.Check(plan, ThisVm() with { NofileHard = 4096, MaxUserWatches = 100_000, FileMax = 1_000_000 });
        var failed = checks.Where(c => c.Status == CheckStatus.Fail).Select(c => c.Limit).ToList();
        Assert.Contains("RLIMIT_NOFILE (hard, per process)", failed);
        Assert.Contains("fs.epoll.max_user_watches", failed);
        Assert.Contains("fs.file-max", failed);
    }

    [Fact]
    public void Kernel_floor_is_the_sum_of_the_socket_objects()
    {
        Assert.Equal(2368 + 832 + 192 + 192 + 128 + 64 + 8, C1mChecks.KernelBytesPerSocket(ThisVm()));
        Assert.Equal(C1mChecks.DefaultKernelBytesPerSocket, C1mChecks.KernelBytesPerSocket(ThisVm() with { SlabObjectSizes = new Dictionary<string, long>() }));
    }

    [Fact]
    public void Nonsense_counts_are_refused()
    {
        Assert.Throws<LoadException>(() => C1mPlan.Make(0, 20_000));
        // A hard limit of 100 leaves a worker room for a handful of sockets next to the runtime's own files: refused by the check.
        var tiny = C1mChecks.Check(C1mPlan.Make(10, 100), ThisVm() with { NofileHard = 100 });
        Assert.Contains(tiny, c => c.Status == CheckStatus.Fail && c.Limit.StartsWith("RLIMIT_NOFILE", StringComparison.Ordinal));
    }
}
