using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using static SockDoc.RealKernel.Tests.Namespaces.NamespacesRealKernelTests;

namespace SockDoc.RealKernel.Tests.Namespaces;

/// <summary>
/// A real Kubernetes-shaped pod (`podman kube play`, runc, `--network none`, image built from scratch) seen by the
/// host's doctor: its namespace is named by the pod's namespace and name, read from the runtime's own state file
/// (podman copies the pod's annotations into each container's userdata/config.json, under the same keys CRI-O
/// writes from the kubelet's labels), and its sample carries the memcg socket bytes of the container's cgroup.
/// And sockdoc run in a private cgroup namespace (`unshare -C`, what a container gets on cgroup v2) says so.
/// </summary>
public sealed class PodIdentityRealKernelTests
{
    private static readonly string Suffix = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private const string V1Memory = "/sys/fs/cgroup/memory";

    [Fact]
    public void A_kube_play_pod_is_named_by_its_namespace_and_carries_its_memcg_socket_bytes()
    {
        Support.RequireRoot();
        var conf = ContainersConf();
        var rulesetBefore = Support.Sh("nft list ruleset");
        // The pod's infra container is the test image too (no registry is reachable), its CMD a bounded pause: the test
        // binary listening with no connection for 300 s.
        string image = BuildImage(conf, "[\"/sdkct\", \"hold\", \"9999\", \"0\", \"300\"]");
        File.WriteAllText(conf, File.ReadAllText(conf).Replace("[engine]\n", $"[engine]\ninfra_image = \"{image}\"\n", StringComparison.Ordinal));
        string pod = $"sdk-kube-{Suffix}", uid = $"5b3c2e1a-0d4f-4c6b-9a7e-{Environment.ProcessId:x12}";
        var yaml = Path.Combine(Path.GetDirectoryName(conf)!, "pod.yaml");
        File.WriteAllText(yaml, $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {pod}
              namespace: sdk-shop
              annotations:
                io.kubernetes.pod.namespace: sdk-shop
                io.kubernetes.pod.name: {pod}
                io.kubernetes.pod.uid: {uid}
                io.kubernetes.container.name: app
            spec:
              containers:
              - name: app
                image: {image}
                command: ["/sdkct", "hold", "9000", "0", "300"]
            """);
        Process? sender = null;
        string? podId = null;
        try
        {
            Podman(conf, "kube", "play", "--network", "none", yaml);
            podId = Podman(conf, "pod", "inspect", "-f", "{{.Id}}", pod);
            var id = Podman(conf, "ps", "-q", "--no-trunc", "--filter", $"name={pod}-app");
            Assert.Matches("^[0-9a-f]{64}$", id);
            int pid = int.Parse(Podman(conf, "inspect", "-f", "{{.State.Pid}}", id), CultureInfo.InvariantCulture);
            // The runtime's state file the doctor reads (the oracle for the names).
            var state = File.ReadAllText($"/var/lib/containers/storage/overlay-containers/{id}/userdata/config.json");
            Assert.Contains($"\"io.kubernetes.pod.name\":\"{pod}\"", state, StringComparison.Ordinal);

            // Socket memory in the container's memory cgroup: on this hybrid VM the memory controller is v1, which
            // charges TCP buffers only once memory.kmem.tcp.limit_in_bytes was written, and only for sockets made after.
            var memoryPath = File.ReadAllLines($"/proc/{pid}/cgroup").Select(l => l.Split(':', 3)).First(p => p[1].Split(',').Contains("memory"))[2];
            var cg = V1Memory + memoryPath;
            Assert.True(File.Exists(Path.Combine(cg, "memory.kmem.tcp.limit_in_bytes")), $"no v1 TCP accounting at {cg}");
            File.WriteAllText(Path.Combine(cg, "memory.kmem.tcp.limit_in_bytes"), "1073741824");
            // A sender in the pod's network namespace and the container's memory cgroup writes to the app's listener,
            // which never reads: its send queue holds charged pages.
            var psi = new ProcessStartInfo("nsenter") { RedirectStandardError = true };
            foreach (var a in new[] { $"--net=/proc/{pid}/ns/net", "bash", "-c", $"echo $$ > {cg}/cgroup.procs && exec 3<>/dev/tcp/127.0.0.1/9000 && exec timeout 60 head -c 64M /dev/zero >&3" })
                psi.ArgumentList.Add(a);
            sender = Process.Start(psi)!;
            long Usage() => long.Parse(File.ReadAllText(Path.Combine(cg, "memory.kmem.tcp.usage_in_bytes")).Trim(), CultureInfo.InvariantCulture);
            Assert.True(Support.WaitUntil(() => Usage() > 64 * 1024, TimeSpan.FromSeconds(20)), $"no TCP memory charged to {cg}: {Usage()}");

            var run = Support.Sockdoc(null, "doctor", "--json", "--all-namespaces", "--interval", "0", "--no-log");
            Assert.True(run.Exit is >= 0 and <= 2, $"doctor exit {run.Exit}: {run.Stderr}");
            using var doc = JsonDocument.Parse(run.Stdout);
            var mine = doc.RootElement.GetProperty("report").GetProperty("namespaces").EnumerateArray()
                .Single(n => n.GetProperty("identity").GetProperty("containers").EnumerateArray().Any(c => c.GetProperty("id").GetString() == id));
            var tag = mine.GetProperty("namespace");
            Assert.Equal(("sdk-shop", pod, uid), (tag.GetProperty("pod_namespace").GetString(), tag.GetProperty("pod_name").GetString(), tag.GetProperty("pod_uid").GetString()));
            Assert.Equal($"pod sdk-shop/{pod}", tag.GetProperty("name").GetString());
            var app = mine.GetProperty("identity").GetProperty("containers").EnumerateArray().First(c => c.GetProperty("id").GetString() == id);
            Assert.Equal("app", app.GetProperty("pod").GetProperty("container").GetString());

            var summary = mine.GetProperty("summary");
            var memcg = summary.GetProperty("memcgs").EnumerateArray().Single(g => g.GetProperty("path").GetString() == memoryPath);
            long usage = Usage();
            long reported = memcg.GetProperty("sock_bytes").GetInt64();
            Assert.True(reported > 64 * 1024 && reported <= 2 * usage + (1 << 20), $"memcg sock bytes {reported}, cgroup usage now {usage}");
            Assert.True(summary.GetProperty("memcg_sock_bytes").GetInt64() >= reported);
        }
        finally
        {
            if (sender is { HasExited: false })
            {
                sender.Kill(entireProcessTree: true);
                sender.WaitForExit(5000);
            }
            sender?.Dispose();
            Run("podman", ["kube", "down", yaml], conf);
            Run("podman", ["pod", "rm", "-f", "-t", "0", pod], conf);
            Run("podman", ["rmi", "-f", image], conf);
            // podman's cgroupfs manager leaves the pod's emptied cgroups behind (ours only, by pod id).
            if (podId is { Length: 64 } && podId.All(char.IsAsciiHexDigitLower))
                Support.Sh($"for d in /sys/fs/cgroup/*/libpod_parent/{podId}; do [ -d \"$d\" ] && find \"$d\" -depth -type d -exec rmdir {{}} + ; done; true");
            Directory.Delete(Path.GetDirectoryName(conf)!, true);
        }
        Assert.Equal("", Run("podman", ["ps", "-a", "-q", "--filter", $"name={pod}"], conf).Out.Trim());
        Assert.Equal(rulesetBefore, Support.Sh("nft list ruleset"));
    }

    [Fact]
    public void In_a_private_cgroup_namespace_the_doctor_says_paths_are_relative()
    {
        Support.RequireRoot();
        // The oracle: unshare -C's cgroup namespace is not the initial one (PROC_CGROUP_INIT_INO 0xEFFFFFFB), ours is.
        Assert.Equal("cgroup:[4026531835]", Support.Sh("readlink /proc/self/ns/cgroup").Trim());
        Assert.NotEqual("cgroup:[4026531835]", Support.Sh("unshare -C readlink /proc/self/ns/cgroup").Trim());
        var psi = new ProcessStartInfo("unshare") { RedirectStandardOutput = true };
        foreach (var a in new[] { "-C", "dotnet", Support.SockdocDll, "doctor", "--json", "--interval", "0", "--no-log", "--no-census", "--only", "tw_buckets" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(120)), "sockdoc under unshare -C did not finish");
        using var doc = JsonDocument.Parse(stdout);
        var notes = doc.RootElement.GetProperty("report").GetProperty("unreadable").EnumerateArray()
            .Where(u => u.GetProperty("source").GetString() == "/proc/self/ns/cgroup").Select(u => u.GetProperty("reason").GetString()!).ToList();
        Assert.Single(notes);
        Assert.Contains("relative to sockdoc's cgroup namespace", notes[0], StringComparison.Ordinal);

        // Run in the host's cgroup namespace, the note is absent.
        var host = Support.Sockdoc(null, "doctor", "--json", "--interval", "0", "--no-log", "--no-census", "--only", "tw_buckets");
        Assert.DoesNotContain("/proc/self/ns/cgroup", host.Stdout, StringComparison.Ordinal);
    }
}
