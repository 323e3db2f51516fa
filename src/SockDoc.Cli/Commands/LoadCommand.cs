using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using SockDoc.Cli.Views;
using SockDoc.Load;
using SockDoc.Load.Client;
using SockDoc.Load.Scenarios;
using SockDoc.Load.Server;
using SockDoc.Load.Worker;

namespace SockDoc.Cli.Commands;

/// <summary>
/// `sockdoc load`: C1M on one machine (c1m), the two sides separately (server, client), short connections versus
/// a pool (storm), and the hidden per-process worker the c1m orchestrator re-executes.
/// </summary>
public static class LoadCommand
{
    public static Command Create(CliIo io)
    {
        var cmd = new Command("load", "Load harness: hold a million connections on one machine, storm short connections, and show the pool fix.");
        cmd.Subcommands.Add(C1m(io));
        cmd.Subcommands.Add(Server(io));
        cmd.Subcommands.Add(Client(io));
        cmd.Subcommands.Add(StormCmd(io));
        cmd.Subcommands.Add(WorkerCmd(io));
        return cmd;
    }

    /// <summary>A duration option in seconds: "90", "90s", "5m", "1h" (Surface parses every HelpName "S" option as a duration).</summary>
    private static Option<double> Seconds(string name, double def, string what) => new(name) { Description = what + " A duration: 90, 90s, 5m, 1h.", DefaultValueFactory = _ => def, HelpName = "S" };

    // ---- c1m ----
    public sealed record C1mArgs(long Connections, double Hold, double Duration, int Ports, int BasePort, double Heartbeat, bool Json, bool CheckOnly);

    private static Command C1m(CliIo io)
    {
        var connections = new Option<long>("--connections") { Description = "Connections to establish and hold (each is two sockets here).", DefaultValueFactory = _ => 1_000_000, HelpName = "N" };
        var hold = Seconds("--hold", 10, "Seconds to hold the connections once established (memory is measured at the end of the hold).");
        var duration = Seconds("--duration", 600, "Upper bound of the whole run, in seconds; every worker stops by itself after it.");
        var ports = new Option<int>("--ports") { Description = "Listening ports on 127.0.0.1 (SO_REUSEPORT, shared by all server workers).", DefaultValueFactory = _ => 8 };
        var basePort = new Option<int>("--base-port") { Description = "First listening port (keep it below the ephemeral range).", DefaultValueFactory = _ => 20000 };
        var heartbeat = Seconds("--heartbeat", 0, "Send one byte on every connection every S seconds (0 = idle).");
        var json = CommonOptions.Json();
        var checkOnly = new Option<bool>("--check-only") { Description = "Check the limits and print the plan, start nothing." };
        var cmd = new Command("c1m", "Establish and hold N loopback connections with server and client worker processes; print memory per connection.")
        {
            connections, hold, duration, ports, basePort, heartbeat, json, checkOnly,
        };
        cmd.SetAction(p => RunC1m(new C1mArgs(p.GetValue(connections), p.GetValue(hold), p.GetValue(duration), p.GetValue(ports),
            p.GetValue(basePort), p.GetValue(heartbeat), p.GetValue(json), p.GetValue(checkOnly)), io, CancellationToken.None));
        return cmd;
    }

    public static int RunC1m(C1mArgs a, CliIo io, CancellationToken outer)
    {
        if (a.Connections < 1 || a.Connections > 10_000_000) return io.Fail("load c1m: --connections must be 1 to 10,000,000");
        if (a.Duration <= 0 || a.Duration > 24 * 3600) return io.Fail("load c1m: --duration must be above 0 and at most 24h (example: --duration 10m)");
        if (a.Hold < 0 || a.Hold >= a.Duration) return io.Fail("load c1m: --hold must be at least 0 and below --duration");
        if (a.Ports < 1 || a.Ports > 256) return io.Fail("load c1m: --ports must be 1 to 256");
        if (a.BasePort < 1 || a.BasePort + a.Ports > 65535) return io.Fail("load c1m: --base-port + --ports must stay below 65536");
        // The same host sample the doctor reads: the limits to check and the "before" of the slab and sockstat deltas.
        var host = HostLimits.Sample();
        var limits = HostLimits.From(host);
        var options = new C1mOptions
        {
            Connections = a.Connections, HoldSeconds = a.Hold, DurationSeconds = a.Duration, Ports = a.Ports,
            BasePort = (ushort)a.BasePort, HeartbeatSeconds = a.Heartbeat, Tag = "c1m-" + Environment.ProcessId,
        };
        if (a.CheckOnly)
        {
            C1mPlan plan;
            try
            {
                plan = C1mPlan.Make(a.Connections, limits.NofileHard ?? 1024, a.Ports, (ushort)a.BasePort, heartbeat: a.Heartbeat);
            }
            catch (LoadException e)
            {
                return io.Fail("load c1m: " + e.Message);
            }
            var checks = C1mChecks.Check(plan, limits);
            var result = new C1mResult
            {
                Planned = plan.Connections, ClientWorkers = plan.ClientWorkers, ServerWorkers = plan.ServerWorkers, ListenPorts = plan.Listen.Count,
                SourceAddresses = plan.Sources.Count, Checks = checks, Refused = checks.Any(c => c.Status == CheckStatus.Fail),
                KernelFloorPerConnection = 2 * C1mChecks.KernelBytesPerSocket(limits),
            };
            if (a.Json) io.Out.WriteLine(JsonSerializer.Serialize(result, LoadJsonContext.Default.C1mResult));
            else io.Write(LoadView.C1m(result with { Refused = true }));
            return result.Refused ? (int)ExitCode.CouldNotRun : (int)ExitCode.Ok;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cts.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
        var progress = new ProgressWriter(io, a.Json);
        C1mResult r;
        try
        {
            var launcher = WorkerLauncher.ForCurrentProcess(Path.Combine(AppContext.BaseDirectory, "sockdoc.dll"));
            r = new C1mRunner(launcher, options).Run(host, progress.Write, cts.Token);
        }
        catch (LoadException e)
        {
            progress.End();
            return io.Fail("load c1m: " + e.Message);
        }
        progress.End();
        if (a.Json) io.Out.WriteLine(JsonSerializer.Serialize(r, LoadJsonContext.Default.C1mResult));
        else io.Write(LoadView.C1m(r));
        if (r.Refused) return (int)ExitCode.CouldNotRun;
        return r.Held >= r.Planned && r.Failed == 0 ? (int)ExitCode.Ok : (int)ExitCode.Warning;
    }

    /// <summary>The live line: rewritten in place on a terminal, one plain line a second otherwise (stderr under --json).</summary>
    private sealed class ProgressWriter(CliIo io, bool json)
    {
        private readonly Stopwatch _since = Stopwatch.StartNew();
        private bool _dirty;

        public void Write(C1mProgress p)
        {
            var line = LoadView.ProgressLine(p);
            if (io.OutputIsTerminal && !json)
            {
                io.Out.Write("\r" + line + "\u001b[K");
                io.Out.Flush();
                _dirty = true;
                return;
            }
            if (_since.Elapsed.TotalSeconds < 1) return;
            _since.Restart();
            (json ? io.Err : io.Out).WriteLine(line);
        }

        public void End()
        {
            if (_dirty) io.Out.WriteLine();
            _dirty = false;
        }
    }

    // ---- server ----
    private static Command Server(CliIo io)
    {
        var listen = new Option<string>("--listen") { Description = "Address and ports to listen on: ADDR:PORT[,PORT...] (ranges like 7000-7003 work).", Required = true, HelpName = "ADDR:PORT" };
        var duration = Seconds("--duration", 60, "Stop by itself after S seconds.");
        var noReuse = new Option<bool>("--no-reuseport") { Description = "Do not set SO_REUSEPORT." };
        var json = CommonOptions.Json();
        var cmd = new Command("server", "Accept and echo on raw epoll (for a client on another host or namespace).") { listen, duration, noReuse, json };
        cmd.SetAction(p =>
        {
            IReadOnlyList<Endpoint4> eps;
            try
            {
                eps = Endpoint4.ParseList(p.GetValue(listen)!, "--listen");
            }
            catch (LoadException e)
            {
                return io.Fail("load server: " + e.Message);
            }
            double d = p.GetValue(duration);
            if (d <= 0 || d > 24 * 3600) return io.Fail("load server: --duration must be above 0 and at most 24h (example: --duration 10m)");
            WorkerMain.RaiseNofile();
            var control = new RunControl(TimeSpan.FromSeconds(d));
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; control.RequestStop(); });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; control.RequestStop(); });
            var sw = Stopwatch.StartNew();
            try
            {
                using var server = new LoadServer(new ServerOptions { Listen = eps, ReusePort = !p.GetValue(noReuse) });
                if (!p.GetValue(json)) io.Err.WriteLine($"sockdoc: listening on {string.Join(", ", eps)} for {d} s (Ctrl-C stops)");
                server.Run(control, null);
                var summary = LoadRunSummary.From("server", null, server.Stats, sw.Elapsed.TotalSeconds, null);
                Print(io, p.GetValue(json), summary);
            }
            catch (LoadException e)
            {
                return io.Fail("load server: " + e.Message);
            }
            return (int)ExitCode.Ok;
        });
        return cmd;
    }

    // ---- client ----
    public sealed record ClientArgs(string Target, string Mode, int Connections, long Requests, double Heartbeat, double Rate, int Concurrency, int Pool, double Duration, string? Sources, bool Json);

    private static Command Client(CliIo io)
    {
        var target = new Option<string>("--target") { Description = "Where to connect: HOST:PORT[,PORT...]. Naming an address that is not loopback is your explicit choice.", Required = true, HelpName = "HOST:PORT" };
        var mode = new Option<string>("--mode") { Description = "long: hold idle connections; short: one connection per request; pool: requests over K keep-alive connections.", DefaultValueFactory = _ => "long" };
        mode.AcceptOnlyFromAmong("long", "short", "pool");
        var connections = new Option<int>("--connections") { Description = "long: connections to hold (at most what RLIMIT_NOFILE allows in one process; use `load c1m` for more).", DefaultValueFactory = _ => 1000, HelpName = "N" };
        var requests = new Option<long>("--requests") { Description = "short/pool: requests in all (default: rate × duration).", HelpName = "N" };
        var heartbeat = Seconds("--heartbeat", 0, "long: one byte on every connection every S seconds (0 = idle).");
        var rate = new Option<double>("--rate") { Description = "short/pool: requests per second; long: connects per second (0 = as fast as --concurrency allows).", DefaultValueFactory = _ => 0, HelpName = "R" };
        var concurrency = new Option<int>("--concurrency") { Description = "long: connects in flight; short: requests in flight.", DefaultValueFactory = _ => 256, HelpName = "C" };
        var pool = new Option<int>("--pool") { Description = "pool: keep-alive connections.", DefaultValueFactory = _ => 8, HelpName = "K" };
        var duration = Seconds("--duration", 30, "Stop by itself after S seconds.");
        var sources = new Option<string?>("--source") { Description = "Source addresses to spread over (comma-separated), bound with IP_BIND_ADDRESS_NO_PORT.", HelpName = "ADDR,..." };
        var json = CommonOptions.Json();
        var cmd = new Command("client", "Connect to a `load server` (or any echo server) in long, short or pool mode.")
        {
            target, mode, connections, requests, heartbeat, rate, concurrency, pool, duration, sources, json,
        };
        cmd.SetAction(p => RunClient(new ClientArgs(p.GetValue(target)!, p.GetValue(mode)!, p.GetValue(connections), p.GetValue(requests),
            p.GetValue(heartbeat), p.GetValue(rate), p.GetValue(concurrency), p.GetValue(pool), p.GetValue(duration), p.GetValue(sources), p.GetValue(json)), io));
        return cmd;
    }

    public static int RunClient(ClientArgs a, CliIo io)
    {
        IReadOnlyList<Endpoint4> targets;
        var srcs = new List<uint>();
        try
        {
            targets = Endpoint4.ParseList(a.Target, "--target");
            foreach (var s in (a.Sources ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Endpoint4.TryParseAddress(s, out var addr)) return io.Fail($"load client: --source '{s}' is not an IPv4 address");
                srcs.Add(addr);
            }
        }
        catch (LoadException e)
        {
            return io.Fail("load client: " + e.Message);
        }
        var mode = a.Mode switch { "short" => ClientMode.Short, "pool" => ClientMode.Pool, _ => ClientMode.Long };
        if (a.Duration <= 0 || a.Duration > 24 * 3600) return io.Fail("load client: --duration must be above 0 and at most 24h (example: --duration 10m)");
        if (a.Concurrency < 1 || a.Concurrency > 100_000) return io.Fail("load client: --concurrency must be 1 to 100,000");
        if (a.Pool < 1 || a.Pool > 100_000) return io.Fail("load client: --pool must be 1 to 100,000");
        if (a.Rate < 0) return io.Fail("load client: --rate must not be negative");
        ulong nofile = WorkerMain.RaiseNofile();
        if (mode == ClientMode.Long && (a.Connections < 1 || (ulong)a.Connections + 64 > nofile))
            return io.Fail($"load client: --connections must be 1 to {nofile - 64} in one process (RLIMIT_NOFILE {nofile}); `sockdoc load c1m` spreads more over worker processes");
        if (mode != ClientMode.Long && a.Rate == 0 && a.Requests == 0) return io.Fail("load client: short and pool modes need --rate or --requests");
        long requests = a.Requests > 0 ? a.Requests : (long)Math.Ceiling(a.Rate * a.Duration);
        var control = new RunControl(TimeSpan.FromSeconds(a.Duration));
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; control.RequestStop(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; control.RequestStop(); });
        long rss0 = HostLimits.Memory(Environment.ProcessId)?.RssBytes ?? 0;
        var sw = Stopwatch.StartNew();
        try
        {
            using var client = new LoadClient(new ClientOptions
            {
                Targets = targets, Mode = mode, Connections = a.Connections, Requests = mode == ClientMode.Long ? 0 : requests,
                HeartbeatSeconds = a.Heartbeat, Rate = a.Rate, Concurrency = a.Concurrency, Pool = a.Pool, Sources = srcs,
            });
            // In long mode the run holds until --duration (or Ctrl-C); memory is measured while holding.
            double? perConn = null;
            var sink = new HoldSampler(mode, () =>
            {
                long rss = HostLimits.Memory(Environment.ProcessId)?.RssBytes ?? 0;
                return (double)(rss - rss0);
            });
            client.Run(control, sink);
            if (mode == ClientMode.Long && sink.Sampled is { } grown && client.Stats.Open > 0) perConn = grown / client.Stats.Open;
            var summary = LoadRunSummary.From("client", a.Mode, client.Stats, sw.Elapsed.TotalSeconds, perConn);
            Print(io, a.Json, summary);
            return client.Stats.Failed == 0 ? (int)ExitCode.Ok : (int)ExitCode.Warning;
        }
        catch (LoadException e)
        {
            return io.Fail("load client: " + e.Message);
        }
    }

    /// <summary>Takes one RSS sample the first time every planned connection is established.</summary>
    private sealed class HoldSampler(ClientMode mode, Func<double> sample) : IProgressSink
    {
        public double? Sampled { get; private set; }

        public void Progress(LoadStats stats)
        {
            if (mode == ClientMode.Long && Sampled is null && stats.EstablishSeconds > 0) Sampled = sample();
        }
    }

    private static void Print(CliIo io, bool json, LoadRunSummary s)
    {
        if (json) io.Out.WriteLine(JsonSerializer.Serialize(s, LoadJsonContext.Default.LoadRunSummary));
        else io.Write(LoadView.Run(s));
    }

    // ---- storm ----
    private static Command StormCmd(CliIo io)
    {
        var rate = new Option<double>("--rate") { Description = "Requests per second, the same for both sides.", DefaultValueFactory = _ => 2000, HelpName = "R" };
        var duration = Seconds("--duration", 5, "Seconds each side runs (the whole command stops within about twice this plus set-up).");
        var concurrency = new Option<int>("--concurrency") { Description = "short: requests (connections) in flight.", DefaultValueFactory = _ => 64, HelpName = "C" };
        var pool = new Option<int>("--pool") { Description = "pool: keep-alive connections.", DefaultValueFactory = _ => 8, HelpName = "K" };
        var portRange = new Option<string?>("--port-range") { Description = "ip_local_port_range inside the namespaces, LOW-HIGH (e.g. 40000-40009 to provoke EADDRNOTAVAIL).", HelpName = "LOW-HIGH" };
        var json = CommonOptions.Json();
        var cmd = new Command("storm", "Short connections versus a keep-alive pool at the same request rate, each in its own namespace sdk-load-* (root).")
        {
            rate, duration, concurrency, pool, portRange, json,
        };
        cmd.SetAction(p =>
        {
            double r = p.GetValue(rate), d = p.GetValue(duration);
            if (r <= 0 || r > 1_000_000) return io.Fail("load storm: --rate must be above 0 and at most 1,000,000");
            if (d <= 0 || d > 600) return io.Fail("load storm: --duration must be above 0 and at most 10m (example: --duration 30s)");
            int c = p.GetValue(concurrency), k = p.GetValue(pool);
            if (c < 1 || c > 10_000 || k < 1 || k > 10_000) return io.Fail("load storm: --concurrency and --pool must be 1 to 10,000");
            int? lo = null, hi = null;
            if (p.GetValue(portRange) is { } pr)
            {
                var parts = pr.Split('-');
                if (parts.Length != 2 || !int.TryParse(parts[0], out var l) || !int.TryParse(parts[1], out var h) || l < 1024 || h > 65535 || h < l)
                    return io.Fail($"load storm: --port-range '{pr}': expected LOW-HIGH within 1024-65535, e.g. 40000-40009");
                lo = l; hi = h;
            }
            using var cts = new CancellationTokenSource();
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, s => { s.Cancel = true; cts.Cancel(); });
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, s => { s.Cancel = true; cts.Cancel(); });
            try
            {
                var result = Storm.Run(new StormOptions { Rate = r, Seconds = d, Concurrency = c, Pool = k, PortLow = lo, PortHigh = hi }, cts.Token);
                if (p.GetValue(json)) io.Out.WriteLine(JsonSerializer.Serialize(result, LoadJsonContext.Default.StormResult));
                else io.Write(LoadView.Storm(result));
                return result.Short.Failed + result.Pool.Failed == 0 ? (int)ExitCode.Ok : (int)ExitCode.Warning;
            }
            catch (LoadException e)
            {
                return io.Fail("load storm: " + e.Message);
            }
        });
        return cmd;
    }

    // ---- worker (hidden) ----
    private static Command WorkerCmd(CliIo io)
    {
        var rest = new Argument<string[]>("args") { Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("worker", "Internal: one worker process of `load c1m` (speaks a line protocol on stdin/stdout).") { Hidden = true };
        cmd.Arguments.Add(rest);
        cmd.TreatUnmatchedTokensAsErrors = false;
        cmd.SetAction(p => RunWorker((p.GetValue(rest) ?? []).Concat(p.UnmatchedTokens).ToList(), e => io.Fail(e)));
        return cmd;
    }

    /// <summary>One worker process; Program.Main calls it before building the command tree, to keep workers small.</summary>
    public static int RunWorker(IReadOnlyList<string> args, Action<string> fail)
    {
        try
        {
            return WorkerMain.Run(WorkerArgs.Parse(args));
        }
        catch (LoadException e)
        {
            fail(e.Message);
            return (int)ExitCode.CouldNotRun;
        }
    }
}
