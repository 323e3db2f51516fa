using System.Globalization;
using SockDoc.Model.Census;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SockDoc.Cli.Views;

/// <summary>Which tables `sockdoc sockets` shows.</summary>
[Flags]
public enum SocketsSections
{
    None = 0,
    State = 1,
    Port = 2,
    Peer = 4,
    Process = 8,
    Listen = 16,
    Destination = 32,
    Memory = 64,
    SendQueue = 128,
    Blocked = 256,
    Default = State | Listen | Port | Destination | Memory | SendQueue | Blocked | Process,
}

/// <summary>The census as Spectre tables; pure (census in, renderable out).</summary>
public static class SocketsView
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IRenderable Render(SocketCensus c, SocketsSections sections)
    {
        ArgumentNullException.ThrowIfNull(c);
        var parts = new List<IRenderable>();
        var filter = new List<string>();
        if (c.StateFilter is { Count: > 0 } sf) filter.Add("state " + string.Join(",", sf));
        if (c.PortFilter is { } pf) filter.Add("port " + pf.ToString(Inv));
        parts.Add(new Markup(Markup.Escape(
            $"{N(c.TotalSockets)} TCP sockets ({N(c.Ipv4Sockets)} IPv4, {N(c.Ipv6Sockets)} IPv6)" +
            (filter.Count > 0 ? $", filter: {string.Join("; ", filter)}" : "") +
            (c.Timings is { } tm ? $", dump {tm.DumpMs:0} ms" + (tm.OwnerScanMs > 0 ? $", owner scan {tm.OwnerScanMs:0} ms" : "") : ""))));
        if (c.Partial) parts.Add(new Markup($"[yellow]partial:[/] {Markup.Escape(c.PartialReason ?? "the dump did not complete")}"));

        if (sections.HasFlag(SocketsSections.State))
        {
            var t = Table("State", "Sockets", "Orphans");
            foreach (var (state, count) in c.ByState.OrderByDescending(kv => kv.Value))
                t.AddRow(state, N(count), c.OrphansByState.TryGetValue(state, out var o) && o > 0 ? N(o) : "");
            if (c.TimeWaitBuckets > 0) t.Caption($"{N(c.TimeWaitBuckets)} are TIME_WAIT buckets (incl. FIN_WAIT2 substate)");
            parts.Add(t);
        }
        if (sections.HasFlag(SocketsSections.Listen) && c.Listeners.Count > 0)
        {
            var t = Table("Listener", "Accept queue", "Backlog", "Full", "Process");
            foreach (var l in c.Listeners)
                t.AddRow(Markup.Escape($"{Host(l.LocalAddress)}:{l.LocalPort}"), N(l.AcceptQueue), N(l.Backlog), l.Full ? "[red]FULL[/]" : "", Proc(l.Pid, l.Command));
            parts.Add(t);
        }
        if (sections.HasFlag(SocketsSections.Port) && c.LocalPorts.Count > 0)
        {
            var t = Table("Local address:port", "Connections", "TIME_WAIT");
            foreach (var p in c.LocalPorts) t.AddRow(Markup.Escape($"{Host(p.LocalAddress)}:{p.LocalPort}"), N(p.Connections), N(p.TimeWait));
            parts.Add(t);
        }
        if (sections.HasFlag(SocketsSections.Destination) && c.Destinations.Count > 0)
        {
            var range = c.LocalPortRangeSize is { } size ? $" of {N(size)} ports ({c.LocalPortRangeLow}-{c.LocalPortRangeHigh})" : "";
            var t = Table("Source", "Destination", "Ephemeral ports used" + range, "TIME_WAIT");
            foreach (var d in c.Destinations)
                t.AddRow(Markup.Escape(d.SourceAddress), Markup.Escape($"{Host(d.DestinationAddress)}:{d.DestinationPort}"), N(d.Connections), N(d.TimeWait));
            parts.Add(t);
        }
        if (sections.HasFlag(SocketsSections.Peer) && c.Peers.Count > 0)
        {
            var t = Table("Peer", "Connections", "TIME_WAIT");
            foreach (var p in c.Peers) t.AddRow(Markup.Escape(p.PeerAddress), N(p.Connections), N(p.TimeWait));
            parts.Add(t);
        }
        if (sections.HasFlag(SocketsSections.Process))
        {
            if (c.Processes.Count > 0)
            {
                var t = Table("PID", "Command", "Sockets", "ESTABLISHED", "LISTEN");
                foreach (var p in c.Processes) t.AddRow(p.Pid.ToString(Inv), Markup.Escape(p.Command), N(p.Sockets), N(p.Established), N(p.Listening));
                parts.Add(t);
            }
        }
        if (sections.HasFlag(SocketsSections.Memory))
        {
            var m = c.Memory;
            parts.Add(new Markup(Markup.Escape(
                $"Buffer memory of {N(m.SocketsWithMemInfo)} sockets: receive queues (r) {Bytes(m.RmemAllocBytes)}, " +
                $"send queues (w) {Bytes(m.WmemQueuedBytes)}, forward alloc (f) {Bytes(m.ForwardAllocBytes)}; " +
                $"total {Bytes(m.RmemAllocBytes + m.WmemQueuedBytes + m.ForwardAllocBytes)} (counts against tcp_mem)")));
            if (c.TopByMemory.Count > 0)
            {
                var t = Table("Local", "Peer", "State", "r", "rb", "w", "tb", "Process");
                foreach (var e in c.TopByMemory)
                    t.AddRow(Markup.Escape(e.Local), Markup.Escape(e.Peer), e.State, Bytes(e.RmemAlloc), Bytes(e.RcvBuf), Bytes(e.WmemQueued), Bytes(e.SndBuf), Proc(e.Pid, e.Command));
                parts.Add(t);
            }
        }
        if (sections.HasFlag(SocketsSections.SendQueue))
        {
            if (c.SendBufferFullCount == 0)
            {
                parts.Add(new Markup("No socket has its send buffer (nearly) full."));
            }
            else
            {
                var t = Table("Local", "Peer", "Send-Q", "w / tb", "Not sent", "Peer window 0", "Process");
                foreach (var s in c.SendBufferFull)
                    t.AddRow(Markup.Escape(s.Local), Markup.Escape(s.Peer), s.SendQueue is { } q ? N(q) : "", $"{Bytes(s.WmemQueued)} / {Bytes(s.SndBuf)}",
                        s.NotSentBytes is { } ns ? N(ns) : "", s.PeerWindowZero ? "[yellow]yes[/]" : "", Proc(s.Pid, s.Command));
                t.Caption($"{N(c.SendBufferFullCount)} sockets with w ≥ 2/3 of their send buffer and data queued (a slow or stalled receiver)");
                parts.Add(t);
            }
        }
        if (sections.HasFlag(SocketsSections.Blocked) && c.BlockedSenders is { } blocked)
        {
            if (blocked.Count == 0)
            {
                parts.Add(new Markup("No thread is blocked in sk_stream_wait_memory."));
            }
            else
            {
                var t = Table("PID", "TID", "Command", "fd", "Syscall", "Local", "Peer", "Send-Q", "Blocked for");
                foreach (var b in blocked)
                    t.AddRow(b.Pid.ToString(Inv), b.Tid.ToString(Inv), Markup.Escape(b.Command), b.Fd.ToString(Inv), b.Syscall ?? "",
                        Markup.Escape(b.Local ?? "?"), Markup.Escape(b.Peer ?? "?"), b.SendQueue is { } q ? N(q) : "",
                        $"≥ {b.SecondsObservedBlocked:0.0} s ({b.SamplesBlocked}/{b.Samples} samples)");
                t.Caption("threads sleeping in sk_stream_wait_memory() (kernel stack), joined to the socket of their fd");
                parts.Add(t);
            }
        }
        foreach (var note in c.Notes) parts.Add(new Markup($"[grey]note:[/] {Markup.Escape(note)}"));
        return new Rows(parts);
    }

    private static Table Table(params string[] columns)
    {
        var t = Look.Table();
        for (int i = 0; i < columns.Length; i++)
        {
            var col = new TableColumn(Markup.Escape(columns[i]));
            if (i > 0 && columns[i] is not ("Command" or "Peer" or "Local" or "Destination" or "State" or "Process" or "Full" or "Syscall"))
                col.RightAligned().NoWrap();
            t.AddColumn(col);
        }
        return t;
    }

    private static string Host(string address) => address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address;

    private static string N(long n) => n.ToString("N0", Inv);

    private static string Proc(int? pid, string? command) => pid is { } p ? Markup.Escape($"{p} {command}") : "";

    /// <summary>The one byte format (README "Conventions"): "3.6 MiB".</summary>
    public static string Bytes(long b) => b < 0 ? "?" : Diagnosis.Text.Quantities.Bytes(b);
}
