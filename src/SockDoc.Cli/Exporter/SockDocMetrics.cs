using System.Text;
using Prometheus;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;

namespace SockDoc.Cli.Exporter;

/// <summary>
/// The exporter's registry: every gauge and counter the doctor reads, in base units (bytes, not
/// pages: sockstat and tcp_mem count pages of the host's page size), named by the Prometheus
/// naming rules (snake_case, unit suffix, _total on counters). Values are copied from a snapshot
/// by Update(), which the server calls at scrape time; a value the snapshot lacks is unpublished,
/// never exported as zero (absent is not zero).
/// </summary>
public sealed class SockDocMetrics
{
    /// <summary>Finding ids of the doctor's rules, exported as 0 while the rule finds nothing.</summary>
    public static IReadOnlyList<string> KnownFindingIds => Diagnosis.Rules.All.Ids;

    /// <summary>Tcp: fields of /proc/net/snmp that are not counters (constants, or the CurrEstab gauge).</summary>
    private static readonly HashSet<string> SnmpTcpNotCounters = new(StringComparer.Ordinal) { "RtoAlgorithm", "RtoMin", "RtoMax", "MaxConn", "CurrEstab" };

    /// <summary>/proc/net/netstat and /proc/net/snmp groups exported as counters (all columns but the ones above).</summary>
    private static readonly string[] CounterGroups = ["TcpExt", "Tcp", "Udp", "UdpLite", "IpExt"];

    private readonly IMetricFactory _factory;
    private readonly List<(Gauge Gauge, Func<Snapshot, double?> Read)> _gauges = [];
    private readonly Dictionary<string, Counter> _counters = new(StringComparer.Ordinal);
    private readonly Gauge _orphanLimit;
    private readonly Gauge _tcpSockets;
    private readonly Gauge _tcpOrphansByState;
    private readonly Gauge _processSockets;
    private readonly Gauge _processOpenFds;
    private readonly Gauge _processFdLimit;
    private readonly Gauge _finding;
    private readonly Gauge _census;
    private readonly Gauge _censusAge;
    private readonly Gauge _problems;
    private readonly Gauge _busiestDestination;
    private readonly List<string[]> _processLabels = [];
    private readonly HashSet<string> _stateLabels = new(StringComparer.Ordinal);
    private readonly HashSet<string> _orphanStateLabels = new(StringComparer.Ordinal);
    private string[]? _busiestLabels;

    public SockDocMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        _factory = Metrics.WithCustomRegistry(Registry);

        // sockstat (net/ipv4/proc.c sockstat_seq_show()): orphan, alloc, mem are machine-wide; inuse, tw per netns.
        Gauge("sockdoc_sockstat_sockets_used", "Sockets in use in this network namespace (sockstat 'sockets: used').", s => s.SockStat?.SocketsUsed);
        Gauge("sockdoc_sockstat_tcp_inuse", "TCP sockets in use in this network namespace (sockstat TCP inuse).", s => s.SockStat?.TcpInUse);
        Gauge("sockdoc_sockstat_tcp_orphan", "Orphaned TCP sockets, machine-wide (sockstat TCP orphan; tcp_orphan_count_sum()).", s => s.SockStat?.TcpOrphan);
        Gauge("sockdoc_sockstat_tcp_tw", "TIME_WAIT buckets in this network namespace (sockstat TCP tw).", s => s.SockStat?.TcpTw);
        Gauge("sockdoc_sockstat_tcp_alloc", "TCP sockets allocated, machine-wide (sockstat TCP alloc).", s => s.SockStat?.TcpAlloc);
        Gauge("sockdoc_sockstat_tcp_mem_bytes", "TCP buffer memory, machine-wide: sockstat TCP mem (tcp_memory_allocated, pages) times the page size.", s => Bytes(s, s.SockStat?.TcpMemPages));
        Gauge("sockdoc_sockstat_udp_inuse", "UDP sockets in use in this network namespace (sockstat UDP inuse).", s => s.SockStat?.UdpInUse);
        Gauge("sockdoc_sockstat_udp_mem_bytes", "UDP buffer memory, machine-wide: sockstat UDP mem (pages) times the page size.", s => Bytes(s, s.SockStat?.UdpMemPages));
        Gauge("sockdoc_sockstat_raw_inuse", "RAW sockets in use (sockstat RAW inuse).", s => s.SockStat?.RawInUse);
        Gauge("sockdoc_sockstat_frag_inuse", "IP fragment queues in use (sockstat FRAG inuse).", s => s.SockStat?.FragInUse);
        Gauge("sockdoc_sockstat_frag_memory_bytes", "IP fragment memory (sockstat FRAG memory, already bytes).", s => s.SockStat?.FragMemoryBytes);
        Gauge("sockdoc_sockstat6_tcp6_inuse", "TCPv6 sockets in use (sockstat6 TCP6 inuse).", s => s.SockStat6?.Tcp6InUse);
        Gauge("sockdoc_sockstat6_udp6_inuse", "UDPv6 sockets in use (sockstat6 UDP6 inuse).", s => s.SockStat6?.Udp6InUse);

        // Limits (sysctls), converted to bytes where the kernel counts pages.
        Gauge("sockdoc_tcp_mem_min_bytes", "net.ipv4.tcp_mem[0] (pages) times the page size: below it the kernel leaves memory pressure.", s => Bytes(s, Vec(s, SysctlNames.TcpMem, 3, 0)));
        Gauge("sockdoc_tcp_mem_pressure_bytes", "net.ipv4.tcp_mem[1] times the page size: above it TCP enters memory pressure (__sk_mem_raise_allocated()).", s => Bytes(s, Vec(s, SysctlNames.TcpMem, 3, 1)));
        Gauge("sockdoc_tcp_mem_max_bytes", "net.ipv4.tcp_mem[2] times the page size: above it charges are refused and orphans are killed (tcp_out_of_memory()).", s => Bytes(s, Vec(s, SysctlNames.TcpMem, 3, 2)));
        Gauge("sockdoc_udp_mem_min_bytes", "net.ipv4.udp_mem[0] times the page size: UDP has no pressure mode, so above it a socket holding udp_rmem_min gets no more memory (__sk_mem_raise_allocated()).", s => Bytes(s, Vec(s, SysctlNames.UdpMem, 3, 0)));
        Gauge("sockdoc_udp_mem_max_bytes", "net.ipv4.udp_mem[2] times the page size.", s => Bytes(s, Vec(s, SysctlNames.UdpMem, 3, 2)));
        Gauge("sockdoc_tcp_max_orphans", "net.ipv4.tcp_max_orphans (global).", s => s.Sysctls.Long(SysctlNames.TcpMaxOrphans));
        _orphanLimit = _factory.CreateGauge("sockdoc_tcp_orphan_limit",
            "Effective orphan limit tcp_max_orphans >> shift (tcp_too_many_orphans(): shift 0 at close(), 1 or 2 from the timers; kernel-facts 1.4).",
            ["shift"], new GaugeConfiguration { SuppressInitialValue = true });
        Gauge("sockdoc_tcp_max_tw_buckets", "net.ipv4.tcp_max_tw_buckets (per network namespace).", s => s.Sysctls.Long(SysctlNames.TcpMaxTwBuckets));
        Gauge("sockdoc_local_port_range_ports", "Size of net.ipv4.ip_local_port_range (high - low + 1): ephemeral ports per destination tuple.", s =>
            s.Sysctls.Vector(SysctlNames.IpLocalPortRange, 2) is { } r && r[1] >= r[0] ? r[1] - r[0] + 1 : null);
        Gauge("sockdoc_somaxconn", "net.core.somaxconn: cap on a listen() backlog.", s => s.Sysctls.Long(SysctlNames.Somaxconn));
        Gauge("sockdoc_filefd_allocated", "Allocated file handles, system-wide (fs.file-nr first field).", s => Vec(s, SysctlNames.FileNr, 3, 0));
        Gauge("sockdoc_filefd_maximum", "fs.file-max.", s => s.Sysctls.Long(SysctlNames.FileMax) ?? Vec(s, SysctlNames.FileNr, 3, 2));
        Gauge("sockdoc_nf_conntrack_entries", "Conntrack entries in this network namespace (net.netfilter.nf_conntrack_count).", s => s.Sysctls.Long(SysctlNames.NfConntrackCount));
        Gauge("sockdoc_nf_conntrack_entries_limit", "net.netfilter.nf_conntrack_max (global).", s => s.Sysctls.Long(SysctlNames.NfConntrackMax));
        Gauge("sockdoc_tcp_curr_estab", "Established TCP connections (snmp Tcp CurrEstab).", s => s.NetStat?.Get("Tcp", "CurrEstab"));
        Gauge("sockdoc_memory_slab_unreclaimable_bytes", "Unreclaimable slab (meminfo SUnreclaim): where socket structures live.", s => s.MemInfo?.SUnreclaimBytes);
        Gauge("sockdoc_page_size_bytes", "Page size of the host: the unit of tcp_mem and sockstat mem.", s => s.PageSize);
        Gauge("sockdoc_udp_mem_pressure_bytes", "net.ipv4.udp_mem[1] times the page size.", s => Bytes(s, Vec(s, SysctlNames.UdpMem, 3, 1)));
        Gauge("sockdoc_memory_total_bytes", "MemTotal (meminfo).", s => s.MemInfo?.MemTotalBytes);
        Gauge("sockdoc_memory_available_bytes", "MemAvailable (meminfo).", s => s.MemInfo?.MemAvailableBytes);
        Gauge("sockdoc_memory_committed_as_bytes", "Committed_AS (meminfo): memory promised to processes (memory_overcommit).", s => s.MemInfo?.CommittedAsBytes);
        Gauge("sockdoc_memory_commit_limit_bytes", "CommitLimit (meminfo): enforced only with vm.overcommit_memory = 2.", s => s.MemInfo?.CommitLimitBytes);
        Gauge("sockdoc_vm_overcommit_memory", "vm.overcommit_memory (0 heuristic, 1 always, 2 never).", s => s.Sysctls.Long(SysctlNames.OvercommitMemory));
        Gauge("sockdoc_socket_slab_bytes", "Kernel memory of socket structures in slab (TCP, request and timewait socks, inodes), apart from tcp_mem's buffers.",
            s => SocketSlab.Summarise(s)?.TotalBytes);
        Gauge("sockdoc_listeners_accept_queue_full", "Listening sockets whose accept queue is full now (census; sk_acceptq_is_full()).",
            s => s.Census is { SockDiagUnavailable: null } c ? c.Listeners.Count(l => l.Full) : null);
        Gauge("sockdoc_send_buffer_full_sockets", "Sockets whose queued send data is at sk_sndbuf (census; send_buffer_full).", s => s.Census?.SendBufferFullCount);
        Gauge("sockdoc_tcp_rmem_alloc_bytes", "Sum of sk_rmem_alloc over TCP sockets (census skmem r).", s => s.Census?.Memory?.RmemAllocBytes);
        Gauge("sockdoc_tcp_wmem_queued_bytes", "Sum of sk_wmem_queued over TCP sockets (census skmem w).", s => s.Census?.Memory?.WmemQueuedBytes);
        Gauge("sockdoc_census_from_proc_net_tcp", "1 when the census was read from /proc/net/tcp because sock_diag is unavailable (no skmem, tcp_info, cgroup ids or listener backlogs), 0 from sock_diag.",
            s => s.Census is { } c ? (c.SockDiagUnavailable is null ? 0 : 1) : null);

        _tcpSockets = _factory.CreateGauge("sockdoc_tcp_sockets", "TCP sockets by kernel state (sock_diag census; cached, refreshed in the background).", ["state"]);
        _tcpOrphansByState = _factory.CreateGauge("sockdoc_tcp_orphans_by_state", "Orphaned TCP sockets by state (sock_diag census).", ["state"]);
        _busiestDestination = _factory.CreateGauge("sockdoc_busiest_destination_connections",
            "Connections to the busiest (source, destination, port) tuple: each uses one ephemeral port.", ["source", "destination", "port"]);
        _processSockets = _factory.CreateGauge("sockdoc_process_sockets", "Sockets of the top processes by socket count (census).", ["pid", "command"]);
        _processOpenFds = _factory.CreateGauge("sockdoc_process_open_fds", "Open fds of the processes nearest their RLIMIT_NOFILE.", ["pid", "command"]);
        _processFdLimit = _factory.CreateGauge("sockdoc_process_max_fds", "Soft RLIMIT_NOFILE of the same processes.", ["pid", "command"]);
        _census = _factory.CreateGauge("sockdoc_census_up", "1 when the last socket census succeeded and is complete, 0 when partial or missing.", new GaugeConfiguration { SuppressInitialValue = true });
        _censusAge = _factory.CreateGauge("sockdoc_census_age_seconds", "Age of the cached socket census at scrape time.", new GaugeConfiguration { SuppressInitialValue = true });
        _finding = _factory.CreateGauge("sockdoc_finding", "Severity of the doctor's finding by id: 0 ok, 1 info, 2 warning, 3 critical.", ["id"]);
        _problems = _factory.CreateGauge("sockdoc_source_problems", "Kernel sources that could not be read in the last snapshot.");
    }

    public CollectorRegistry Registry { get; }

    private void Gauge(string name, string help, Func<Snapshot, double?> read) =>
        _gauges.Add((_factory.CreateGauge(name, help, new GaugeConfiguration { SuppressInitialValue = true }), read));

    private void Gauge(string name, string help, Func<Snapshot, long?> read) => Gauge(name, help, s => (double?)read(s));

    private static double? Bytes(Snapshot s, long? pages) => pages is { } p && s.PageSize is { } size ? (double)p * size : null;

    private static long? Vec(Snapshot s, string name, int count, int index) => s.Sysctls.Vector(name, count) is { } v ? v[index] : null;

    /// <summary>Copies one snapshot (and the findings over it) into the registry. Never does I/O.</summary>
    public void Update(Snapshot s, IReadOnlyList<CheckResult>? checks, TimeProvider time)
    {
        foreach (var (gauge, read) in _gauges)
        {
            if (read(s) is { } v) { gauge.Set(v); gauge.Publish(); }
            else gauge.Unpublish();
        }

        if (s.Sysctls.Long(SysctlNames.TcpMaxOrphans) is { } maxOrphans)
        {
            for (int shift = 0; shift <= 2; shift++) _orphanLimit.WithLabels(shift.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(maxOrphans >> shift);
        }

        UpdateCounters(s);
        UpdateCensus(s, time);
        UpdateProcesses(s);

        foreach (var id in KnownFindingIds) _finding.WithLabels(id).Set(0);
        if (checks is not null)
        {
            foreach (var c in checks)
            {
                var severity = c.Finding?.Severity ?? Severity.Ok;
                _finding.WithLabels(c.Id).Set((double)severity);
            }
        }
        _problems.Set(s.Problems.Count);
    }

    private void UpdateCounters(Snapshot s)
    {
        if (s.NetStat is { } netstat)
        {
            foreach (var group in CounterGroups)
            {
                if (!netstat.Groups.TryGetValue(group, out var values)) continue;
                foreach (var (name, value) in values)
                {
                    if (group == "Tcp" && SnmpTcpNotCounters.Contains(name)) continue;
                    var metric = $"sockdoc_netstat_{group.ToLowerInvariant()}_{SnakeCase(name)}_total";
                    SetCounter(metric, $"/proc/net/{(group.EndsWith("Ext", StringComparison.Ordinal) ? "netstat" : "snmp")} {group}: {name} (per network namespace).", value);
                }
            }
        }
        if (s.VmStat?.OomKill is { } oom) SetCounter("sockdoc_vmstat_oom_kill_total", "/proc/vmstat oom_kill: processes killed by the OOM killer since boot.", oom);
        if (s.ConntrackStat is { } ct)
        {
            foreach (var (column, value) in ct.Columns)
            {
                if (column is "entries" or "searched") continue; // entries is a gauge; searched is always 0 since 4.x
                SetCounter($"sockdoc_nf_conntrack_stat_{SnakeCase(column)}_total", $"/proc/net/stat/nf_conntrack {column}, summed over CPUs.", value);
            }
        }
    }

    private void SetCounter(string metric, string help, long value)
    {
        if (!_counters.TryGetValue(metric, out var counter))
            _counters[metric] = counter = _factory.CreateCounter(metric, help);
        // The kernel owns the count; IncTo keeps the exported value equal to it (never decreases).
        counter.IncTo(value);
    }

    private void UpdateCensus(Snapshot s, TimeProvider time)
    {
        var census = s.Census;
        if (_busiestLabels is not null) _busiestDestination.RemoveLabelled(_busiestLabels);
        _busiestLabels = null;
        if (census is null)
        {
            _census.Set(0); _census.Publish();
            _censusAge.Unpublish();
            foreach (var state in _stateLabels) _tcpSockets.RemoveLabelled(state);
            foreach (var state in _orphanStateLabels) _tcpOrphansByState.RemoveLabelled(state);
            _stateLabels.Clear();
            _orphanStateLabels.Clear();
            return;
        }
        _census.Set(census.Partial ? 0 : 1); _census.Publish();
        _censusAge.Set(Math.Max(0, (time.GetUtcNow() - census.TakenAt).TotalSeconds)); _censusAge.Publish();
        foreach (var state in _stateLabels) _tcpSockets.WithLabels(state).Set(0);
        foreach (var (state, count) in census.ByState) { _tcpSockets.WithLabels(state).Set(count); _stateLabels.Add(state); }
        foreach (var state in _orphanStateLabels) _tcpOrphansByState.WithLabels(state).Set(0);
        foreach (var (state, count) in census.OrphansByState) { _tcpOrphansByState.WithLabels(state).Set(count); _orphanStateLabels.Add(state); }
        if (census.Destinations.OrderByDescending(d => d.Connections).FirstOrDefault() is { } d)
        {
            _busiestLabels = [d.SourceAddress, d.DestinationAddress, d.DestinationPort.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            _busiestDestination.WithLabels(_busiestLabels).Set(d.Connections);
        }
    }

    private void UpdateProcesses(Snapshot s)
    {
        foreach (var labels in _processLabels)
        {
            _processSockets.RemoveLabelled(labels);
            _processOpenFds.RemoveLabelled(labels);
            _processFdLimit.RemoveLabelled(labels);
        }
        _processLabels.Clear();
        static string[] L(int pid, string command) => [pid.ToString(System.Globalization.CultureInfo.InvariantCulture), command];
        // Bounded cardinality: the top 5 by sockets and the top 5 by fd use.
        foreach (var p in s.Census?.Processes.OrderByDescending(p => p.Sockets).Take(5) ?? [])
        {
            var labels = L(p.Pid, p.Command);
            _processSockets.WithLabels(labels).Set(p.Sockets);
            _processLabels.Add(labels);
        }
        var byUse = s.Processes?
            .Where(p => p.SoftLimit is > 0)
            .OrderByDescending(p => (double)p.OpenFds / p.SoftLimit!.Value)
            .Take(5) ?? [];
        foreach (var p in byUse)
        {
            var labels = L(p.Pid, p.Command);
            _processOpenFds.WithLabels(labels).Set(p.OpenFds);
            _processFdLimit.WithLabels(labels).Set(p.SoftLimit!.Value);
            _processLabels.Add(labels);
        }
    }

    /// <summary>"TCPAbortOnMemory" → "tcp_abort_on_memory", "ListenOverflows" → "listen_overflows", "early_drop" unchanged.</summary>
    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var prev = i > 0 ? name[i - 1] : '\0';
                var next = i + 1 < name.Length ? name[i + 1] : '\0';
                if (i > 0 && prev != '_' && (char.IsLower(prev) || char.IsDigit(prev) || (char.IsUpper(prev) && char.IsLower(next)))) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else if (char.IsLetterOrDigit(c)) sb.Append(c);
            else sb.Append('_');
        }
        return sb.ToString();
    }

    /// <summary>The text exposition format of the registry as it is now (for --once and tests).</summary>
    public async Task<string> ExportTextAsync(CancellationToken cancel)
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream, cancel).ConfigureAwait(false);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
