using System.CommandLine;
using SockDoc.Cli.Views;
using SockDoc.Diagnosis.Capacity;
using SockDoc.Kernel;
using SockDoc.Model;

namespace SockDoc.Cli.Commands;

/// <summary>
/// `sockdoc plan`: the settings a workload needs, with the arithmetic. Host facts come from the live
/// host, a copied /proc (--proc-root) or a snapshot (--from); what the host does not say is a kernel default.
/// </summary>
public static class PlanCommand
{
    public sealed record Args
    {
        public long Connections { get; init; }
        public string Role { get; init; } = "server";
        public string? BuffersInUse { get; init; }
        public string? AppBytes { get; init; }
        public string? Rate { get; init; }
        public int Destinations { get; init; } = 1;
        public string? Lifetime { get; init; }
        public string? Ram { get; init; }
        public string? From { get; init; }
        public string? ProcRoot { get; init; }
        public bool Json { get; init; }
        public string? Write { get; init; }
        public string LimitsDomain { get; init; } = "*";
        public bool Ipv6 { get; init; }
        public bool NoEpoll { get; init; }
        public IReadOnlyList<string> Assume { get; init; } = [];
    }

    public static Command Create(CliIo io)
    {
        var connections = new Option<long>("--connections", "-c") { Description = "Concurrent connections to plan for.", DefaultValueFactory = _ => 0, HelpName = "N" };
        var role = new Option<string>("--role") { Description = "server (accepts) or client (connects out, uses ephemeral ports).", DefaultValueFactory = _ => "server", HelpName = "server|client" };
        role.AcceptOnlyFromAmong("server", "client");
        var buffers = new Option<string?>("--buffers-in-use") { Description = "Buffer bytes a busy connection holds, receive/send (e.g. 4k/4k); default: tcp_rmem[1]/tcp_wmem[1].", HelpName = "R/W" };
        var app = new Option<string?>("--app-bytes-per-conn") { Description = "The application's own memory per connection (e.g. 2k).", HelpName = "BYTES" };
        var rate = new Option<string?>("--rate") { Description = "New connections per second (e.g. 20000/s).", HelpName = "N/s" };
        var dests = new Option<int>("--destinations") { Description = "Distinct destination (IP, port) pairs a client spreads over.", DefaultValueFactory = _ => 1, HelpName = "N" };
        var lifetime = new Option<string?>("--lifetime") { Description = "How long a connection lives (e.g. 200ms, 30s).", HelpName = "DURATION" };
        var ram = new Option<string?>("--ram") { Description = "RAM of the target host (e.g. 64G); default: this host's MemTotal.", HelpName = "BYTES" };
        var from = new Option<string?>("--from") { Description = "Plan for the host a snapshot describes (written by `sockdoc collect`).", HelpName = "FILE" };
        var procRoot = CommonOptions.ProcRoot();
        var json = CommonOptions.Json();
        var write = new Option<string?>("--write") { Description = "Write the sysctl.d drop-in to FILE, and FILE's .limits.conf and .service.conf siblings.", HelpName = "FILE" };
        var domain = new Option<string>("--limits-domain") { Description = "limits.conf domain for the nofile lines (user, @group or *).", DefaultValueFactory = _ => "*", HelpName = "DOMAIN" };
        var v6 = new Option<bool>("--ipv6") { Description = "Size sockets as IPv6 (TCPv6 slab objects)." };
        var noEpoll = new Option<bool>("--no-epoll") { Description = "The application does not put sockets in epoll (no epitem per socket)." };
        var assume = new Option<string[]>("--assume")
        {
            Description = "Plan with this sysctl value instead of the host's (repeatable), e.g. --assume net.ipv4.tcp_mem=\"8605956 11474609 11474609\".",
            HelpName = "KEY=VALUE",
            AllowMultipleArgumentsPerToken = false,
        };
        var cmd = new Command("plan", "Compute the memory, limits and settings a workload needs, showing the arithmetic; write a sysctl.d drop-in, a limits.d snippet and a systemd LimitNOFILE= line.")
        {
            connections, role, buffers, app, rate, dests, lifetime, ram, from, procRoot, json, write, domain, v6, noEpoll, assume,
        };
        cmd.SetAction(p => Run(new Args
        {
            Connections = p.GetValue(connections),
            Role = p.GetValue(role)!,
            BuffersInUse = p.GetValue(buffers),
            AppBytes = p.GetValue(app),
            Rate = p.GetValue(rate),
            Destinations = p.GetValue(dests),
            Lifetime = p.GetValue(lifetime),
            Ram = p.GetValue(ram),
            From = p.GetValue(from),
            ProcRoot = p.GetValue(procRoot),
            Json = p.GetValue(json),
            Write = p.GetValue(write),
            LimitsDomain = p.GetValue(domain)!,
            Ipv6 = p.GetValue(v6),
            NoEpoll = p.GetValue(noEpoll),
            Assume = p.GetValue(assume) ?? [],
        }, io));
        return cmd;
    }

    /// <summary>Parses the workload; an error sentence when an argument is not what was expected.</summary>
    public static (PlanInputs? Inputs, string? Error) ParseInputs(Args a)
    {
        // Bounds keep the arithmetic far from overflow; no host holds more than a few hundred million sockets.
        if (a.Connections is < 0 or > 10_000_000_000) return (null, "--connections must be between 0 and 10,000,000,000");
        if (a.Destinations > 1_000_000) return (null, "--destinations must be at most 1,000,000");
        if (a.Destinations < 1) return (null, "--destinations must be at least 1");
        long? rx = null, tx = null;
        if (a.BuffersInUse is { } b)
        {
            if (!Units.TryParseBufferPair(b, out var r, out var w) || r > (1L << 31) || w > (1L << 31)) return (null, $"--buffers-in-use \"{b}\": expected R/W sizes such as 4k/4k (each at most 2G)");
            rx = r;
            tx = w;
        }
        long appBytes = 0;
        if (a.AppBytes is { } ab && (!Units.TryParseBytes(ab, out appBytes) || appBytes > (1L << 40))) return (null, $"--app-bytes-per-conn \"{ab}\": expected a size such as 2k");
        double? rate = null;
        if (a.Rate is { } rt)
        {
            if (!Units.TryParseRate(rt, out var v) || v > 1e9 || double.IsNaN(v)) return (null, $"--rate \"{rt}\": expected a rate such as 20000/s (at most 1e9/s)");
            rate = v;
        }
        double? life = null;
        if (a.Lifetime is { } lt)
        {
            if (!Units.TryParseDuration(lt, out var v) || v > 365 * 86400.0 || double.IsNaN(v)) return (null, $"--lifetime \"{lt}\": expected a duration such as 200ms or 30s");
            life = v;
        }
        long? ram = null;
        if (a.Ram is { } rm)
        {
            if (!Units.TryParseBytes(rm, out var v) || v < 64L * 1024 * 1024) return (null, $"--ram \"{rm}\": expected a size such as 64G");
            ram = v;
        }
        if (a.Connections == 0 && rate is null) return (null, "give --connections N and/or --rate N/s");
        var assumed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in a.Assume)
        {
            var eq = kv.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) return (null, $"--assume \"{kv}\": expected KEY=VALUE, e.g. net.ipv4.tcp_mem=\"786432 2097152 3145728\"");
            assumed[kv[..eq].Trim().Replace('/', '.')] = string.Join(' ', kv[(eq + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
        }
        if (HostFacts.CheckAssumed(assumed) is { } bad) return (null, bad);
        return (new PlanInputs
        {
            Connections = a.Connections,
            Role = a.Role == "client" ? PlanRole.Client : PlanRole.Server,
            BufferRxBytes = rx,
            BufferTxBytes = tx,
            AppBytesPerConn = appBytes,
            RatePerSecond = rate,
            Destinations = a.Destinations,
            LifetimeSeconds = life,
            RamBytes = ram,
            Ipv6 = a.Ipv6,
            Epoll = !a.NoEpoll,
            AssumedSysctls = assumed,
        }, null);
    }

    public static int Run(Args a, CliIo io)
    {
        var (inputs, error) = ParseInputs(a);
        if (inputs is null) return io.Fail("plan: " + error);

        Snapshot? snapshot;
        string hostNote;
        if (a.From is not null || a.ProcRoot is not null)
        {
            var (pair, err) = SnapshotSource.Take(new SnapshotSource.Request(a.From, a.ProcRoot, null, 0, Census: false, KernelLog: false), io);
            if (pair is null) return io.Fail("plan: " + err);
            snapshot = pair.Now;
            hostNote = $"host facts from {a.From ?? a.ProcRoot}";
        }
        else
        {
            // Only what the plan reads: no per-process scan, no census, no kernel log.
            snapshot = SnapshotCollector.Collect(ProcRoot.Live, new CollectOptions { Processes = false }, io.Time);
            hostNote = "host facts from this host";
        }
        hostNote += $" ({snapshot.Host.Hostname ?? "?"}, kernel {snapshot.Host.KernelRelease ?? "?"})";
        if (snapshot.SlabInfo is null) hostNote += "; no /proc/slabinfo (needs root): kernel object sizes are the measured defaults of kernel-facts §3.5";

        var facts = HostFacts.From(snapshot, inputs);
        var plan = CapacityModel.Compute(inputs, facts);
        var header = "sysctl settings for: " + PlanView.Describe(inputs);
        var sysctlFile = PlanFiles.SysctlDropIn(plan, header);
        var limitsFile = PlanFiles.LimitsSnippet(plan, a.LimitsDomain);
        var systemdFile = PlanFiles.SystemdLines(plan);

        if (a.Write is { } path)
        {
            var stem = path.EndsWith(".conf", StringComparison.Ordinal) ? path[..^5] : path;
            var files = new (string Path, string Text)[] { (path, sysctlFile), (stem + ".limits.conf", limitsFile), (stem + ".service.conf", systemdFile) };
            foreach (var (p, text) in files)
            {
                try
                {
                    File.WriteAllText(p, text);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return io.Fail($"plan: cannot write {p}: {e.Message}");
                }
            }
            io.Err.WriteLine($"sockdoc: wrote {files[0].Path}, {files[1].Path}, {files[2].Path}");
        }

        if (a.Json) io.Out.WriteLine(PlanView.Json(plan, sysctlFile, limitsFile, systemdFile, hostNote));
        else
        {
            io.Write(PlanView.Render(plan, hostNote));
            io.Write(PlanView.Files(sysctlFile, limitsFile, systemdFile));
        }
        // A plan with warnings (does not fit, exceeds RAM, one port range is not enough) is not a clean answer.
        return (int)(plan.HasWarnings ? ExitCode.Warning : ExitCode.Ok);
    }
}
