using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// Ephemeral ports used up towards one destination (kernel-facts §5). __inet_hash_connect()
/// (net/ipv4/inet_hashtables.c) needs a local port whose 4-tuple (saddr, sport, daddr, dport) is free;
/// ports are shared across destinations, so they run out per (source address, destination address,
/// destination port), mostly held by TIME_WAIT for 60 s. connect() then fails with EADDRNOTAVAIL.
/// R_max = N_eff / T_hold new connections per second per destination.
/// </summary>
public sealed class PortExhaustion : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "port_exhaustion",
        "Ephemeral ports per destination against ip_local_port_range",
        "__inet_hash_connect(): EADDRNOTAVAIL when every port of the range is taken for one (saddr, daddr, dport)",
        [Inputs.IpLocalPortRange, Inputs.IpLocalReservedPorts, Inputs.CensusDestinations, Inputs.SockStatTw, Inputs.TcpExtTw, Inputs.TcpTwReuse, Inputs.AppErrors]);

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var range = c.Now.Sysctls.Vector(SysctlNames.IpLocalPortRange, 2);
        if (range is null) return Unknown(d, SysctlNames.IpLocalPortRange);
        long low = range[0], high = range[1];
        long reserved = CountReserved(c.Now.Sysctls.Raw(SysctlNames.IpLocalReservedPorts), low, high);
        // connect() skips every port owned by a bind() bucket, listeners included (kernel-facts §5.2);
        // the census shows the listeners, not other explicit binds.
        long boundInRange = c.Now.Census?.Listeners.Select(l => l.LocalPort).Where(p => p >= low && p <= high).Distinct().LongCount() ?? 0;
        long nEff = Math.Max(high - low + 1 - reserved - boundInRange, 0);
        int twLen = TwBuckets.TimeWaitLength(c.Now);
        long reuse = c.Now.Sysctls.Long(SysctlNames.TcpTwReuse) ?? 2;
        double maxRate = (double)nEff / twLen;

        var evidence = new List<Evidence>
        {
            new("ephemeral ports per destination", $"{N(nEff)} ({low}–{high}" + (reserved > 0 ? $", {N(reserved)} reserved" : "") + (boundInRange > 0 ? $", {N(boundInRange)} held by listeners" : "") + ")", Sys(SysctlNames.IpLocalPortRange)),
            new("sustainable new connections per destination", $"{N(nEff)} ports / {twLen} s TIME_WAIT = {N(maxRate)}/s when this side closes first", "kernel-facts §5.4"),
            new("tcp_tw_reuse", reuse switch { 0 => "0 (off)", 1 => "1 (on for outgoing connects)", 2 => "2 (loopback only, the default)", _ => reuse.ToString(CultureInfo.InvariantCulture) }, Sys(SysctlNames.TcpTwReuse)),
        };
        // With tcp_tw_reuse a connect() may take a TIME_WAIT port one second after its last packet
        // (tcp_twsk_unique(), needs timestamps): the hold time drops from 60 s to ~1 s (kernel-facts §4.4).
        if ((reuse == 1 || reuse == 2) && (c.Now.Sysctls.Long(SysctlNames.TcpTimestamps) ?? 1) != 0)
            evidence.Add(new("with TIME_WAIT reuse", $"up to ~{N(nEff)}/s per destination" + (reuse == 2 ? " (loopback destinations only)" : ""), "tcp_twsk_unique()"));

        Severity severity;
        When when; string title;
        var census = c.Now.Census;
        var busiest = census?.Destinations.OrderByDescending(x => x.Connections).FirstOrDefault();
        if (census is not null)
        {
            if (busiest is null || busiest.Connections == 0)
                return Ok(d, $"no outgoing connections hold ephemeral ports; {N(nEff)} per destination");
            evidence.Add(new("busiest destination", $"{busiest.SourceAddress} → {busiest.DestinationAddress}:{busiest.DestinationPort}: {N(busiest.Connections)} ports in use, {N(busiest.TimeWait)} in TIME_WAIT", CensusSrc));
            double use = nEff > 0 ? (double)busiest.Connections / nEff : 1;
            evidence.Add(new("use of the range", Pct(use), "computed"));
            if (busiest.Connections >= nEff)
            {
                severity = Severity.Critical; when = When.Now;
                title = $"Ports to {busiest.DestinationAddress}:{busiest.DestinationPort} are used up: {N(busiest.Connections)} of {N(nEff)}; connect() fails with EADDRNOTAVAIL";
            }
            else if (use > NearLimit)
            {
                severity = Severity.Warning; when = When.Risk;
                title = $"Ports to {busiest.DestinationAddress}:{busiest.DestinationPort} are {Pct(use)} used ({N(busiest.Connections)} of {N(nEff)})";
            }
            else
            {
                return Ok(d, $"busiest destination uses {N(busiest.Connections)} of {N(nEff)} ports");
            }
        }
        else
        {
            // Without the census only the namespace's TIME_WAIT count is known; it cannot say which
            // destination holds them, but if it is the range size or more, one destination can be out.
            var tw = c.Now.SockStat?.TcpTw;
            if (tw is null) return Unknown(d, "census per destination", "sockstat TCP tw");
            evidence.Add(new("TIME_WAIT in this namespace", N(tw.Value), SockStatSrc));
            var twDelta = c.CounterDelta("TcpExt", "TW");
            double? rate = twDelta is { } t && c.IntervalSeconds is > 0 ? t / c.IntervalSeconds!.Value : null;
            if (rate is { } r) evidence.Add(new("TIME_WAIT created", $"{N(r)}/s", NetStatSrc + " TW"));
            if (tw.Value >= nEff)
            {
                severity = Severity.Warning; when = When.Now;
                title = $"{N(tw.Value)} TIME_WAIT sockets ≥ {N(nEff)} ports per destination: a destination that gets most of them is out of ports";
            }
            else if (tw.Value > NearLimit * nEff || rate > NearLimit * maxRate)
            {
                severity = Severity.Warning; when = When.Risk;
                title = $"TIME_WAIT ({N(tw.Value)}) is near the {N(nEff)} ports one destination can use";
            }
            else
            {
                return Ok(d, $"{N(tw.Value)} TIME_WAIT, {N(nEff)} ports per destination (no per-destination census)", ["census per destination"]);
            }
        }

        long wideLow = 10000, wideHigh = 65535;
        long wideN = wideHigh - wideLow + 1;
        long demand = busiest?.Connections ?? c.Now.SockStat?.TcpTw ?? nEff;
        long extraAddresses = Math.Max((long)Math.Ceiling(demand * 1.5 / wideN) - 1, 0);
        var fix = new List<FixLine>
        {
            Sysctl(SysctlNames.IpLocalPortRange, $"{wideLow} {wideHigh}",
                $"{N(wideN)} ports instead of {N(nEff)}: {N(wideN / (double)twLen)}/s sustained per destination instead of {N(maxRate)}/s. " +
                "Start and end of different parity, as connect() prefers (kernel-facts §5.1); keep listening ports out of it with ip_local_reserved_ports."),
            Sysctl(SysctlNames.TcpTwReuse, "1",
                "Lets connect() reuse a TIME_WAIT port 1 s after its last packet (needs TCP timestamps, the default). Affects outgoing connections only."),
            Action("Reuse connections (HTTP keep-alive, a pool) instead of one connection per request",
                "Each short connection closed by this side holds its port for 60 s; a pool of K connections holds K ports."),
        };
        if (extraAddresses > 0)
            fix.Add(Action($"Spread over {extraAddresses + 1} source addresses or destination ports (bind with IP_BIND_ADDRESS_NO_PORT)",
                $"{N(demand)} concurrent ports × 1.5 headroom / {N(wideN)} per (source, destination, port) tuple."));

        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "connect() picks a local port from ip_local_port_range whose (source address, source port, destination address, destination port) " +
                "is free; ports are shared across destinations, so they run out per destination, not per host. A port stays taken for 60 s in " +
                "TIME_WAIT when this side closes first, so one destination sustains at most range/60 s new connections; past that connect() " +
                "fails with EADDRNOTAVAIL (\"Cannot assign requested address\").",
            Fix = fix,
            Caveats =
            [
                "bind() to port 0 before connect() takes a port for all destinations and fails with EADDRINUSE instead; use IP_BIND_ADDRESS_NO_PORT.",
                "Listening sockets and explicit binds inside the range remove their ports from every destination.",
                "ip_local_port_range and the TIME_WAIT count are per network namespace.",
            ],
        }, title);
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
