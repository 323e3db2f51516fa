using System.Globalization;
using SockDoc.Model.Trace;
using Spectre.Console.Rendering;
using SockDoc.Cli.Output;
using SockDoc.Diagnosis.Text;

namespace SockDoc.Cli.Views;

/// <summary>
/// `sockdoc trace` tables as plain text (TextDoc: numbers, addresses and commands never broken); pure (report in, text
/// out), the same for each live frame and the final one.
/// </summary>
public static class TraceView
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The report as a renderable for Spectre's console and live display; laid out by TextDoc at the command's width.</summary>
    public static IRenderable Render(TraceReport r) => new DocRenderable(Doc(r));

    public static TextDoc Doc(TraceReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var doc = new TextDoc();
        doc.Prose($"{(r.Finished ? "trace finished" : "tracing")}: {r.DurationSeconds.ToString("0.0", Inv)} s, {N(r.Totals.Events)} events ({Quantities.Count(Math.Round(r.Totals.EventsPerSecond))}/s)" +
            (r.Totals.Lost > 0 ? $", {N(r.Totals.Lost)} LOST (ring full: tables undercount; raise --ring-kb)" : ", none lost") +
            $"; by {string.Join(",", r.By)}", tone: r.Totals.Lost > 0 ? Tone.Warning : Tone.Bold, hanging: 2);
        doc.Blank();
        doc.Heading("Tracepoints (" + r.Method + ")");
        doc.Table(["event", "status", "used for", "filter / why not"],
            r.Probes.Select(p => (new[] { p.Event, p.Attached ? "attached" : p.Available ? "not attached" : "unavailable", p.UsedFor, p.Problem ?? p.Filter ?? "-" },
                p.Attached ? Tone.Plain : Tone.Warning)), indent: 2);
        if (r.ConnectErrors is { } ce)
        {
            Grid(doc, "Failed connects (syscalls:sys_exit_connect)", "no connect() failed with EADDRNOTAVAIL or EADDRINUSE", ["error", "process", "pid", "cgroup", "destination", "port", "count", "dest unknown"], ce.Select(x => new string?[] { x.Error, x.Process, N(x.Pid), x.Cgroup, x.Destination, N(x.Port), N(x.Count), N(x.DestinationUnknown) }));
        }
        if (r.Churn is { } ch)
        {
            Grid(doc, "Connection churn (sock:inet_sock_set_state)", "no TCP connection opened or closed", ["dir", "process", "pid", "cgroup", "peer", "port", "opened", "opened/s", "/s active", "closed", "failed", "TIME_WAIT entered", "life p50 ms", "life p99 ms"], ch.Select(x => new string?[] { x.Direction, x.Process, N(x.Pid), x.Cgroup, x.Destination, N(x.Port), N(x.Opened), Rate(x.OpenedPerSecond), x.OpenedPerActiveSecond is { } a ? Rate(a) : "-", N(x.Closed), N(x.Failed),
                    N(x.TimeWaitEntered), Ms(x.LifetimeP50Ms), Ms(x.LifetimeP99Ms) }));
        }
        if (r.Resets is { } rs)
        {
            Grid(doc, "Resets (tcp:tcp_send_reset, tcp:tcp_receive_reset)", "no reset sent or received", ["dir", "reason", "peer", "service port", "state", "process", "pid", "cgroup", "count"], rs.Select(x => new string?[] { x.Direction, x.Reason, x.Peer, N(x.Port), x.State, x.Process, N(x.Pid), x.Cgroup, N(x.Count) }));
        }
        if (r.Memory is { } mem)
        {
            Grid(doc, "Refused memory charges (sock:sock_exceed_buf_limit)", "no memory charge refused", ["proto", "kind", "process", "pid", "cgroup", "refused", "max allocated pages", "mem min/pressure/max (pages)", "above max", "per-socket"], mem.Select(x => new string?[] { x.Protocol, x.Kind, x.Process, N(x.Pid), x.Cgroup, N(x.Refused), N(x.MaxAllocatedPages), $"{x.TcpMemMin}/{x.TcpMemPressure}/{x.TcpMemMax}", N(x.AboveMaxCount), N(x.PerSocketLimitCount) }));
        }
        if (r.Drops is { } dr)
        {
            Grid(doc, "Packet drops (skb:kfree_skb, reasons named by this kernel's format file)", "no packet dropped", ["reason", "protocol", "count"], dr.Select(x => new string?[] { x.Reason, x.Protocol, N(x.Count) }));
        }
        if (r.Blocked is { } bl)
        {
            Grid(doc, "Senders blocked on a full send buffer", "no thread seen in sk_stream_wait_memory", ["process", "pid", "cgroup", "peer", "port", "episodes", "samples", "blocked ms", "longest ms", "now"], bl.Select(x => new string?[] { x.Process, N(x.Pid), x.Cgroup, x.Peer, N(x.Port), N(x.Episodes), N(x.Samples), Quantities.Count(Math.Round(x.BlockedMs)), Quantities.Count(Math.Round(x.LongestMs)), x.StillBlocked ? "yes" : "" }));
            if (r.BlockedMethod is not null) doc.Prose("method: " + r.BlockedMethod, indent: 2, tone: Tone.Dim, hanging: 2);
        }
        if (r.Finished)
        {
            doc.Blank();
            foreach (var n in r.Notes) doc.Prose("note: " + n, tone: Tone.Dim, hanging: 2);
        }
        return doc;
    }

    /// <summary>A table whose columns that are null in every row (keys not in --by) are left out.</summary>
    private static void Grid(TextDoc doc, string title, string empty, string[] columns, IEnumerable<string?[]> rows)
    {
        var list = rows.ToList();
        doc.Blank();
        if (list.Count == 0)
        {
            doc.Prose(title + ": " + empty, tone: Tone.Bold, hanging: 2);
            return;
        }
        var keep = Enumerable.Range(0, columns.Length).Where(i => list.Any(r => r[i] is not null)).ToList();
        doc.Heading(title);
        // A trailing empty column keeps every real column whole (TextDoc wraps only the last one).
        doc.Table([.. keep.Select(i => columns[i]), ""], list.Select(r => ((string[])[.. keep.Select(i => r[i] ?? "-"), ""], Tone.Plain)), indent: 2);
    }

    private static string N(long v) => Quantities.Count(v);

    private static string? N(int? v) => v?.ToString(Inv);

    private static string Rate(double v) => v.ToString("#,0.0", Inv);

    private static string Ms(double? v) => v is null ? "-" : v.Value.ToString(v.Value < 10 ? "0.###" : "#,0.0", Inv);
}
