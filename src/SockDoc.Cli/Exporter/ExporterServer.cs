using System.Diagnostics;
using Prometheus;
using SockDoc.Cli.History;

namespace SockDoc.Cli.Exporter;

/// <summary>
/// Keeps the registry current without making a scrape wait on slow sources: at scrape time the
/// cheap sources are read (so a scrape sees the values of that moment, like node_exporter) and
/// the cached census, process scan and slab of the background loop are attached (LiveSource).
/// The rules run over (previous scrape, this scrape).
/// </summary>
public sealed class ExporterServer : IDisposable
{
    private readonly LiveSource _source;
    private readonly TimeProvider _time;

    public ExporterServer(LiveSource source, TimeProvider time)
    {
        _source = source;
        _time = time;
        Metrics = new SockDocMetrics();
        var factory = Prometheus.Metrics.WithCustomRegistry(Metrics.Registry);
        ScrapeDuration = factory.CreateGauge("sockdoc_scrape_duration_seconds", "Time the last scrape spent reading /proc and running the rules (the census is not read at scrape time).");
        RefreshDuration = factory.CreateGauge("sockdoc_background_refresh_duration_seconds", "Time the last background collection (census, processes, slab) took.", new GaugeConfiguration { SuppressInitialValue = true });
        Metrics.Registry.AddBeforeCollectCallback(Scrape);
    }

    public SockDocMetrics Metrics { get; }
    public Gauge ScrapeDuration { get; }
    public Gauge RefreshDuration { get; }

    private void Scrape()
    {
        var sw = Stopwatch.StartNew();
        var (snapshot, report) = _source.Next();
        Metrics.Update(snapshot, report.Checks, _time);
        if (_source.LastExpensiveSeconds is { } s) { RefreshDuration.Set(s); RefreshDuration.Publish(); }
        ScrapeDuration.Set(sw.Elapsed.TotalSeconds);
    }

    public void Dispose() => _source.Dispose();
}
