using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Kernel.Namespaces;
using SockDoc.Model;
using SockDoc.Model.Census;
using SockDoc.Model.Namespaces;

namespace SockDoc.Tests.Namespaces;

public class CgroupNamingTests
{
    private static string Fixture(string name) => File.ReadAllText(Fixtures.Dir("namespaces", name));

    [Fact]
    public void PodmanContainerIsNamedFromItsRealCgroupFile()
    {
        var lines = CgroupNaming.Parse(Fixture("proc-cgroup-podman-runc-hybrid.txt"));
        Assert.Equal(10, lines.Count);
        var best = CgroupNaming.BestPath(lines)!;
        var c = CgroupNaming.Container(best);
        Assert.NotNull(c);
        Assert.Equal("podman", c.Runtime);
        Assert.Equal("8434a6d1c2be055a4e7d00caef1cca81c38377d5bff1e9e55de415edbd39978a", c.Id);
        Assert.Null(CgroupNaming.Unit(best));
    }

    [Fact]
    public void HostShellIsNoContainer()
    {
        var lines = CgroupNaming.Parse(Fixture("proc-cgroup-host-hybrid.txt"));
        Assert.All(lines, l => Assert.Null(CgroupNaming.Container(l.Path)));
    }

    // Path shapes as the runtimes document them (docker/containerd/CRI-O cgroup drivers, kubelet's slice naming).
    [Theory]
    [InlineData("/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope", "docker", null)]
    [InlineData("/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "docker", null)]
    [InlineData("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_0000_4111_8222_123456789abc.slice/cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
        "containerd", "1b2c3d4e-0000-4111-8222-123456789abc")]
    [InlineData("/kubepods/besteffort/pod1b2c3d4e-0000-4111-8222-123456789abc/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "cri",
        "1b2c3d4e-0000-4111-8222-123456789abc")]
    [InlineData("/kubepods.slice/kubepods-pod1b2c3d4e_0000_4111_8222_123456789abc.slice/crio-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
        "cri-o", "1b2c3d4e-0000-4111-8222-123456789abc")]
    [InlineData("/machine.slice/libpod-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope/container", "podman", null)]
    public void RuntimePathShapes(string path, string runtime, string? pod)
    {
        var c = CgroupNaming.Container(path);
        Assert.NotNull(c);
        Assert.Equal(runtime, c.Runtime);
        Assert.Equal("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", c.Id);
        Assert.Equal(pod, c.Pod?.Uid);
    }

    [Theory]
    [InlineData("/machine.slice/libpod-conmon-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope")]
    [InlineData("/system.slice/nginx.service")]
    [InlineData("/")]
    [InlineData("")]
    public void NotContainers(string path) => Assert.Null(CgroupNaming.Container(path));

    [Fact]
    public void UnitOfAService() => Assert.Equal("nginx.service", CgroupNaming.Unit("/system.slice/nginx.service"));

    [Theory]
    [InlineData("")]
    [InlineData("garbage without colons\n\0\0\0")]
    [InlineData("x:y:z\n:::\n12")]
    public void DamagedCgroupFilesGiveNoLines(string text) => Assert.Empty(CgroupNaming.Parse(text));

    [Fact]
    public void NsLinks()
    {
        Assert.Equal(4026531840, NetNamespaceDiscovery.ParseNsLink("net:[4026531840]"));
        Assert.Null(NetNamespaceDiscovery.ParseNsLink("mnt:[4026531840]"));
        Assert.Null(NetNamespaceDiscovery.ParseNsLink("net:[]"));
        Assert.Null(NetNamespaceDiscovery.ParseNsLink(null));
    }

    [Fact]
    public void V2MountFromMountinfo()
    {
        const string hybrid = "30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n" +
                              "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw\n" +
                              "32 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        Assert.Equal("/sys/fs/cgroup/unified", SockDoc.Kernel.Cgroups.CgroupMounts.Parse(Fixtures.Text(hybrid)).V2Mount);
        Assert.Null(SockDoc.Kernel.Cgroups.CgroupMounts.Parse(Fixtures.Text("32 30 0:28 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n")).V2Mount);
        Assert.Equal(123456, SockDoc.Kernel.Cgroups.MemoryStatReader.Parse(Fixtures.Text("anon 1\nfile 2\nsock 123456\nshmem 0\n"))["sock"]);
    }

    [Fact]
    public void ContainersJsonNames()
    {
        var names = new Dictionary<string, string>();
        ContainerState.ParseStorage("[{\"id\":\"abc\",\"names\":[\"web\"]},{\"id\":\"def\"},{\"names\":[\"x\"]}]", names);
        ContainerState.ParseStorage("{not json", names);
        ContainerState.ParseStorage("{\"id\":1}", names);
        Assert.Equal("web", Assert.Single(names).Value);
    }
}

public class NetfilterTests
{
    private static string Fixture(string name) => File.ReadAllText(Fixtures.Dir("namespaces", name));

    [Fact]
    public void NftRulesetNamesNatCtAndNotrackChains()
    {
        var s = NetfilterReader.ParseNftJson(Fixture("nft-ruleset-nat-ct.json"));
        Assert.Null(s.Problem);
        var nat = Assert.Single(s.Chains, c => c.Nat);
        Assert.Equal(("ip", "netavark", "POSTROUTING"), (nat.Family, nat.Table, nat.Chain));
        Assert.Equal("podman (netavark)", nat.Owner);
        Assert.Equal("postrouting", nat.Hook);
        var ct = Assert.Single(s.Chains, c => c.CtRules > 0);
        Assert.Equal("NETAVARK-FORWARD", ct.Chain);
        var nt = Assert.Single(s.Chains, c => c.NotrackRules > 0);
        Assert.Equal("sdk_notrack", nt.Table);
    }

    [Fact]
    public void IptablesSaveNamesDockerNatAndConntrackRules()
    {
        var s = NetfilterReader.ParseIptablesSave(Fixture("iptables-save-docker-like.txt"));
        Assert.Contains(s.Chains, c => c is { Table: "nat", Chain: "POSTROUTING", Nat: true });
        Assert.Contains(s.Chains, c => c is { Table: "nat", Chain: "PREROUTING", Nat: true });
        Assert.Contains(s.Chains, c => c is { Table: "filter", Chain: "FORWARD", CtRules: 1 });
        Assert.Contains(s.Chains, c => c is { Table: "raw", Chain: "PREROUTING", NotrackRules: 1 });
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"nftables\": [")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"nftables\": [{\"rule\": {\"expr\": 5}}, {\"chain\": 7}, 3]}")]
    public void DamagedNftOutputIsAProblemNotACrash(string json)
    {
        var s = NetfilterReader.ParseNftJson(json);
        Assert.True(s.Problem is not null || s.Chains.Count == 0);
    }

    [Fact]
    public void ConntrackTableByProtocolAndDestination()
    {
        var flows = ConntrackTableReader.Parse(File.ReadAllBytes(Fixtures.Dir("namespaces", "nf_conntrack.txt")), 5);
        Assert.Equal(5, flows.Entries);
        Assert.Equal(5, flows.ByProtocol["tcp"]);
        var top = Assert.Single(flows.TopDestinations);
        Assert.Equal(("tcp", "127.0.0.1", 9005, 5L), (top.Protocol, top.Destination, top.Port, top.Entries));
        foreach (var bad in Fixtures.Damaged(File.ReadAllBytes(Fixtures.Dir("namespaces", "nf_conntrack.txt"))))
            _ = ConntrackTableReader.Parse(bad, 5);
    }

    [Fact]
    public void ConntrackWhyNamesTheChainsAndOffersNotrackForLoopback()
    {
        var nf = NetfilterReader.ParseNftJson(Fixture("nft-ruleset-nat-ct.json")) with
        {
            Flows = ConntrackTableReader.Parse(File.ReadAllBytes(Fixtures.Dir("namespaces", "nf_conntrack.txt")), 5),
        };
        var s = new Snapshot { TakenAt = DateTimeOffset.UnixEpoch, Netfilter = nf };
        var ev = ConntrackWhy.Evidence(s);
        Assert.Contains(ev, e => e.Name == "tracking turned on by ip netavark POSTROUTING" && e.Text.Contains("podman (netavark)", StringComparison.Ordinal));
        Assert.Contains(ev, e => e.Name == "tracked flows to tcp 127.0.0.1:9005" && e.Text == "5");
        var fix = Assert.Single(ConntrackWhy.Fix(s));
        Assert.Contains("notrack", fix.Command, StringComparison.Ordinal);
        Assert.Empty(ConntrackWhy.Fix(new Snapshot { TakenAt = DateTimeOffset.UnixEpoch }));
    }
}

public class NamespaceModelTests
{
    [Fact]
    public void EveryRuleHasADeclaredScope()
    {
        foreach (var id in All.Ids) Assert.True(RuleScopes.ById.ContainsKey(id), $"rule {id} has no scope in RuleScopes");
        Assert.Equal(RuleScope.Machine, RuleScopes.Of("orphans"));
        Assert.Equal(RuleScope.PerNamespace, RuleScopes.Of("tw_buckets"));
    }

    private static Snapshot Ns(long tw, long max, long overflow) => new()
    {
        TakenAt = DateTimeOffset.UnixEpoch,
        Host = new HostIdentity { NetNsInode = 4026532999, InitialNetNs = false, PageSize = 4096 },
        SockStat = new SockStat { TcpTw = tw, TcpInUse = 1 },
        NetStat = new NetStatCounters
        {
            Groups = new Dictionary<string, IReadOnlyDictionary<string, long>> { ["TcpExt"] = new Dictionary<string, long> { ["TCPTimeWaitOverflow"] = overflow, ["TW"] = 10 } },
        },
        Sysctls = new Sysctls { Values = new Dictionary<string, string> { [SysctlNames.TcpMaxTwBuckets] = max.ToString(System.Globalization.CultureInfo.InvariantCulture) } },
    };

    [Fact]
    public void PerNamespaceRulesRunPerNamespaceAndFindingsNameTheContainer()
    {
        var machine = new SnapshotPair(Ns(0, 131072, 0) with { Host = new HostIdentity { InitialNetNs = true, PageSize = 4096 } }, null);
        var id = new NetNamespaceIdentity
        {
            Inode = 4026532999,
            Containers = [new ContainerRef { Runtime = "podman", Id = new string('a', 64), Name = "web" }],
        };
        var host = new HostSnapshot(machine, [new NetNamespaceSnapshot { Identity = id, Now = Ns(5, 5, 45) }]);
        var report = NamespaceDoctor.Run(All.Engine(), host);
        var ns = Assert.Single(report.Namespaces!);
        Assert.Equal("podman web (aaaaaaaaaaaa)", ns.Namespace.Name);
        Assert.All(ns.Checks, c => Assert.Equal(RuleScope.PerNamespace, RuleScopes.Of(c.Id)));
        var f = Assert.Single(report.Findings, f => f.Id == "tw_buckets");
        Assert.Equal(new string('a', 64), f.Namespace!.ContainerId);
        Assert.DoesNotContain(report.Checks, c => c.Namespace is not null);
        Assert.True(report.Severity >= Severity.Warning);
    }

    [Fact]
    public void HostFileRoundTripsAndOldFilesStillLoad()
    {
        var now = new Snapshot { TakenAt = DateTimeOffset.UnixEpoch, SockStat = new SockStat { TcpTw = 3 } };
        var id = new NetNamespaceIdentity { Inode = 42, NetnsNames = ["sdk-x"], Processes = [new NamespaceProcess(7, "sdkct", "/libpod_parent/libpod-x")] };
        var host = new HostSnapshot(new SnapshotPair(now, null), [new NetNamespaceSnapshot { Identity = id, Now = now }])
        {
            Cgroups = [new CgroupSocketUse { Id = 9, Path = "/a", Orphans = 2 }],
        };
        var json = SnapshotJson.Serialize(host);
        var back = SnapshotJson.DeserializeHost(json);
        var ns = Assert.Single(back.Namespaces);
        Assert.Equal(42, ns.Identity.Inode);
        Assert.Equal("netns sdk-x", ns.Identity.DisplayName);
        Assert.Equal(3, ns.Now.SockStat!.TcpTw);
        Assert.Equal(2, Assert.Single(back.Cgroups).Orphans);
        // The old form (a pair without "namespaces") loads with no namespaces; the old reader still reads the new file.
        var old = SnapshotJson.Serialize(new SnapshotPair(now, null));
        Assert.Empty(SnapshotJson.DeserializeHost(old).Namespaces);
        Assert.Equal(3, SnapshotJson.Deserialize(json).Now.SockStat!.TcpTw);
        Assert.Throws<SnapshotFormatException>(() => SnapshotJson.DeserializeHost(json.Replace("\"identity\"", "\"x\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void HoldersAreListedForOrphansAndTcpMem()
    {
        var cgroups = new List<CgroupSocketUse>
        {
            new() { Id = 1, Path = "/libpod_parent/libpod-" + new string('b', 64), Container = new ContainerRef { Runtime = "podman", Id = new string('b', 64) }, Orphans = 7, BufferBytes = 4096 },
            new() { Id = 2, Path = "/system.slice/x.service", Unit = "x.service", Orphans = 0, BufferBytes = 1 << 20 },
        };
        var orphans = NamespaceDoctor.OrphanHolders(cgroups, 5);
        Assert.Equal("orphans held by podman bbbbbbbbbbbb", Assert.Single(orphans).Name);
        var buffers = NamespaceDoctor.BufferHolders(cgroups, 5);
        Assert.Equal("buffers held by x.service", buffers[0].Name);
        Assert.Equal(2, buffers.Count);
    }
}

public class NamespaceSamplerTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(37)]
    public void ForEach_runs_every_index_once(int count)
    {
        var hits = new int[count];
        NamespaceSampler.ForEach(count, i => Interlocked.Increment(ref hits[i]));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void A_namespace_is_dumped_unless_sockstat_shows_no_socket_at_all()
    {
        Assert.True(NamespaceSampler.NoTcpSockets(new SockStat { SocketsUsed = 0, TcpInUse = 0, TcpTw = 0 }, new SockStat6 { Tcp6InUse = 0 }));
        Assert.True(NamespaceSampler.NoTcpSockets(new SockStat { SocketsUsed = 0, TcpInUse = 0, TcpTw = 0 }, null));
        Assert.False(NamespaceSampler.NoTcpSockets(new SockStat { SocketsUsed = 0, TcpInUse = 0, TcpTw = 3 }, null));
        Assert.False(NamespaceSampler.NoTcpSockets(new SockStat { SocketsUsed = 0, TcpInUse = 0, TcpTw = 0 }, new SockStat6 { Tcp6InUse = 1 }));
        // a bound-only TCP socket is in "used" but not in inuse, and the dump returns it (TCP_BOUND_INACTIVE, 6.7+)
        Assert.False(NamespaceSampler.NoTcpSockets(new SockStat { SocketsUsed = 1, TcpInUse = 0, TcpTw = 0 }, null));
        // sockstat unreadable: unknown, so the namespace is dumped
        Assert.False(NamespaceSampler.NoTcpSockets(null, null));
        Assert.False(NamespaceSampler.NoTcpSockets(new SockStat { SocketsUsed = 0, TcpInUse = null, TcpTw = 0 }, null));
    }

    [Fact]
    public void The_ruleset_is_read_only_where_conntrack_tracks_something()
    {
        static Snapshot With(string? count, ConntrackStat? stat = null) => new()
        {
            TakenAt = DateTimeOffset.UnixEpoch,
            Sysctls = new Sysctls { Values = count is null ? new SortedDictionary<string, string>() : new SortedDictionary<string, string> { ["net.netfilter.nf_conntrack_count"] = count } },
            ConntrackStat = stat,
        };
        Assert.False(NamespaceSampler.ConntrackAtWork(With(null)));
        Assert.False(NamespaceSampler.ConntrackAtWork(With("0")));
        Assert.True(NamespaceSampler.ConntrackAtWork(With("12")));
        Assert.True(NamespaceSampler.ConntrackAtWork(With("0", new ConntrackStat { Columns = new Dictionary<string, long> { ["insert_failed"] = 4 } })));
    }
}
