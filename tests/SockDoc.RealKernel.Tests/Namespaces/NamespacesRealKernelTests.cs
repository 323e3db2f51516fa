using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SockDoc.Load.Lab;

namespace SockDoc.RealKernel.Tests.Namespaces;

/// <summary>
/// Issue 13 with real components: namespaces made with `ip netns`, real podman containers (runc, `--network ns:`
/// into our own namespaces, so netavark adds nothing to the host's ruleset), a real cgroup v2 directory, and
/// `ss`/`nstat` run inside each namespace as the oracle.
/// </summary>
public sealed class NamespacesRealKernelTests
{
    private static readonly string Suffix = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    /// <summary>podman settings for this VM, in the test only: runc (crun refuses hybrid cgroups), no default ulimits (the hard nofile cannot be raised).</summary>
    internal static string ContainersConf()
    {
        var dir = Directory.CreateTempSubdirectory("sdk-podman-");
        var conf = Path.Combine(dir.FullName, "containers.conf");
        File.WriteAllText(conf, "[containers]\ndefault_ulimits = []\n[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n");
        return conf;
    }

    internal static (int Exit, string Out, string Err) Run(string file, IEnumerable<string> args, string? containersConf = null, int seconds = 120)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (containersConf is not null) psi.Environment["CONTAINERS_CONF"] = containersConf;
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(seconds)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish in {seconds} s");
        }
        return (p.ExitCode, o.Result, e.Result);
    }

    internal static string Podman(string conf, params string[] args)
    {
        var r = Run("podman", args, conf);
        Assert.True(r.Exit == 0, $"podman {string.Join(' ', args)}: exit {r.Exit}: {r.Err}");
        return r.Out.Trim();
    }

    /// <summary>A from-scratch image holding only the static test workload (no registry is reachable); cmd: its CMD (JSON array), if any.</summary>
    internal static string BuildImage(string conf, string? cmd = null)
    {
        var dir = Directory.CreateTempSubdirectory("sdk-image-").FullName;
        var rootfs = Directory.CreateDirectory(Path.Combine(dir, "rootfs")).FullName;
        var src = Path.Combine(AppContext.BaseDirectory, "Namespaces", "sdkct.c");
        Support.Sh($"gcc -static -O2 -o {rootfs}/sdkct {src} && tar -C {rootfs} -cf {dir}/rootfs.tar .");
        var image = $"localhost/sdk-sdkct:{Suffix}";
        if (cmd is null) Podman(conf, "import", $"{dir}/rootfs.tar", image);
        else Podman(conf, "import", "--change", $"CMD {cmd}", $"{dir}/rootfs.tar", image);
        Directory.Delete(dir, true);
        return image;
    }

    private static string WaitForLog(string conf, string name, string text, TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        string log = "";
        while (sw.Elapsed < limit)
        {
            log = Run("podman", ["logs", name], conf).Out;
            if (log.Contains(text, StringComparison.Ordinal)) return log;
            Thread.Sleep(250);
        }
        Assert.Fail($"container {name} never printed \"{text}\": {log}");
        return log;
    }

    private static JsonElement NamespaceOf(JsonElement report, string containerId)
    {
        foreach (var n in report.GetProperty("namespaces").EnumerateArray())
        {
            if (n.GetProperty("namespace").TryGetProperty("container_id", out var id) && id.GetString() == containerId) return n.Clone();
        }
        Assert.Fail($"no namespace with container {containerId} in {report}");
        return default;
    }

    private static List<string> FindingIds(JsonElement e) => e.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToList();

    [Fact]
    public void TheHostsDoctorNamesEachFaultyContainerAndLeavesTheHostHealthy()
    {
        Support.RequireRoot();
        var conf = ContainersConf();
        var rulesetBefore = Support.Sh("nft list ruleset");
        using var portsNs = NetNamespace.CreateNamed($"sdk-nsx-ports-{Suffix}");
        using var twNs = NetNamespace.CreateNamed($"sdk-nsx-tw-{Suffix}");
        using var quietNs = NetNamespace.CreateNamed($"sdk-nsx-quiet-{Suffix}");
        // Per-namespace limits, set inside each namespace (kernel-facts §9): 100 ephemeral ports; 10 TIME_WAIT buckets.
        portsNs.SetSysctl("net.ipv4.ip_local_port_range", "40000 40099");
        twNs.SetSysctl("net.ipv4.tcp_max_tw_buckets", "10");
        string image = BuildImage(conf);
        string ports = $"sdk-nsx-ports-{Suffix}", tw = $"sdk-nsx-tw-{Suffix}";
        try
        {
            var idPorts = Podman(conf, "run", "-d", "--runtime", "runc", "--network", $"ns:/run/netns/{portsNs.Name}", "--name", ports, image, "/sdkct", "hold", "9000", "150", "90");
            var idTw = Podman(conf, "run", "-d", "--runtime", "runc", "--network", $"ns:/run/netns/{twNs.Name}", "--name", tw, image, "/sdkct", "churn", "9000", "300", "90");
            Assert.Contains("failed 50", WaitForLog(conf, ports, "connected", TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
            WaitForLog(conf, tw, "connected", TimeSpan.FromSeconds(30));

            var run = Support.Sockdoc(null, "doctor", "--json", "--all-namespaces", "--interval", "1", "--no-log");
            Assert.True(run.Exit is 1 or 2, $"doctor exit {run.Exit}: {run.Stderr}\n{run.Stdout}");
            using var doc = JsonDocument.Parse(run.Stdout);
            var report = doc.RootElement.GetProperty("report");

            var a = NamespaceOf(report, idPorts);
            Assert.Contains("port_exhaustion", FindingIds(a));
            Assert.Equal("podman", a.GetProperty("namespace").GetProperty("runtime").GetString());
            Assert.Equal(ports, a.GetProperty("namespace").GetProperty("container_name").GetString());
            var b = NamespaceOf(report, idTw);
            Assert.Contains("tw_buckets", FindingIds(b));
            Assert.DoesNotContain("port_exhaustion", FindingIds(b));
            Assert.DoesNotContain("tw_buckets", FindingIds(a));

            // The quiet namespace is listed and healthy; the host's own findings hold neither fault.
            var quiet = report.GetProperty("namespaces").EnumerateArray()
                .Single(n => n.GetProperty("identity").GetProperty("netns_names").EnumerateArray().Any(x => x.GetString() == quietNs.Name));
            Assert.Empty(FindingIds(quiet));
            // A host that overflowed its own TIME_WAIT table earlier this boot (a load run on loopback) keeps a since-boot
            // warning: only what happens now may not leak from the containers to the host.
            var hostIds = report.GetProperty("findings").EnumerateArray()
                .Where(f => !f.TryGetProperty("namespace", out _) && f.GetProperty("when").GetString() != "since_boot")
                .Select(f => f.GetProperty("id").GetString()).ToList();
            Assert.DoesNotContain("port_exhaustion", hostIds);
            Assert.DoesNotContain("tw_buckets", hostIds);

            // Oracle: ss and nstat inside each namespace.
            long ssSockets = Support.Sh($"ip netns exec {portsNs.Name} ss -Htan | wc -l").Trim() is var s ? long.Parse(s, CultureInfo.InvariantCulture) : -1;
            Assert.Equal(ssSockets, a.GetProperty("summary").GetProperty("sockets").GetInt64());
            var nstat = Support.Sh($"ip netns exec {twNs.Name} nstat -az TcpExtTCPTimeWaitOverflow");
            long overflow = long.Parse(nstat.Split('\n').First(l => l.StartsWith("TcpExtTCPTimeWaitOverflow", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            Assert.True(overflow > 0, "nstat shows no TIME_WAIT overflow in the churn namespace");
            var twEvidence = b.GetProperty("findings").EnumerateArray().First(f => f.GetProperty("id").GetString() == "tw_buckets").GetProperty("evidence").ToString();
            Assert.Contains(overflow.ToString("N0", CultureInfo.InvariantCulture), twEvidence, StringComparison.Ordinal);

            // The census across namespaces matches ss per state in each namespace.
            var census = Support.Sockdoc(null, "sockets", "--by", "container,state", "--json");
            Assert.Equal(0, census.Exit);
            using var cdoc = JsonDocument.Parse(census.Stdout);
            var mine = cdoc.RootElement.EnumerateArray().Single(e => e.GetProperty("namespace").GetProperty("containers").EnumerateArray().Any(c => c.GetProperty("id").GetString() == idPorts));
            long estab = long.Parse(Support.Sh($"ip netns exec {portsNs.Name} ss -Htan state established | wc -l").Trim(), CultureInfo.InvariantCulture);
            Assert.Equal(estab, mine.GetProperty("census").GetProperty("by_state").GetProperty("ESTABLISHED").GetInt64());
        }
        finally
        {
            Run("podman", ["rm", "-f", "-t", "0", ports, tw], conf);
            Run("podman", ["rmi", "-f", image], conf);
            Directory.Delete(Path.GetDirectoryName(conf)!, true);
        }
        Assert.Equal(rulesetBefore, Support.Sh("nft list ruleset"));
    }

    [Fact]
    public void OrphansOfAnEndedProcessAreAttributedToItsCgroup()
    {
        Support.RequireRoot();
        var mount = SockDoc.Kernel.Cgroups.CgroupMounts.Parse(File.ReadAllBytes("/proc/self/mountinfo")).V2Mount;
        Assert.NotNull(mount);
        var cgroup = Path.Combine(mount, $"sdk-orphans-{Suffix}");
        Directory.CreateDirectory(cgroup);
        using var ns = NetNamespace.CreateNamed($"sdk-nsx-orph-{Suffix}");
        Process? server = null;
        try
        {
            // The peer: accepts with a tiny receive buffer and never reads, so the client's data and FIN stay queued.
            server = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", ns.Name, "python3", "-c",
                "import socket,time\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_RCVBUF,4096);s.bind(('127.0.0.1',9100));s.listen(64)\n" +
                "c=[s.accept()[0] for _ in range(20)]\nprint('accepted',flush=True)\ntime.sleep(90)"]) { RedirectStandardOutput = true })!;
            Thread.Sleep(500);
            // The client joins the test cgroup before making its sockets (the socket keeps the cgroup it was made in),
            // fills each send queue, closes and exits: its sockets become orphans in FIN_WAIT1. It joins before
            // `ip netns exec`, which mounts a fresh /sys where the cgroup2 mount is not.
            Support.Sh($"sh -ec 'echo $$ > {cgroup}/cgroup.procs; exec ip netns exec {ns.Name} timeout 30 python3 -c \"" +
                "import socket\nfor _ in range(20):\n c=socket.create_connection((\\\"127.0.0.1\\\",9100)); c.setblocking(False)\n" +
                " try:\n  [c.send(bytes(65536)) for _ in range(64)]\n except BlockingIOError: pass\n c.close()\n\"'");
            Assert.Equal("accepted", server.StandardOutput.ReadLine());
            long ssOrphans = long.Parse(Support.Sh($"ip netns exec {ns.Name} ss -Htn state fin-wait-1 | wc -l").Trim(), CultureInfo.InvariantCulture);
            Assert.Equal(20, ssOrphans);

            var run = Support.Sockdoc(null, "doctor", "--json", "--all-namespaces", "--interval", "0", "--no-log");
            Assert.True(run.Exit is >= 0 and <= 2, $"doctor exit {run.Exit}: {run.Stderr}");
            using var doc = JsonDocument.Parse(run.Stdout);
            var cg = doc.RootElement.GetProperty("report").GetProperty("cgroups").EnumerateArray()
                .SingleOrDefault(c => c.TryGetProperty("path", out var p) && p.GetString() == $"/sdk-orphans-{Suffix}");
            Assert.True(cg.ValueKind == JsonValueKind.Object, $"cgroup /sdk-orphans-{Suffix} not in report.cgroups: {doc.RootElement.GetProperty("report").GetProperty("cgroups")}");
            Assert.Equal(ssOrphans, cg.GetProperty("orphans").GetInt64());
        }
        finally
        {
            if (server is { HasExited: false }) server.Kill(entireProcessTree: true);
            server?.Dispose();
            ns.Dispose();
            for (int i = 0; i < 50 && Directory.Exists(cgroup); i++)
            {
                try { Directory.Delete(cgroup); }
                catch (IOException) { Thread.Sleep(100); }
            }
        }
    }
}
