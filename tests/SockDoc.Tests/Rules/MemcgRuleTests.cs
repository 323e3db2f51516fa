using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Kernel.Cgroups;
using SockDoc.Model;
using SockDoc.Model.Census;
using SockDoc.Model.Cgroups;

namespace SockDoc.Tests.Rules;

/// <summary>
/// Issue 14 defect 13: a memory cgroup at its limit refuses socket memory without moving sockstat mem or
/// TCPMemoryPressures. tcp_mem, udp_mem and send_buffer_full must say which cgroup refused it (usage, limit) and point
/// the fix at that cgroup's limit, not at the host's tcp_mem. Cgroup values come from the captured fixtures.
/// </summary>
public class MemcgRuleTests
{
    private const string V2Leaf = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podb8f4f0e9_fb95_4f2d_8443_e6a78f235c9a.slice/docker-9e7cad93b2e0774d49148474989b41fe6d67a5985d059d08d9d64495f1539a81.scope";

    /// <summary>The v1 cgroup captured on this VM at its kmem.tcp limit, holding the sender (pid 99).</summary>
    private static MemcgSocketMemory V1AtLimit() =>
        MemcgSocketReader.ReadV1(Fixtures.Dir("cgroups", "vm-v1-tcp-at-limit", "memory"), "/sdk-memcg-cap-2382") with { Pids = [99], Commands = ["sender"], Sockets = 1 };

    private static MemcgSocketMemory V2AtLimit() =>
        MemcgSocketReader.ReadV2(Fixtures.Dir("cgroups", "lkml-v2-udp-memcg-limit", "unified"), V2Leaf) with { Pids = [4242], Commands = ["dns"], Sockets = 3 };

    private static Snapshot With(string controller, params MemcgSocketMemory[] cgroups) => Snap.Base() with
    {
        Memcg = new MemcgSample
        {
            Layout = controller == "v1" ? "hybrid" : "v2",
            V1MemoryMount = controller == "v1" ? "/sys/fs/cgroup/memory" : null,
            V2Mount = controller == "v1" ? "/sys/fs/cgroup/unified" : "/sys/fs/cgroup",
            MemoryController = controller,
            Cgroups = cgroups,
        },
    };

    [Fact]
    public void Tcp_mem_names_the_v1_cgroup_at_its_tcp_limit_while_the_host_is_healthy()
    {
        var healthy = Snap.Run(new TcpMem(), Snap.One(Snap.Base()));
        Assert.Equal(CheckStatus.Ok, healthy.Status); // the host's tcp_mem says nothing

        var r = Snap.Run(new TcpMem(), Snap.One(With("v1", V1AtLimit())));
        Assert.Equal((CheckStatus.Critical, When.Now), (r.Status, r.Finding!.When));
        Assert.Contains("/sdk-memcg-cap-2382", r.Finding.Title, StringComparison.Ordinal);
        Assert.Contains("64 KiB of its limit 64 KiB", r.Finding.Title, StringComparison.Ordinal);
        var fix = r.Finding.Fix[0];
        Assert.Equal("/sys/fs/cgroup/memory/sdk-memcg-cap-2382/memory.kmem.tcp.limit_in_bytes", fix.Setting);
        Assert.True(long.Parse(fix.Value, System.Globalization.CultureInfo.InvariantCulture) >= 2 * 118784); // twice the peak, never lower
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting == SysctlNames.TcpMem);
        Assert.Contains(r.Finding.Evidence, e => e.Name.StartsWith("peak TCP memory", StringComparison.Ordinal) && e.Value == 118784);
    }

    [Fact]
    public void A_v1_peak_over_the_limit_with_use_now_low_is_a_refusal_seen_earlier()
    {
        var g = V1AtLimit() with { UsageBytes = 8192, SockBytes = 8192 };
        var r = Snap.Run(new TcpMem(), Snap.One(With("v1", g)));
        Assert.Equal((CheckStatus.Warning, When.SinceBoot), (r.Status, r.Finding!.When));
        Assert.Contains("refused socket memory earlier", r.Finding.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cgroup_below_its_limit_changes_nothing()
    {
        var g = V1AtLimit() with { UsageBytes = 8192, SockBytes = 8192, PeakBytes = 20000 };
        Assert.Equal(CheckStatus.Ok, Snap.Run(new TcpMem(), Snap.One(With("v1", g))).Status);
        var unlimited = V1AtLimit() with { LimitBytes = null };
        Assert.Equal(CheckStatus.Ok, Snap.Run(new TcpMem(), Snap.One(With("v1", unlimited))).Status);
    }

    [Fact]
    public void When_the_host_is_over_tcp_mem_too_the_host_leads_and_the_cgroup_is_added()
    {
        var s = With("v1", V1AtLimit()).Sockstat(x => x with { TcpMemPages = 1001 }).Sysctl(SysctlNames.TcpMem, "750 1000 1500");
        var r = Snap.Run(new TcpMem(), Snap.One(s));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Contains("pressure", r.Finding!.Title, StringComparison.Ordinal);
        Assert.Contains(r.Finding.Fix, f => f.Setting.EndsWith("memory.kmem.tcp.limit_in_bytes", StringComparison.Ordinal));
        Assert.Contains(r.Finding.Fix, f => f.Setting == SysctlNames.TcpMem);
        Assert.Contains(r.Finding.Caveats, x => x.Contains("/sdk-memcg-cap-2382 is also at its own limit", StringComparison.Ordinal));
    }

    [Fact]
    public void Udp_mem_names_the_v2_cgroup_whose_page_cache_fills_memory_max()
    {
        var r = Snap.Run(new UdpMem(), Snap.One(With("v2", V2AtLimit())));
        Assert.Equal((CheckStatus.Critical, When.Now), (r.Status, r.Finding!.When));
        Assert.Contains(V2Leaf, r.Finding.Title, StringComparison.Ordinal);
        var fix = r.Finding.Fix[0];
        Assert.Equal("/sys/fs/cgroup" + V2Leaf + "/memory.max", fix.Setting);
        Assert.True(long.Parse(fix.Value, System.Globalization.CultureInfo.InvariantCulture) > 8000000000);
        Assert.Contains("page cache", fix.Why, StringComparison.Ordinal); // sock is 4 KiB of 7.45 GiB
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting == SysctlNames.UdpMem);
    }

    [Fact]
    public void A_v2_cgroup_filled_by_socket_buffers_is_told_to_size_for_them()
    {
        var g = V2AtLimit() with { SockBytes = 6_000_000_000 };
        var r = Snap.Run(new TcpMem(), Snap.One(With("v2", g)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Contains("Socket buffers", r.Finding!.Fix[0].Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Udp_mem_leaves_v1_cgroups_alone()
    {
        Assert.Equal(CheckStatus.Ok, Snap.Run(new UdpMem(), Snap.One(With("v1", V1AtLimit()))).Status);
    }

    [Fact]
    public void V2_max_events_rising_with_headroom_now_is_a_refusal_now()
    {
        var before = With("v2", V2AtLimit() with { UsageBytes = 4_000_000_000, EventsMax = 10 });
        var now = With("v2", V2AtLimit() with { UsageBytes = 4_000_000_000, EventsMax = 25 });
        var r = Snap.Run(new TcpMem(), Snap.Pair(before, now));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Contains(r.Finding!.Evidence, e => e.Name.StartsWith("memory.events max", StringComparison.Ordinal) && e.Text.Contains("+15", StringComparison.Ordinal));
    }

    [Fact]
    public void Send_buffer_full_blames_the_cgroup_not_the_peer()
    {
        // The sender captured on this VM: tb shrunk to 30,784 B with 64,832 B queued, the peer's window open.
        var sock = new SendBufferFullSocket("127.0.0.1:46690", "127.0.0.1:47123", "ESTABLISHED", 64_832, 30_784, 64_000, false, 99, "sender", 64_832, 2_216_000, 0, 2_216_000);
        var s = With("v1", V1AtLimit()) with
        {
            Census = new SocketCensus { TakenAt = DateTimeOffset.UnixEpoch, SendBufferFull = [sock], SendBufferFullCount = 1, SendBufferAtLimitCount = 1, BlockedSenders = [] },
        };
        var r = Snap.Run(new SendBufferFull(), Snap.One(s));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Contains("memory cgroup /sdk-memcg-cap-2382 is at its limit", r.Finding!.Title, StringComparison.Ordinal);
        Assert.EndsWith("memory.kmem.tcp.limit_in_bytes", r.Finding.Fix[0].Setting, StringComparison.Ordinal);
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting.StartsWith("Find and fix the slow receiver", StringComparison.Ordinal));

        // Without the cgroup sample the same socket is blamed on the peer's window (rwnd_limited 100 %).
        var without = Snap.Run(new SendBufferFull(), Snap.One(s with { Memcg = null }));
        Assert.DoesNotContain("memory cgroup", without.Finding!.Title, StringComparison.Ordinal);
    }
}
