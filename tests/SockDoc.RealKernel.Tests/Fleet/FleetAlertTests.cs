using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SockDoc.RealKernel.Tests.Watch;

namespace SockDoc.RealKernel.Tests.Fleet;

/// <summary>
/// A fleet end to end with real parts: three "hosts" (network namespaces joined to this one by veth pairs), an
/// exporter in each, Debian's Prometheus scraping all three with deploy/prometheus/sockdoc-rules.yml as shipped,
/// Debian's Alertmanager, and a webhook receiver run by this test. One host gets a real fault (tcp_max_tw_buckets
/// lowered in its namespace, then real connections closed actively, so the kernel counts TCPTimeWaitOverflow);
/// its alert, and no other host's, reaches the webhook within the rule's `for` plus two scrape intervals (plus one
/// rule evaluation and one second for Alertmanager's delivery).
/// </summary>
public sealed class FleetAlertTests : IDisposable
{
    private const int ScrapeSeconds = 2;
    private const int EvaluationSeconds = 1;
    private readonly string _dir = Directory.CreateTempSubdirectory("sockdoc-fleet-").FullName;
    private readonly List<TestNetns> _hosts = [];
    private readonly List<Process> _started = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly HttpListener _hook = new();
    private readonly ConcurrentQueue<(DateTime At, string Alert, string Instance, string Status)> _received = new();

    public void Dispose()
    {
        foreach (var p in _started) Tools.Stop(p);
        try { _hook.Stop(); } catch (ObjectDisposedException) { }
        _hook.Close();
        foreach (var h in _hosts) h.Dispose();   // deleting a namespace deletes its veth pair
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Only_the_faulty_hosts_alert_reaches_the_webhook_in_time()
    {
        Support.RequireRoot();
        var prometheus = Tools.Require("prometheus");
        var alertmanager = Tools.Require("prometheus-alertmanager");

        // Three hosts on 10.213.R.0/24, one /30 each: .4i+1 here, .4i+2 in the namespace.
        var r = Random.Shared.Next(1, 250);
        var targets = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var ns = new TestNetns("fleet");
            _hosts.Add(ns);
            var veth = "sdkv" + ns.Name[^8..^2];
            Support.Sh($"ip link add {veth} type veth peer name eth0 netns {ns.Name}");
            Support.Sh($"ip addr add 10.213.{r}.{4 * i + 1}/30 dev {veth} && ip link set {veth} up");
            Support.Sh($"ip -n {ns.Name} addr add 10.213.{r}.{4 * i + 2}/30 dev eth0 && ip -n {ns.Name} link set eth0 up");
            var listen = $"10.213.{r}.{4 * i + 2}:9477";
            targets.Add(listen);
            var p = Tools.Start("ip", ["netns", "exec", ns.Name, Tools.Sockdoc, "exporter", "--listen", listen, "--census-interval", "2s"]);
            _started.Add(p);
            _ = p.StandardOutput.ReadToEndAsync();
            _ = await Tools.WaitServing(p);
        }
        foreach (var t in targets)
        {
            Assert.True(await Tools.Until(async () =>
            {
                try { return (await _http.GetAsync(new Uri($"http://{t}/metrics"))).IsSuccessStatusCode; }
                catch (HttpRequestException) { return false; }
                catch (TaskCanceledException) { return false; }
            }, TimeSpan.FromSeconds(60)), $"exporter at {t} did not answer");
        }

        // The webhook receiver.
        var hookPort = Tools.FreeLoopbackPort();
        _hook.Prefixes.Add($"http://127.0.0.1:{hookPort}/");
        _hook.Start();
        _ = Task.Run(Receive);

        var amPort = Tools.FreeLoopbackPort();
        File.WriteAllText(Path.Combine(_dir, "alertmanager.yml"), $"""
            route:
              receiver: test
              group_by: ['alertname', 'instance']
              group_wait: 0s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: test
                webhook_configs:
                  - url: http://127.0.0.1:{hookPort}/hook
                    send_resolved: false
            """);
        Watch(Tools.Start(alertmanager, [$"--config.file={Path.Combine(_dir, "alertmanager.yml")}", $"--storage.path={Path.Combine(_dir, "am")}",
            $"--web.listen-address=127.0.0.1:{amPort}", "--cluster.listen-address=", "--log.level=warn"]));

        var rules = Path.Combine(Tools.RepoRoot(), "deploy", "prometheus", "sockdoc-rules.yml");
        var promPort = Tools.FreeLoopbackPort();
        File.WriteAllText(Path.Combine(_dir, "prometheus.yml"), $"""
            global:
              scrape_interval: {ScrapeSeconds}s
              evaluation_interval: {EvaluationSeconds}s
            rule_files:
              - {rules}
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['127.0.0.1:{amPort}']
            scrape_configs:
              - job_name: sockdoc
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]
            """);
        Watch(Tools.Start(prometheus, [$"--config.file={Path.Combine(_dir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(_dir, "tsdb")}",
            $"--web.listen-address=127.0.0.1:{promPort}", "--log.level=warn"]));

        // Baseline: every host scraped at least twice, so the counter's increase has a sample from before the fault.
        Assert.True(await Tools.Until(async () =>
        {
            var v = await Query(promPort, "count_over_time(up{job=\"sockdoc\"}[1m]) >= 2 and up == 1");
            return v.GetArrayLength() == 3;
        }, TimeSpan.FromSeconds(90)), "Prometheus did not scrape all three exporters twice");
        var forSeconds = RuleForSeconds(rules, "SockDocTimeWaitOverflow");
        Assert.DoesNotContain(_received, a => a.Alert == "SockDocTimeWaitOverflow");

        // The fault, on host c only: a TIME_WAIT table of 4 buckets and 40 actively closed connections.
        var faulty = _hosts[2];
        faulty.Sysctl("net.ipv4.tcp_max_tw_buckets", "4");
        faulty.Inside(() =>
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(64);
            for (int i = 0; i < 40; i++)
            {
                using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.Connect(listener.LocalEndPoint!);
                using var server = listener.Accept();
                client.Shutdown(SocketShutdown.Both);   // the client closes first: its side enters TIME_WAIT
                client.Close();
                Thread.Sleep(2);
                server.Close();
            }
            return 0;
        });
        var faultAt = DateTime.UtcNow;
        var overflow = faulty.Inside(() => File.ReadAllText("/proc/thread-self/net/netstat"));
        Assert.Matches(@"TCPTimeWaitOverflow", overflow);
        Assert.True(TcpExt(overflow, "TCPTimeWaitOverflow") > 0, "the kernel did not count TCPTimeWaitOverflow");

        var budget = TimeSpan.FromSeconds(forSeconds + 2 * ScrapeSeconds + EvaluationSeconds + 1);
        var faultyInstance = targets[2];
        Assert.True(await Tools.Until(() => Task.FromResult(_received.Any(a => a.Alert == "SockDocTimeWaitOverflow" && a.Instance == faultyInstance)),
            TimeSpan.FromSeconds(60)), "the TIME_WAIT overflow alert never reached the webhook");
        var first = _received.First(a => a.Alert == "SockDocTimeWaitOverflow" && a.Instance == faultyInstance);
        var latency = first.At - faultAt;
        Assert.True(latency <= budget, $"alert reached the webhook {latency.TotalSeconds:F1} s after the fault; budget {budget.TotalSeconds} s (for {forSeconds} s + 2 × {ScrapeSeconds} s scrape + {EvaluationSeconds} s evaluation + 1 s delivery)");

        // Two more scrape intervals and evaluations: the healthy hosts never alert on it.
        await Task.Delay(TimeSpan.FromSeconds(2 * ScrapeSeconds + 2 * EvaluationSeconds));
        var wrong = _received.Where(a => a.Alert == "SockDocTimeWaitOverflow" && a.Instance != faultyInstance).ToList();
        Assert.True(wrong.Count == 0, "healthy hosts alerted: " + string.Join(", ", wrong.Select(w => w.Instance)));
        Assert.All(_received.Where(a => a.Alert == "SockDocTimeWaitOverflow"), a => Assert.Equal("firing", a.Status));
    }

    private void Watch(Process p)
    {
        _started.Add(p);
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
    }

    private async Task Receive()
    {
        while (_hook.IsListening)
        {
            HttpListenerContext ctx;
            try { ctx = await _hook.GetContextAsync(); }
            catch (HttpListenerException) { return; }
            catch (ObjectDisposedException) { return; }
            var at = DateTime.UtcNow;
            using (var reader = new StreamReader(ctx.Request.InputStream))
            {
                var body = await reader.ReadToEndAsync();
                using var doc = JsonDocument.Parse(body);
                foreach (var a in doc.RootElement.GetProperty("alerts").EnumerateArray())
                {
                    var labels = a.GetProperty("labels");
                    _received.Enqueue((at, labels.GetProperty("alertname").GetString()!,
                        labels.TryGetProperty("instance", out var i) ? i.GetString()! : "", a.GetProperty("status").GetString()!));
                }
            }
            ctx.Response.StatusCode = 200;
            ctx.Response.Close();
        }
    }

    private async Task<JsonElement> Query(int port, string promql)
    {
        try
        {
            var json = await _http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/api/v1/query?query={Uri.EscapeDataString(promql)}"));
            return JsonDocument.Parse(json).RootElement.GetProperty("data").GetProperty("result").Clone();
        }
        catch (HttpRequestException) { return JsonDocument.Parse("[]").RootElement.Clone(); }
        catch (TaskCanceledException) { return JsonDocument.Parse("[]").RootElement.Clone(); }
    }

    /// <summary>The `for:` of one alert in the rules file, in seconds (0 when it has none).</summary>
    private static int RuleForSeconds(string rules, string alert)
    {
        var lines = File.ReadAllLines(rules);
        var at = Array.FindIndex(lines, l => l.Trim() == $"- alert: {alert}");
        Assert.True(at >= 0, $"{alert} not in {rules}");
        for (int i = at + 1; i < lines.Length && !lines[i].Trim().StartsWith("- alert:", StringComparison.Ordinal); i++)
        {
            var t = lines[i].Trim();
            if (!t.StartsWith("for:", StringComparison.Ordinal)) continue;
            var v = t["for:".Length..].Trim();
            var n = int.Parse(v[..^1], CultureInfo.InvariantCulture);
            return v[^1] switch { 's' => n, 'm' => n * 60, 'h' => n * 3600, _ => throw new FormatException(v) };
        }
        return 0;
    }

    private static long TcpExt(string netstat, string name)
    {
        var lines = netstat.Split('\n');
        for (int i = 0; i + 1 < lines.Length; i += 2)
        {
            var keys = lines[i].Split(' ');
            var values = lines[i + 1].Split(' ');
            var k = Array.IndexOf(keys, name);
            if (k > 0) return long.Parse(values[k], CultureInfo.InvariantCulture);
        }
        return -1;
    }
}
