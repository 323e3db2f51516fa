using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain;

/// <summary>A run of lines one recogniser read, with the 1-based line range in the paste.</summary>
public sealed record RecognisedBlock(string Kind, int FirstLine, int LastLine, string What);

/// <summary>Sockets listed by `ss -tan` / `netstat -tan` and `ss -tm`, as far as the paste shows them.</summary>
public sealed record PastedSockets
{
    public IReadOnlyDictionary<string, long> States { get; init; } = new Dictionary<string, long>();
    /// <summary>"daddr:dport" → sockets of that destination (not LISTEN), and how many are in TIME-WAIT.</summary>
    public IReadOnlyDictionary<string, (long Sockets, long TimeWait)> Destinations { get; init; } = new Dictionary<string, (long, long)>();
    /// <summary>Listeners whose Recv-Q (accept queue) is above Send-Q (backlog): sk_acceptq_is_full().</summary>
    public IReadOnlyList<string> FullListeners { get; init; } = [];
    public long WithSkmem { get; init; }
    /// <summary>skmem w (wmem_queued) ≥ tb (sndbuf): the send buffer is full.</summary>
    public long SendBufferFull { get; init; }
    /// <summary>skmem r (rmem_alloc) ≥ rb (rcvbuf).</summary>
    public long ReceiveBufferFull { get; init; }
    public long QueuedSendBytes { get; init; }
    public long QueuedReceiveBytes { get; init; }
}

/// <summary>Everything the recognisers read from a paste, before it becomes a partial Snapshot.</summary>
public sealed record PasteEvidence
{
    public IReadOnlyList<RecognisedBlock> Blocks { get; init; } = [];
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Counters { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, long>>();
    /// <summary>"TCP.orphan" → value, from /proc/net/sockstat (and "TCP6.inuse" from sockstat6).</summary>
    public IReadOnlyDictionary<string, long> SockStat { get; init; } = new Dictionary<string, long>();
    /// <summary>`ss -s` "TCP: N (estab, closed, orphaned, timewait)": ss prints sockstat's orphan and tw.</summary>
    public long? SsOrphaned { get; init; }
    public long? SsTimeWait { get; init; }
    public IReadOnlyDictionary<string, string> Sysctls { get; init; } = new Dictionary<string, string>();
    /// <summary>Sysctls the paste shows as absent ("sysctl: cannot stat /proc/sys/...").</summary>
    public IReadOnlyList<string> AbsentSysctls { get; init; } = [];
    /// <summary>/proc/meminfo fields in kB, and `free` rows turned into kB.</summary>
    public IReadOnlyDictionary<string, long> MemInfoKb { get; init; } = new Dictionary<string, long>();
    public IReadOnlyDictionary<string, long> VmStat { get; init; } = new Dictionary<string, long>();
    /// <summary>RLIMIT_NOFILE from `ulimit -n` / `ulimit -Hn` / /proc/PID/limits / prlimit; -1 = unlimited.</summary>
    public long? NoFileSoft { get; init; }
    public long? NoFileHard { get; init; }
    public int? LimitsPid { get; init; }
    /// <summary>From `getconf PAGESIZE` (or PAGE_SIZE) and its value.</summary>
    public long? PageSize { get; init; }
    public PastedSockets? Sockets { get; init; }
    public IReadOnlyList<AppError> AppErrors { get; init; } = [];
    /// <summary>Lines of raw /proc/net/netstat or snmp whose names and values did not pair up (wrapped or cut).</summary>
    public IReadOnlyList<string> Damage { get; init; } = [];
}

/// <summary>
/// The recognisers. One pass over the cleaned lines; each line is claimed by at most one recogniser.
/// Lines listed in <c>kernelLines</c> were claimed by the kernel-log classifier before.
/// </summary>
public static partial class PasteReader
{
    private static readonly string[] NstatGroups = ["MPTcpExt", "TcpExt", "IpExt", "IcmpMsg", "Icmp6", "Icmp", "Ip6", "Ip", "UdpLite6", "UdpLite", "Udp6", "Udp", "Tcp", "Sctp"];
    private static readonly HashSet<string> SockStatProtos = new(StringComparer.Ordinal) { "sockets", "TCP", "UDP", "UDPLITE", "RAW", "FRAG", "TCP6", "UDP6", "UDPLITE6", "RAW6", "FRAG6", "MPTCP" };

    private sealed class State
    {
        public readonly List<RecognisedBlock> Blocks = [];
        public readonly Dictionary<string, Dictionary<string, long>> Counters = new(StringComparer.Ordinal);
        public readonly Dictionary<string, long> SockStat = new(StringComparer.Ordinal);
        public readonly Dictionary<string, string> Sysctls = new(StringComparer.Ordinal);
        public readonly List<string> Absent = [];
        public readonly Dictionary<string, long> Mem = new(StringComparer.Ordinal);
        public readonly Dictionary<string, long> Vm = new(StringComparer.Ordinal);
        public readonly Dictionary<string, long> States = new(StringComparer.Ordinal);
        public readonly Dictionary<string, (long, long)> Dest = new(StringComparer.Ordinal);
        public readonly List<string> Full = [];
        public readonly List<AppError> Errors = [];
        public readonly List<string> Damage = [];
        public long? SsOrphaned, SsTimeWait, NoFileSoft, NoFileHard;
        public int? LimitsPid;
        public long? PageSize;
        public long Skmem, SndFull, RcvFull, SndBytes, RcvBytes;
        public bool SawSockets;

        public void Claim(string kind, int line, string what)
        {
            if (Blocks.Count > 0 && Blocks[^1].Kind == kind && Blocks[^1].LastLine >= line - 2)
            {
                Blocks[^1] = Blocks[^1] with { LastLine = line };
                return;
            }
            Blocks.Add(new RecognisedBlock(kind, line, line, what));
        }

        public void Counter(string group, string name, long value)
        {
            if (!Counters.TryGetValue(group, out var g)) Counters[group] = g = new Dictionary<string, long>(StringComparer.Ordinal);
            g[name] = value;
        }
    }

    public static PasteEvidence Read(IReadOnlyList<PasteLine> lines, IReadOnlySet<int>? kernelLines = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var s = new State();
        string? netstatGroup = null;   // inside a `netstat -s` group
        string? catSysctl = null;      // the /proc/sys file a `cat` or `sysctl -n` printed next
        string? ulimitKind = null;     // "soft" / "hard" after `ulimit -n` / `ulimit -Hn`
        long freeUnitKb = 1;           // `free` prints KiB unless -m / -g / -b / -h
        bool inMeminfo = false;
        bool pageSizeNext = false;    // after `getconf PAGESIZE`
        for (int i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var text = line.Text;
            var t = text.Trim();
            if (line.Command is { } cmd)
            {
                netstatGroup = null;
                inMeminfo = false;
                catSysctl = CatSysctlRegex().Match(cmd) is { Success: true } c ? c.Groups["p"].Value.Replace('/', '.') :
                    SysctlNRegex().Match(cmd) is { Success: true } n ? n.Groups["n"].Value : null;
                pageSizeNext = GetconfRegex().IsMatch(cmd);
                ulimitKind = UlimitRegex().Match(cmd) is { Success: true } u ? (u.Groups["h"].Success ? "hard" : "soft") : null;
                if (FreeRegex().Match(cmd) is { Success: true } f)
                    freeUnitKb = f.Groups["u"].Value switch { "m" or "-mebi" => 1024, "g" or "-gibi" => 1024 * 1024, "b" => 0, _ => 1 };
                if (LimitsCmdRegex().Match(cmd) is { Success: true } lc) s.LimitsPid = int.TryParse(lc.Groups["pid"].ValueSpan, CultureInfo.InvariantCulture, out var pid) ? pid : null;
                s.Claim("command", line.Number, "shell commands");
                continue;
            }
            if (t.Length == 0) continue;
            if (kernelLines is not null && kernelLines.Contains(line.Number))
            {
                s.Claim("kernel-log", line.Number, "kernel log lines");
                continue;
            }

            // Bare values right after a prompt: `cat /proc/sys/...`, `sysctl -n ...`, `ulimit -n`.
            if (catSysctl is not null)
            {
                var name = catSysctl;
                catSysctl = null;
                if (BareValueRegex().IsMatch(t))
                {
                    s.Sysctls[name] = Normalise(t);
                    s.Claim("sysctl-value", line.Number, $"value of {name} after cat");
                    continue;
                }
            }
            if (pageSizeNext)
            {
                pageSizeNext = false;
                if (Long(t) is { } ps && ps >= 1024 && (ps & (ps - 1)) == 0)
                {
                    s.PageSize = ps;
                    s.Claim("getconf", line.Number, "page size");
                    continue;
                }
            }
            if (ulimitKind is not null)
            {
                var kind = ulimitKind;
                ulimitKind = null;
                if (LimitValue(t) is { } v)
                {
                    if (kind == "hard") s.NoFileHard = v; else s.NoFileSoft = v;
                    s.Claim("ulimit", line.Number, $"ulimit -n ({kind} RLIMIT_NOFILE)");
                    continue;
                }
            }

            // netstat -s: "TcpExt:" headers, then indented sentences or "Name: value".
            if (NetstatHeaderRegex().Match(t) is { Success: true } h && !text.StartsWith(' '))
            {
                netstatGroup = h.Groups["g"].Value == "TCPExt" ? "TcpExt" : h.Groups["g"].Value;
                s.Claim("netstat -s", line.Number, "netstat -s statistics");
                continue;
            }
            if (netstatGroup is not null || text.StartsWith(' '))
            {
                if (NetstatSentences.Match(t, netstatGroup) is { } sentence)
                {
                    s.Counter(sentence.Group, sentence.Name, sentence.Value);
                    s.Claim("netstat -s", line.Number, "netstat -s statistics");
                    continue;
                }
                if (netstatGroup is not null && NameValueRegex().Match(t) is { Success: true } nv &&
                    long.TryParse(nv.Groups["v"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var nval))
                {
                    s.Counter(netstatGroup, nv.Groups["n"].Value, nval);
                    s.Claim("netstat -s", line.Number, "netstat -s statistics");
                    continue;
                }
                if (netstatGroup is not null && text.StartsWith(' '))
                {
                    // A sentence of a counter the table does not know (histograms, newer texts): still part of the block.
                    s.Claim("netstat -s", line.Number, "netstat -s statistics");
                    continue;
                }
                netstatGroup = null;
            }

            // Raw /proc/net/netstat and /proc/net/snmp: a names line and a values line of the same group.
            if (RawHeaderRegex().Match(t) is { Success: true } rh && i + 1 < lines.Count)
            {
                int consumed = RawPair(lines, i, rh.Groups["g"].Value, s);
                if (consumed > 0)
                {
                    s.Claim("/proc/net/netstat", line.Number, "/proc/net/netstat or /proc/net/snmp");
                    for (int k = 1; k < consumed; k++) s.Claim("/proc/net/netstat", lines[i + k].Number, "");
                    i += consumed - 1;
                    continue;
                }
            }

            // nstat: "TcpExtListenOverflows  12  0.0"; "#kernel" heads its output.
            if (t == "#kernel")
            {
                s.Claim("nstat", line.Number, "nstat counters");
                continue;
            }
            if (NstatRegex().Match(t) is { Success: true } ns && SplitNstat(ns.Groups["n"].Value) is { } split &&
                long.TryParse(ns.Groups["v"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var nsv))
            {
                s.Counter(split.Group, split.Name, nsv);
                s.Claim("nstat", line.Number, "nstat counters");
                continue;
            }

            // ss -s.
            if (SsTotalRegex().IsMatch(t) || SsTransportRegex().IsMatch(t) || SsTransportHeadRegex().IsMatch(t))
            {
                s.Claim("ss -s", line.Number, "ss -s summary");
                continue;
            }
            if (SsTcpRegex().Match(t) is { Success: true } sst)
            {
                s.SsOrphaned = Long(sst.Groups["orph"].Value);
                s.SsTimeWait = Long(sst.Groups["tw"].Value);
                s.Claim("ss -s", line.Number, "ss -s summary");
                continue;
            }

            // /proc/net/sockstat and sockstat6: "TCP: inuse 5 orphan 0 tw 2 alloc 7 mem 1".
            if (SockStatRegex().Match(t) is { Success: true } ss2 && SockStatProtos.Contains(ss2.Groups["p"].Value))
            {
                var proto = ss2.Groups["p"].Value;
                var parts = ss2.Groups["kv"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                for (int k = 0; k + 1 < parts.Length; k += 2)
                {
                    if (long.TryParse(parts[k + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var fv)) s.SockStat[$"{proto}.{parts[k]}"] = fv;
                }
                s.Claim(proto.EndsWith('6') ? "/proc/net/sockstat6" : "/proc/net/sockstat", line.Number, "socket counts and memory");
                continue;
            }

            // sysctl: "net.ipv4.tcp_mem = 1 2 3"; grep form "/proc/sys/net/ipv4/tcp_mem:1 2 3".
            if (SysctlRegex().Match(t) is { Success: true } sy)
            {
                s.Sysctls[sy.Groups["n"].Value] = Normalise(sy.Groups["v"].Value);
                s.Claim("sysctl", line.Number, "sysctl values");
                continue;
            }
            if (GrepSysctlRegex().Match(t) is { Success: true } gs)
            {
                s.Sysctls[gs.Groups["p"].Value.Replace('/', '.')] = Normalise(gs.Groups["v"].Value);
                s.Claim("sysctl", line.Number, "sysctl values");
                continue;
            }
            if (SysctlAbsentRegex().Match(t) is { Success: true } sa)
            {
                s.Absent.Add(sa.Groups["p"].Value.Replace('/', '.'));
                s.Claim("sysctl", line.Number, "sysctl values");
                continue;
            }

            // Limits: /proc/PID/limits, `ulimit -a`, `prlimit`.
            if (LimitsRowRegex().Match(t) is { Success: true } lr)
            {
                s.NoFileSoft = LimitValue(lr.Groups["s"].Value);
                s.NoFileHard = LimitValue(lr.Groups["h"].Value);
                s.Claim("/proc/PID/limits", line.Number, "process limits");
                continue;
            }
            if (LimitsOtherRegex().IsMatch(t))
            {
                s.Claim("/proc/PID/limits", line.Number, "process limits");
                continue;
            }
            if (UlimitARegex().Match(t) is { Success: true } ua)
            {
                s.NoFileSoft = LimitValue(ua.Groups["v"].Value);
                s.Claim("ulimit", line.Number, "ulimit -a open files");
                continue;
            }

            // free: header, "Mem:" and "Swap:" rows.
            if (FreeHeadRegex().IsMatch(t))
            {
                s.Claim("free", line.Number, "free memory summary");
                continue;
            }
            if (FreeRowRegex().Match(t) is { Success: true } fr)
            {
                var cols = fr.Groups["cols"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => FreeKb(c, freeUnitKb)).ToList();
                bool mem = fr.Groups["row"].Value == "Mem";
                if (cols.Count >= 3 && cols.All(c => c is not null))
                {
                    if (mem)
                    {
                        s.Mem["MemTotal"] = cols[0]!.Value;
                        s.Mem["MemFree"] = cols[2]!.Value;
                        if (cols.Count >= 6) s.Mem["MemAvailable"] = cols[5]!.Value;
                    }
                    else
                    {
                        s.Mem["SwapTotal"] = cols[0]!.Value;
                        s.Mem["SwapFree"] = cols[2]!.Value;
                    }
                    s.Claim("free", line.Number, "free memory summary");
                    continue;
                }
            }

            // /proc/meminfo: a block starting at MemTotal, or any "Name: N kB" line.
            if (MeminfoRegex().Match(t) is { Success: true } mi && (inMeminfo || mi.Groups["n"].Value == "MemTotal" || mi.Groups["kb"].Success))
            {
                if (long.TryParse(mi.Groups["v"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var mv)) s.Mem[mi.Groups["n"].Value] = mv;
                inMeminfo = true;
                s.Claim("/proc/meminfo", line.Number, "memory counters");
                continue;
            }
            inMeminfo = false;

            // /proc/vmstat oom_kill (the one counter a rule reads).
            if (VmstatRegex().Match(t) is { Success: true } vm)
            {
                s.Vm[vm.Groups["n"].Value] = Long(vm.Groups["v"].Value) ?? 0;
                s.Claim("/proc/vmstat", line.Number, "vmstat counters");
                continue;
            }

            // ss -tan / ss -tm / netstat -tan.
            if (SsHeadRegex().IsMatch(t) || NetstatHeadRegex().IsMatch(t))
            {
                s.SawSockets = true;
                s.Claim("ss -tan", line.Number, "socket list");
                continue;
            }
            if (SsRowRegex().Match(t) is { Success: true } row)
            {
                AddSocket(s, row.Groups["st"].Value, row.Groups["rq"].Value, row.Groups["sq"].Value, row.Groups["l"].Value, row.Groups["p"].Value);
                Skmem(s, t);
                s.Claim("ss -tan", line.Number, "socket list");
                continue;
            }
            if (NetstatRowRegex().Match(t) is { Success: true } nr)
            {
                AddSocket(s, NetstatState(nr.Groups["st"].Value), nr.Groups["rq"].Value, nr.Groups["sq"].Value, nr.Groups["l"].Value, nr.Groups["p"].Value);
                s.Claim("ss -tan", line.Number, "socket list");
                continue;
            }
            if (t.Contains("skmem:(", StringComparison.Ordinal) && Skmem(s, t))
            {
                s.Claim("ss -tm", line.Number, "socket memory (skmem)");
                continue;
            }

            if (AppErrors.TryRecognise(line) is { } err)
            {
                // A traceback names the call a few lines above the error (Python: `s.connect((host, port))`).
                for (int back = 1; err.Call == "unknown" && back <= 3 && i - back >= 0; back++)
                {
                    var above = lines[i - back].Text;
                    // ...or a wrapped C message: "bind() to 0.0.0.0:80 failed (98:" / "Address already in use)".
                    if (above.Contains(".connect(", StringComparison.Ordinal) || above.Contains("connect_ex(", StringComparison.Ordinal) ||
                        above.Contains("create_connection(", StringComparison.Ordinal) || (back == 1 && above.Contains("connect()", StringComparison.Ordinal)))
                        err = err with { Call = "connect" };
                    else if (above.Contains(".bind(", StringComparison.Ordinal) || above.Contains("create_server(", StringComparison.Ordinal) ||
                             (back == 1 && above.Contains("bind()", StringComparison.Ordinal)))
                        err = err with { Call = "bind" };
                }
                // Java and .NET print the stack below the message ("at System.Net.Sockets.Socket.Bind(...)"); a Node
                // error object its syscall ("syscall: 'listen'").
                for (int ahead = 1; err.Call == "unknown" && ahead <= 4 && i + ahead < lines.Count; ahead++)
                {
                    var m = StackCallRegex().Match(lines[i + ahead].Text);
                    if (m.Success) err = err with { Call = m.Groups["c"].Value.ToLowerInvariant() switch { var c when c.StartsWith('b') || c == "listen" => "bind", _ => "connect" } };
                }
                // Node prints `code: 'E…'` and `errno: 'E…'` for one error: count it once.
                if (s.Errors.Count > 0 && s.Errors[^1] is { } prev && prev.Line == line.Number - 1 && prev.Errno == err.Errno && NodeFieldRegex().IsMatch(t))
                {
                    s.Claim("app-error", line.Number, "application errors");
                    continue;
                }
                s.Errors.Add(err);
                s.Claim("app-error", line.Number, "application errors");
            }
        }

        return new PasteEvidence
        {
            Blocks = s.Blocks.Where(b => b.Kind != "command").ToList(),
            Counters = s.Counters.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, long>)kv.Value, StringComparer.Ordinal),
            SockStat = s.SockStat,
            SsOrphaned = s.SsOrphaned,
            SsTimeWait = s.SsTimeWait,
            Sysctls = s.Sysctls,
            AbsentSysctls = s.Absent,
            MemInfoKb = s.Mem,
            VmStat = s.Vm,
            NoFileSoft = s.NoFileSoft,
            NoFileHard = s.NoFileHard,
            LimitsPid = s.LimitsPid,
            PageSize = s.PageSize,
            Sockets = s.SawSockets || s.States.Count > 0 || s.Skmem > 0
                ? new PastedSockets
                {
                    States = s.States,
                    Destinations = s.Dest,
                    FullListeners = s.Full,
                    WithSkmem = s.Skmem,
                    SendBufferFull = s.SndFull,
                    ReceiveBufferFull = s.RcvFull,
                    QueuedSendBytes = s.SndBytes,
                    QueuedReceiveBytes = s.RcvBytes,
                }
                : null,
            AppErrors = s.Errors,
            Damage = s.Damage,
        };
    }

    /// <summary>Reads a names/values pair starting at <paramref name="i"/>, joining lines a terminal wrapped. Returns lines consumed, 0 if none.</summary>
    private static int RawPair(IReadOnlyList<PasteLine> lines, int i, string group, State s)
    {
        var names = new List<string>(lines[i].Text.Trim()[(group.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        int firstNames = names.Count;
        int j = i + 1;
        while (j < lines.Count && lines[j].Command is null && ContinuationNamesRegex().IsMatch(lines[j].Text.Trim()) && !lines[j].Text.Trim().StartsWith(group + ":", StringComparison.Ordinal))
        {
            names.AddRange(lines[j].Text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));
            j++;
        }
        if (j >= lines.Count) return 0;
        var vm = RawValuesRegex().Match(lines[j].Text.Trim());
        if (!vm.Success || vm.Groups["g"].Value != group) return 0;
        var values = new List<string>(vm.Groups["v"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        int firstValues = values.Count;
        j++;
        while (j < lines.Count && lines[j].Command is null && ContinuationValuesRegex().IsMatch(lines[j].Text.Trim()))
        {
            values.AddRange(lines[j].Text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));
            j++;
        }
        int usable = names.Count;
        if (names.Count != values.Count)
        {
            // Wrapped or cut off: only the pairs before the first break are certain, and the last token of a
            // wrapped line may itself be cut in two.
            usable = Math.Max(Math.Min(firstNames, firstValues) - 1, 0);
            s.Damage.Add($"{group} (line {lines[i].Number}): {names.Count} names but {values.Count} values; the paste looks wrapped or cut, only the first {usable} counters are read");
        }
        for (int k = 0; k < usable && k < values.Count; k++)
        {
            if (long.TryParse(values[k], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) s.Counter(group, names[k], v);
        }
        return j - i;
    }

    private static void AddSocket(State s, string state, string rq, string sq, string local, string peer)
    {
        s.SawSockets = true;
        s.States[state] = s.States.GetValueOrDefault(state) + 1;
        if (state == "LISTEN")
        {
            if (Long(rq) is { } q && Long(sq) is { } backlog && q > backlog) s.Full.Add($"{local} (Recv-Q {q} > backlog {backlog})");
            return;
        }
        if (state is "UNCONN") return;
        var (n, tw) = s.Dest.GetValueOrDefault(peer);
        s.Dest[peer] = (n + 1, tw + (state == "TIME-WAIT" ? 1 : 0));
    }

    private static bool Skmem(State s, string t)
    {
        var m = SkmemRegex().Match(t);
        if (!m.Success) return false;
        var f = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Match kv in SkmemFieldRegex().Matches(m.Groups["kv"].Value))
        {
            if (long.TryParse(kv.Groups["v"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) f[kv.Groups["k"].Value] = v;
        }
        if (!f.ContainsKey("r") || !f.ContainsKey("t")) return false;
        s.Skmem++;
        s.RcvBytes += f["r"];
        s.SndBytes += f.GetValueOrDefault("w");
        // inet_diag_skmeminfo: r rmem_alloc, rb rcvbuf, t wmem_alloc, tb sndbuf, w wmem_queued.
        if (f.TryGetValue("tb", out var tb) && tb > 0 && f.GetValueOrDefault("w") >= tb) s.SndFull++;
        if (f.TryGetValue("rb", out var rb) && rb > 0 && f["r"] >= rb) s.RcvFull++;
        return true;
    }

    private static string NetstatState(string st) => st switch
    {
        "ESTABLISHED" => "ESTAB",
        "SYN_SENT" => "SYN-SENT",
        "SYN_RECV" => "SYN-RECV",
        "FIN_WAIT1" => "FIN-WAIT-1",
        "FIN_WAIT2" => "FIN-WAIT-2",
        "TIME_WAIT" => "TIME-WAIT",
        "CLOSE_WAIT" => "CLOSE-WAIT",
        "LAST_ACK" => "LAST-ACK",
        _ => st,
    };

    private static (string Group, string Name)? SplitNstat(string name)
    {
        foreach (var g in NstatGroups)
        {
            if (name.Length > g.Length && name.StartsWith(g, StringComparison.Ordinal) && char.IsAsciiLetterUpper(name[g.Length]))
                return (g, name[g.Length..]);
        }
        return null;
    }

    private static long? Long(string v) => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : null;

    private static long? LimitValue(string v) => v == "unlimited" ? -1 : Long(v);

    /// <summary>`free` column in kB: plain numbers in the unit of -k/-m/-g, or -h's "15Gi" / "512Mi".</summary>
    private static long? FreeKb(string col, long unitKb)
    {
        var m = FreeHumanRegex().Match(col);
        if (!m.Success) return null;
        if (!double.TryParse(m.Groups["n"].ValueSpan, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return null;
        var suffix = m.Groups["u"].Value;
        double kb = suffix.Length == 0
            ? (unitKb == 0 ? n / 1024 : n * unitKb)
            : char.ToUpperInvariant(suffix[0]) switch { 'B' => n / 1024, 'K' => n, 'M' => n * 1024, 'G' => n * 1024 * 1024, 'T' => n * 1024 * 1024 * 1024, _ => double.NaN };
        return double.IsNaN(kb) || kb > long.MaxValue / 2 ? null : (long)kb;
    }

    private static string Normalise(string v) => string.Join(' ', v.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [GeneratedRegex(@"^cat\s+(?:/proc/sys/)(?<p>[\w\-./]+?)\s*$")]
    private static partial Regex CatSysctlRegex();
    [GeneratedRegex(@"^(?:sudo\s+)?(?:/s?bin/|/usr/s?bin/)?sysctl\s+-n\s+(?<n>[\w\-.]+)\s*$")]
    private static partial Regex SysctlNRegex();
    [GeneratedRegex(@"^ulimit\s+(?:-S\s*)?(?:-(?<h>H)\s*)?-?[SH]?n\s*$")]
    private static partial Regex UlimitRegex();
    [GeneratedRegex(@"^\s*at\s+\S*?\.(?<c>bind0?|Bind|connect0?|Connect(?:Async)?)\(|^\s*syscall: '(?<c>listen|bind|connect)'")]
    private static partial Regex StackCallRegex();
    [GeneratedRegex(@"^(?:code|errno): '?E[A-Z]+'?,?$")]
    private static partial Regex NodeFieldRegex();
    [GeneratedRegex(@"^getconf\s+PAGE_?SIZE\s*$")]
    private static partial Regex GetconfRegex();
    [GeneratedRegex(@"^free(?:\s+-(?<u>[kmgbh]|-mebi|-gibi))?")]
    private static partial Regex FreeRegex();
    [GeneratedRegex(@"/proc/(?<pid>\d+)/limits")]
    private static partial Regex LimitsCmdRegex();
    [GeneratedRegex(@"^-?\d+(?:\s+-?\d+)*$|^[\w\-., ]{1,200}$")]
    private static partial Regex BareValueRegex();
    [GeneratedRegex(@"^(?<g>Ip|Icmp|IcmpMsg|Tcp|Udp|UdpLite|TcpExt|TCPExt|IpExt|MPTcpExt|Sctp|Ip6|Icmp6|Udp6|UdpLite6|Tcp6):\s*$")]
    private static partial Regex NetstatHeaderRegex();
    [GeneratedRegex(@"^(?<n>[A-Za-z][A-Za-z0-9_]*): (?<v>\d+)$")]
    private static partial Regex NameValueRegex();
    [GeneratedRegex(@"^(?<g>[A-Z][A-Za-z0-9]*): (?:[A-Za-z][A-Za-z0-9_]*)(?: [A-Za-z][A-Za-z0-9_]*)*\s*$")]
    private static partial Regex RawHeaderRegex();
    [GeneratedRegex(@"^(?<g>[A-Z][A-Za-z0-9]*): (?<v>-?\d+(?: -?\d+)*)\s*$")]
    private static partial Regex RawValuesRegex();
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]*(?: [A-Za-z][A-Za-z0-9_]*)*$")]
    private static partial Regex ContinuationNamesRegex();
    [GeneratedRegex(@"^-?\d+(?: -?\d+)*$")]
    private static partial Regex ContinuationValuesRegex();
    [GeneratedRegex(@"^(?<n>[A-Z][A-Za-z0-9]+)\s+(?<v>\d+)(?:\s+\d+(?:\.\d+)?)?$")]
    private static partial Regex NstatRegex();
    [GeneratedRegex(@"^Total: \d+(?: \(kernel \d+\))?$")]
    private static partial Regex SsTotalRegex();
    [GeneratedRegex(@"^(?:(?:RAW|UDP|TCP|INET|FRAG)\s+\d+\s+\d+\s+\d+|\*\s+\d+\s+-\s+-)$")]
    private static partial Regex SsTransportRegex();
    [GeneratedRegex(@"^Transport\s+Total\s+IP\s+IPv6$")]
    private static partial Regex SsTransportHeadRegex();
    [GeneratedRegex(@"^TCP:\s+\d+ \(estab \d+, closed \d+, orphaned (?<orph>\d+), (?:synrecv \d+, )?timewait (?<tw>\d+)(?:/\d+)?\)(?:, ports \d+)?$")]
    private static partial Regex SsTcpRegex();
    [GeneratedRegex(@"^(?<p>[A-Z0-9]+|sockets): (?<kv>(?:[a-z]+ \d+\s*)+)$")]
    private static partial Regex SockStatRegex();
    [GeneratedRegex(@"^(?<n>(?:net|fs|vm|kernel|user)(?:\.[\w\-]+)+)\s*=\s*(?<v>.*)$")]
    private static partial Regex SysctlRegex();
    [GeneratedRegex(@"^/proc/sys/(?<p>[\w\-./]+):(?<v>.+)$")]
    private static partial Regex GrepSysctlRegex();
    [GeneratedRegex(@"^sysctl: cannot stat /proc/sys/(?<p>[\w\-./]+): No such file or directory$")]
    private static partial Regex SysctlAbsentRegex();
    [GeneratedRegex(@"^Max open files\s+(?<s>\d+|unlimited)\s+(?<h>\d+|unlimited)\s+files$")]
    private static partial Regex LimitsRowRegex();
    [GeneratedRegex(@"^(?:Limit\s+Soft Limit\s+Hard Limit\s+Units|Max [a-z ]+?\s{2,}\S+\s+\S+(?:\s+\S+)?|NOFILE\s.*)$")]
    private static partial Regex LimitsOtherRegex();
    [GeneratedRegex(@"^(?:-n: file descriptors\s+|open files\s+\(-n\)\s+)(?<v>\d+|unlimited)$")]
    private static partial Regex UlimitARegex();
    [GeneratedRegex(@"^total\s+used\s+free\s+shared\s+(?:buff/cache|buffers)")]
    private static partial Regex FreeHeadRegex();
    [GeneratedRegex(@"^(?<row>Mem|Swap):\s+(?<cols>[\d.,]+[BKMGT]?i?(?:\s+[\d.,]+[BKMGT]?i?)+)$")]
    private static partial Regex FreeRowRegex();
    [GeneratedRegex(@"^(?<n>\d+(?:\.\d+)?)(?<u>[BKMGT]i?)?$")]
    private static partial Regex FreeHumanRegex();
    [GeneratedRegex(@"^(?<n>[A-Za-z][\w()]*):\s+(?<v>\d+)(?<kb> kB)?$")]
    private static partial Regex MeminfoRegex();
    [GeneratedRegex(@"^(?<n>oom_kill)\s+(?<v>\d+)$")]
    private static partial Regex VmstatRegex();
    [GeneratedRegex(@"^(?:Netid\s+)?(?:State\s+)?Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port")]
    private static partial Regex SsHeadRegex();
    [GeneratedRegex(@"^(?:Active Internet connections|Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address\s+State)")]
    private static partial Regex NetstatHeadRegex();
    [GeneratedRegex(@"^(?:tcp\s+)?(?<st>ESTAB|LISTEN|TIME-WAIT|SYN-SENT|SYN-RECV|FIN-WAIT-1|FIN-WAIT-2|CLOSE-WAIT|LAST-ACK|CLOSING|CLOSED|UNCONN)\s+(?<rq>\d+)\s+(?<sq>\d+)\s+(?<l>\S+)\s+(?<p>\S+)")]
    private static partial Regex SsRowRegex();
    [GeneratedRegex(@"^tcp6?\s+(?<rq>\d+)\s+(?<sq>\d+)\s+(?<l>\S+)\s+(?<p>\S+)\s+(?<st>ESTABLISHED|SYN_SENT|SYN_RECV|FIN_WAIT1|FIN_WAIT2|TIME_WAIT|CLOSE|CLOSE_WAIT|LAST_ACK|LISTEN|CLOSING)\b")]
    private static partial Regex NetstatRowRegex();
    [GeneratedRegex(@"skmem:\((?<kv>[a-z_0-9,]*)\)?")]
    private static partial Regex SkmemRegex();
    [GeneratedRegex(@"(?<k>[a-z_]+)(?<v>\d+)")]
    private static partial Regex SkmemFieldRegex();
}
