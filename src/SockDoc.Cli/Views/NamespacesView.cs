using SockDoc.Cli.Output;
using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model.Census;
using SockDoc.Model.Namespaces;
using SockDoc.Diagnosis.Text;

namespace SockDoc.Cli.Views;

/// <summary>
/// Every network namespace in the doctor's and the census's views (issue 13): the per-container section, the
/// namespace line above a container's finding, and the census tables keyed by container.
/// </summary>
public static class NamespacesView
{
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
                var findings = n.Findings.Count == 0 ? "ok" : string.Join(", ", n.Findings.Select(f => $"{DoctorView.Word(f.Severity)} {f.Id}"));
                string[] cells =
                [
                    n.Namespace.Name,
                    n.Namespace.Inode.ToString(CultureInfo.InvariantCulture),
                    n.Namespace.ContainerId is { } id ? id[..Math.Min(12, id.Length)] : "-",
                    Num(s.Sockets),
                    Num(s.TimeWait) + (s.TcpMaxTwBuckets is { } max ? $" / {Num(max)}" : ""),
                    s.BusiestDestination is null ? "-" : $"{s.BusiestDestination}: {Num(s.BusiestDestinationPorts)} / {Num(s.LocalPortRangeSize)}",
                    Num(s.Orphans),
                    (s.BufferBytes is { } b ? Quantities.Bytes(b) : "-") + (s.MemcgSockBytes is { } m ? $" (memcg sock {Quantities.Bytes(m)})" : ""),
                    findings,
                ];
                return (cells, n.Findings.Count == 0 ? Tone.Plain : Tone.Warning);
            }));
        if (report.Cgroups is { Count: > 0 } cg && cg.Any(c => c.Orphans > 0 || c.BufferBytes > 0))
            doc.Prose("Held by cgroup (sock_diag cgroup id): " + string.Join("; ", cg.Where(c => c.Orphans > 0 || c.BufferBytes > 0).Take(5)
                .Select(c => $"{c.DisplayName}: {Num(c.Orphans)} orphans, {Quantities.Bytes(c.BufferBytes)} buffers")), tone: Tone.Dim);
    }

    /// <summary>"In NAME (net:[INODE], container ID)" for a finding about another namespace; null for the host's own.</summary>
    public static string? Tag(Finding f)
    {
        ArgumentNullException.ThrowIfNull(f);
        if (f.Namespace is not { } ns) return null;
        var id = ns.ContainerId is { } c ? $", container {c}" : "";
        return $"In {ns.Name} (net:[{ns.Inode}]{id})";
    }

    /// <summary>`sockets --by container,…`: one row per namespace and state (or destination), from per-namespace censuses.</summary>
    public static TextDoc Census(IReadOnlyList<(NetNamespaceIdentity Id, SocketCensus Census)> all, bool byState, bool byDest, bool udp, int top)
    {
        ArgumentNullException.ThrowIfNull(all);
        var doc = new TextDoc();
        doc.Heading("Sockets by container");
        string[] headers = udp
            ? ["namespace", "net inode", "container id", "TCP sockets", "TIME_WAIT", "orphans", "UDP sockets", "UDP drops", ""]
            : ["namespace", "net inode", "container id", "TCP sockets", "TIME_WAIT", "orphans", ""];
        doc.Table(headers, all.OrderByDescending(x => x.Census.TotalSockets).Select(x =>
        {
            var (id, c) = x;
            var cells = new List<string>
            {
                id.DisplayName, id.Inode.ToString(CultureInfo.InvariantCulture), id.Containers.FirstOrDefault()?.ShortId ?? "-", Num(c.TotalSockets),
                Num(c.ByState.GetValueOrDefault("TIME_WAIT")), Num(c.OrphansByState.Values.Sum()),
            };
            if (udp) { cells.Add(Num(c.Udp?.Sockets)); cells.Add(Num(c.Udp?.Drops)); }
            cells.Add("");
            return (cells.ToArray(), Tone.Plain);
        }), indent: 2);
        if (byState)
        {
            doc.Blank();
            doc.Heading("Container × state");
            doc.Table(["namespace", "state", "sockets", ""], all.SelectMany(x => x.Census.ByState.OrderByDescending(kv => kv.Value)
                .Select(kv => (new[] { x.Id.DisplayName, kv.Key, Num(kv.Value), "" }, Tone.Plain))), indent: 2);
        }
        if (byDest)
        {
            doc.Blank();
            doc.Heading("Container × destination (ephemeral ports in use)");
            doc.Table(["namespace", "source", "destination", "connections", "TIME_WAIT", "of range", ""], all.SelectMany(x => x.Census.Destinations.Take(top)
                .Select(d => (new[] { x.Id.DisplayName, d.SourceAddress, $"{d.DestinationAddress}:{d.DestinationPort}", Num(d.Connections), Num(d.TimeWait),
                    x.Census.LocalPortRangeSize is { } r && r > 0 ? Quantities.Percent(d.Connections, r) : "-", "" }, Tone.Plain))), indent: 2);
        }
        if (udp)
        {
            doc.Blank();
            doc.Heading("UDP sockets (by drops, then receive queue)");
            doc.Table(["namespace", "local", "peer", "recv-q", "send-q", "rmem / rcvbuf", "drops", ""], all.SelectMany(x => (x.Census.Udp?.Top.Take(top) ?? [])
                .Select(u => (new[] { x.Id.DisplayName, u.Local, u.Peer, Num(u.RecvQueue), Num(u.SendQueue), u.RcvBuf >= 0 ? $"{Num(u.RmemAlloc)} / {Num(u.RcvBuf)}" : "-", Num(u.Drops), "" },
                    u.Drops > 0 ? Tone.Warning : Tone.Plain))), indent: 2);
        }
        return doc;
    }

    private static string Num(long? v) => v is { } x ? Quantities.Count(x) : "-";
}
