using System.Globalization;
using SockDoc.Diagnosis.Advice;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using SockDoc.Model.Census;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// Ephemeral ports used up towards one destination (kernel-facts §5). __inet_hash_connect()
/// (net/ipv4/inet_hashtables.c) needs a local port whose 4-tuple (saddr, sport, daddr, dport) is free;
/// ports are shared across destinations, so they run out per (source address, destination address,
/// destination port), mostly held by TIME_WAIT for 60 s. connect() then fails with EADDRNOTAVAIL.
/// R_max = N_eff / T_hold new connections per second per destination.
/// </summary>
public sealed partial class PortExhaustion : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "port_exhaustion",
        "Ephemeral ports per destination against ip_local_port_range",
        "__inet_hash_connect(): EADDRNOTAVAIL when every port of the range is taken for one (saddr, daddr, dport)",
        [Inputs.IpLocalPortRange, Inputs.IpLocalReservedPorts, Inputs.CensusDestinations, Inputs.SockStatTw, Inputs.TcpExtTw, Inputs.TcpTwReuse, Inputs.AppErrors, Inputs.Stated]);

    /// <summary>Newer kernels (6.18 has it, 6.12 not): milliseconds before a TIME_WAIT may be reused; 1000 by default.</summary>
    public const string TcpTwReuseDelay = "net.ipv4.tcp_tw_reuse_delay";

    private const string Explanation =
        "connect() picks a local port from ip_local_port_range whose (source address, source port, destination address, destination port) " +
        "is free; ports are shared across destinations, so they run out per destination, not per host. A port stays taken for 60 s in " +
        "TIME_WAIT when this side closes first, unless tcp_twsk_unique() lets connect() reuse it (tcp_tw_reuse=1, or 2 when either end is " +
        "loopback, with TCP timestamps, about a second after its last packet); past that connect() fails with EADDRNOTAVAIL " +
        "(\"Cannot assign requested address\"). A socket bound with bind(addr, 0) before connect() takes its port for every destination " +
        "and fails with EADDRINUSE instead.";

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        // EADDRNOTAVAIL from connect() is this failure and no other (__inet_hash_connect()); EADDRINUSE on an outgoing
        // connection is the same exhaustion for sockets bound with bind(addr, 0) first (kernel-facts §5.3), and so is that
        // bind(addr, 0) itself failing with EADDRINUSE (inet_csk_get_port() found no free port in the range). bind()'s own
        // EADDRNOTAVAIL is an address the host does not have: not this.
        // (connect() to ::1 on a host without IPv6 is the paste reader's look-alike and never reaches a rule.)
        var errors = AppErrors(c, "EADDRNOTAVAIL", call => call == "connect")
            .Concat(AppErrors(c, "EADDRINUSE", call => call is "connect" or "bind(0)" or "bindresvport"))
            // Windows' WSAENOBUFS from connect() or the bind() of an outgoing socket (Go's "dial tcp ...: bind: ... lacked
            // sufficient buffer space"): its dynamic port range used up (the JDK's "maximum connections reached?").
            .Concat(WindowsNoBuffers(c, call => call is "connect" or "bind(0)" or "bind")).ToList();
        // EADDRINUSE without the call is a listener's port in use far more often than ports; only one said to come again and
        // again, or in a load test (a client connecting as fast as it can, bound before connect()), is worth as much.
        var unsure = AppErrors(c, "EADDRNOTAVAIL", call => call == "unknown")
            .Concat(AppErrors(c, "EADDRINUSE", call => call == "unknown").Where(e => e.SaidToRepeat)).ToList();
        // Without the call, one EADDRNOTAVAIL fits bind() to an address the host does not have at least as well: that fails
        // once, at start-up, and the program stops, while ports that ran out fail connect() again and again. Only a
        // repeated one is worth a "possible" finding (the paste shows it twice or more, or its words say it came in a
        // flood); a single one stays a recognised line.
        if (errors.Count == 0 && Failures(unsure) < 2 && !unsure.Any(e => e.SaidToRepeat)) unsure = [];
        // Windows' WSAENOBUFS without the call (a client library's "ErrorCode: NoBufferSpaceAvailable" from its send path):
        // on Windows it is the dynamic ports used up, or the non-paged pool; no one-off start-up failure looks like it.
        if (errors.Count == 0)
            unsure = [.. unsure, .. WindowsNoBuffers(c, call => call == "unknown")];
        var app = AppTiming(c, errors);

        var range = c.Now.Sysctls.Vector(SysctlNames.IpLocalPortRange, 2);
        if (range is null || range[0] > range[1] || range[0] < 0)
        {
            if (errors.Count > 0 || unsure.Count > 0) return FromErrors(c, errors, unsure, null);
            return NothingMeasured(c, SysctlNames.IpLocalPortRange);
        }
        long low = range[0], high = range[1];
        long reserved = CountReserved(c.Now.Sysctls.Raw(SysctlNames.IpLocalReservedPorts), low, high);
        // connect() skips every port owned by a bind() bucket, listeners included (kernel-facts §5.2);
        // the census shows the listeners, not other explicit binds.
        long boundInRange = c.Now.Census?.Listeners.Select(l => l.LocalPort).Where(p => p >= low && p <= high).Distinct().LongCount() ?? 0;
        long nEff = Math.Max(high - low + 1 - reserved - boundInRange, 0);
        int twLen = Math.Max(TwBuckets.TimeWaitLength(c.Now), 1);
        var reuse = new TwReuse(c.Now);
        double maxRate = (double)nEff / twLen;

        var evidence = new List<Evidence>
        {
            Count("ephemeral ports per destination", nEff, $"{N(nEff)} ({low}–{high}" + (reserved > 0 ? $", {N(reserved)} reserved" : "") + (boundInRange > 0 ? $", {N(boundInRange)} held by listeners" : "") + ")", Sys(SysctlNames.IpLocalPortRange)),
            PerSecond("sustainable new connections per destination", maxRate, $"{N(nEff)} ports / {twLen} s TIME_WAIT = {N(maxRate)}/s when this side closes first", "kernel-facts §5.4"),
            Count("tcp_tw_reuse", reuse.Setting, reuse.SettingText, Sys(SysctlNames.TcpTwReuse)),
        };
        if (reuse.Possible)
            evidence.Add(PerSecond("with TIME_WAIT reuse", nEff / reuse.DelaySeconds,
                $"up to ~{N(nEff / reuse.DelaySeconds)}/s per destination (a TIME_WAIT port is reusable {N(reuse.DelaySeconds, 1)} s after its last timestamp)" + (reuse.Setting == 2 ? ", loopback destinations only" : ""), "tcp_twsk_unique()"));
        evidence.AddRange(errors.Concat(unsure).Select(AppErrorEvidence));

        Severity severity;
        When when; string title;
        var census = c.Now.Census;
        // Pasted rows are often an excerpt ("TIME_WAIT rows like this one"): when the paste also counts more TIME_WAIT than
        // its rows hold (ss -s, grep TIME_WAIT | wc -l), the count speaks for the namespace and the rows do not.
        if (census is not null && FromPaste(c.Now) && c.Now.SockStat?.TcpTw is { } counted && counted > census.TimeWaitBuckets)
            census = null;
        long demand;
        DestinationPortUse? busiest = null;
        long busiestTaken = 0;
        long busiestReusable = 0;
        if (census is not null)
        {
            // A TIME_WAIT that tcp_twsk_unique() lets connect() take over is not a port in use (issue 14 #1).
            foreach (var dst in census.Destinations)
            {
                long reusable = reuse.AppliesTo(dst) ? Math.Clamp(dst.TimeWait, 0, Math.Max(dst.Connections, 0)) : 0;
                long taken = dst.Connections - reusable;
                if (busiest is null || taken > busiestTaken || (taken == busiestTaken && dst.Connections > busiest.Connections))
                {
                    busiest = dst; busiestTaken = taken; busiestReusable = reusable;
                }
            }
            if (busiest is null || busiest.Connections <= 0)
                return errors.Count > 0 || unsure.Count > 0 ? FromErrors(c, errors, unsure, evidence) : Ok(d, $"no outgoing connections hold ephemeral ports; {N(nEff)} per destination");
            string to = $"{busiest.SourceAddress} → {busiest.DestinationAddress}:{busiest.DestinationPort}";
            evidence.Add(Count("busiest destination", busiestTaken,
                $"{to}: {N(busiest.Connections)} ports in use, {N(busiest.TimeWait)} in TIME_WAIT" +
                (busiestReusable > 0 ? $", of which {N(busiestReusable)} reusable by connect() ({reuse.Why}): {N(busiestTaken)} taken" : ""), CensusSource(census)));
            double use = nEff > 0 ? (double)busiestTaken / nEff : 1;
            evidence.Add(Ratio("use of the range", use, "computed"));
            demand = busiest.Connections;
            if (busiestTaken >= nEff && busiestTaken > 0)
            {
                severity = Severity.Critical; when = When.Now;
                title = $"Ports to {busiest.DestinationAddress}:{busiest.DestinationPort} are used up: {N(busiestTaken)} of {N(nEff)}; connect() fails with EADDRNOTAVAIL";
            }
            else if (use > NearLimit)
            {
                severity = Severity.Warning; when = When.Risk;
                title = $"Ports to {busiest.DestinationAddress}:{busiest.DestinationPort} are {Pct(use)} used ({N(busiestTaken)} of {N(nEff)})";
            }
            else if (errors.Count > 0 || unsure.Count > 0)
            {
                return FromErrors(c, errors, unsure, evidence);
            }
            else
            {
                return Ok(d, $"busiest destination uses {N(busiestTaken)} of {N(nEff)} ports" +
                    (busiestReusable > 0 ? $" ({N(busiestReusable)} more in TIME_WAIT are reusable by connect(): {reuse.Why})" : ""));
            }
        }
        else
        {
            // Without the census only the namespace's TIME_WAIT count is known; it cannot say which
            // destination holds them, but if it is the range size or more, one destination can be out.
            var tw = c.Now.SockStat?.TcpTw;
            if (tw is null)
                return errors.Count > 0 || unsure.Count > 0 ? FromErrors(c, errors, unsure, evidence) : NothingMeasured(c, "census per destination", "sockstat TCP tw");
            evidence.Add(Count("TIME_WAIT in this namespace", tw.Value, N(tw.Value), SockStatSrc));
            var twDelta = c.CounterDelta("TcpExt", "TW");
            double? rate = twDelta is { } t && c.IntervalSeconds is > 0 ? t / c.IntervalSeconds!.Value : null;
            if (rate is { } r) evidence.Add(PerSecond("TIME_WAIT created", r, $"{N(r)}/s", NetStatSrc + " TW"));
            demand = tw.Value;
            // With tcp_tw_reuse=1 and timestamps every TIME_WAIT is reusable by connect() after ~1 s: the TIME_WAIT count
            // says nothing about exhaustion then. With 2 only loopback ones are, and sockstat cannot tell which.
            bool allReusable = reuse.Possible && reuse.Setting == 1;
            if (allReusable && errors.Count == 0 && unsure.Count == 0)
                return Ok(d, $"{N(tw.Value)} TIME_WAIT, all reusable by connect() ({reuse.Why}); {N(nEff)} ports per destination", ["census per destination"]);
            if (!allReusable && tw.Value >= nEff)
            {
                severity = Severity.Warning; when = When.Now;
                title = $"{N(tw.Value)} TIME_WAIT sockets ≥ {N(nEff)} ports per destination: a destination that gets most of them is out of ports";
            }
            else if (!allReusable && (tw.Value > NearLimit * nEff || rate > NearLimit * maxRate))
            {
                severity = Severity.Warning; when = When.Risk;
                title = $"TIME_WAIT ({N(tw.Value)}) is near the {N(nEff)} ports one destination can use";
            }
            else if (errors.Count > 0 || unsure.Count > 0)
            {
                return FromErrors(c, errors, unsure, evidence);
            }
            else
            {
                return Ok(d, $"{N(tw.Value)} TIME_WAIT, {N(nEff)} ports per destination (no per-destination census)", ["census per destination"]);
            }
        }

        // An application that already failed with the errno of this exhaustion confirms a gauge near the limit.
        if (app.Any && severity < Severity.Critical && app.Recent)
        {
            severity = Severity.Critical; when = When.Recent;
            title += $"; the application failed connect() {N(app.Count)} times";
        }
        var caveats = Caveats(reuse);
        if (reuse.Setting == 2 && census is null)
            caveats.Add("tcp_tw_reuse=2 lets connect() reuse TIME_WAIT ports to loopback destinations; without the census the doctor cannot tell how many of these TIME_WAIT are loopback.");
        return Conclude(d, c, severity, when, Confidence.Confirmed, title, evidence, Explanation, Fixes(c, low, high, nEff, twLen, demand, reuse),
            caveats);
    }

    private static List<string> Caveats(TwReuse reuse)
    {
        var list = new List<string>
        {
            PortAdvice.BindNoPort,
            "Listening sockets and explicit binds inside the range remove their ports from every destination.",
            "ip_local_port_range and the TIME_WAIT count are per network namespace.",
        };
        if (reuse.Possible)
            list.Add("TIME_WAIT reuse needs the peer to have sent TCP timestamps too (tw_ts_recent_stamp); a peer without them keeps its ports for the full 60 s.");
        return list;
    }

    private static List<FixLine> Fixes(RuleContext c, long low, long high, long nEff, int twLen, long demand, TwReuse reuse)
    {
        var fix = new List<FixLine>();
        var proposed = PortAdvice.ProposedRange(low, high);
        if (proposed is not null)
        {
            fix.Add(PortAdvice.PortRangeFix(proposed, nEff, twLen));
            var listeners = c.Now.Census?.Listeners.Select(l => l.LocalPort) ?? [];
            if (PortAdvice.ReservedPortsFix(proposed, listeners, c.Now.Sysctls.Raw(SysctlNames.IpLocalReservedPorts)) is { } res) fix.Add(res);
        }
        if (PortAdvice.TwReuseFix(reuse.Setting, c.Now.Sysctls.Long(SysctlNames.TcpTimestamps)) is { } tw) fix.Add(tw);
        fix.Add(PortAdvice.Pooling(twLen));
        if (PortAdvice.SpreadTuples(demand, proposed?.Ports ?? nEff) is { } spread) fix.Add(spread);
        return fix;
    }

    /// <summary>
    /// How many failures the error lines show. One failure is often printed twice in different forms a few lines apart
    /// (ejabberd's "can't assign requested address" and the {eaddrnotavail, ...} term under it; a message and its
    /// exception): a line of one spelling within five lines of a line of another spelling is the same failure. Lines of
    /// one spelling each count (a loop prints the same line again and again).
    /// </summary>
    private static long Failures(IReadOnlyList<AppErrorReport> reports)
    {
        long total = reports.Aggregate(0L, (s, r) => s + r.Count);
        var seen = new List<(int Line, int Report)>();
        for (int r = 0; r < reports.Count; r++)
        {
            foreach (var line in reports[r].Lines)
            {
                if (seen.Any(x => x.Report != r && Math.Abs(x.Line - line) <= 5)) total--;
                seen.Add((line, r));
            }
        }
        return total;
    }

    /// <summary>
    /// Nothing in the sample measures the ports: the paste's own words ("we ran out of ephemeral ports") make a possible
    /// finding; without them the check is unknown.
    /// </summary>
    private CheckResult NothingMeasured(RuleContext c, params string[] missing)
    {
        var stated = Stated(c, StatedConditions.EphemeralPortsExhausted);
        if (stated.Count == 0) return Unknown(Descriptor, missing);
        var reuse = new TwReuse(c.Now);
        return FromStatement(Descriptor, c, stated, "The paste says the ephemeral ports ran out", Explanation, UnmeasuredFixes(c, reuse), Caveats(reuse));
    }

    /// <summary>The range and the ports per destination are not known: read them first, and pool connections meanwhile.</summary>
    private static List<FixLine> UnmeasuredFixes(RuleContext c, TwReuse reuse)
    {
        var range = c.Now.Sysctls.Vector(SysctlNames.IpLocalPortRange, 2);
        int twLen = Math.Max(TwBuckets.TimeWaitLength(c.Now), 1);
        return range is { } r && r[0] <= r[1]
            ? Fixes(c, r[0], r[1], Math.Max(r[1] - r[0] + 1, 0), twLen, 0, reuse)
            : [Action("Read the range: sysctl net.ipv4.ip_local_port_range, and the ports in use per destination: ss -tan state all", "The proposal is sized on the range and the busiest destination."), PortAdvice.Pooling(twLen)];
    }

    /// <summary>ENOBUFS reports from the given calls whose text is Windows' (WSAENOBUFS: its dynamic ports), not Linux's.</summary>
    private static IEnumerable<AppErrorReport> WindowsNoBuffers(RuleContext c, Func<string, bool> call) =>
        AppErrors(c, "ENOBUFS", call).Where(e => e.WindowsNoBuffers);

    /// <summary>
    /// The verdict from application errors alone (no gauge says ports are short, or none was pasted): EADDRNOTAVAIL or
    /// EADDRINUSE from connect() is likely this; EADDRNOTAVAIL without the call, or EADDRINUSE without it said to repeat,
    /// is possible (bind() to an address the host does not have, or a listener's port in use, gives it too).
    /// </summary>
    private CheckResult FromErrors(RuleContext c, IReadOnlyList<AppErrorReport> errors, IReadOnlyList<AppErrorReport> unsure, List<Evidence>? evidence)
    {
        var d = Descriptor;
        var all = errors.Count > 0 ? errors : unsure;
        var app = AppTiming(c, all);
        var ev = evidence ?? all.Select(AppErrorEvidence).ToList();
        var confidence = errors.Count > 0 ? Confidence.Likely : Confidence.Possible;
        var (severity, when) = app.Timing;
        var errno = string.Join(" and ", all.Select(e => e.Errno).Distinct());
        string title = errors.Count > 0
            ? $"connect() failed with {errno} {N(app.Count)} times ({app.LastText}): the ephemeral ports to a destination ran out"
            : all.All(e => e.Errno == "ENOBUFS")
            ? $"Windows' WSAENOBUFS {N(app.Count)} times without the failing call ({app.LastText}): its dynamic ports used up, or its non-paged pool"
            : $"{errno} {N(app.Count)} times without the failing call ({app.LastText}): ports used up if it came from connect(), " +
              (all.All(e => e.Errno == "EADDRINUSE") ? "a port already bound if from a listener's bind()" : "a missing address if from bind()");
        var census = c.Now.Census;
        if (census is not null && errors.Count > 0)
            title += "; the census shows no destination out of ports now (it was earlier, or in another network namespace)";
        var reuse = new TwReuse(c.Now);
        var fix = UnmeasuredFixes(c, reuse);
        var caveats = Caveats(reuse);
        if (errors.Count == 0 && all.Any(e => e.Errno == "EADDRNOTAVAIL"))
            caveats.Add("EADDRNOTAVAIL from bind() (an address the host does not have, or not yet up) is not port exhaustion; the failing call decides.");
        return Conclude(d, c, severity, when, confidence, title, ev, Explanation, fix, caveats);
    }

    /// <summary>
    /// Whether connect() may take over a TIME_WAIT port (tcp_twsk_unique(), net/ipv4/tcp_ipv4.c): tcp_tw_reuse 1, or 2 when
    /// the TIME_WAIT's source or destination address is loopback (or it is bound to lo, which the census does not show);
    /// the TIME_WAIT must carry the peer's timestamp (tw_ts_recent_stamp), so timestamps must be on; and a second must
    /// have passed (tcp_tw_reuse_delay ms on kernels that have it).
    /// </summary>
    private sealed class TwReuse
    {
        public long Setting { get; }
        public bool Timestamps { get; }
        public double DelaySeconds { get; }

        public TwReuse(Snapshot s)
        {
            Setting = s.Sysctls.Long(SysctlNames.TcpTwReuse) ?? 2;
            Timestamps = (s.Sysctls.Long(SysctlNames.TcpTimestamps) ?? 1) != 0;
            var delayMs = s.Sysctls.Long(TcpTwReuseDelay);
            DelaySeconds = delayMs is > 0 and < 3_600_000 ? Math.Max(delayMs.Value / 1000.0, 0.001) : 1;
        }

        public bool Possible => Timestamps && (Setting == 1 || Setting == 2);

        public bool AppliesTo(DestinationPortUse d) =>
            Possible && (Setting == 1 || IsLoopback(d.SourceAddress) || IsLoopback(d.DestinationAddress));

        public string SettingText => Setting switch
        {
            0 => "0 (off)",
            1 => "1 (on for outgoing connects)",
            2 => "2 (loopback only, the default)",
            _ => Setting.ToString(CultureInfo.InvariantCulture),
        } + (Timestamps ? "" : "; TCP timestamps off, so no reuse");

        public string Why => Setting == 1 ? "tcp_tw_reuse=1 with timestamps" : "tcp_tw_reuse=2, loopback, timestamps on";
    }

    /// <summary>"1000-1005,8080" → number of ports of the list inside [low, high].</summary>
    public static long CountReserved(string? list, long low, long high)
    {
        if (string.IsNullOrWhiteSpace(list)) return 0;
        long count = 0;
        foreach (var part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                if (long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p >= low && p <= high) count++;
                continue;
            }
            if (long.TryParse(part.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var a) &&
                long.TryParse(part.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var b))
            {
                long from = Math.Max(a, low), to = Math.Min(b, high);
                if (to >= from) count += to - from + 1;
            }
        }
        return count;
    }
}
