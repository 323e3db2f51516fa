using Prometheus;
using SockDoc.Diagnosis.Engine;
using SockDoc.Kernel;
using SockDoc.Kernel.Namespaces;
using SockDoc.Model;
using SockDoc.Model.Namespaces;

namespace SockDoc.Cli.Exporter;

/// <summary>One namespace's numbers as the exporter publishes them (the doctor's per-container summary and checks).</summary>
public sealed record ContainerSample(NetNamespaceIdentity Identity, IReadOnlyDictionary<string, long> ByState, NamespaceSummary Summary,
    IReadOnlyDictionary<string, Severity> Findings);

/// <summary>
/// Per-container series with bounded cardinality (issue 13): every network namespace but the exporter's own is
/// sampled in the background (one sock_diag dump each, its counters and sysctls, through NetnsThread), the
/// doctor's per-namespace rules run over (previous round, this round), and a scrape publishes the top N
/// namespaces by sockets plus one "other" series that folds in the rest. So the series count is at most
/// (N + 1) × (states + per-namespace rules + 6), whatever the number of containers. A scrape does no I/O here.
/// </summary>
public sealed class ContainerSeries
{
    public const string Other = "other";
    private readonly int _top;
    private readonly RuleEngine _engine;
    private readonly TimeProvider _time;
    private readonly HashSet<string> _perNamespaceIds;
    private readonly Gauge _sockets;
    private readonly Gauge _timeWait;
    private readonly Gauge _twBuckets;
    private readonly Gauge _busiest;
    private readonly Gauge _range;
    private readonly Gauge _orphans;
    private readonly Gauge _finding;
    private readonly Gauge _count;
    private readonly Gauge _folded;
    private readonly Gauge _unreadable;
    private readonly List<(Gauge Gauge, string[] Labels)> _published = [];
    private Dictionary<long, Snapshot> _previous = [];
    private volatile IReadOnlyList<ContainerSample>? _last;
    private volatile int _lastUnreadable;

    public ContainerSeries(IMetricFactory factory, int top, RuleEngine engine, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(engine);
        _top = top;
        _engine = engine;
        _time = time;
        _perNamespaceIds = engine.Rules.Select(r => r.Descriptor.Id).Where(id => RuleScopes.Of(id) == RuleScope.PerNamespace).ToHashSet(StringComparer.Ordinal);
        string[] who = ["namespace", "container"];
        _sockets = factory.CreateGauge("sockdoc_container_tcp_sockets", "TCP sockets by kernel state in each of the top namespaces by sockets (one sock_diag dump inside each); namespace=\"other\" sums the rest.", [.. who, "state"]);
        _timeWait = factory.CreateGauge("sockdoc_container_tcp_tw", "TIME_WAIT buckets of the namespace (its sockstat TCP tw, counted against its own tcp_max_tw_buckets).", who);
        _twBuckets = factory.CreateGauge("sockdoc_container_tcp_max_tw_buckets", "net.ipv4.tcp_max_tw_buckets inside the namespace (per network namespace); for \"other\" the smallest.", who);
        _busiest = factory.CreateGauge("sockdoc_container_busiest_destination_connections",
            "Connections from the namespace to its busiest (source, destination, port): each holds one ephemeral port; for \"other\" the largest.", who);
        _range = factory.CreateGauge("sockdoc_container_local_port_range_ports", "Size of the namespace's own net.ipv4.ip_local_port_range; for \"other\" the one of the namespace with the busiest destination.", who);
        _orphans = factory.CreateGauge("sockdoc_container_tcp_orphans", "Orphaned TCP sockets (no process; FIN_WAIT1, LAST_ACK, CLOSING) in the namespace (census).", who);
        _finding = factory.CreateGauge("sockdoc_container_finding", "Severity of a per-namespace finding in the namespace: 0 ok, 1 info, 2 warning, 3 critical; for \"other\" the worst.", [.. who, "id"]);
        _count = factory.CreateGauge("sockdoc_container_namespaces", "Network namespaces sampled besides the exporter's own.", new GaugeConfiguration { SuppressInitialValue = true });
        _folded = factory.CreateGauge("sockdoc_container_namespaces_other", "Namespaces folded into the \"other\" series (beyond --top-containers).", new GaugeConfiguration { SuppressInitialValue = true });
        _unreadable = factory.CreateGauge("sockdoc_container_namespaces_unreadable", "Namespaces that could not be entered in the last round (setns needs CAP_SYS_ADMIN).", new GaugeConfiguration { SuppressInitialValue = true });
    }

    /// <summary>How many namespaces get their own series.</summary>
    public int Top => _top;

    /// <summary>
    /// One round: discover, sample every other namespace (side by side, one per CPU), run the per-namespace rules.
    /// Called from the exporter's background loop, never from a scrape.
    /// </summary>
    public void Refresh()
    {
        var problems = new List<SourceProblem>();
        var found = NetNamespaceDiscovery.Discover(ProcRoot.Live, problems);
        long? self = NetNamespaceDiscovery.LinkInode("/proc/self/ns/net");
        var options = new NamespaceSampleOptions { Census = true, MemInfo = false, TopN = 5, Time = _time };
        var nsProblems = new List<SourceProblem>();
        var own = NamespaceSampler.SampleOwnAll(found, self, options, nsProblems);
        // The machine-wide parts the per-namespace rules read (global sysctls, memory): a light host sample.
        var machine = SnapshotCollector.Collect(ProcRoot.Live, new CollectOptions { Processes = false, SlabInfo = false }, _time);
        var sampled = NamespaceSampler.Complete(own, machine, _previous);
        _previous = sampled.ToDictionary(n => n.Identity.Inode, n => n.Now);
        Accept(Evaluate(sampled), nsProblems.Count);
    }

    /// <summary>Keeps a round's samples for the next scrapes (Refresh calls it; so can a test or a replay).</summary>
    public void Accept(IReadOnlyList<ContainerSample> samples, int unreadable)
    {
        _lastUnreadable = unreadable;
        _last = samples;
    }

    /// <summary>The samples the doctor's per-namespace rules give over each (previous, now) pair.</summary>
    public List<ContainerSample> Evaluate(IEnumerable<NetNamespaceSnapshot> namespaces)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        var result = new List<ContainerSample>();
        foreach (var ns in namespaces)
        {
            var report = _engine.Run(ns.Pair(), _perNamespaceIds);
            var findings = report.Checks.ToDictionary(c => c.Id, c => c.Finding?.Severity ?? Severity.Ok, StringComparer.Ordinal);
            result.Add(new ContainerSample(ns.Identity, ns.Now.Census?.ByState ?? new Dictionary<string, long>(), NamespaceDoctor.Summarise(ns.Now), findings));
        }
        return result;
    }

    /// <summary>The label values of a namespace: its `ip netns` name or net:[inode]; the container's name (or short id), else "".</summary>
    public static (string Namespace, string Container) Labels(NetNamespaceIdentity id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var ns = id.NetnsNames.FirstOrDefault() ?? $"net:[{id.Inode}]";
        var c = id.Containers.FirstOrDefault();
        var container = c is null ? "" : c.Pod is { Name: { } pod } p ? $"{p.Namespace}/{pod}/{c.Name ?? c.ShortId}" : c.Name ?? c.ShortId;
        return (ns, container);
    }

    /// <summary>Publishes the last round (top N by sockets, then "other"); removes the series of namespaces no longer shown.</summary>
    public void Publish()
    {
        foreach (var (g, labels) in _published) g.RemoveLabelled(labels);
        _published.Clear();
        var all = _last;
        if (all is null) return;
        _count.Set(all.Count); _count.Publish();
        _unreadable.Set(_lastUnreadable); _unreadable.Publish();
        var ranked = all.OrderByDescending(s => s.Summary.Sockets ?? 0).ThenBy(s => s.Identity.Inode).ToList();
        var shown = ranked.Take(_top).ToList();
        var rest = ranked.Skip(_top).ToList();
        _folded.Set(rest.Count); _folded.Publish();
        foreach (var s in shown)
        {
            var (ns, ct) = Labels(s.Identity);
            Set(s, [ns, ct]);
        }
        if (rest.Count > 0) Set(Fold(rest), [Other, Other]);
    }

    /// <summary>The "other" series: sums of counts, the largest busiest destination (with its range), the smallest bucket limit, the worst severities.</summary>
    public static ContainerSample Fold(IReadOnlyList<ContainerSample> rest)
    {
        ArgumentNullException.ThrowIfNull(rest);
        var byState = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var s in rest) foreach (var (state, n) in s.ByState) byState[state] = byState.GetValueOrDefault(state) + n;
        var findings = new Dictionary<string, Severity>(StringComparer.Ordinal);
        foreach (var s in rest) foreach (var (id, sev) in s.Findings) findings[id] = findings.TryGetValue(id, out var w) && w > sev ? w : sev;
        var busiest = rest.Where(s => s.Summary.BusiestDestinationPorts is not null).MaxBy(s => s.Summary.BusiestDestinationPorts);
        static long? Sum(IEnumerable<long?> v) => v.Any(x => x is not null) ? v.Sum(x => x ?? 0) : null;
        var summary = new NamespaceSummary
        {
            Sockets = Sum(rest.Select(s => s.Summary.Sockets)),
            TimeWait = Sum(rest.Select(s => s.Summary.TimeWait)),
            TcpMaxTwBuckets = rest.Select(s => s.Summary.TcpMaxTwBuckets).Where(v => v is not null).Min(),
            BusiestDestinationPorts = busiest?.Summary.BusiestDestinationPorts,
            LocalPortRangeSize = busiest?.Summary.LocalPortRangeSize,
            Orphans = Sum(rest.Select(s => s.Summary.Orphans)),
        };
        return new ContainerSample(new NetNamespaceIdentity { Inode = 0 }, byState, summary, findings);
    }

    private void Set(ContainerSample s, string[] who)
    {
        foreach (var (state, n) in s.ByState) Put(_sockets, [.. who, state], n);
        Put(_timeWait, who, s.Summary.TimeWait);
        Put(_twBuckets, who, s.Summary.TcpMaxTwBuckets);
        Put(_busiest, who, s.Summary.BusiestDestinationPorts ?? (s.Summary.Sockets is not null ? 0 : null));
        Put(_range, who, s.Summary.LocalPortRangeSize);
        Put(_orphans, who, s.Summary.Orphans);
        foreach (var (id, sev) in s.Findings) Put(_finding, [.. who, id], (long)sev);
    }

    private void Put(Gauge g, string[] labels, long? value)
    {
        // Absent is not zero: a value the sample lacks gets no series.
        if (value is not { } v) return;
        g.WithLabels(labels).Set(v);
        _published.Add((g, labels));
    }
}
