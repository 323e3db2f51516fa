using System.Globalization;
using SockDoc.Model.Trace;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SockDoc.Cli.Views;

/// <summary>`sockdoc trace` tables; pure (report in, renderable out), the same for each live frame and the final one.</summary>
public static class TraceView
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IRenderable Render(TraceReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var parts = new List<IRenderable>
        {
            new Markup(Markup.Escape(
                $"{(r.Finished ? "trace finished" : "tracing")}: {r.DurationSeconds:0.0} s, {r.Totals.Events.ToString("N0", Inv)} events ({r.Totals.EventsPerSecond.ToString("N0", Inv)}/s)" +
                (r.Totals.Lost > 0 ? $", {r.Totals.Lost.ToString("N0", Inv)} LOST (ring full: tables undercount; raise --ring-kb)" : ", none lost") +
                $"; by {string.Join(",", r.By)}") + "\n"),
            Probes(r),
        };
        if (r.ConnectErrors is { } ce)
        {
            parts.Add(Grid("Failed connects (syscalls:sys_exit_connect)", "no connect() failed with EADDRNOTAVAIL or EADDRINUSE", ["error", "process", "pid", "cgroup", "destination", "port", "count", "dest unknown"], ce.Select(x => new string?[] { x.Error, x.Process, N(x.Pid), x.Cgroup, x.Destination, N(x.Port), N(x.Count), N(x.DestinationUnknown) })));
        }
        if (r.Churn is { } ch)
        {
            parts.Add(Grid("Connection churn (sock:inet_sock_set_state)", "no TCP connection opened or closed", ["dir", "process", "pid", "cgroup", "peer", "port", "opened", "opened/s", "/s active", "closed", "failed", "TIME_WAIT entered", "life p50 ms", "life p99 ms"], ch.Select(x => new string?[] { x.Direction, x.Process, N(x.Pid), x.Cgroup, x.Destination, N(x.Port), N(x.Opened), x.OpenedPerSecond.ToString("N1", Inv), x.OpenedPerActiveSecond?.ToString("N1", Inv) ?? "-", N(x.Closed), N(x.Failed),
                    N(x.TimeWaitEntered), Ms(x.LifetimeP50Ms), Ms(x.LifetimeP99Ms) })));
        }
        if (r.Resets is { } rs)
        {
            parts.Add(Grid("Resets (tcp:tcp_send_reset, tcp:tcp_receive_reset)", "no reset sent or received", ["dir", "reason", "peer", "local port", "state", "process", "pid", "cgroup", "count"], rs.Select(x => new string?[] { x.Direction, x.Reason, x.Peer, N(x.Port), x.State, x.Process, N(x.Pid), x.Cgroup, N(x.Count) })));
        }
        if (r.Memory is { } mem)
        {
            parts.Add(Grid("Refused memory charges (sock:sock_exceed_buf_limit)", "no memory charge refused", ["proto", "kind", "process", "pid", "cgroup", "refused", "max allocated pages", "mem min/pressure/max", "above max", "per-socket"], mem.Select(x => new string?[] { x.Protocol, x.Kind, x.Process, N(x.Pid), x.Cgroup, N(x.Refused), N(x.MaxAllocatedPages), $"{x.TcpMemMin}/{x.TcpMemPressure}/{x.TcpMemMax}", N(x.AboveMaxCount), N(x.PerSocketLimitCount) })));
        }
        if (r.Drops is { } dr)
        {
            parts.Add(Grid("Packet drops (skb:kfree_skb, reasons named by this kernel's format file)", "no packet dropped", ["reason", "protocol", "count"], dr.Select(x => new string?[] { x.Reason, x.Protocol, N(x.Count) })));
        }
        if (r.Blocked is { } bl)
        {
            parts.Add(Grid("Senders blocked on a full send buffer", "no thread seen in sk_stream_wait_memory", ["process", "pid", "cgroup", "peer", "port", "episodes", "samples", "blocked ms", "longest ms", "now"], bl.Select(x => new string?[] { x.Process, N(x.Pid), x.Cgroup, x.Peer, N(x.Port), N(x.Episodes), N(x.Samples), x.BlockedMs.ToString("N0", Inv), x.LongestMs.ToString("N0", Inv), x.StillBlocked ? "yes" : "" })));
            if (r.BlockedMethod is not null) parts.Add(new Markup(Markup.Escape("method: " + r.BlockedMethod) + "\n"));
        }
        if (r.Finished)
            foreach (var n in r.Notes) parts.Add(new Markup("[grey]" + Markup.Escape("note: " + n) + "[/]\n"));
        return new Rows(parts);
    }

    private static IRenderable Probes(TraceReport r)
    {
        var t = Table("Tracepoints (" + r.Method + ")", "event", "status", "filter / why not", "used for");
        foreach (var p in r.Probes)
            t.AddRow(Cells(p.Event, p.Attached ? "attached" : p.Available ? "NOT ATTACHED" : "UNAVAILABLE", p.Problem ?? p.Filter ?? "-", p.UsedFor));
        return t;
    }

    private static Table Table(string title, params string[] columns)
    {
        var t = new Table().Border(TableBorder.Simple).Title(Markup.Escape(title));
        foreach (var c in columns) t.AddColumn(Markup.Escape(c));
        return t;
    }

    /// <summary>A table whose columns that are null in every row (keys not in --by) are left out.</summary>
    private static IRenderable Grid(string title, string empty, string[] columns, IEnumerable<string?[]> rows)
    {
        var list = rows.ToList();
        if (list.Count == 0) return new Markup(Markup.Escape(title + ": " + empty) + "\n");
        var keep = Enumerable.Range(0, columns.Length).Where(i => list.Any(r => r[i] is not null)).ToList();
        var t = Table(title, [.. keep.Select(i => columns[i])]);
        foreach (var r in list) t.AddRow(Cells([.. keep.Select(i => r[i])]));
        return t;
    }

    private static IRenderable[] Cells(params string?[] values) =>
        [.. values.Select(v => (IRenderable)new Text(v ?? "-"))];

    private static string N(long v) => v.ToString("N0", Inv);

    private static string? N(int? v) => v?.ToString(Inv);


    private static string Ms(double? v) => v is null ? "-" : v.Value.ToString(v.Value < 10 ? "0.###" : "N1", Inv);
}
