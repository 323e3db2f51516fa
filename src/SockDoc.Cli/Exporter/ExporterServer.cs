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

    private CancellationTokenSource? _cancel;
    private Thread? _containerLoop;

    /// <param name="topContainers">Namespaces (containers) with their own series; 0 = no per-container series.</param>
    public ExporterServer(LiveSource source, TimeProvider time, int topContainers = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _time = time;
        Metrics = new SockDocMetrics();
        var factory = Prometheus.Metrics.WithCustomRegistry(Metrics.Registry);
        ScrapeDuration = factory.CreateGauge("sockdoc_scrape_duration_seconds", "Time the last scrape spent reading /proc and running the rules (the census is not read at scrape time).");
        RefreshDuration = factory.CreateGauge("sockdoc_background_refresh_duration_seconds", "Time the last background collection (census, processes, slab) took.", new GaugeConfiguration { SuppressInitialValue = true });
        if (topContainers > 0) Containers = new ContainerSeries(factory, topContainers, source.Engine, time);
        Metrics.Registry.AddBeforeCollectCallback(Scrape);
    }

    /// <summary>The per-container series; null when --top-containers is 0.</summary>
    public ContainerSeries? Containers { get; }

    /// <summary>
    /// Samples the other namespaces in the background, the first time at once, then every interval (their own
    /// loop: a slow namespace round never delays the host's census).
    /// </summary>
    public void StartContainers(TimeSpan every)
    {
        if (Containers is null || _containerLoop is not null) return;
        _cancel = new CancellationTokenSource();
        var token = _cancel.Token;
        var containers = Containers;
        // A thread of its own, not the thread pool: a round blocks for seconds (setns threads joined one after
        // another), and on a 2-CPU host two blocked pool threads (this and the census loop) starved the HTTP
        // listener's handlers: the first scrape waited 5 s for the pool to grow.
        _containerLoop = new Thread(() =>
        {
            do
            {
                try
                {
                    containers.Refresh();
                }
#pragma warning disable CA1031 // a failed round keeps the last one; the host's series go on
                catch (Exception)
#pragma warning restore CA1031
                {
                }
                LiveSource.GiveBackRoundGarbage();
            }
            while (!token.WaitHandle.WaitOne(every));
        }, 256 * 1024) { IsBackground = true, Name = "container series" };
        _containerLoop.Start();
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
        Containers?.Publish();
        ScrapeDuration.Set(sw.Elapsed.TotalSeconds);
    }

    public void Dispose()
    {
        _cancel?.Cancel();
        // A round in progress finishes on its own (background thread); only the wait for it is bounded.
        _containerLoop?.Join(TimeSpan.FromSeconds(2));
        // Disposed only once the loop has ended: a loop still in a round waits on the token's handle afterwards.
        if (_containerLoop is not { IsAlive: true }) _cancel?.Dispose();
        _source.Dispose();
    }
}
