using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using SockDoc.Load.Lab;
using SockDoc.RealKernel.Tests.Watch;

namespace SockDoc.RealKernel.Tests.Namespaces;

/// <summary>
/// The exporter's per-container series (issue 13) against real namespaces and a real podman container (runc,
/// `--network ns:` into our own namespace, so netavark adds nothing to the host's ruleset), scraped over loopback;
/// the oracle is `ss` run inside each namespace.
/// </summary>
public sealed class ExporterContainersRealKernelTests : IDisposable
{
    private static readonly string Suffix = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private readonly string _dir = Directory.CreateTempSubdirectory("sdk-exc-").FullName;
    private readonly List<Process> _started = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        foreach (var p in _started) Tools.Stop(p);
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static long Ss(string ns, string filter) =>
        long.Parse(Support.Sh($"ip netns exec {ns} ss -Htan {filter} | wc -l").Trim(), CultureInfo.InvariantCulture);

    private static string Podman(string conf, params string[] args)
    {
        var psi = new ProcessStartInfo("podman") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["CONTAINERS_CONF"] = conf;
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120))) { p.Kill(true); Assert.Fail($"podman {string.Join(' ', args)} did not finish in 120 s"); }
        Assert.True(p.ExitCode == 0, $"podman {string.Join(' ', args)}: exit {p.ExitCode}: {e.Result}");
        return o.Result.Trim();
    }

    [Fact]
    public async Task The_exporter_publishes_each_namespace_and_container_with_the_counts_ss_sees()
    {
        Support.RequireRoot();
        var rulesetBefore = Support.Sh("nft list ruleset");
        using var busy = NetNamespace.CreateNamed($"sdk-exc-busy-{Suffix}");
        using var ct = NetNamespace.CreateNamed($"sdk-exc-ct-{Suffix}");
        using var quiet = NetNamespace.CreateNamed($"sdk-exc-quiet-{Suffix}");
        // 300 ephemeral ports in the busy namespace, 350 connections to one destination: 50 fail, the range is used up.
        busy.SetSysctl("net.ipv4.ip_local_port_range", "40000 40299");
        var src = Path.Combine(AppContext.BaseDirectory, "Namespaces", "sdkct.c");
        var rootfs = Directory.CreateDirectory(Path.Combine(_dir, "rootfs")).FullName;
        Support.Sh($"gcc -static -O2 -o {rootfs}/sdkct {src} && tar -C {rootfs} -cf {_dir}/rootfs.tar .");
        var conf = Path.Combine(_dir, "containers.conf");
        File.WriteAllText(conf, "[containers]\ndefault_ulimits = []\n[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n");
        var image = $"localhost/sdk-exc:{Suffix}";
        var name = $"sdk-exc-{Suffix}";
        Podman(conf, "import", $"{_dir}/rootfs.tar", image);
        try
        {
            var hold = Tools.Start("ip", ["netns", "exec", busy.Name, $"{rootfs}/sdkct", "hold", "9001", "350", "120"]);
            _started.Add(hold);
            var holdOut = hold.StandardOutput.ReadLineAsync();
            _ = hold.StandardError.ReadToEndAsync();
            var id = Podman(conf, "run", "-d", "--runtime", "runc", "--network", $"ns:/run/netns/{ct.Name}", "--name", name, image, "/sdkct", "hold", "9000", "40", "120");
            Assert.Equal("connected 300 failed 50", await holdOut.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.True(Support.WaitUntil(() => Ss(ct.Name, "state established") == 80, TimeSpan.FromSeconds(60)), "the container did not connect");

            var port = Tools.FreeLoopbackPort();
            var exporter = Tools.Start(Tools.Sockdoc, ["exporter", "--listen", $"127.0.0.1:{port}", "--census-interval", "2s", "--top-containers", "1000"]);
            _started.Add(exporter);
            _ = exporter.StandardOutput.ReadToEndAsync();
            var err = await Tools.WaitServing(exporter);
            string B(string metric, string ns, string container, string extra = "") => $"{metric}{{namespace=\"{ns}\",container=\"{container}\"{extra}}}";
            var busyEstab = B("sockdoc_container_tcp_sockets", busy.Name, "", ",state=\"ESTABLISHED\"");
            Dictionary<string, double> m = [];
            var seen = await Tools.Until(async () =>
            {
                if (exporter.HasExited) return true;
                try { m = Tools.ParseMetrics(await _http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"))); }
                catch (HttpRequestException) { return false; }
                return m.ContainsKey(busyEstab) && m.Keys.Any(k => k.Contains(name, StringComparison.Ordinal));
            }, TimeSpan.FromSeconds(90));
            if (exporter.HasExited) Assert.Fail($"exporter exited: {await err}");
            Assert.True(seen, $"no per-container series after 90 s: {string.Join("\n", m.Keys.Where(k => k.StartsWith("sockdoc_container", StringComparison.Ordinal)))}");

            // The busy namespace: every state as ss counts it inside, the busiest destination against its own range, a port finding.
            Assert.Equal(Ss(busy.Name, "state established"), m[busyEstab]);
            Assert.Equal(Ss(busy.Name, "state listening"), m[B("sockdoc_container_tcp_sockets", busy.Name, "", ",state=\"LISTEN\"")]);
            Assert.Equal(300, m[B("sockdoc_container_busiest_destination_connections", busy.Name, "")]);
            Assert.Equal(300, m[B("sockdoc_container_local_port_range_ports", busy.Name, "")]);
            Assert.True(m[B("sockdoc_container_finding", busy.Name, "", ",id=\"port_exhaustion\"")] >= 2, "no port_exhaustion finding for the busy namespace");
            Assert.Equal(0, m[B("sockdoc_container_tcp_orphans", busy.Name, "")]);

            // The container: labelled by its name, counts equal to ss in its namespace, healthy.
            Assert.Equal(Ss(ct.Name, "state established"), m[B("sockdoc_container_tcp_sockets", ct.Name, name, ",state=\"ESTABLISHED\"")]);
            Assert.Equal(40, m[B("sockdoc_container_busiest_destination_connections", ct.Name, name)]);
            Assert.Equal(0, m[B("sockdoc_container_finding", ct.Name, name, ",id=\"port_exhaustion\"")]);

            // The quiet namespace: no socket (not dumped: sockstat says none), no TIME_WAIT, no finding.
            Assert.Equal(0, m[B("sockdoc_container_tcp_tw", quiet.Name, "")]);
            Assert.DoesNotContain(m.Keys, k => k.StartsWith("sockdoc_container_tcp_sockets{", StringComparison.Ordinal) && k.Contains(quiet.Name, StringComparison.Ordinal));
            Assert.Equal(0, m[B("sockdoc_container_finding", quiet.Name, "", ",id=\"tw_buckets\"")]);

            // Bounded: with --top-containers 1 only the namespace with the most sockets has its own series, the rest are "other".
            var once = Support.Sockdoc(null, "exporter", "--once", "--top-containers", "1");
            Assert.True(once.Exit == 0, once.Stderr);
            var o = Tools.ParseMetrics(once.Stdout);
            var labelled = o.Keys.Where(k => k.StartsWith("sockdoc_container_tcp_tw{", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, labelled.Count);
            Assert.Contains("sockdoc_container_tcp_tw{namespace=\"other\",container=\"other\"}", labelled);
            Assert.Equal(o["sockdoc_container_namespaces"] - 1, o["sockdoc_container_namespaces_other"]);
        }
        finally
        {
            foreach (var p in _started) Tools.Stop(p);
            _started.Clear();
            Support.Sh($"CONTAINERS_CONF={conf} podman rm -f -t 0 {name} >/dev/null 2>&1 || true; CONTAINERS_CONF={conf} podman rmi -f {image} >/dev/null 2>&1 || true");
        }
        Assert.Equal(rulesetBefore, Support.Sh("nft list ruleset"));
    }
}
