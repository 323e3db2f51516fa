using SockDoc.Kernel.Namespaces;

namespace SockDoc.Tests.Namespaces;

/// <summary>
/// Container and pod naming on /proc/PID/cgroup files captured on real machines (docker, containerd, CRI-O under
/// Kubernetes; cgroup v1 only, hybrid, v2 only), published in other projects' tests: fixtures/namespaces/cgroup/SOURCE.md.
/// </summary>
public sealed class CgroupFixtureTests
{
    private static string Read(string file) => File.ReadAllText(Fixtures.Dir("namespaces", "cgroup", file));

    /// <summary>What discovery takes from a member's cgroup file: the best path's container (or the first any line names).</summary>
    private static Model.Namespaces.ContainerRef? Name(string file)
    {
        var lines = CgroupNaming.Parse(Read(file));
        Assert.NotEmpty(lines);
        var best = CgroupNaming.BestPath(lines);
        return (best is null ? null : CgroupNaming.Container(best)) ?? lines.Select(l => CgroupNaming.Container(l.Path)).FirstOrDefault(c => c is not null);
    }

    [Theory]
    // docker alone, cgroup v1: cgroupfs driver (/docker/ID), systemd driver (docker-ID.scope), the old lxc driver (/lxc/ID)
    [InlineData("newrelic-docker-0.9.1.cgroup", "docker", "f37a7e4d17017e7bf774656b19ca4360c6cdc4951c86700a464101d0d9ce97ee", null)]
    [InlineData("newrelic-docker-1.1.2-native-driver-fs.cgroup", "docker", "2a4f870e24a3b52eb9fe7f3e02858c31855e213e568cfa6c76cb046ffa5b8a28", null)]
    [InlineData("newrelic-docker-1.1.2-native-driver-systemd.cgroup", "docker", "67f98c9e6188f9c1818672a15dbe46237b6ee7e77f834d40d41c5fb3c2f84a2f", null)]
    [InlineData("newrelic-docker-1.3.cgroup", "docker", "47cbd16b77c50cbf71401c069cd2189f0e659af17d5a2daca3bddf59d8a870b2", null)]
    [InlineData("newrelic-docker-1.1.2-lxc-driver.cgroup", "container", "cb8c113e5f3cf8332f5231f8154adc429ea910f7c29995372de4f571c55d3159", null)]
    [InlineData("neuvector-docker-systemd-centos.cgroup", "docker", "9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d", null)]
    // docker in docker: the innermost container is the one the process is in
    [InlineData("neuvector-docker-in-docker-rancheros.cgroup", "docker", "ec08435e04266c5ba381fccbb829f626d11d8ddf5f8f547263c7a2d79ab4787a", null)]
    // Kubernetes, cgroup v1: cgroupfs driver (a bare id under /kubepods/QOS/podUID), systemd driver (…-podUID.slice/RUNTIME-ID.scope)
    [InlineData("qard-gke-k8s-docker-cgroupfs.cgroup", "cri", "34dc0b5e626f2c5c4c5170e34b10e7654ce36f0fcd532739f4445baabea03376", "74c13223-5a00-11e9-b385-42010a80018d")]
    [InlineData("neuvector-k8s-containerd-1.2.13-cgroupfs.cgroup", "cri", "5dd96d5394ca930a854a390ea46f7515a8bc930123eb3251ba20f2708a38fc61", "a36d0c1d-0b26-4451-8d80-9c195e004afa")]
    [InlineData("neuvector-k8s-kube-proxy-subcgroup.cgroup", "cri", "c04e0a88a1de067f25bece337d4dbb897396e0b623c2a65330850fc9823f1903", "f8a694f2-7c08-11e9-98da-000c29077430")]
    [InlineData("neuvector-k8s-docker-systemd-driver-v1.cgroup", "docker", "b5b6f2da8008be266864f896f93789762b2ce50792114a5c5f2cc3315af0bc70", "045b1e35-7f13-11e7-ac42-0050568ffca0")]
    [InlineData("neuvector-k8s-crio-1.19-openshift-4.6.cgroup", "cri-o", "d6d725b909f37c3e232aadfbafa950a58bfe7baa579ba8c47a12be88bb921607", "8ca306fa-3c03-47fa-97dd-19979c345572")]
    // a static pod: its uid is the manifest's hash (32 hex digits, no dashes)
    [InlineData("neuvector-k8s-crio-1.17-openshift-4.4-static-pod.cgroup", "cri-o", "7a1fd6fe8cdfbd44dc78c4cc85dad7031eaab4365801684cad0aabdeaf863f9e", "487a0dc6dccaeefbcfedba7a7ce1ca18")]
    // containerd with the systemd driver on v1: runc's "slice:prefix:id" cgroupsPath as one path component
    [InlineData("neuvector-k8s-containerd-1.4.4-systemd-driver-v1.cgroup", "containerd", "d3d8ccf5cca91931c6285c1d7472c413dd5a7700fddc0aa9f89a9ac7008b003e", "2105e389-7471-476e-a50f-6074cef29bbd")]
    // hybrid (v1 controllers plus the 0:: line): the v2 path names it
    [InlineData("neuvector-k8s-containerd-bottlerocket-hybrid.cgroup", "containerd", "f45298cd514d1930c4fe3afc4412e59547f7e3148fddd22ca33cefce046eb830", "dd1bf9d1-241d-47f5-8e25-12de83135812")]
    // cgroup v2 only, read from another cgroup namespace (paths start with /..)
    [InlineData("neuvector-docker-20.10-v2-only-other-cgroupns.cgroup", "docker", "1f1d6e2d4940ddac13abd421a2617992bf89f0e0f9a902ed58278c5f843e9ae7", null)]
    [InlineData("neuvector-k8s-docker-20.10.7-v2-only-other-cgroupns.cgroup", "docker", "2cc65c162ca1388b6b8d5ccfb701d22fc96675ccf8b2f1590c490c2c4039547f", "fd698699-eabf-4c23-92ef-cf0bbdb78261")]
    public void Real_cgroup_files_name_the_container_and_pod(string file, string runtime, string id, string? podUid)
    {
        var c = Name(file);
        Assert.NotNull(c);
        Assert.Equal(runtime, c!.Runtime);
        Assert.Equal(id, c.Id);
        Assert.Equal(podUid, c.Pod?.Uid);
    }

    [Theory]
    [InlineData("newrelic-ubuntu-14.04-no-container.cgroup")]
    [InlineData("newrelic-heroku.cgroup")]
    [InlineData("neuvector-host-process-v1.cgroup")]
    [InlineData("neuvector-crio-1.22-v2-only-host-init.cgroup")]
    public void Host_processes_and_foreign_ids_are_no_container(string file) => Assert.Null(Name(file));

    [Fact]
    public void A_systemd_unit_is_named_where_no_container_is()
    {
        Assert.Equal("init.scope", CgroupNaming.Unit(CgroupNaming.BestPath(CgroupNaming.Parse(Read("neuvector-crio-1.22-v2-only-host-init.cgroup")))!));
        // the container's own scope is not a unit
        Assert.Null(CgroupNaming.Unit(CgroupNaming.BestPath(CgroupNaming.Parse(Read("neuvector-docker-systemd-centos.cgroup")))!));
    }

    [Fact]
    public void Every_fixture_has_its_source()
    {
        var source = Read("SOURCE.md");
        foreach (var f in Directory.GetFiles(Fixtures.Dir("namespaces", "cgroup"), "*.cgroup"))
        {
            var name = Path.GetFileName(f);
            Assert.True(source.Contains(name, StringComparison.Ordinal) || (name.StartsWith("neuvector-", StringComparison.Ordinal) && source.Contains("neuvector-*.cgroup", StringComparison.Ordinal)),
                $"{name} is not in SOURCE.md");
        }
    }
}
