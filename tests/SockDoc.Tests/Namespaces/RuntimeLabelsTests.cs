using SockDoc.Kernel.Namespaces;
using SockDoc.Model.Namespaces;

namespace SockDoc.Tests.Namespaces;

/// <summary>
/// Kubernetes pod identity from the container runtimes' own state files, on real files
/// (fixtures/namespaces/runtime/SOURCE.md): docker's config.v2.json of a dockershim pod, containerd's bundle
/// config.json of a kind pod, and podman's config.json captured on this VM after `podman kube play`.
/// </summary>
public sealed class RuntimeLabelsTests
{
    private static string Read(string file) => File.ReadAllText(Fixtures.Dir("namespaces", "runtime", file));

    [Fact]
    public void Docker_config_v2_labels_name_the_pod_and_container()
    {
        var l = RuntimeLabels.ParseDockerConfig(Read("docker-dockershim-k8s-config.v2.json"));
        Assert.Equal(new PodLabels("default", "consume-577cd986c7-8mk4h", "00bea8a1-8bfc-11e8-b709-f01fafd51338", "consume"), l);
    }

    [Fact]
    public void Dockershim_container_names_carry_container_pod_namespace_uid_and_attempt()
    {
        // The "Name" of the same real file, as docker stores it (with the leading slash).
        Assert.Equal(new PodLabels("default", "consume-577cd986c7-8mk4h", "00bea8a1-8bfc-11e8-b709-f01fafd51338", "consume"),
            RuntimeLabels.ParseDockershimName("/k8s_consume_consume-577cd986c7-8mk4h_default_00bea8a1-8bfc-11e8-b709-f01fafd51338_0"));
        // the pod's sandbox ("POD") from the same node (HostnamePath's container)
        Assert.Equal("POD", RuntimeLabels.ParseDockershimName("k8s_POD_consume-577cd986c7-8mk4h_default_00bea8a1-8bfc-11e8-b709-f01fafd51338_0")!.Container);
        // plain docker names, a cut name, an attempt that is not a number: no pod
        Assert.Null(RuntimeLabels.ParseDockershimName("/web"));
        Assert.Null(RuntimeLabels.ParseDockershimName("k8s_consume_consume-577cd986c7-8mk4h_default"));
        Assert.Null(RuntimeLabels.ParseDockershimName("k8s_a_b_c_d_x"));
        Assert.Null(RuntimeLabels.ParseDockershimName("k8s__b_c_d_0"));
        Assert.Null(RuntimeLabels.ParseDockershimName(null));
    }

    [Fact]
    public void Docker_config_without_labels_falls_back_to_the_dockershim_name()
    {
        var text = Read("docker-dockershim-k8s-config.v2.json").Replace("\"io.kubernetes.pod.", "\"x.", StringComparison.Ordinal)
            .Replace("\"io.kubernetes.container.name\"", "\"x.container\"", StringComparison.Ordinal);
        Assert.Equal(new PodLabels("default", "consume-577cd986c7-8mk4h", "00bea8a1-8bfc-11e8-b709-f01fafd51338", "consume"), RuntimeLabels.ParseDockerConfig(text));
    }

    [Fact]
    public void Containerd_bundle_config_annotations_name_the_pod_and_container()
    {
        var text = Read("containerd-k8s-bundle-config.json");
        Assert.Equal(new PodLabels("bpfman", "bpfman-operator-65747dc769-pjztg", "4cad64d0-7a36-452a-8a08-bd3a694cdad5", "bpfman-operator"), RuntimeLabels.ParseOciConfig(text));
        // The cgroup path the same file asks runc for names the same pod uid and container (cross-check of two sources).
        var c = CgroupNaming.Container("kubelet-kubepods-burstable-pod4cad64d0_7a36_452a_8a08_bd3a694cdad5.slice:cri-containerd:b1f06ea545e81d89dc503414d20a33f1b3f3eca71e3a4344fd16ddc202cc8129");
        Assert.Equal(("containerd", "4cad64d0-7a36-452a-8a08-bd3a694cdad5"), (c!.Runtime, c.Pod!.Uid));
    }

    [Fact]
    public void Podman_kube_play_config_names_no_kubernetes_pod()
    {
        // podman 4.3 drops the pod's Kubernetes namespace: no io.kubernetes.pod.* annotation in its config.json.
        var text = Read("podman-kube-play-config.json");
        Assert.Contains("io.kubernetes.cri-o.SandboxID", text, StringComparison.Ordinal);
        Assert.Null(RuntimeLabels.ParseOciConfig(text));
        Assert.Null(RuntimeLabels.ParseDockerConfig(text));
    }

    [Fact]
    public void Cri_o_keys_in_an_oci_config_are_read_like_containerds()
    {
        // podman's real file with the keys CRI-O writes from the kubelet's labels added to its annotations.
        var text = Read("podman-kube-play-config.json").Replace("\"annotations\":{", "\"annotations\":{\"io.kubernetes.pod.name\":\"web-0\",\"io.kubernetes.pod.namespace\":\"shop\",\"io.kubernetes.pod.uid\":\"7e1b7a3c-1f0e-4a59-9d0b-0c7d4c8f2a11\",\"io.kubernetes.container.name\":\"app\",", StringComparison.Ordinal);
        Assert.Equal(new PodLabels("shop", "web-0", "7e1b7a3c-1f0e-4a59-9d0b-0c7d4c8f2a11", "app"), RuntimeLabels.ParseOciConfig(text));
    }

    public static TheoryData<string> Garbage()
    {
        var docker = File.ReadAllText(Fixtures.Dir("namespaces", "runtime", "docker-dockershim-k8s-config.v2.json"));
        var containerd = File.ReadAllText(Fixtures.Dir("namespaces", "runtime", "containerd-k8s-bundle-config.json"));
        return
        [
            docker[..(docker.Length / 2)],
            containerd[..(containerd.Length / 3)],
            "",
            "   ",
            "null",
            "[]",
            "42",
            "{\"Config\":[],\"annotations\":\"x\",\"Name\":7}",
            "{\"Config\":{\"Labels\":{\"io.kubernetes.pod.name\":7}},\"annotations\":{\"io.kubernetes.cri.sandbox-name\":null}}",
            new string('[', 10_000),
            "\0\u0001\u0002\u00ff\ufffd binary",
        ];
    }

    [Theory]
    [MemberData(nameof(Garbage))]
    public void Garbage_gives_no_labels_and_no_exception(string text)
    {
        Assert.Null(RuntimeLabels.ParseDockerConfig(text));
        Assert.Null(RuntimeLabels.ParseOciConfig(text));
    }

    [Fact]
    public void Ids_that_are_not_hex_never_become_paths()
    {
        Assert.Null(RuntimeLabels.Read("docker", "../../etc/passwd"));
        Assert.Null(RuntimeLabels.Read("docker", ""));
    }

    [Fact]
    public void State_files_are_found_under_the_runtimes_own_directories()
    {
        var root = Directory.CreateTempSubdirectory("sdk-runtime-").FullName;
        try
        {
            const string id = "b1f06ea545e81d89dc503414d20a33f1b3f3eca71e3a4344fd16ddc202cc8129";
            var dir = Directory.CreateDirectory(Path.Join(root, $"/run/containerd/io.containerd.runtime.v2.task/k8s.io/{id}")).FullName;
            File.Copy(Fixtures.Dir("namespaces", "runtime", "containerd-k8s-bundle-config.json"), Path.Join(dir, "config.json"));
            Assert.Equal("bpfman", RuntimeLabels.Read("containerd", id, root)?.Namespace);
            Assert.Equal("bpfman", RuntimeLabels.Read("docker", id, root)?.Namespace);
            Assert.Null(RuntimeLabels.Read("containerd", new string('a', 64), root));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void Runtime_labels_win_over_the_pods_own_files()
    {
        var c = new ContainerRef { Runtime = "containerd", Id = new string('a', 64), Pod = new KubernetesPod("4cad64d0-7a36-452a-8a08-bd3a694cdad5") };
        var labels = RuntimeLabels.ParseOciConfig(Read("containerd-k8s-bundle-config.json"));
        // The pod set its own hostname: /etc/hostname is not the pod's name, the runtime's label is.
        var merged = ContainerState.Merge(c, labels, "other-namespace", "my-own-hostname");
        Assert.Equal(("bpfman", "bpfman-operator-65747dc769-pjztg", "bpfman-operator"), (merged.Pod!.Namespace, merged.Pod.Name, merged.Pod.Container));
        // Without the runtime's labels the pod's files are used.
        var files = ContainerState.Merge(c, null, "bpfman", "bpfman-operator-65747dc769-pjztg");
        Assert.Equal(("bpfman", "bpfman-operator-65747dc769-pjztg"), (files.Pod!.Namespace, files.Pod.Name));
        // The labels give a pod uid where the cgroup path gave none (docker's own cgroup names).
        var plain = new ContainerRef { Runtime = "docker", Id = new string('b', 64) };
        Assert.Equal("00bea8a1-8bfc-11e8-b709-f01fafd51338", ContainerState.Merge(plain, RuntimeLabels.ParseDockerConfig(Read("docker-dockershim-k8s-config.v2.json")), null, null).Pod?.Uid);
        // No uid anywhere: no pod, whatever the files say.
        Assert.Null(ContainerState.Merge(plain, null, "ns", "host").Pod);
    }

    [Fact]
    public void Every_runtime_fixture_has_its_source()
    {
        var source = Read("SOURCE.md");
        foreach (var f in Directory.GetFiles(Fixtures.Dir("namespaces", "runtime"), "*.json"))
            Assert.Contains($"`{Path.GetFileName(f)}`", source, StringComparison.Ordinal);
    }
}
