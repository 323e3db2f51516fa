using SockDoc.Cli.Output;
using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model.Census;
using SockDoc.Model.Namespaces;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SockDoc.Cli.Views;

/// <summary>
/// Every network namespace in the doctor's and the census's views (issue 13): the per-container section, the
/// namespace line above a container's finding, and the census tables keyed by container.
/// </summary>
public static class NamespacesView
{
    /// <summary>The per-container section of the doctor; nothing when only the host namespace was looked at.</summary>
    public static IRenderable Section(Report report)
    {
        if (report.Namespaces is not { Count: > 0 } list) return new Text("");
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]Network namespaces[/] ({list.Count} besides this one)");
        foreach (var h in new[] { "namespace", "net inode", "container id", "sockets", "TIME_WAIT", "busiest destination: ports / range", "orphans", "buffers", "findings" })
            table.AddColumn(h);
        foreach (var n in list.OrderByDescending(n => n.Severity).ThenBy(n => n.Namespace.Name, StringComparer.Ordinal))
        {
            var s = n.Summary;
            var findings = n.Findings.Count == 0 ? "[green]ok[/]" : string.Join(", ", n.Findings.Select(f => $"{Word(f.Severity)} {Markup.Escape(f.Id)}"));
            table.AddRow(
                new Text(n.Namespace.Name),
                new Text(n.Namespace.Inode.ToString(CultureInfo.InvariantCulture)),
                new Text(n.Namespace.ContainerId is { } id ? id[..Math.Min(12, id.Length)] : "-"),
                new Text(Num(s.Sockets)),
                new Text(Num(s.TimeWait) + (s.TcpMaxTwBuckets is { } max ? $" / {Num(max)}" : "")),
                new Text(s.BusiestDestination is null ? "-" : $"{s.BusiestDestination}: {Num(s.BusiestDestinationPorts)} / {Num(s.LocalPortRangeSize)}"),
                new Text(Num(s.Orphans)),
                new Text(s.BufferBytes is { } b ? ByteText.Format(b) : "-"),
                new Markup(findings));
        }
        var rows = new List<IRenderable> { table };
        if (report.Cgroups is { Count: > 0 } cg && cg.Any(c => c.Orphans > 0 || c.BufferBytes > 0))
            rows.Add(new Markup("[grey]Held by cgroup (sock_diag cgroup id): " + Markup.Escape(string.Join("; ", cg.Where(c => c.Orphans > 0 || c.BufferBytes > 0).Take(5)
                .Select(c => $"{c.DisplayName}: {Num(c.Orphans)} orphans, {ByteText.Format(c.BufferBytes)} buffers"))) + "[/]"));
        return new Rows(rows);
    }

    /// <summary>The per-container section as plain text (the doctor's view): one row per namespace, worst first.</summary>
    public static void Section(TextDoc doc, Report report)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(report);
        if (report.Namespaces is not { Count: > 0 } list) return;
        doc.Heading($"Network namespaces ({list.Count} besides this one)");
        doc.Table(["namespace", "net inode", "container id", "sockets", "TIME_WAIT", "busiest destination: ports / range", "orphans", "buffers", "findings"],
            list.OrderByDescending(n => n.Severity).ThenBy(n => n.Namespace.Name, StringComparer.Ordinal).Select(n =>
            {
                var s = n.Summary;
                var findings = n.Findings.Count == 0 ? "ok" : string.Join(", ", n.Findings.Select(f => $"{f.Severity.ToString().ToLowerInvariant()} {f.Id}"));
                string[] cells =
                [
                    n.Namespace.Name,
                    n.Namespace.Inode.ToString(CultureInfo.InvariantCulture),
                    n.Namespace.ContainerId is { } id ? id[..Math.Min(12, id.Length)] : "-",
                    Num(s.Sockets),
                    Num(s.TimeWait) + (s.TcpMaxTwBuckets is { } max ? $" / {Num(max)}" : ""),
                    s.BusiestDestination is null ? "-" : $"{s.BusiestDestination}: {Num(s.BusiestDestinationPorts)} / {Num(s.LocalPortRangeSize)}",
                    Num(s.Orphans),
                    s.BufferBytes is { } b ? ByteText.Format(b) : "-",
                    findings,
                ];
                return (cells, n.Findings.Count == 0 ? Tone.Plain : Tone.Warning);
            }));
        if (report.Cgroups is { Count: > 0 } cg && cg.Any(c => c.Orphans > 0 || c.BufferBytes > 0))
            doc.Prose("Held by cgroup (sock_diag cgroup id): " + string.Join("; ", cg.Where(c => c.Orphans > 0 || c.BufferBytes > 0).Take(5)
                .Select(c => $"{c.DisplayName}: {Num(c.Orphans)} orphans, {ByteText.Format(c.BufferBytes)} buffers")), tone: Tone.Dim);
    }

    /// <summary>"In NAME (net:[INODE], container ID)" for a finding about another namespace; null for the host's own.</summary>
    public static string? Tag(Finding f)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (f.Namespace is not { } ns) return null;
        var id = ns.ContainerId is { } c ? $", container {c}" : "";
        return $"In {ns.Name} (net:[{ns.Inode}]{id})";
    }

    /// <summary>A finding's panel, under a line naming the namespace and container it is about (none for the host's own).</summary>
    public static IRenderable Tagged(Finding f, IRenderable panel)
    {
        if (f.Namespace is not { } ns) return panel;
        var id = ns.ContainerId is { } c ? $", container {c}" : "";
        return new Rows(new Markup($"[bold]In {Markup.Escape(ns.Name)}[/] [grey](net:[[{ns.Inode}]]{Markup.Escape(id)})[/]"), panel);
    }

    /// <summary>`sockets --by container,…`: one row per namespace and state (or destination), from per-namespace censuses.</summary>
    public static IRenderable Census(IReadOnlyList<(NetNamespaceIdentity Id, SocketCensus Census)> all, bool byState, bool byDest, bool udp, int top)
    {
        var rows = new List<IRenderable>();
        var totals = new Table().Border(TableBorder.Rounded).Title("[bold]Sockets by container[/]");
        foreach (var h in new[] { "namespace", "net inode", "container id", "TCP sockets", "TIME_WAIT", "orphans" }) totals.AddColumn(h);
        if (udp) { totals.AddColumn("UDP sockets"); totals.AddColumn("UDP drops"); }
        foreach (var (id, c) in all.OrderByDescending(x => x.Census.TotalSockets))
        {
            var cells = new List<IRenderable>
            {
                new Text(id.DisplayName), new Text(id.Inode.ToString(CultureInfo.InvariantCulture)),
                new Text(id.Containers.FirstOrDefault()?.ShortId ?? "-"), new Text(Num(c.TotalSockets)),
                new Text(Num(c.ByState.GetValueOrDefault("TIME_WAIT"))), new Text(Num(c.OrphansByState.Values.Sum())),
            };
            if (udp) { cells.Add(new Text(Num(c.Udp?.Sockets))); cells.Add(new Text(Num(c.Udp?.Drops))); }
            totals.AddRow(cells);
        }
        rows.Add(totals);
        if (byState)
        {
            var t = new Table().Border(TableBorder.Rounded).Title("[bold]Container × state[/]");
            t.AddColumn("namespace");
            t.AddColumn("state");
            t.AddColumn(new TableColumn("sockets").RightAligned());
            foreach (var (id, c) in all)
                foreach (var (state, n) in c.ByState.OrderByDescending(kv => kv.Value))
                    t.AddRow(id.DisplayName, state, Num(n));
            rows.Add(t);
        }
        if (byDest)
        {
            var t = new Table().Border(TableBorder.Rounded).Title("[bold]Container × destination (ephemeral ports in use)[/]");
            foreach (var h in new[] { "namespace", "source", "destination", "connections", "TIME_WAIT", "of range" }) t.AddColumn(h);
            foreach (var (id, c) in all)
                foreach (var d in c.Destinations.Take(top))
                    t.AddRow(id.DisplayName, d.SourceAddress, $"{d.DestinationAddress}:{d.DestinationPort}", Num(d.Connections), Num(d.TimeWait),
                        c.LocalPortRangeSize is { } r && r > 0 ? ((double)d.Connections / r).ToString("P0", CultureInfo.InvariantCulture) : "-");
            rows.Add(t);
        }
        if (udp)
        {
            var t = new Table().Border(TableBorder.Rounded).Title("[bold]UDP sockets (by drops, then receive queue)[/]");
            foreach (var h in new[] { "namespace", "local", "peer", "recv-q", "send-q", "rmem / rcvbuf", "drops" }) t.AddColumn(h);
            foreach (var (id, c) in all)
                foreach (var u in c.Udp?.Top.Take(top) ?? [])
                    t.AddRow(id.DisplayName, u.Local, u.Peer, Num(u.RecvQueue), Num(u.SendQueue), u.RcvBuf >= 0 ? $"{Num(u.RmemAlloc)} / {Num(u.RcvBuf)}" : "-", Num(u.Drops));
            rows.Add(t);
        }
        return new Rows(rows);
    }

    private static string Word(Severity s) => s switch
    {
        Severity.Critical => "[bold red]CRITICAL[/]",
        Severity.Warning => "[yellow]WARNING[/]",
        _ => "[blue]info[/]",
    };

    private static string Num(long? v) => v is { } x ? x.ToString("N0", CultureInfo.InvariantCulture) : "-";
}
