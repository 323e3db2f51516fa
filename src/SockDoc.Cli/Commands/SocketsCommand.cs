using System.CommandLine;
using System.Text.Json;
using SockDoc.Cli.Views;
using SockDoc.Kernel;
using SockDoc.Kernel.Census;
using SockDoc.Kernel.Netlink.SockDiag;
using SockDoc.Model;

namespace SockDoc.Cli.Commands;

/// <summary>Arguments of `sockdoc sockets`, parsed and checked.</summary>
public sealed record SocketsArgs(SocketsSections Sections, bool ExplicitBy, int Top, IReadOnlyList<int>? States, IReadOnlyList<int>? Ports, bool Json,
    string? ProcRoot, string? CaptureFile)
{
    /// <summary>--by container: one census per network namespace, keyed by namespace and container (issue 13).</summary>
    public bool ByContainer { get; init; }
    public bool AllNamespaces { get; init; }
    public string? Netns { get; init; }
    /// <summary>--proto: tcp (default), udp, or all.</summary>
    public bool Tcp { get; init; } = true;
    public bool Udp { get; init; }
}

/// <summary>`sockdoc sockets`: the TCP socket census over netlink sock_diag (issue 4).</summary>
public static class SocketsCommand
{
    public static Command Create(CliIo io)
    {
        var by = new Option<string?>("--by")
        {
            Description = "Tables to show, comma list: state, port, peer, process, listen, dest, memory, sendq, blocked " +
                "(default: all but peer). 'process' scans /proc/*/fd for owners; 'blocked' samples thread stacks (root).",
        };
        var top = new Option<int>("--top") { Description = "Rows per table (default 20).", DefaultValueFactory = _ => 20 };
        var state = new Option<string?>("--state") { Description = "Only these states, comma list of kernel names (ESTABLISHED, TIME_WAIT, LISTEN, ...)." };
        var port = new Option<string[]>("--port")
        {
            Description = "Only sockets whose local or peer port is one of these: a port, a list (80,443), a range (8000-8099), or the option repeated.",
            HelpName = "PORTS",
        };
        var json = new Option<bool>("--json") { Description = "Write the census as JSON (every aggregate, whatever --by says)." };
        var procRoot = new Option<string?>("--proc-root") { Description = "Read /proc/*/fd, task stacks and sysctls from this directory instead of /proc." };
        var allNs = new Option<bool>("--all-namespaces") { Description = "Census every network namespace (containers, pods, ip netns); implied by --by container." };
        var netns = new Option<string?>("--netns") { Description = "Census only this network namespace: an `ip netns` name, a PID in it, or a path.", HelpName = "NAME|PID|PATH" };
        var proto = new Option<string>("--proto") { Description = "tcp (default), udp (queues and per-socket drops), or all.", DefaultValueFactory = _ => "tcp" };
        var capture = new Option<string?>("--capture-netlink") { Description = "Also write the raw sock_diag datagrams to FILE (test fixtures).", Hidden = true };
        var cmd = new Command("sockets", "Census of every TCP socket (IPv4 and IPv6) over netlink sock_diag: states, accept queues, ports, peers, owners, buffer memory, full send buffers and blocked senders.")
        {
            by, top, state, port, json, procRoot, capture, allNs, netns, proto,
        };
        cmd.SetAction(parse =>
        {
            var args = Check(io, parse.GetValue(by), parse.GetValue(top), parse.GetValue(state), parse.GetValue(port), parse.GetValue(json),
                parse.GetValue(procRoot), parse.GetValue(capture), out int fail);
            if (args is null) return fail;
            var p = parse.GetValue(proto)!.Trim().ToLowerInvariant();
            if (p is not ("tcp" or "udp" or "all")) return io.Fail($"sockets: --proto {p}: expected tcp, udp or all");
            args = args with
            {
                AllNamespaces = parse.GetValue(allNs) || args.ByContainer,
                Netns = parse.GetValue(netns),
                Tcp = p != "udp",
                Udp = p != "tcp",
            };
            if (args.Netns is not null && parse.GetValue(allNs)) return io.Fail("sockets: --netns and --all-namespaces exclude each other");
            return Run(io, args);
        });
        return cmd;
    }

    public static SocketsArgs? Check(CliIo io, string? by, int top, string? state, IReadOnlyList<string>? portTexts, bool json, string? procRoot, string? capture, out int fail)
    {
        ArgumentNullException.ThrowIfNull(io);
        fail = 0;
        var sections = SocketsSections.None;
        bool byContainer = false;
        if (by is not null)
        {
            var words = by.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            byContainer = words.RemoveAll(w => w.ToLowerInvariant() is "container" or "containers" or "netns" or "namespace") > 0;
            by = string.Join(',', words);
            if (byContainer && words.Count == 0) by = "state";
        }
        if (string.IsNullOrWhiteSpace(by))
        {
            sections = SocketsSections.Default;
        }
        else
        {
            foreach (var raw in by.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var s = raw.ToLowerInvariant() switch
                {
                    "state" or "states" => SocketsSections.State,
                    "port" or "ports" => SocketsSections.Port,
                    "peer" or "peers" => SocketsSections.Peer,
                    "process" or "processes" or "owner" => SocketsSections.Process,
                    "listen" or "listeners" => SocketsSections.Listen,
                    "dest" or "destination" or "destinations" => SocketsSections.Destination,
                    "memory" or "mem" => SocketsSections.Memory,
                    "sendq" or "send" => SocketsSections.SendQueue,
                    "blocked" => SocketsSections.Blocked,
                    _ => SocketsSections.None,
                };
                if (s == SocketsSections.None)
                {
                    fail = io.Fail($"sockets: --by {raw}: expected state, port, peer, process, listen, dest, memory, sendq, blocked or container");
                    return null;
                }
                sections |= s;
            }
        }
        if (top is < 1 or > 100_000)
        {
            fail = io.Fail($"sockets: --top {top}: expected 1 to 100000");
            return null;
        }
        List<int>? states = null;
        if (!string.IsNullOrWhiteSpace(state))
        {
            states = [];
            foreach (var raw in state.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int n = InetDiag.ParseState(raw);
                if (n < 0)
                {
                    fail = io.Fail($"sockets: --state {raw}: expected a TCP state name ({string.Join(", ", InetDiag.StateNames.Skip(1))})");
                    return null;
                }
                states.Add(n);
            }
        }
        IReadOnlyList<int>? ports = null;
        if (portTexts is { Count: > 0 })
        {
            if (!Diagnosis.Text.Parse.TryPorts(portTexts, out var parsed, out var why))
            {
                fail = io.Fail($"sockets: --port {string.Join(",", portTexts)}: {why} (examples: {Diagnosis.Text.Parse.PortExamples})");
                return null;
            }
            ports = parsed;
        }
        if (procRoot is not null && !Directory.Exists(procRoot))
        {
            fail = io.Fail($"sockets: --proc-root {procRoot}: no such directory");
            return null;
        }
        return new SocketsArgs(sections, !string.IsNullOrWhiteSpace(by), top, states, ports, json, procRoot, capture) { ByContainer = byContainer };
    }

    /// <summary>1: the census object (SocketCensus) with schema_version added.</summary>
    public const int SchemaVersion = 1;

    public static int Run(CliIo io, SocketsArgs a)
    {
        ArgumentNullException.ThrowIfNull(io);
        ArgumentNullException.ThrowIfNull(a);
        if (a.AllNamespaces || a.Netns is not null || a.Udp) return RunNamespaces(io, a);
        FileStream? record = null;
        try
        {
            if (a.CaptureFile is not null) record = new FileStream(a.CaptureFile, FileMode.Create, FileAccess.Write);
            var options = new CensusOptions
            {
                ProcRoot = a.ProcRoot is null ? ProcRoot.Live : ProcRoot.FromUserPath(a.ProcRoot),
                Owners = a.Sections.HasFlag(SocketsSections.Process),
                BlockedSenders = a.Sections.HasFlag(SocketsSections.Blocked),
                // tcp_info costs a socket lock per socket in the kernel (tcp_get_info()); only the send-queue
                // and blocked-sender views use it (notsent bytes, peer window, rwnd/sndbuf-limited time).
                MemInfo = (a.Sections & (SocketsSections.Memory | SocketsSections.SendQueue | SocketsSections.Blocked)) != 0,
                TcpInfo = a.Sections.HasFlag(SocketsSections.SendQueue) || a.Sections.HasFlag(SocketsSections.Blocked),
                States = a.States,
                Ports = a.Ports,
                TopN = a.Top,
                Time = io.Time,
                Record = record,
            };
            var result = SocketCensusCollector.Collect(options);
            if (!result.Ok) return io.Fail($"sockets: {result.Path}: {result.Reason}");
            // The collector names what was left out; the flag that brings it back is this command's to say.
            var census = result.Value! with
            {
                Notes = [.. result.Value!.Notes.Select(n => n switch
                {
                    SocketCensusCollector.OwnersNotScanned => n + "; pass --by process to attribute sockets to processes",
                    SocketCensusCollector.MemInfoNotRequested => n + "; pass --by memory",
                    _ => n,
                })],
            };
            if (a.Json)
            {
                // schema_version first, as in every --json document (README "Conventions").
                var node = JsonSerializer.SerializeToNode(census, SnapshotJsonContext.Default.SocketCensus)!.AsObject();
                node.Insert(0, "schema_version", SchemaVersion);
                io.Out.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                io.Write(SocketsView.Render(census, a.Sections));
            }
            return (int)ExitCode.Ok;
        }
        catch (IOException e)
        {
            return io.Fail($"sockets: --capture-netlink {a.CaptureFile}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            return io.Fail($"sockets: --capture-netlink {a.CaptureFile}: {e.Message}");
        }
        finally
        {
            record?.Dispose();
        }
    }

    /// <summary>
    /// One sock_diag dump per namespace (a thread moved in with setns opens its own netlink socket), the same
    /// aggregates keyed by namespace and container; owners from one /proc/*/fd scan shared by every namespace.
    /// </summary>
    private static int RunNamespaces(CliIo io, SocketsArgs a)
    {
        if (a.ProcRoot is not null) return io.Fail("sockets: --all-namespaces, --netns, --proto udp and --by container read the live host; they exclude --proc-root");
        var problems = new List<SourceProblem>();
        var found = Kernel.Namespaces.NetNamespaceDiscovery.Discover(ProcRoot.Live, problems);
        long? self = Kernel.Namespaces.NetNamespaceDiscovery.LinkInode("/proc/self/ns/net");
        IReadOnlyList<Kernel.Namespaces.DiscoveredNamespace> targets;
        if (a.Netns is { } pick)
        {
            var path = SnapshotSource.NetnsPath(pick);
            if (path is null) return io.Fail($"sockets: --netns {pick}: no such namespace (expected an `ip netns` name, a PID, or a path such as /run/netns/NAME)");
            var ino = (long?)Kernel.Interop.Libc.InodeOf(path, out _);
            targets = [found.FirstOrDefault(f => f.Identity.Inode == ino) ?? new(new Model.Namespaces.NetNamespaceIdentity { Inode = ino ?? 0, EnteredThrough = path }, [path])];
        }
        else if (a.AllNamespaces)
        {
            targets = found;
        }
        else
        {
            targets = found.Where(f => f.Identity.Inode == self).ToList();
            if (targets.Count == 0) targets = [new(new Model.Namespaces.NetNamespaceIdentity { Inode = self ?? 0 }, ["/proc/self/ns/net"])];
        }
        var owners = a.Sections.HasFlag(SocketsSections.Process) ? SocketOwners.Scan(ProcRoot.Live, 4096) : null;
        var options = new Kernel.Namespaces.NamespaceSampleOptions
        {
            Census = true,
            Counters = false,
            Udp = a.Udp,
            MemInfo = (a.Sections & (SocketsSections.Memory | SocketsSections.SendQueue | SocketsSections.Blocked)) != 0,
            TcpInfo = a.Sections.HasFlag(SocketsSections.SendQueue),
            TopN = a.Top,
            States = a.States,
            Ports = a.Ports,
            Owners = owners,
            Time = io.Time,
        };
        // Namespaces are dumped side by side, one per CPU (NamespaceSampler.ForEach); output keeps discovery order.
        var sampled = new Snapshot?[targets.Count];
        var why = new string?[targets.Count];
        Kernel.Namespaces.NamespaceSampler.ForEach(targets.Count, i =>
        {
            var ns = targets[i];
            // The thread opens /proc/PID/ns/net (or the bind mount) itself; our own namespace is entered the same way (a no-op move).
            var paths = ns.Identity.Inode == self ? ["/proc/self/ns/net", .. ns.EnterPaths] : ns.EnterPaths;
            sampled[i] = Kernel.Namespaces.NamespaceSampler.SampleOwn(ns with { EnterPaths = paths }, options, out why[i]);
        });
        var results = new List<Model.Namespaces.NamespaceCensus>();
        for (int i = 0; i < targets.Count; i++)
        {
            var (ns, s) = (targets[i], sampled[i]);
            if (s?.Census is { } census) results.Add(new Model.Namespaces.NamespaceCensus(ns.Identity, a.Tcp ? census : Model.Census.SocketCensus.UdpOnly(census)));
            else io.Err.WriteLine($"sockdoc: sockets: {ns.Identity.DisplayName} (net:[{ns.Identity.Inode}]): {why[i] ?? s?.Problems.FirstOrDefault()?.Reason ?? "no census"}");
        }
        if (results.Count == 0) return io.Fail("sockets: no namespace could be read");
        if (a.Json)
        {
            io.Out.WriteLine(JsonSerializer.Serialize(results, SnapshotJsonContext.Default.ListNamespaceCensus));
            return (int)ExitCode.Ok;
        }
        if (!a.ByContainer && results.Count == 1 && a.Tcp)
        {
            io.Write(SocketsView.Render(results[0].Census, a.Sections));
            if (a.Udp) io.Write(new Output.TextDoc().Blank());
            if (a.Udp) io.Write(NamespacesView.Census([(results[0].Namespace, results[0].Census)], false, false, true, a.Top));
            return (int)ExitCode.Ok;
        }
        io.Write(NamespacesView.Census(results.Select(r => (r.Namespace, r.Census)).ToList(),
            a.Tcp && a.Sections.HasFlag(SocketsSections.State), a.Tcp && a.Sections.HasFlag(SocketsSections.Destination), a.Udp, a.Top));
        return (int)ExitCode.Ok;
    }
}
