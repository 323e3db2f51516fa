using System.Diagnostics;
using SockDoc.Diagnosis.Engine;
using SockDoc.Kernel;
using SockDoc.Model;

namespace SockDoc.Cli.History;

/// <summary>
/// Takes one snapshot after another and runs the doctor's rules over each (previous, current)
/// pair, so `watch`, `record` and `exporter` see the same findings as `doctor`.
/// Two tiers: the cheap sources (sockstat, netstat, snmp, sysctls, conntrack: a few small /proc
/// reads) are read on every Next(); the expensive ones (the /proc/PID/fd scan, the socket census,
/// slabinfo, the kernel log), which take seconds on a host with hundreds of thousands of sockets,
/// are refreshed by a background loop once Start() is called, and Next() attaches the last result.
/// So a refresh, a sample or a scrape never waits on them. Without Start() every Next() reads all.
/// </summary>
public sealed class LiveSource : IDisposable
{
    private readonly ProcRoot _root;
    private readonly CollectOptions _full;
    private readonly CollectOptions _cheap;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private Snapshot? _previous;
    private volatile Snapshot? _expensive;
    private CancellationTokenSource? _cancel;
    private Task? _loop;

    public LiveSource(ProcRoot root, CollectOptions options, TimeProvider time, RuleEngine engine)
    {
        _root = root;
        _full = options;
        _cheap = options with { Processes = false, SlabInfo = false, Census = null, KernelLog = null };
        _time = time;
        Engine = engine;
    }

    public RuleEngine Engine { get; }

    /// <summary>Seconds the last expensive collection took; null before the first.</summary>
    public double? LastExpensiveSeconds { get; private set; }

    /// <summary>True once the background loop has produced a result (or when it is not used).</summary>
    public bool ExpensiveReady => _loop is null || _expensive is not null;

    /// <summary>The rules the doctor runs (Rules/All.cs), wired here once for every live command.</summary>
    public static RuleEngine DefaultEngine() => new(DoctorRules.All());

    public static LiveSource Create(ProcRoot root, CollectOptions options, TimeProvider time) => new(root, options, time, DefaultEngine());

    /// <summary>Collects the expensive sources now, in the caller's thread.</summary>
    public void RefreshExpensive()
    {
        var sw = Stopwatch.StartNew();
        _expensive = SnapshotCollector.Collect(_root, _full, _time);
        LastExpensiveSeconds = sw.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// After a background round (census, process scan, namespaces): its dump buffers and per-socket records are
    /// garbage once the round is published. The exporter and watch run for weeks on every host of a fleet, so the
    /// pages go back to the kernel now (an aggressive, compacting collection decommits the freed regions) instead of
    /// the round's peak staying resident until the next round. A few milliseconds per round on a heap of a few MB;
    /// the footprint is measured by bench/exporter-footprint.sh.
    /// </summary>
    public static void GiveBackRoundGarbage() =>
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>Refreshes the expensive sources in the background, the first time at once, then every interval.</summary>
    public void Start(TimeSpan every)
    {
        if (_loop is not null) return;
        _cancel = new CancellationTokenSource();
        var token = _cancel.Token;
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(every, _time);
            do
            {
                try
                {
                    RefreshExpensive();
                }
#pragma warning disable CA1031 // a failed background collection keeps the last cache; the cheap tier goes on
                catch (Exception)
#pragma warning restore CA1031
                {
                }
                GiveBackRoundGarbage();
            }
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
        }, token);
    }

    /// <summary>One snapshot and the findings over the interval since the previous one.</summary>
    public (Snapshot Snapshot, Report Report) Next()
    {
        lock (_lock)
        {
            Snapshot now;
            if (_loop is null)
            {
                now = SnapshotCollector.Collect(_root, _full, _time);
            }
            else
            {
                var cheap = SnapshotCollector.Collect(_root, _cheap, _time);
                var cached = _expensive;
                now = cached is null ? cheap : cheap with
                {
                    Processes = cached.Processes,
                    Census = cached.Census,
                    SlabInfo = cached.SlabInfo,
                    KernelLog = cached.KernelLog,
                    Problems = [.. cheap.Problems, .. cached.Problems.Where(p => !cheap.Problems.Contains(p))],
                };
            }
            var report = Engine.Run(new SnapshotPair(now, _previous));
            _previous = now;
            return (now, report);
        }
    }

    public void Dispose()
    {
        _cancel?.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
        _cancel?.Dispose();
    }
}
