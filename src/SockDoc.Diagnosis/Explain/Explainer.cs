using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;
using SockDoc.Model.Census;
using SockDoc.Model.KernelLog;

namespace SockDoc.Diagnosis.Explain;

/// <summary>What to paste next to be sure of one check, and why.</summary>
/// <param name="Primary">True for checks the paste points at (a finding, a kernel line, an application error, an
/// ambiguity); false for checks merely touched by one of their inputs.</param>
public sealed record MissingItem(string CheckId, string Input, string Paste, string Why, bool Primary);

/// <summary>A reading of the paste that experts get wrong, with the lines that raised it.</summary>
public sealed record TrapNote(string Id, string Text, IReadOnlyList<int> Lines);

/// <summary>Two causes the paste cannot tell apart, why, and what would decide.</summary>
public sealed record Ambiguity(IReadOnlyList<string> Candidates, string Why, string ToDecide);

/// <summary>Evidence no doctor rule covers (an application's errno), with a plain explanation.</summary>
public sealed record ExtraEvidence(string Kind, string Errno, string Runtime, string Call, long Count, IReadOnlyList<int> Lines, string Sample, string Explanation);

/// <summary>What the sockets listed in the paste show, for the checks that need the census.</summary>
public sealed record Observation(string Name, string Value, string Source);

public sealed record ExplainResult
{
    public required Report Report { get; init; }
    public required Snapshot Snapshot { get; init; }
    public IReadOnlyList<RecognisedBlock> Blocks { get; init; } = [];
    public IReadOnlyList<MissingItem> Missing { get; init; } = [];
    public IReadOnlyList<TrapNote> Traps { get; init; } = [];
    public IReadOnlyList<Ambiguity> Ambiguities { get; init; } = [];
    public IReadOnlyList<ExtraEvidence> Extra { get; init; } = [];
    public IReadOnlyList<Observation> Observations { get; init; } = [];
    public IReadOnlyList<string> Damage { get; init; } = [];
    public long LinesRead { get; init; }
    public long LinesRecognised { get; init; }
    /// <summary>Up to 5 non-empty lines no recogniser read, so the user sees what was skipped.</summary>
    public IReadOnlyList<PasteLine> Unrecognised { get; init; } = [];
    public long UnrecognisedCount { get; init; }
    public bool NothingRecognised => Blocks.Count == 0;
    /// <summary>Checks the paste says something about, in the doctor's order.</summary>
    public IReadOnlyList<string> Relevant { get; init; } = [];
}

/// <summary>
/// `sockdoc explain`: a paste becomes a partial Snapshot (absent parts stay absent), the doctor's own
/// RuleEngine runs over it, so the findings are the doctor's (same ids, same fields); then what the paste
/// lacks to be sure, the traps, and what it cannot decide are added.
/// </summary>
public static class Explainer
{
    /// <summary>What `explain` can read, for the "nothing recognised" answer.</summary>
    public static IReadOnlyList<string> Readable { get; } =
    [
        "kernel log lines (dmesg, dmesg -T, journalctl -k, /var/log/kern.log, syslog)",
        "netstat -s (sentences such as \"times the listen queue of a socket overflowed\")",
        "nstat / nstat -az, raw /proc/net/netstat and /proc/net/snmp",
        "cat /proc/net/sockstat and /proc/net/sockstat6",
        "ss -s, ss -tan, ss -tm (skmem), netstat -tan",
        "sysctl NAME (name = value), grep . /proc/sys/..., and bare values after `cat /proc/sys/...` or `sysctl -n`",
        "cat /proc/sys/fs/file-nr",
        "ulimit -n, ulimit -a, cat /proc/PID/limits",
        "free, cat /proc/meminfo, oom_kill from /proc/vmstat",
        "application errors: EADDRNOTAVAIL, EADDRINUSE, EMFILE, ENFILE, ECONNREFUSED, ECONNRESET, ETIMEDOUT from C, Go, Java, .NET, Python, Node",
    ];

    public static ExplainResult Explain(IReadOnlyList<PasteLine> lines, PasteEvidence evidence, KernelLogSummary? kernelLog, IReadOnlyDictionary<int, string>? kernelLines, DateTimeOffset now, long? pageSize = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(evidence);
        var snapshot = ToSnapshot(evidence, kernelLog, now, pageSize);
        // The doctor's own rules, unchanged: every verdict below is theirs.
        var report = All.Engine().Run(new SnapshotPair(snapshot, null));
        // A paste is not a host: a check none of whose inputs is in the paste cannot be "ok" (the conntrack rule
        // reads an absent nf_conntrack_max as "not loaded", true of a host, not of a paste).
        // The paste's words touch only the rule they name, through its finding (Inputs.Stated is present for every rule
        // that declares it once the paste states anything).
        var touched = All.Rules.Where(r => r.Descriptor.Inputs.Any(input => input != Inputs.Stated && Present(input, snapshot, evidence)) ||
                                           kernelLog?.Incidents.Any(i => LogKinds.IsEvidenceFor(i.Kind, r.Descriptor.Id)) == true)
            .Select(r => r.Descriptor.Id).ToHashSet(StringComparer.Ordinal);
        report = report with
        {
            Checks = report.Checks.Select(c => c.Status == CheckStatus.Ok && c.Finding is null && !touched.Contains(c.Id)
                ? c with { Status = CheckStatus.Unknown, Summary = "not in the paste", MissingInputs = Descriptor(c.Id).Inputs.Take(2).Select(i => i.Name).ToList() }
                : c).ToList(),
        };

        var recognised = new HashSet<int>();
        foreach (var b in evidence.Blocks)
        {
            for (int n = b.FirstLine; n <= b.LastLine; n++) recognised.Add(n);
        }
        // Lines a recogniser read but that say nothing about socket resources count as unrecognised: shown, not guessed at.
        var unrelated = evidence.Unrelated.Select(l => l.Number).ToHashSet();
        var unrecognised = lines.Where(l => l.Command is null && l.Text.Trim().Length > 0 && (!recognised.Contains(l.Number) || unrelated.Contains(l.Number))).ToList();

        var extra = Extra(evidence.AppErrors);
        var traps = new List<TrapNote>();
        var ambiguities = new List<Ambiguity>();
        var relevant = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in report.Findings) relevant.Add(f.Id);
        foreach (var i in kernelLog?.Incidents ?? []) relevant.UnionWith(LogKinds.FindingsFor(i.Kind));
        Traps(report, snapshot, evidence, kernelLog, kernelLines, traps, ambiguities, relevant);

        var missing = Missing(report, snapshot, evidence, relevant, touched, ambiguities);
        relevant.UnionWith(touched);

        return new ExplainResult
        {
            Report = report,
            Snapshot = snapshot,
            Blocks = evidence.Blocks,
            Missing = missing,
            Traps = traps,
            Ambiguities = ambiguities,
            Extra = extra,
            Observations = Observations(evidence, snapshot),
            Damage = evidence.Damage,
            LinesRead = lines.Count,
            LinesRecognised = recognised.Count - recognised.Count(unrelated.Contains),
            Unrecognised = unrecognised.Take(5).ToList(),
            UnrecognisedCount = unrecognised.Count,
            Relevant = All.Ids.Where(relevant.Contains).ToList(),
        };
    }

    private static RuleDescriptor Descriptor(string id) => All.Rules.First(r => r.Descriptor.Id == id).Descriptor;

    /// <summary>
    /// What the paste lacks to be sure, from the rules themselves: a finding's ToConfirm, and for a check the paste
    /// points at, its declared inputs the partial snapshot does not hold (RuleInput.IsIn). No input is matched by text.
    /// </summary>
    private static List<MissingItem> Missing(Report report, Snapshot snapshot, PasteEvidence evidence, HashSet<string> relevant, HashSet<string> touched, List<Ambiguity> ambiguities)
    {
        var missing = new List<MissingItem>();
        foreach (var check in report.Checks)
        {
            bool primary = relevant.Contains(check.Id);
            if (!primary && !touched.Contains(check.Id)) continue;
            var declared = Descriptor(check.Id).Inputs;
            var inputs = new List<RuleInput>();
            if (check.Finding is { } f) inputs.AddRange(f.ToConfirm);
            // A rule names a missing input by its RuleInput name, or in a sentence that starts with it.
            inputs.AddRange(check.MissingInputs.Select(name => declared.FirstOrDefault(i => name.StartsWith(i.Name, StringComparison.Ordinal))).OfType<RuleInput>());
            // For a check the paste points at, every declared input it lacks is worth asking for, not just the first.
            if (primary && (check.Status == CheckStatus.Unknown || check.Finding is { Confidence: not Confidence.Confirmed }))
                inputs.AddRange(declared.Where(i => !Present(i, snapshot, evidence) && i != Inputs.PageSize && !Inputs.EvidenceOnly(i)));
            var why = ambiguities.FirstOrDefault(a => a.Candidates.Contains(check.Id))?.ToDecide;
            foreach (var input in inputs.Distinct())
                missing.Add(new MissingItem(check.Id, input.Name, "`" + input.Command + "`", why is null ? input.Why : $"{input.Why} (to decide: {why})", primary));
        }
        if (snapshot.PageSize is null && snapshot.SockStat?.TcpMemPages is not null && snapshot.Sysctls.Has(SysctlNames.TcpMem))
            missing.Add(new MissingItem("tcp_mem", Inputs.PageSize.Name, "`" + Inputs.PageSize.Command + "`", Inputs.PageSize.Why, relevant.Contains("tcp_mem")));
        return missing;
    }

    /// <summary>
    /// The paste as a Snapshot: only what it shows is set; the rest stays null or absent. Its "now" is the latest
    /// timestamp in the paste (wall time, and uptime for dmesg-style stamps), so a line a minute older than the last
    /// one pasted is recent; a paste without stamps is taken as of <paramref name="now"/>.
    /// </summary>
    public static Snapshot ToSnapshot(PasteEvidence e, KernelLogSummary? kernelLog, DateTimeOffset now, long? pageSize = null)
    {
        ArgumentNullException.ThrowIfNull(e);
        var wall = e.LatestWall;
        double? uptime = e.LatestUptime;
        foreach (var i in kernelLog?.Incidents ?? [])
        {
            if (i.LastWall is { } w && (wall is null || w > wall)) wall = w;
            if (i.LastUptime is { } u && (uptime is null || u > uptime)) uptime = u;
        }
        foreach (var a in e.AppErrors)
        {
            if (a.Wall is { } w && (wall is null || w > wall)) wall = w;
        }
        var takenAt = wall ?? now;
        SockStat? sockStat = null;
        var ss = e.SockStat;
        bool hasV4 = ss.Keys.Any(k => !k.Split('.')[0].EndsWith('6'));
        if (hasV4 || e.SsOrphaned is not null || e.SsTimeWait is not null)
        {
            sockStat = new SockStat
            {
                SocketsUsed = Get(ss, "sockets.used"),
                TcpInUse = Get(ss, "TCP.inuse"),
                // `ss -s` prints sockstat's own orphan and tw (iproute2 ss.c get_sockstat()).
                TcpOrphan = Get(ss, "TCP.orphan") ?? e.SsOrphaned,
                TcpTw = Get(ss, "TCP.tw") ?? e.SsTimeWait,
                TcpAlloc = Get(ss, "TCP.alloc"),
                TcpMemPages = Get(ss, "TCP.mem"),
                UdpInUse = Get(ss, "UDP.inuse"),
                UdpMemPages = Get(ss, "UDP.mem"),
                UdpLiteInUse = Get(ss, "UDPLITE.inuse"),
                RawInUse = Get(ss, "RAW.inuse"),
                FragInUse = Get(ss, "FRAG.inuse"),
                FragMemoryBytes = Get(ss, "FRAG.memory"),
                Fields = ss.Where(kv => !kv.Key.Split('.')[0].EndsWith('6')).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            };
        }
        SockStat6? sockStat6 = null;
        if (ss.Keys.Any(k => k.Split('.')[0].EndsWith('6')))
        {
            sockStat6 = new SockStat6
            {
                Tcp6InUse = Get(ss, "TCP6.inuse"),
                Udp6InUse = Get(ss, "UDP6.inuse"),
                UdpLite6InUse = Get(ss, "UDPLITE6.inuse"),
                Raw6InUse = Get(ss, "RAW6.inuse"),
                Frag6InUse = Get(ss, "FRAG6.inuse"),
                Frag6MemoryBytes = Get(ss, "FRAG6.memory"),
                Fields = ss.Where(kv => kv.Key.Split('.')[0].EndsWith('6')).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            };
        }
        bool? initialNetNs = e.AbsentSysctls.Contains(SysctlNames.TcpMem) || e.AbsentSysctls.Contains(SysctlNames.TcpMaxOrphans) ? false : null;
        var sysctls = new Sysctls { Values = e.Sysctls };
        return new Snapshot
        {
            TakenAt = takenAt,
            Origin = "paste",
            Host = new HostIdentity { InitialNetNs = initialNetNs, PageSize = pageSize ?? e.PageSize, UptimeSeconds = uptime },
            SockStat = sockStat,
            SockStat6 = sockStat6,
            NetStat = e.Counters.Count > 0 ? new NetStatCounters { Groups = e.Counters } : null,
            Sysctls = sysctls,
            MemInfo = e.MemInfoKb.Count > 0 ? new MemInfo { Fields = e.MemInfoKb } : null,
            VmStat = e.VmStat.Count > 0 ? new VmStat { Counters = e.VmStat } : null,
            KernelLog = kernelLog is { Incidents.Count: > 0 } ? kernelLog : null,
            Census = e.Sockets is { } k ? Census(k, takenAt, sysctls) : null,
            AppErrors = AppErrorReports(e.AppErrors),
            Stated = e.Stated.Count > 0 ? e.Stated : null,
            Processes = PastedProcess(e),
        };
    }

    /// <summary>
    /// The pasted open-descriptor count against the pasted soft RLIMIT_NOFILE, as one process, when both are there and
    /// no two different pids say they belong to different processes.
    /// </summary>
    private static IReadOnlyList<ProcessFiles>? PastedProcess(PasteEvidence e)
    {
        if (e.OpenFds is not { } open || e.NoFileSoft is not { } soft || soft <= 0) return null;
        if (e.OpenFdsPid is { } a && e.LimitsPid is { } b && a != b) return null;
        return [new ProcessFiles
        {
            Pid = e.OpenFdsPid ?? e.LimitsPid ?? 0,
            Command = "the process whose descriptors the paste counts",
            OpenFds = open,
            SoftLimit = soft,
            HardLimit = e.NoFileHard is > 0 ? e.NoFileHard : null,
        }];
    }

    /// <summary>Pasted socket rows as a partial census: what the rows show, marked as rows, not a full dump.</summary>
    private static SocketCensus Census(PastedSockets k, DateTimeOffset takenAt, Sysctls sysctls)
    {
        var range = sysctls.Vector(SysctlNames.IpLocalPortRange, 2);
        var notes = new List<string> { "from pasted ss / netstat rows: only the sockets the paste lists" };
        if (k.ListenersWithoutBacklog.Count > 0)
            notes.Add($"{k.ListenersWithoutBacklog.Count} listener(s) from netstat without a known backlog (netstat prints 0 as a listener's Send-Q)");
        return new SocketCensus
        {
            TakenAt = takenAt,
            Partial = true,
            PartialReason = "from pasted ss rows",
            TotalSockets = k.Rows,
            ByState = k.States,
            Listeners = k.Listeners,
            Destinations = k.Destinations,
            Peers = k.Peers,
            Memory = k.Memory,
            SendBufferFull = k.SendBufferFull,
            SendBufferFullCount = k.SendBufferFull.Count,
            TimeWaitBuckets = k.States.GetValueOrDefault("TIME_WAIT"),
            LocalPortRangeLow = range is null ? null : (int)range[0],
            LocalPortRangeHigh = range is null ? null : (int)range[1],
            Notes = notes,
            Udp = k.Udp.Count > 0
                ? new UdpCensus
                {
                    Sockets = k.Udp.Count,
                    RecvQueueBytes = k.Udp.Sum(r => r.RecvQueue),
                    SendQueueBytes = k.Udp.Sum(r => r.SendQueue),
                    Drops = k.Udp.Sum(r => r.Drops),
                    Top = k.Udp.OrderByDescending(r => r.RecvQueue).Take(20).ToList(),
                    Partial = true,
                    Source = "pasted ss / netstat rows",
                }
                : null,
        };
    }

    /// <summary>Application errors grouped by errno, call and runtime; look-alikes (inotify's EMFILE) are not socket evidence and stay out.</summary>
    private static IReadOnlyList<AppErrorReport>? AppErrorReports(IReadOnlyList<AppError> errors)
    {
        var reports = errors.Where(e => e.LookAlike is null)
            .GroupBy(e => (e.Errno, e.Call, e.Runtime))
            .Select(g => new AppErrorReport
            {
                Errno = g.Key.Errno,
                Call = g.Key.Call,
                Runtime = g.Key.Runtime,
                Count = g.LongCount(),
                Sample = g.First().Text.Length > 200 ? g.First().Text[..200] : g.First().Text,
                Lines = g.Select(e => e.Line).Take(20).ToList(),
                LastWall = g.Max(e => e.Wall),
                SaidToRepeat = g.Any(e => e.SaidToRepeat),
                WindowsNoBuffers = g.Key.Errno == AppErrors.ENOBUFS && g.Any(e => AppErrors.IsWindowsNoBuffers(e.Text)),
            })
            .ToList();
        return reports.Count > 0 ? reports : null;
    }

    private static long? Get(IReadOnlyDictionary<string, long> d, string key) => d.TryGetValue(key, out var v) ? v : null;

    /// <summary>Whether the paste holds one of a rule's declared inputs (so the rule is about this paste).</summary>
    private static bool Present(RuleInput input, Snapshot s, PasteEvidence e) =>
        input.IsIn(s) || (input == Inputs.ProcessLimits && e.NoFileSoft is not null);

    private static List<ExtraEvidence> Extra(IReadOnlyList<AppError> errors)
    {
        return errors
            .GroupBy(e => (e.Errno, e.Runtime, e.Call))
            .Select(g => new ExtraEvidence("application error", g.Key.Errno, g.Key.Runtime, g.Key.Call, g.LongCount(),
                g.Select(e => e.Line).Take(10).ToList(), g.First().Text.Length > 200 ? g.First().Text[..200] : g.First().Text, g.First().LookAlike ?? Explain(g.Key.Errno, g.Key.Call)))
            .ToList();
    }

    public static string Explain(string errno, string call) => errno switch
    {
        AppErrors.EADDRNOTAVAIL when call == "bind" =>
            "bind() to an address this host does not have (or not yet: an interface still coming up). It is not port exhaustion: check `ip -br addr` for the address, or net.ipv4.ip_nonlocal_bind.",
        AppErrors.EADDRNOTAVAIL when call == "connect" =>
            "connect() found no free local port for this destination: every port of ip_local_port_range is taken for (source, destination, port), usually by TIME_WAIT (__inet_hash_connect()). This is the doctor's port_exhaustion. One exception: to an IPv6 destination such as [::1] on a host with IPv6 disabled, there is no source address at all. " + Advice.PortAdvice.InBrief,
        AppErrors.EADDRNOTAVAIL =>
            "\"Cannot assign requested address\": from connect() it means the ephemeral ports to one destination are used up; from bind() it means the address is not on this host. The line does not say which call failed.",
        AppErrors.EADDRINUSE =>
            "A port is taken: bind() to a port another socket holds (a second server, or TIME_WAIT without SO_REUSEADDR). From connect(): " + Advice.PortAdvice.BindNoPort,
        AppErrors.EMFILE =>
            "The process reached its own open-file limit, RLIMIT_NOFILE (alloc_fd()). It is the per-process limit (ulimit -n, LimitNOFILE), not fs.file-max; raising fs.file-max does not help. This is the doctor's fd_process.",
        AppErrors.ENFILE =>
            "The whole system reached fs.file-max (alloc_empty_file()); processes without CAP_SYS_ADMIN get ENFILE. This is the doctor's fd_system.",
        AppErrors.ECONNREFUSED =>
            "The peer answered the SYN with a reset: nothing listens on that address and port, or a firewall rejects. Not a local socket limit; a full accept queue on Linux drops SYNs (timeouts) rather than refusing, unless tcp_abort_on_overflow = 1.",
        AppErrors.ECONNRESET =>
            "The connection was reset. By the peer or a middlebox usually; by this kernel when it kills sockets for memory (TcpExt TCPAbortOnMemory: orphans or tcp_mem) or, with tcp_abort_on_overflow = 1, when an accept queue is full.",
        AppErrors.ETIMEDOUT =>
            "No answer in time: connect() got no SYN-ACK after tcp_syn_retries (about 127 s by default), or data went unacknowledged. A server whose accept or SYN queue is full drops SYNs silently, so look at ListenOverflows and TCPReqQFullDrop on the server as well as at the network.",
        _ => "",
    };

    private static void Traps(Report report, Snapshot s, PasteEvidence e, KernelLogSummary? log, IReadOnlyDictionary<int, string>? kernelLines,
        List<TrapNote> traps, List<Ambiguity> ambiguities, HashSet<string> relevant)
    {
        var errs = e.AppErrors;
        // EADDRNOTAVAIL: bind() is a missing address; connect() is port exhaustion; the text alone may not say.
        var notAvail = errs.Where(x => x.Errno == AppErrors.EADDRNOTAVAIL).ToList();
        var bindNa = notAvail.Where(x => x.Call == "bind").ToList();
        if (bindNa.Count > 0)
            traps.Add(new TrapNote("bind_eaddrnotavail",
                "\"Cannot assign requested address\" from bind() is an address this host does not have, not port exhaustion: raising ip_local_port_range or tcp_tw_reuse will not help. Check the address with `ip -br addr`; a service that starts before its interface needs net.ipv4.ip_nonlocal_bind = 1 or to wait for the network.",
                bindNa.Select(x => x.Line).ToList()));
        if (notAvail.Any(x => x.Call is "connect" or "unknown")) relevant.Add("port_exhaustion");
        var unknownNa = notAvail.Where(x => x.Call == "unknown").ToList();
        if (unknownNa.Count > 0)
            ambiguities.Add(new Ambiguity(["port_exhaustion", "address not on this host (bind)"],
                "\"Cannot assign requested address\" comes from connect() when the ephemeral ports to one destination are used up, and from bind() when the address is not on the host; the pasted lines do not name the call.",
                "paste the stack trace or the code line that failed (connect or bind), `sysctl net.ipv4.ip_local_port_range` and `ss -s` (TIME_WAIT count)"));

        // EMFILE: the process limit; file-nr far below file-max proves it is not the system's.
        var emfile = errs.Where(x => x.Errno == AppErrors.EMFILE && x.LookAlike is null).ToList();
        if (emfile.Count > 0)
        {
            relevant.Add("fd_process");
            relevant.Add("fd_system");
            var nr = s.Sysctls.Vector(SysctlNames.FileNr, 3);
            long? max = s.Sysctls.Long(SysctlNames.FileMax) ?? nr?[2];
            string text;
            if (nr is not null && max is > 0)
            {
                double use = (double)nr[0] / max.Value;
                text = use < 0.5
                    ? $"\"Too many open files\" (EMFILE) with fs.file-nr {nr[0].ToString("N0", CultureInfo.InvariantCulture)} of {max.Value.ToString("N0", CultureInfo.InvariantCulture)} ({(use * 100).ToString("0.##", CultureInfo.InvariantCulture)} %): the system is far from fs.file-max, so the limit hit is the process's RLIMIT_NOFILE. Raise LimitNOFILE / nofile for the service; raising fs.file-max changes nothing."
                    : $"\"Too many open files\" (EMFILE) is the process's RLIMIT_NOFILE, but fs.file-nr is also at {(use * 100).ToString("0.#", CultureInfo.InvariantCulture)} % of fs.file-max: the system limit (ENFILE) is close too.";
            }
            else
            {
                text = "\"Too many open files\" (EMFILE) is the process's RLIMIT_NOFILE (alloc_fd()), not fs.file-max (that one gives ENFILE, \"Too many open files in system\"). Raise LimitNOFILE / nofile for the service, not fs.file-max.";
            }
            if (e.NoFileSoft is { } soft)
                text += soft < 0 ? " The pasted limit is unlimited, so it belongs to another process than the failing one." : $" The pasted soft limit is {soft.ToString("N0", CultureInfo.InvariantCulture)}" + (e.NoFileSoft < 4096 ? ", low for a server." : ".");
            traps.Add(new TrapNote("emfile_is_process_limit", text, emfile.Select(x => x.Line).ToList()));
        }
        if (errs.Any(x => x.Errno == AppErrors.ENFILE && x.LookAlike is null)) relevant.Add("fd_system");
        // Only inotify's own look-alike: the others (an IPv6 source address, a journal, a route) say what they are on their line.
        var inotify = errs.Where(x => x.LookAlike is not null && x.Call == "inotify").ToList();
        if (inotify.Count > 0)
            traps.Add(new TrapNote("inotify_emfile",
                "\"Too many open files\" from inotify (inotify_init, inotify_add_watch, a file watcher) is the per-user inotify limit fs.inotify.max_user_instances (and max_user_watches), not RLIMIT_NOFILE or fs.file-max: raising nofile does not help, raising the inotify limits does.",
                inotify.Select(x => x.Line).ToList()));
        if (errs.Any(x => x.Errno == AppErrors.ETIMEDOUT))
        {
            ambiguities.Add(new Ambiguity(["listen_overflow or syn_flood on the server", "network or peer down"],
                "A connect timeout looks the same whether the server's queues dropped the SYNs or the packets never arrived.",
                "paste `nstat -az TcpExtListenOverflows TcpExtListenDrops TcpExtTCPReqQFullDrop` taken twice a few seconds apart on the server"));
        }

        // Kernel log traps: look-alikes and the old ambiguous wording.
        if (kernelLines is not null)
        {
            var expect = kernelLines.Where(kv => kv.Value == "expectation").Select(kv => kv.Key).ToList();
            if (expect.Count > 0)
                traps.Add(new TrapNote("expectation_table",
                    "\"nf_conntrack: expectation table full\" is the expectation table (helpers such as FTP or SIP, limit net.netfilter.nf_conntrack_expect_max), not the conntrack table: raising nf_conntrack_max does not help.",
                    expect));
            var neigh = kernelLines.Where(kv => kv.Value == "neighbour").Select(kv => kv.Key).ToList();
            if (neigh.Count > 0)
                traps.Add(new TrapNote("neighbour_table",
                    "\"Neighbour table overflow\" is the ARP / NDP cache (net.ipv4.neigh.default.gc_thresh3), not a socket limit.",
                    neigh));
        }
        var oosm = log?.Incidents.FirstOrDefault(i => i.Kind == "out_of_socket_memory");
        var abort = s.NetStat?.Get("TcpExt", "TCPAbortOnMemory");
        var orphans = report.Checks.FirstOrDefault(c => c.Id == "orphans");
        var tcpMem = report.Checks.FirstOrDefault(c => c.Id == "tcp_mem");
        bool orphansDecided = orphans?.Status is CheckStatus.Warning or CheckStatus.Critical && s.SockStat?.TcpOrphan > s.Sysctls.Long(SysctlNames.TcpMaxOrphans) / 4;
        bool memDecided = tcpMem?.Status is CheckStatus.Warning or CheckStatus.Critical;
        if (oosm is not null)
        {
            relevant.Add("orphans");
            relevant.Add("tcp_mem");
            var lines = kernelLines?.Where(kv => kv.Value == "out_of_socket_memory").Select(kv => kv.Key).ToList() ?? [];
            traps.Add(new TrapNote("out_of_socket_memory",
                "\"Out of socket memory\" and \"too many of orphaned sockets\" (kernels before 3.3) were printed by tcp_out_of_resources() and tcp_close() both when orphans passed tcp_max_orphans and when TCP memory passed tcp_mem[2]; the line alone cannot tell which.",
                lines));
        }
        if ((oosm is not null || abort > 0) && !(orphansDecided ^ memDecided))
        {
            relevant.Add("orphans");
            relevant.Add("tcp_mem");
            ambiguities.Add(new Ambiguity(["orphans", "tcp_mem"],
                (oosm is not null ? "\"Out of socket memory\" (or \"too many of orphaned sockets\")" : $"TcpExt TCPAbortOnMemory = {abort!.Value.ToString("N0", CultureInfo.InvariantCulture)}") +
                " counts sockets killed by tcp_check_oom(), which fires on either too many orphans (tcp_too_many_orphans(), limits max, max/2, max/4) or TCP memory over tcp_mem[2] (tcp_out_of_memory()).",
                "paste `cat /proc/net/sockstat` (orphan, mem) with `sysctl net.ipv4.tcp_max_orphans net.ipv4.tcp_mem`, taken while it happens"));
        }
    }

    private static List<Observation> Observations(PasteEvidence e, Snapshot s)
    {
        var list = new List<Observation>();
        if (e.Sockets is not { } k) return list;
        static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
        if (k.States.Count > 0)
            list.Add(new("sockets by state (pasted rows)", string.Join(", ", k.States.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {N(kv.Value)}")), "ss / netstat"));
        if (k.Destinations.FirstOrDefault() is { } busiest)
        {
            var range = s.Sysctls.Vector(SysctlNames.IpLocalPortRange, 2);
            var ofRange = range is null ? " (paste `sysctl net.ipv4.ip_local_port_range` to compare)" : $" of {N(range[1] - range[0] + 1)} ports in ip_local_port_range";
            list.Add(new("busiest destination (pasted rows)", $"{busiest.DestinationAddress}:{busiest.DestinationPort} from {busiest.SourceAddress}: {N(busiest.Connections)} sockets, {N(busiest.TimeWait)} in TIME-WAIT{ofRange}", "ss / netstat"));
        }
        long orphanStates = k.States.Where(kv => kv.Key is "FIN_WAIT1" or "LAST_ACK" or "CLOSING").Sum(kv => kv.Value);
        if (orphanStates > 0)
            list.Add(new("FIN-WAIT-1 / LAST-ACK / CLOSING (where orphans usually are)", N(orphanStates), "ss / netstat"));
        var full = k.Listeners.Where(l => l.Full).ToList();
        if (full.Count > 0)
            list.Add(new("listeners with a full accept queue (Recv-Q > backlog)", string.Join("; ", full.Take(5).Select(l => $"{l.Shown ?? "(address not pasted)"} Recv-Q {N(l.AcceptQueue)} on backlog {N(l.Backlog.GetValueOrDefault())}")), "ss -ltn / netstat -lnt"));
        if (k.ListenersWithoutBacklog.Count > 0)
            list.Add(new("listeners whose backlog the paste does not show", string.Join("; ", k.ListenersWithoutBacklog.Take(5)) + " (netstat prints 0 as a listener's Send-Q: paste `ss -ltn`)", "netstat"));
        if (k.WithSkmem > 0)
        {
            list.Add(new("sockets with skmem", $"{N(k.WithSkmem)}: {N(k.SendBufferFull.Count)} with a full send buffer (w ≥ tb), {N(k.ReceiveBufferFull)} with a full receive buffer (r ≥ rb)", "ss -tm"));
            list.Add(new("queued bytes (skmem)", $"receive {N(k.Memory.RmemAllocBytes)} B, send {N(k.Memory.WmemQueuedBytes)} B", "ss -tm"));
        }
        return list;
    }
}
