using System.Globalization;
using SockDoc.Model.Census;
using SockDoc.Cli.Output;
using SockDoc.Diagnosis.Text;

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

/// <summary>The census as plain text tables (TextDoc: addresses, numbers and commands never broken); pure (census in, text out).</summary>
public static class SocketsView
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static TextDoc Render(SocketCensus c, SocketsSections sections)
    {
        ArgumentNullException.ThrowIfNull(c);
        var doc = new TextDoc();
        var filter = new List<string>();
        if (c.StateFilter is { Count: > 0 } sf) filter.Add("state " + string.Join(",", sf));
        if (c.PortFilter is { Count: > 0 } pf) filter.Add((pf.Count == 1 ? "port " : "ports ") + PortList(pf));
        doc.Prose($"{N(c.TotalSockets)} TCP sockets ({N(c.Ipv4Sockets)} IPv4, {N(c.Ipv6Sockets)} IPv6)" +
            (filter.Count > 0 ? $", filter: {string.Join("; ", filter)}" : "") +
            (c.Timings is { } tm ? $", dump {tm.DumpMs.ToString("0", Inv)} ms" + (tm.OwnerScanMs > 0 ? $", owner scan {tm.OwnerScanMs.ToString("0", Inv)} ms" : "") : ""), tone: Tone.Bold, hanging: 2);
        if (c.SourceLine is { } source) doc.Prose(source, tone: Tone.Warning, hanging: 2);
        if (c.Partial) doc.Prose("partial: " + (c.PartialReason ?? "the dump did not complete"), tone: Tone.Warning, hanging: 2);

        if (sections.HasFlag(SocketsSections.State))
        {
            Table(doc, null, ["state", "sockets", "orphans"], c.ByState.OrderByDescending(kv => kv.Value)
                .Select(kv => new[] { kv.Key, N(kv.Value), c.OrphansByState.TryGetValue(kv.Key, out var o) && o > 0 ? N(o) : "" }));
            if (c.TimeWaitBuckets > 0) doc.Prose($"{N(c.TimeWaitBuckets)} are TIME_WAIT buckets (incl. FIN_WAIT2 substate)", indent: 2, tone: Tone.Dim);
        }
        if (sections.HasFlag(SocketsSections.Listen) && c.Listeners.Count > 0)
        {
            Table(doc, "Listeners", ["listener", "accept queue", "backlog", "full", "process"], c.Listeners
                .Select(l => new[] { $"{Host(l.LocalAddress)}:{l.LocalPort}", N(l.AcceptQueue), l.Backlog is { } b ? N(b) : "?", l.Full ? "FULL" : l.AtBacklog ? "at backlog" : "", Proc(l.Pid, l.Command) }),
                c.Listeners.Select(l => l.Full ? Tone.Critical : Tone.Plain));
        }
        if (sections.HasFlag(SocketsSections.Port) && c.LocalPorts.Count > 0)
        {
            Table(doc, "Local ports", ["local address:port", "connections", "TIME_WAIT"], c.LocalPorts
                .Select(p => new[] { $"{Host(p.LocalAddress)}:{p.LocalPort}", N(p.Connections), N(p.TimeWait) }));
        }
        if (sections.HasFlag(SocketsSections.Destination) && c.Destinations.Count > 0)
        {
            var range = c.LocalPortRangeSize is { } size ? $" (of {N(size)} ports, {c.LocalPortRangeLow}-{c.LocalPortRangeHigh})" : "";
            Table(doc, "Destinations: ephemeral ports used" + range, ["source", "destination", "ports used", "TIME_WAIT"], c.Destinations
                .Select(d => new[] { d.SourceAddress, $"{Host(d.DestinationAddress)}:{d.DestinationPort}", N(d.Connections), N(d.TimeWait) }));
        }
        if (sections.HasFlag(SocketsSections.Peer) && c.Peers.Count > 0)
        {
            Table(doc, "Peers", ["peer", "connections", "TIME_WAIT"], c.Peers.Select(p => new[] { p.PeerAddress, N(p.Connections), N(p.TimeWait) }));
        }
        if (sections.HasFlag(SocketsSections.Process) && c.Processes.Count > 0)
        {
            Table(doc, "Processes", ["pid", "sockets", "ESTABLISHED", "LISTEN", "command"], c.Processes
                .Select(p => new[] { p.Pid.ToString(Inv), N(p.Sockets), N(p.Established), N(p.Listening), p.Command }));
        }
        if (sections.HasFlag(SocketsSections.Memory) && c.Memory is null)
        {
            doc.Blank();
            doc.Prose("Buffer memory: unknown (no skmem without sock_diag).", hanging: 2, tone: Tone.Dim);
        }
        if (sections.HasFlag(SocketsSections.Memory) && c.Memory is { } m)
        {
            doc.Blank();
            doc.Prose($"Buffer memory of {N(m.SocketsWithMemInfo)} sockets: receive queues (r) {Bytes(m.RmemAllocBytes)}, " +
                $"send queues (w) {Bytes(m.WmemQueuedBytes)}, forward alloc (f) {Bytes(m.ForwardAllocBytes)}; " +
                $"total {Bytes(m.RmemAllocBytes + m.WmemQueuedBytes + m.ForwardAllocBytes)} (counts against tcp_mem)", hanging: 2);
            if (c.TopByMemory is { Count: > 0 })
            {
                Table(doc, null, ["local", "peer", "state", "r", "rb", "w", "tb", "process"], c.TopByMemory
                    .Select(e => new[] { e.Local, e.Peer, e.State, Bytes(e.RmemAlloc), Bytes(e.RcvBuf), Bytes(e.WmemQueued), Bytes(e.SndBuf), Proc(e.Pid, e.Command) }));
            }
        }
        if (sections.HasFlag(SocketsSections.SendQueue) && c.SendBufferFull is null)
        {
            doc.Blank();
            doc.Prose("Full send buffers: unknown (no skmem without sock_diag).", hanging: 2, tone: Tone.Dim);
        }
        else if (sections.HasFlag(SocketsSections.SendQueue))
        {
            doc.Blank();
            if (c.SendBufferFullCount is null or 0)
            {
                doc.Prose("No socket has its send buffer (nearly) full.");
            }
            else
            {
                doc.Heading($"{N(c.SendBufferFullCount.Value)} sockets with w ≥ 2/3 of their send buffer and data queued (a slow or stalled receiver)");
                doc.Table(["local", "peer", "Send-Q", "w / tb", "not sent", "peer window 0", "process"], c.SendBufferFull!
                    .Select(s => (new[] { s.Local, s.Peer, s.SendQueue is { } q ? N(q) : "", $"{Bytes(s.WmemQueued)} / {Bytes(s.SndBuf)}",
                        s.NotSentBytes is { } ns ? N(ns) : "", s.PeerWindowZero ? "yes" : "", Proc(s.Pid, s.Command) }, s.PeerWindowZero ? Tone.Warning : Tone.Plain)), indent: 2);
            }
        }
        if (sections.HasFlag(SocketsSections.Blocked) && c.BlockedSenders is { } blocked)
        {
            doc.Blank();
            if (blocked.Count == 0)
            {
                doc.Prose("No thread is blocked in sk_stream_wait_memory.");
            }
            else
            {
                doc.Heading("Threads sleeping in sk_stream_wait_memory() (kernel stack), joined to the socket of their fd");
                doc.Table(["pid", "tid", "fd", "syscall", "local", "peer", "Send-Q", "blocked for", "command"], blocked
                    .Select(b => (new[] { b.Pid.ToString(Inv), b.Tid.ToString(Inv), b.Fd.ToString(Inv), b.Syscall ?? "", b.Local ?? "?", b.Peer ?? "?",
                        b.SendQueue is { } q ? N(q) : "", $"≥ {b.SecondsObservedBlocked.ToString("0.0", Inv)} s ({b.SamplesBlocked}/{b.Samples} samples)", b.Command }, Tone.Plain)), indent: 2);
            }
        }
        // The source line is already shown under the headline.
        var notes = c.Notes.Where(n => n != c.SourceLine).ToList();
        if (notes.Count > 0) doc.Blank();
        foreach (var note in notes) doc.Prose("note: " + note, tone: Tone.Dim, hanging: 2);
        return doc;
    }

    /// <summary>A titled table; the last column wraps, so a wide one is followed by an empty column where it must stay whole.</summary>
    private static void Table(TextDoc doc, string? title, string[] headers, IEnumerable<string[]> rows, IEnumerable<Tone>? tones = null)
    {
        doc.Blank();
        if (title is not null) doc.Heading(title);
        var list = rows.ToList();
        if (list.Count == 0)
        {
            doc.Prose("no socket matches", indent: 2, tone: Tone.Dim);
            return;
        }
        var toneList = tones?.ToList();
        doc.Table([.. headers, ""], list.Select((r, i) => ((string[])[.. r, ""], toneList?[i] ?? Tone.Plain)), indent: 2);
    }

    /// <summary>"80, 443, 8000-8099": ascending ports with runs written as ranges.</summary>
    public static string PortList(IReadOnlyList<int> ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        var parts = new List<string>();
        for (int i = 0; i < ports.Count; i++)
        {
            int j = i;
            while (j + 1 < ports.Count && ports[j + 1] == ports[j] + 1) j++;
            parts.Add(j > i + 1 ? $"{ports[i]}-{ports[j]}" : j == i + 1 ? $"{ports[i]}, {ports[j]}" : ports[i].ToString(Inv));
            i = j;
        }
        return string.Join(", ", parts);
    }

    private static string Host(string address) => address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address;

    private static string N(long n) => Quantities.Count(n);

    private static string Proc(int? pid, string? command) => pid is { } p ? $"{p} {command}" : "";

    /// <summary>The one byte format (README "Conventions"): "3.6 MiB".</summary>
    public static string Bytes(long b) => b < 0 ? "?" : Quantities.Bytes(b);
}
