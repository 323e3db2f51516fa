using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Advice;

/// <summary>
/// The one advice table for client ports: the ephemeral port range to propose, TIME_WAIT reuse, and connection
/// reuse (keep-alive, pools). The doctor's port_exhaustion and tw_buckets rules, `plan` and `explain` take their
/// values and reasons from here, so the same situation gets the same advice everywhere.
/// </summary>
public static class PortAdvice
{
    /// <summary>
    /// The range SockDoc proposes: 10000–65535 (55,536 ports). Not 1024–65535: ports below 10000 hold the registered
    /// ports services listen on (3306, 5432, 6379, 8080, 9090, ...). A port inside the range that a service binds
    /// after a client's connect() took it fails that bind() with EADDRINUSE, and connect() skips every port a bind()
    /// owns (__inet_hash_connect()), so low ports buy little and risk a service that cannot start. The start is even
    /// and the end odd, as connect()'s parity preference wants (kernel-facts §5.1). The kernel refuses a start below
    /// ip_unprivileged_port_start (1024) anyway.
    /// </summary>
    public const int ProposedLow = 10000;
    public const int ProposedHigh = 65535;

    /// <summary>An ip_local_port_range value.</summary>
    public sealed record PortRange(long Low, long High)
    {
        public long Ports => High >= Low ? High - Low + 1 : 0;
        public string Value => Low.ToString(CultureInfo.InvariantCulture) + " " + High.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The range to propose from the running one: 10000–65535, but never narrower than today (a lower start already
    /// set by the operator is kept). Null when today's range already covers it: then widening is not the fix.
    /// </summary>
    public static PortRange? ProposedRange(long currentLow, long currentHigh)
    {
        var proposed = new PortRange(Math.Min(currentLow, ProposedLow), Math.Max(currentHigh, ProposedHigh));
        return proposed.Ports > new PortRange(currentLow, currentHigh).Ports ? proposed : null;
    }

    /// <summary>The port range fix with its arithmetic: ports and sustained new connections per destination before and after.</summary>
    public static FixLine PortRangeFix(PortRange proposed, long usableNow, int holdSeconds)
    {
        double hold = Math.Max(holdSeconds, 1);
        return Sysctl(SysctlNames.IpLocalPortRange, proposed.Value,
            $"{N(proposed.Ports)} ports instead of {N(usableNow)}: {N(proposed.Ports / hold)}/s sustained per destination instead of {N(usableNow / hold)}/s " +
            $"at {N(hold, 0)} s per port. Starts at 10000, not 1024: ports below hold the registered ports services listen on, and a service that " +
            "binds a port a client's connect() holds fails with EADDRINUSE. Per network namespace; running sockets keep their ports.");
    }

    /// <summary>
    /// Listening ports inside the proposed range: reserve them so that no connect() takes one while its service is down
    /// (a restart would then fail bind() with EADDRINUSE). Null when none.
    /// </summary>
    public static FixLine? ReservedPortsFix(PortRange proposed, IEnumerable<int> listeningPorts, string? currentReserved)
    {
        var inRange = listeningPorts.Where(p => p >= proposed.Low && p <= proposed.High).Distinct().Order().ToList();
        if (inRange.Count == 0) return null;
        var parts = new List<string>();
        if (!string.IsNullOrWhiteSpace(currentReserved)) parts.Add(currentReserved.Trim());
        parts.AddRange(inRange.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        var list = string.Join(",", parts);
        return Sysctl(SysctlNames.IpLocalReservedPorts, list,
            $"Listeners on {string.Join(", ", inRange.Take(8))}{(inRange.Count > 8 ? ", ..." : "")} sit inside the range: reserved ports are never handed out by " +
            "connect() or bind(0), so the services can always bind them again (the current list is kept).");
    }

    /// <summary>
    /// tcp_tw_reuse=1 for outgoing connections to any destination. Null when it is already 1. With TCP timestamps off
    /// the reuse cannot happen (tcp_twsk_unique() needs the peer's timestamp), so the fix is timestamps first.
    /// </summary>
    public static FixLine? TwReuseFix(long? current, long? timestamps)
    {
        if (timestamps == 0)
            return Sysctl(SysctlNames.TcpTimestamps, "1",
                "tcp_tw_reuse only works with TCP timestamps: tcp_twsk_unique() reuses a TIME_WAIT port only when the connection recorded the peer's timestamp (PAWS protects the new one).");
        if (current == 1) return null;
        return Sysctl(SysctlNames.TcpTwReuse, "1",
            $"Today {(current ?? 2) switch { 0 => "0: never", 2 => "2: loopback only", var v => v.ToString(CultureInfo.InvariantCulture) }}. With 1, connect() may reuse a TIME_WAIT port to any destination once " +
            "tcp_tw_reuse_delay (1 s by default; one whole second on kernels without it) has passed since its last timestamp (tcp_twsk_unique()): the new " +
            "connection starts at tw_snd_nxt + 65537 and PAWS rejects old duplicates. Outgoing connections only; servers are not affected.");
    }

    /// <summary>Keep-alive or a pool: the fix that removes the cause (one port per request held 60 s in TIME_WAIT).</summary>
    public static FixLine Pooling(int holdSeconds) =>
        Action("Reuse connections (HTTP keep-alive, a connection pool) instead of one connection per request",
            $"Each short connection this side closes first holds its port {holdSeconds} s in TIME_WAIT; a pool of K connections holds K ports and no TIME_WAIT per request.");

    /// <summary>
    /// The port advice in one sentence, for commentary that names the fix without the numbers (explain's errno notes):
    /// the same three remedies, in the same order, as the fix lines the rules build from this table.
    /// </summary>
    public static string InBrief { get; } =
        $"The fix, as the doctor gives it: reuse connections (HTTP keep-alive, a connection pool); tcp_tw_reuse = 1 for outgoing connections (with TCP timestamps); " +
        $"ip_local_port_range {ProposedLow.ToString(CultureInfo.InvariantCulture)} {ProposedHigh.ToString(CultureInfo.InvariantCulture)} (not from 1024: services listen below 10000).";

    /// <summary>bind(addr, 0) before connect() reserves the port for every destination (inet_csk_get_port()); IP_BIND_ADDRESS_NO_PORT defers the choice to connect().</summary>
    public const string BindNoPort = "bind() to port 0 before connect() takes a port for all destinations and fails with EADDRINUSE instead; use IP_BIND_ADDRESS_NO_PORT.";

    /// <summary>More (source address, destination address, destination port) tuples when one tuple cannot carry the demand.</summary>
    public static FixLine? SpreadTuples(long demand, long portsPerTuple)
    {
        if (portsPerTuple <= 0 || demand <= 0) return null;
        long tuples = (long)Math.Ceiling(Math.Min(demand, long.MaxValue / 2) * 1.5 / portsPerTuple);
        if (tuples <= 1) return null;
        return Action($"Spread over {N(tuples)} source addresses or destination ports (bind the address with IP_BIND_ADDRESS_NO_PORT)",
            $"{N(demand)} ports in use × 1.5 headroom / {N(portsPerTuple)} ports per (source, destination, port) tuple.");
    }
}
