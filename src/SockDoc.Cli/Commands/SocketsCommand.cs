using System.CommandLine;
using System.Text.Json;
using SockDoc.Cli.Views;
using SockDoc.Kernel;
using SockDoc.Kernel.Census;
using SockDoc.Kernel.Netlink.SockDiag;
using SockDoc.Model;

namespace SockDoc.Cli.Commands;

/// <summary>Arguments of `sockdoc sockets`, parsed and checked.</summary>
public sealed record SocketsArgs(SocketsSections Sections, bool ExplicitBy, int Top, IReadOnlyList<int>? States, int? Port, bool Json,
    string? ProcRoot, string? CaptureFile);

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
        var port = new Option<int?>("--port") { Description = "Only sockets whose local or peer port is P." };
        var json = new Option<bool>("--json") { Description = "Write the census as JSON (every aggregate, whatever --by says)." };
        var procRoot = new Option<string?>("--proc-root") { Description = "Read /proc/*/fd, task stacks and sysctls from this directory instead of /proc." };
        var capture = new Option<string?>("--capture-netlink") { Description = "Also write the raw sock_diag datagrams to FILE (test fixtures).", Hidden = true };
        var cmd = new Command("sockets", "Census of every TCP socket (IPv4 and IPv6) over netlink sock_diag: states, accept queues, ports, peers, owners, buffer memory, full send buffers and blocked senders.")
        {
            by, top, state, port, json, procRoot, capture,
        };
        cmd.SetAction(parse =>
        {
            var args = Check(io, parse.GetValue(by), parse.GetValue(top), parse.GetValue(state), parse.GetValue(port), parse.GetValue(json),
                parse.GetValue(procRoot), parse.GetValue(capture), out int fail);
            return args is null ? fail : Run(io, args);
        });
        return cmd;
    }

    public static SocketsArgs? Check(CliIo io, string? by, int top, string? state, int? port, bool json, string? procRoot, string? capture, out int fail)
    {
        ArgumentNullException.ThrowIfNull(io);
        fail = 0;
        var sections = SocketsSections.None;
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
                    fail = io.Fail($"sockets: --by {raw}: expected state, port, peer, process, listen, dest, memory, sendq or blocked");
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
        if (port is { } p && p is < 0 or > 65535)
        {
            fail = io.Fail($"sockets: --port {p}: expected 0 to 65535");
            return null;
        }
        if (procRoot is not null && !Directory.Exists(procRoot))
        {
            fail = io.Fail($"sockets: --proc-root {procRoot}: no such directory");
            return null;
        }
        return new SocketsArgs(sections, !string.IsNullOrWhiteSpace(by), top, states, port, json, procRoot, capture);
    }

    public static int Run(CliIo io, SocketsArgs a)
    {
        ArgumentNullException.ThrowIfNull(io);
        ArgumentNullException.ThrowIfNull(a);
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
                Port = a.Port,
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
                io.Out.WriteLine(JsonSerializer.Serialize(census, SnapshotJsonContext.Default.SocketCensus));
            }
            else
            {
                var console = io.Console();
                console.Write(SocketsView.Render(census, a.Sections));
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
}
