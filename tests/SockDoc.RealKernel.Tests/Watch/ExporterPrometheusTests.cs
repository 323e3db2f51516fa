using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Text.Json;

namespace SockDoc.RealKernel.Tests.Watch;

/// <summary>The exporter against Debian's Prometheus, promtool and node exporter, all on loopback.</summary>
public sealed class ExporterPrometheusTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sockdoc-exporter-").FullName;
    private readonly List<Process> _started = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public void Dispose()
    {
        foreach (var p in _started) Tools.Stop(p);
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<int> StartExporter()
    {
        var port = Tools.FreeLoopbackPort();
        var p = Tools.Start(Tools.Sockdoc, ["exporter", "--listen", $"127.0.0.1:{port}", "--census-interval", "2s"]);
        _started.Add(p);
        _ = p.StandardOutput.ReadToEndAsync();
        var err = await Tools.WaitServing(p);
        var up = await Tools.Until(async () =>
        {
            if (p.HasExited) return true;
            try { return (await _http.GetAsync(new Uri($"http://127.0.0.1:{port}/metrics"))).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(30));
        if (p.HasExited) Assert.Fail($"exporter exited: {await err}");
        Assert.True(up, "exporter did not answer /metrics within 30 s");
        return port;
    }

    private async Task<Dictionary<string, double>> Scrape(int port) =>
        Tools.ParseMetrics(await _http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics")));

    [Fact]
    public async Task Prometheus_scrapes_the_exporter_and_evaluates_the_shipped_rules()
    {
        var prometheus = Tools.Require("prometheus");
        var exporterPort = await StartExporter();
        var promPort = Tools.FreeLoopbackPort();
        var rules = Path.Combine(Tools.RepoRoot(), "deploy", "prometheus", "sockdoc-rules.yml");
        var config = Path.Combine(_dir, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - {rules}
            scrape_configs:
              - job_name: sockdoc
                static_configs:
                  - targets: ['127.0.0.1:{exporterPort}']
            """);
        var p = Tools.Start(prometheus, [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_dir, "tsdb")}",
            $"--web.listen-address=127.0.0.1:{promPort}", "--log.level=warn"]);
        _started.Add(p);
        var promErr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();

        var maxOrphans = double.Parse(File.ReadAllText("/proc/sys/net/ipv4/tcp_max_orphans").Trim(), CultureInfo.InvariantCulture);
        JsonElement result = default;
        var got = await Tools.Until(async () =>
        {
            if (p.HasExited) return true;
            try
            {
                var json = await _http.GetStringAsync(new Uri($"http://127.0.0.1:{promPort}/api/v1/query?query=sockdoc_tcp_orphan_limit%7Bshift%3D%222%22%7D"));
                result = JsonDocument.Parse(json).RootElement.GetProperty("data").GetProperty("result").Clone();
                return result.GetArrayLength() > 0;
            }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(60));
        if (p.HasExited) Assert.Fail($"prometheus exited: {await promErr}");
        Assert.True(got, "Prometheus never returned sockdoc_tcp_orphan_limit");
        var sample = result[0];
        Assert.Equal("sockdoc", sample.GetProperty("metric").GetProperty("job").GetString());
        Assert.Equal($"127.0.0.1:{exporterPort}", sample.GetProperty("metric").GetProperty("instance").GetString());
        // max/4 of this host's tcp_max_orphans, through the exporter and Prometheus's storage.
        Assert.Equal(Math.Floor(maxOrphans / 4), double.Parse(sample.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture));

        // Prometheus loaded the shipped rules and evaluates them without error.
        var rulesJson = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"http://127.0.0.1:{promPort}/api/v1/rules"))).RootElement;
        var group = rulesJson.GetProperty("data").GetProperty("groups")[0];
        Assert.Equal("sockdoc", group.GetProperty("name").GetString());
        Assert.True(await Tools.Until(async () =>
        {
            var g = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"http://127.0.0.1:{promPort}/api/v1/rules"))).RootElement.GetProperty("data").GetProperty("groups")[0];
            return g.GetProperty("rules").EnumerateArray().All(r => r.GetProperty("health").GetString() == "ok");
        }, TimeSpan.FromSeconds(20)), "some rules are not healthy");

        // Every query of the shipped Grafana dashboard is valid PromQL and returns data for this host.
        var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Tools.RepoRoot(), "deploy", "grafana", "sockdoc-dashboard.json"))).RootElement;
        var exprs = dashboard.GetProperty("panels").EnumerateArray()
            .SelectMany(panel => panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .ToList();
        Assert.True(exprs.Count >= 20, $"only {exprs.Count} dashboard queries");
        foreach (var expr in exprs)
        {
            var q = Uri.EscapeDataString(expr.Replace("$instance", ".*", StringComparison.Ordinal));
            using var response = await _http.GetAsync(new Uri($"http://127.0.0.1:{promPort}/api/v1/query?query={q}"));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"dashboard query refused: {expr}: {body}");
            Assert.Equal("success", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
        }
        var orphanPanel = $"sockdoc_sockstat_tcp_orphan{{instance=~\".*\"}}";
        var one = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"http://127.0.0.1:{promPort}/api/v1/query?query={Uri.EscapeDataString(orphanPanel)}"))).RootElement;
        Assert.True(one.GetProperty("data").GetProperty("result").GetArrayLength() > 0, "no orphan series in Prometheus");

        // The scrape reports its own duration (how long it takes is measured side by side in bench/exporter-scrape.sh,
        // never asserted here: the machine is shared).
        var m = await Scrape(exporterPort);
        Assert.True(m.ContainsKey("sockdoc_scrape_duration_seconds"), "no sockdoc_scrape_duration_seconds");
    }

    [Fact]
    public void Promtool_accepts_the_rules_and_their_unit_tests_pass()
    {
        var promtool = Tools.Require("promtool");
        var dir = Path.Combine(Tools.RepoRoot(), "deploy", "prometheus");
        var check = Tools.Run(promtool, ["check", "rules", "sockdoc-rules.yml"], TimeSpan.FromSeconds(60), dir);
        Assert.True(check.Code == 0, check.Out + check.Err);
        Assert.Contains("SUCCESS", check.Out, StringComparison.Ordinal);
        var test = Tools.Run(promtool, ["test", "rules", "sockdoc-rules.test.yml"], TimeSpan.FromSeconds(60), dir);
        Assert.True(test.Code == 0, test.Out + test.Err);
        Assert.Contains("SUCCESS", test.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sockstat_metrics_equal_the_node_exporters_after_unit_conversion()
    {
        var nodeExporter = Tools.Require("prometheus-node-exporter");
        var exporterPort = await StartExporter();
        var nodePort = Tools.FreeLoopbackPort();
        var p = Tools.Start(nodeExporter, [$"--web.listen-address=127.0.0.1:{nodePort}", "--collector.disable-defaults", "--collector.sockstat"]);
        _started.Add(p);
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        Assert.True(await Tools.Until(async () =>
        {
            try { return (await _http.GetAsync(new Uri($"http://127.0.0.1:{nodePort}/metrics"))).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(30)), "node exporter did not start");

        // node_exporter name → sockdoc name; both in base units (node_exporter converts mem pages to *_mem_bytes too).
        (string Node, string Ours)[] pairs =
        [
            ("node_sockstat_sockets_used", "sockdoc_sockstat_sockets_used"),
            ("node_sockstat_TCP_inuse", "sockdoc_sockstat_tcp_inuse"),
            ("node_sockstat_TCP_orphan", "sockdoc_sockstat_tcp_orphan"),
            ("node_sockstat_TCP_tw", "sockdoc_sockstat_tcp_tw"),
            ("node_sockstat_TCP_alloc", "sockdoc_sockstat_tcp_alloc"),
            ("node_sockstat_TCP_mem_bytes", "sockdoc_sockstat_tcp_mem_bytes"),
            ("node_sockstat_UDP_inuse", "sockdoc_sockstat_udp_inuse"),
            ("node_sockstat_UDP_mem_bytes", "sockdoc_sockstat_udp_mem_bytes"),
            ("node_sockstat_RAW_inuse", "sockdoc_sockstat_raw_inuse"),
            ("node_sockstat_FRAG_inuse", "sockdoc_sockstat_frag_inuse"),
            ("node_sockstat_FRAG_memory", "sockdoc_sockstat_frag_memory_bytes"),
            ("node_sockstat_TCP6_inuse", "sockdoc_sockstat6_tcp6_inuse"),
            ("node_sockstat_UDP6_inuse", "sockdoc_sockstat6_udp6_inuse"),
        ];
        // The counts move when other work opens sockets: accept a round where ours read the same
        // before and after the node exporter's read, and the node exporter agrees.
        string lastDiff = "";
        for (int attempt = 0; attempt < 30; attempt++)
        {
            var before = await Scrape(exporterPort);
            var node = Tools.ParseMetrics(await _http.GetStringAsync(new Uri($"http://127.0.0.1:{nodePort}/metrics")));
            var after = await Scrape(exporterPort);
            var stable = pairs.All(x => before[x.Ours] == after[x.Ours]);
            var diffs = pairs.Where(x => !node.TryGetValue(x.Node, out var v) || v != after[x.Ours])
                .Select(x => $"{x.Node}={(node.TryGetValue(x.Node, out var v) ? v.ToString(CultureInfo.InvariantCulture) : "absent")} vs {x.Ours}={after[x.Ours].ToString(CultureInfo.InvariantCulture)}")
                .ToList();
            if (stable && diffs.Count == 0)
            {
                Assert.True(after["sockdoc_sockstat_tcp_mem_bytes"] % after["sockdoc_page_size_bytes"] == 0, "tcp mem bytes is not a whole number of pages");
                return;
            }
            lastDiff = string.Join("; ", diffs);
            await Task.Delay(100);
        }
        Assert.Fail($"sockstat never matched the node exporter in 30 tries; last differences: {lastDiff}");
    }
}
