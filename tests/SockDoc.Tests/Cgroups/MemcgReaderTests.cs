using SockDoc.Kernel;
using SockDoc.Kernel.Cgroups;
using SockDoc.Kernel.Namespaces;

namespace SockDoc.Tests.Cgroups;

/// <summary>The memory-cgroup readers on files captured on this VM (v1, hybrid) and on a real v2 host (fixtures/cgroups/SOURCE.md).</summary>
public class MemcgReaderTests
{
    private static string Dir(params string[] p) => Fixtures.Dir(["cgroups", .. p]);
    private const string V2Leaf = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podb8f4f0e9_fb95_4f2d_8443_e6a78f235c9a.slice/docker-9e7cad93b2e0774d49148474989b41fe6d67a5985d059d08d9d64495f1539a81.scope";

    [Fact]
    public void Hybrid_mountinfo_of_this_vm_puts_the_memory_controller_on_v1()
    {
        var m = CgroupMounts.Parse(File.ReadAllBytes(Dir("vm-hybrid", "mountinfo")));
        Assert.Equal("/sys/fs/cgroup/unified", m.V2Mount);
        Assert.Equal("/sys/fs/cgroup/memory", m.V1MemoryMount);
        Assert.Equal("hybrid", m.Layout);
    }

    [Fact]
    public void In_a_private_cgroup_namespace_the_mount_of_the_nodes_tree_wins_over_our_own_subtree()
    {
        var text = File.ReadAllText(Dir("vm-private-cgroupns", "mountinfo"));
        var m = CgroupMounts.Parse(Fixtures.Text(text));
        Assert.Equal(("/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory"), (m.V2Mount, m.V1MemoryMount));
        // The same lines in the other order: the node's tree ("/..") still wins over the fresh mount rooted at ours ("/").
        var reversed = string.Join('\n', text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Reverse()) + "\n";
        Assert.Equal("/sys/fs/cgroup/unified", CgroupMounts.Parse(Fixtures.Text(reversed)).V2Mount);
        // In the initial namespace: a bind of a subtree first, then the whole tree: the whole tree.
        var bind = CgroupMounts.Parse(Fixtures.Text("70 1 0:37 /kubepods.slice /mnt/pods rw - cgroup2 cgroup2 rw\n29 23 0:37 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n80 1 0:37 /../x /mnt/cousin rw - cgroup2 cgroup2 rw\n"));
        Assert.Equal("/sys/fs/cgroup", bind.V2Mount);
    }

    [Fact]
    public void Pure_v2_and_pure_v1_mountinfo_are_told_apart_by_what_is_mounted()
    {
        var v2 = CgroupMounts.Parse(Fixtures.Text("29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"));
        Assert.Equal(("v2", "/sys/fs/cgroup", (string?)null), (v2.Layout, v2.V2Mount, v2.V1MemoryMount));
        var v1 = CgroupMounts.Parse(Fixtures.Text("34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n35 30 0:32 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"));
        Assert.Equal(("v1", (string?)null, "/sys/fs/cgroup/memory"), (v1.Layout, v1.V2Mount, v1.V1MemoryMount));
        Assert.Equal("none", CgroupMounts.Parse(Fixtures.Text("22 1 0:21 / /proc rw - proc proc rw\n")).Layout);
    }

    [Fact]
    public void Proc_pid_cgroup_gives_the_v1_memory_path_and_the_v2_path()
    {
        var c = CgroupNaming.Parse(File.ReadAllText(Dir("vm-v1-tcp-at-limit", "proc-pid-cgroup")), out bool partial);
        Assert.False(partial);
        Assert.Equal("/sdk-memcg-cap-2382", CgroupNaming.ControllerPath(c, "memory"));
        Assert.Equal("/", CgroupNaming.V2Path(c));
        var v2Only = CgroupNaming.Parse("0::/system.slice/nginx.service\n");
        Assert.Equal(("/system.slice/nginx.service", (string?)null), (CgroupNaming.V2Path(v2Only), CgroupNaming.ControllerPath(v2Only, "memory")));
        // "cpu,cpuacct" style lists: the controller is found inside the list, not by prefix
        Assert.Equal("/x", CgroupNaming.ControllerPath(CgroupNaming.Parse("3:cpu,memory:/x\n2:memory_foo:/y\n"), "memory"));
    }

    [Fact]
    public void V1_tcp_counter_captured_at_its_limit_reads_usage_limit_and_a_peak_over_it()
    {
        var g = MemcgSocketReader.ReadV1(Dir("vm-v1-tcp-at-limit", "memory"), "/sdk-memcg-cap-2382");
        Assert.Equal(("v1", "/sdk-memcg-cap-2382"), (g.Version, g.LimitPath));
        Assert.Equal(65536, g.SockBytes);
        Assert.Equal(65536, g.UsageBytes);
        Assert.Equal(65536, g.LimitBytes);
        Assert.Equal(118784, g.PeakBytes); // over the limit: refused, then forced
        Assert.Equal(0, g.FailCount);       // not tracked for tcpmem on 6.18
        Assert.Null(g.Problem);
    }

    [Fact]
    public void V1_unset_limit_reads_as_no_limit()
    {
        Assert.True(CgroupValueReader.Parse(File.ReadAllBytes(Dir("vm-hybrid", "root-memory.kmem.tcp.limit_in_bytes"))).Unlimited);
        Assert.True(CgroupValueReader.Parse("max\n"u8).Unlimited);
        Assert.Equal(8000000000, CgroupValueReader.Parse("8000000000\n"u8).Value);
    }

    [Fact]
    public void V2_memory_stat_of_a_real_host_gives_sock_and_the_limit_it_meets()
    {
        var stat = MemoryStatReader.Parse(File.ReadAllBytes(Dir("lkml-v2-udp-memcg-limit", "unified") + V2Leaf + "/memory.stat"));
        Assert.Equal(4096, stat["sock"]);
        Assert.Equal(7502163968, stat["file"]);
        var g = MemcgSocketReader.ReadV2(Dir("lkml-v2-udp-memcg-limit", "unified"), V2Leaf);
        Assert.Equal(("v2", V2Leaf, V2Leaf), (g.Version, g.Path, g.LimitPath));
        Assert.Equal(4096, g.SockBytes);
        Assert.Equal((7999975424L, 8000000000L), (g.UsageBytes!.Value, g.LimitBytes!.Value));
        Assert.Null(g.EventsMax); // memory.events not in the report
    }

    [Fact]
    public void Memory_events_parse_by_name_with_and_without_sock_throttled()
    {
        var e = MemoryStatReader.Parse("low 0\nhigh 0\nmax 5608\noom 0\noom_kill 0\noom_group_kill 0\n"u8);
        Assert.Equal(5608, e["max"]);
        Assert.False(e.ContainsKey("sock_throttled"));
        Assert.Equal(3, MemoryStatReader.Parse("max 1\nsock_throttled 3\n"u8)["sock_throttled"]);
    }

    [Fact]
    public void An_ancestor_with_less_headroom_is_the_limit_that_binds()
    {
        var root = Path.Combine(Path.GetTempPath(), "sockdoc-memcg-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "app", "web"));
            File.WriteAllText(Path.Combine(root, "app", "memory.current"), "1000000\n");
            File.WriteAllText(Path.Combine(root, "app", "memory.max"), "1048576\n");
            File.WriteAllText(Path.Combine(root, "app", "memory.events"), "max 7\noom 0\n");
            File.WriteAllText(Path.Combine(root, "app", "web", "memory.current"), "900000\n");
            File.WriteAllText(Path.Combine(root, "app", "web", "memory.max"), "max\n");
            File.WriteAllText(Path.Combine(root, "app", "web", "memory.stat"), "anon 100\nsock 800000\n");
            var g = MemcgSocketReader.ReadV2(root, "/app/web");
            Assert.Equal(("/app/web", "/app"), (g.Path, g.LimitPath));
            Assert.Equal((1000000L, 1048576L, 800000L, 7L), (g.UsageBytes!.Value, g.LimitBytes!.Value, g.SockBytes!.Value, g.EventsMax!.Value));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void Damaged_cgroup_files_give_a_clear_error_never_a_crash()
    {
        var good = File.ReadAllBytes(Dir("lkml-v2-udp-memcg-limit", "unified") + V2Leaf + "/memory.stat");
        foreach (var bad in Fixtures.Damaged(good))
        {
            try { MemoryStatReader.Parse(bad); }
            catch (ProcParseException e) { Assert.False(string.IsNullOrEmpty(e.Describe())); }
        }
        Assert.Throws<ProcParseException>(() => MemoryStatReader.Parse("sock twelve\n"u8));
        Assert.Throws<ProcParseException>(() => CgroupValueReader.Parse("-5\n"u8));
        Assert.Throws<ProcParseException>(() => CgroupValueReader.Parse(""u8));
        Assert.Throws<ProcParseException>(() => CgroupValueReader.Parse("\0\u0001"u8));
        // The one /proc/PID/cgroup parser is lenient: garbage lines are skipped and the result marked partial.
        Assert.Empty(CgroupNaming.Parse("garbage\n", out bool cut));
        Assert.True(cut);
        Assert.Throws<ProcParseException>(() => CgroupMounts.Parse("\0\0"u8));
        var missing = CgroupValueReader.Read("/nonexistent/memory.max");
        Assert.Equal(ReadStatus.Missing, missing.Status);
    }
}
