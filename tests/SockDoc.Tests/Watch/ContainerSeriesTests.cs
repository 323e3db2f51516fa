using Prometheus;
using SockDoc.Cli.Exporter;
using SockDoc.Cli.History;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model.Namespaces;

namespace SockDoc.Tests.Watch;

/// <summary>The exporter's per-container series: top N by sockets, the rest folded into one "other" series.</summary>
public sealed class ContainerSeriesTests
{
    private static ContainerSample Sample(long inode, string? netns, ContainerRef? container, long estab, long tw, long busiest, long range,
        long orphans, Severity ports = Severity.Ok, long maxTw = 262_144)
    {
        var id = new NetNamespaceIdentity
        {
            Inode = inode,
            NetnsNames = netns is null ? [] : [netns],
            Containers = container is null ? [] : [container],
        };
        var byState = new Dictionary<string, long> { ["ESTABLISHED"] = estab, ["TIME_WAIT"] = tw };
        var summary = new NamespaceSummary
        {
            Sockets = estab + tw, TimeWait = tw, TcpMaxTwBuckets = maxTw, BusiestDestinationPorts = busiest, LocalPortRangeSize = range, Orphans = orphans,
        };
        return new ContainerSample(id, byState, summary, new Dictionary<string, Severity> { ["port_exhaustion"] = ports, ["tw_buckets"] = Severity.Ok });
    }

    private static async Task<Dictionary<string, double>> Publish(int top, IReadOnlyList<ContainerSample> samples)
    {
        var registry = Metrics.NewCustomRegistry();
        var series = new ContainerSeries(Metrics.WithCustomRegistry(registry), top, LiveSource.DefaultEngine(), TimeProvider.System);
        series.Accept(samples, unreadable: 1);
        series.Publish();
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream, CancellationToken.None);
        return ExporterMetricsTests.Parse(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static readonly ContainerRef Web = new() { Runtime = "podman", Id = "0123456789abcdef0123", Name = "web" };
    private static readonly ContainerRef Pod = new() { Runtime = "containerd", Id = "fedcba98765432100000", Pod = new KubernetesPod("uid-1", "shop", "cart-7d9") };

    [Fact]
    public async Task The_top_namespaces_get_their_own_series_and_the_rest_are_summed_in_other()
    {
        var m = await Publish(2,
        [
            Sample(11, null, Web, estab: 900, tw: 100, busiest: 600, range: 1000, orphans: 3, ports: Severity.Critical),
            Sample(12, "sdk-quiet", null, estab: 1, tw: 0, busiest: 1, range: 28232, orphans: 0),
            Sample(13, null, Pod, estab: 50, tw: 400, busiest: 40, range: 28232, orphans: 1),
            Sample(14, "sdk-b", null, estab: 5, tw: 2, busiest: 70, range: 500, orphans: 2, ports: Severity.Warning, maxTw: 10),
        ]);
        // The two busiest by sockets: web (1,000) and the pod (450), labelled by container; netns net:[inode] when unnamed.
        Assert.Equal(900, m["sockdoc_container_tcp_sockets{namespace=\"net:[11]\",container=\"web\",state=\"ESTABLISHED\"}"]);
        Assert.Equal(3, m["sockdoc_container_finding{namespace=\"net:[11]\",container=\"web\",id=\"port_exhaustion\"}"]);
        Assert.Equal(600, m["sockdoc_container_busiest_destination_connections{namespace=\"net:[11]\",container=\"web\"}"]);
        Assert.Equal(1000, m["sockdoc_container_local_port_range_ports{namespace=\"net:[11]\",container=\"web\"}"]);
        Assert.Equal(400, m["sockdoc_container_tcp_tw{namespace=\"net:[13]\",container=\"shop/cart-7d9/fedcba987654\"}"]);
        // The other two are folded: sums of counts, the largest busiest destination with its own range, the worst finding.
        Assert.Equal(6, m["sockdoc_container_tcp_sockets{namespace=\"other\",container=\"other\",state=\"ESTABLISHED\"}"]);
        Assert.Equal(2, m["sockdoc_container_tcp_tw{namespace=\"other\",container=\"other\"}"]);
        Assert.Equal(2, m["sockdoc_container_tcp_orphans{namespace=\"other\",container=\"other\"}"]);
        Assert.Equal(70, m["sockdoc_container_busiest_destination_connections{namespace=\"other\",container=\"other\"}"]);
        Assert.Equal(500, m["sockdoc_container_local_port_range_ports{namespace=\"other\",container=\"other\"}"]);
        Assert.Equal(10, m["sockdoc_container_tcp_max_tw_buckets{namespace=\"other\",container=\"other\"}"]);
        Assert.Equal(2, m["sockdoc_container_finding{namespace=\"other\",container=\"other\",id=\"port_exhaustion\"}"]);
        Assert.Equal(4, m["sockdoc_container_namespaces"]);
        Assert.Equal(2, m["sockdoc_container_namespaces_other"]);
        Assert.Equal(1, m["sockdoc_container_namespaces_unreadable"]);
        Assert.DoesNotContain(m.Keys, k => k.Contains("sdk-quiet", StringComparison.Ordinal) || k.Contains("sdk-b", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_series_count_is_bounded_by_top_whatever_the_number_of_namespaces()
    {
        var many = Enumerable.Range(1, 500).Select(i => Sample(1000 + i, $"sdk-n{i}", null, estab: i, tw: 0, busiest: 1, range: 28232, orphans: 0)).ToList();
        var m = await Publish(10, many);
        var namespaces = m.Keys.Where(k => k.StartsWith("sockdoc_container_tcp_tw{", StringComparison.Ordinal)).ToList();
        Assert.Equal(11, namespaces.Count);
        Assert.Contains("sockdoc_container_tcp_tw{namespace=\"sdk-n500\",container=\"\"}", namespaces);
        Assert.Equal(Enumerable.Range(1, 490).Sum(), m["sockdoc_container_tcp_sockets{namespace=\"other\",container=\"other\",state=\"ESTABLISHED\"}"]);
    }

    [Fact]
    public async Task Series_of_a_namespace_that_left_the_top_are_removed_on_the_next_scrape()
    {
        var registry = Metrics.NewCustomRegistry();
        var series = new ContainerSeries(Metrics.WithCustomRegistry(registry), 1, LiveSource.DefaultEngine(), TimeProvider.System);
        series.Accept([Sample(21, "sdk-first", null, 10, 0, 1, 100, 0)], 0);
        series.Publish();
        series.Accept([Sample(22, "sdk-second", null, 10, 0, 1, 100, 0)], 0);
        series.Publish();
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream, CancellationToken.None);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        Assert.DoesNotContain("sdk-first", text, StringComparison.Ordinal);
        Assert.Contains("sdk-second", text, StringComparison.Ordinal);
    }
}
