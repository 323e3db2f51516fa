using SockDoc.Kernel;
using SockDoc.Kernel.Cgroups;
using SockDoc.Kernel.Namespaces;
using SockDoc.Model.Cgroups;

namespace SockDoc.Tests.Namespaces;

/// <summary>
/// sockdoc inside a container: /proc/PID/cgroup read from a private cgroup namespace (files captured on this VM with
/// `unshare -C`, fixtures/namespaces/cgroup/SOURCE.md), the check of our own cgroup namespace, and each namespace's
/// share of the machine's memcg sample.
/// </summary>
public sealed class CgroupNamespaceTests
{
    private static List<CgroupLine> Lines(string file, out bool partial) =>
        CgroupNaming.Parse(File.ReadAllText(Fixtures.Dir("namespaces", "cgroup", file)), out partial);

    [Fact]
    public void A_container_seen_from_a_private_cgroup_namespace_is_still_named()
    {
        var lines = Lines("vm-podman-seen-from-private-cgroupns.cgroup", out bool partial);
        Assert.False(partial);
        var v2 = CgroupNaming.V2Path(lines)!;
        Assert.StartsWith("/../libpod_parent/", v2, StringComparison.Ordinal);
        Assert.True(CgroupNaming.OutsideNamespaceRoot(v2));
        var c = CgroupNaming.Container(CgroupNaming.BestPath(lines)!);
        Assert.Equal(("podman", "314b60b3148d047bbd148113cbdeed284bf42119e653cbc9e5195d079d943e98"), (c!.Runtime, c.Id));
        // The v1 memory line climbs two levels (the reader's memory cgroup was two deep); the others are absolute.
        Assert.True(CgroupNaming.OutsideNamespaceRoot(CgroupNaming.ControllerPath(lines, "memory")!));
        Assert.False(CgroupNaming.OutsideNamespaceRoot(CgroupNaming.ControllerPath(lines, "pids")!));
        Assert.Equal(c, CgroupNaming.Container(CgroupNaming.ControllerPath(lines, "memory")!));
    }

    [Fact]
    public void Pid_1_and_ourselves_seen_from_a_private_cgroup_namespace()
    {
        var pid1 = Lines("vm-pid1-seen-from-private-cgroupns.cgroup", out _);
        Assert.Equal("/..", CgroupNaming.V2Path(pid1));
        Assert.True(CgroupNaming.OutsideNamespaceRoot("/.."));
        Assert.Null(CgroupNaming.Container("/.."));
        Assert.Null(CgroupNaming.Unit("/.."));
        var self = Lines("vm-self-in-private-cgroupns.cgroup", out _);
        Assert.All(self, l => Assert.Equal("/", l.Path));
        Assert.False(CgroupNaming.OutsideNamespaceRoot("/"));
        // A name that only starts like "..": not outside.
        Assert.False(CgroupNaming.OutsideNamespaceRoot("/..foo/bar"));
    }

    [Fact]
    public void Cut_or_binary_cgroup_files_keep_their_good_lines_and_say_partial()
    {
        var good = File.ReadAllText(Fixtures.Dir("namespaces", "cgroup", "vm-podman-seen-from-private-cgroupns.cgroup"));
        var cut = CgroupNaming.Parse(good[..(good.Length - 40)] + "\n4:mem", out bool partial);
        Assert.True(partial);
        Assert.Equal(10, cut.Count);
        CgroupNaming.Parse("\0\0\u0001:x\n", out bool binary);
        Assert.True(binary);
        Assert.Empty(CgroupNaming.Parse("x:y:z\n-1::/a\n::/b\n", out bool bad));
        Assert.True(bad);
        // A path may hold ':' (runc's systemd cgroupsPath written literally on v1).
        var colon = CgroupNaming.Parse("4:memory:/kubepods.slice:cri-containerd:abc\n", out bool ok);
        Assert.False(ok);
        Assert.Equal("/kubepods.slice:cri-containerd:abc", colon[0].Path);
    }

    [Fact]
    public void Cgroup_namespace_links_parse_like_net_links()
    {
        Assert.Equal(4026531835, NetNamespaceDiscovery.ParseNsLink("cgroup:[4026531835]", "cgroup"));
        Assert.Equal(NetNamespaceDiscovery.InitialCgroupNamespaceInode, NetNamespaceDiscovery.ParseNsLink("cgroup:[4026531835]", "cgroup"));
        Assert.Null(NetNamespaceDiscovery.ParseNsLink("net:[4026531835]", "cgroup"));
        Assert.Null(NetNamespaceDiscovery.ParseNsLink("cgroup:[x]", "cgroup"));
        Assert.Equal(4026531840, NetNamespaceDiscovery.ParseNsLink("net:[4026531840]"));
    }

    [Fact]
    public void The_test_host_runs_in_the_initial_cgroup_namespace()
    {
        // This VM's test runner is in the host's cgroup namespace (readlink /proc/self/ns/cgroup = cgroup:[4026531835]).
        if (!File.Exists("/proc/self/ns/cgroup")) return;
        Assert.True(NetNamespaceDiscovery.InInitialCgroupNamespace(ProcRoot.Live));
        // A copied /proc tree has no namespace links: unknown, not "private".
        Assert.Null(NetNamespaceDiscovery.InInitialCgroupNamespace(Fixtures.Vm));
    }

    [Fact]
    public void The_shared_cgroup_table_reads_each_process_once_and_marks_cut_files()
    {
        var dir = Directory.CreateTempSubdirectory("sdk-proc-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Join(dir, "7"));
            File.Copy(Fixtures.Dir("namespaces", "cgroup", "vm-podman-seen-from-private-cgroupns.cgroup"), Path.Join(dir, "7", "cgroup"));
            Directory.CreateDirectory(Path.Join(dir, "8"));
            File.WriteAllText(Path.Join(dir, "8", "cgroup"), "0::/a\ngarbage\n");
            var table = new ProcCgroups(new ProcRoot(dir));
            var first = table.Of(7);
            File.Delete(Path.Join(dir, "7", "cgroup"));
            Assert.Same(first, table.Of(7));
            Assert.Single(table.Of(8)!);
            Assert.Null(table.Of(9));
            Assert.Equal((3, 1), (table.Read, table.Partial));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static MemcgSocketMemory G(string version, string path, long sock) => new() { Path = path, Version = version, SockBytes = sock };

    [Fact]
    public void Each_namespace_gets_the_memcg_figures_of_its_own_cgroups()
    {
        var machine = new MemcgSample
        {
            Layout = "hybrid",
            MemoryController = "v1",
            V1MemoryMount = "/sys/fs/cgroup/memory",
            Cgroups = [G("v1", "/libpod_parent/p/libpod-a", 4096), G("v1", "/libpod_parent/p/libpod-b", 8192), G("v1", "/system.slice/x.service", 1)],
        };
        var mine = NamespaceSampler.MemcgOf(machine, new HashSet<string> { "v1:/libpod_parent/p/libpod-a", "v2:/libpod_parent/p/libpod-b", "v1:/libpod_parent/p/libpod-b" })!;
        Assert.Equal(["/libpod_parent/p/libpod-a", "/libpod_parent/p/libpod-b"], mine.Cgroups.Select(g => g.Path));
        Assert.Equal(("hybrid", "v1"), (mine.Layout, mine.MemoryController));
        // The hierarchy matters: the same path in the v2 tree is another cgroup.
        Assert.Empty(NamespaceSampler.MemcgOf(machine, new HashSet<string> { "v2:/libpod_parent/p/libpod-a" })!.Cgroups);
        Assert.Null(NamespaceSampler.MemcgOf(null, new HashSet<string>()));

        var snapshot = new Model.Snapshot { TakenAt = DateTimeOffset.UnixEpoch, Memcg = mine };
        var s = Diagnosis.Engine.NamespaceDoctor.Summarise(snapshot);
        Assert.Equal(4096 + 8192, s.MemcgSockBytes);
        Assert.Equal(2, s.Memcgs.Count);
        Assert.Null(Diagnosis.Engine.NamespaceDoctor.Summarise(new Model.Snapshot { TakenAt = DateTimeOffset.UnixEpoch }).MemcgSockBytes);
    }
}
