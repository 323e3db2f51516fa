using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// Why the kernel tracks a namespace's flows at all (issue 13 item 7). nf_conntrack tracks a flow when some
/// loaded netfilter hook needs it: a NAT chain (nf_nat registers only together with conntrack's hooks) or a
/// rule with a ct expression (ct state, -m conntrack, -m state). Installing a container runtime (podman's
/// netavark, docker, kube-proxy, CNI plugins) adds such chains to the host's own ruleset, after which every
/// connection of the namespace — loopback included — takes an entry. The alternative to a bigger table for heavy
/// local flows is to exempt them: a notrack rule in a raw-priority chain (nft) or -j CT --notrack (iptables).
/// </summary>
public static class ConntrackWhy
{
    public const string Source = "netfilter ruleset";

    /// <summary>Evidence lines: the chains that turn tracking on (with their owner), and the tracked flows by protocol and destination.</summary>
    public static List<Evidence> Evidence(Snapshot s, int top = 5)
    {
        ArgumentNullException.ThrowIfNull(s);
        var lines = new List<Evidence>();
        if (s.Netfilter is not { } nf) return lines;
        var src = nf.Source.Length > 0 ? nf.Source : Source;
        foreach (var c in nf.Chains.Where(c => c.Nat || c.CtRules > 0).Take(top))
        {
            var what = c.Nat ? "NAT chain" + (c.Hook is { } h ? $" (hook {h})" : "") : $"{c.CtRules} rule(s) with ct expressions";
            if (c.Nat && c.CtRules > 0) what += $", {c.CtRules} ct rule(s)";
            lines.Add(new Evidence($"tracking turned on by {c.Family} {c.Table} {c.Chain}", what + (c.Owner is { } o ? $", owned by {o}" : ""), src));
        }
        if (nf.Chains.Count > 0 && !nf.Chains.Any(c => c.Nat || c.CtRules > 0))
            lines.Add(new Evidence("netfilter chains needing conntrack", "none found (tracking may come from a module such as a helper or OVS)", src));
        if (nf.Chains.Where(c => c.NotrackRules > 0).ToList() is { Count: > 0 } nt)
            lines.Add(new Evidence("notrack rules already present", string.Join(", ", nt.Select(c => $"{c.Table} {c.Chain} ({c.NotrackRules})")), src));
        if (nf.Problem is { } p) lines.Add(new Evidence("netfilter ruleset", "not fully read: " + p, src));
        if (nf.Flows is { Entries: > 0 } flows)
        {
            lines.Add(new Evidence("tracked flows by protocol", string.Join(", ", flows.ByProtocol.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {N(kv.Value)}")) +
                (flows.Partial ? " (table read in part)" : ""), "/proc/net/nf_conntrack"));
            foreach (var d in flows.TopDestinations.Take(top))
                lines.Add(new Evidence($"tracked flows to {d.Protocol} {d.Destination}:{d.Port}", N(d.Entries), "/proc/net/nf_conntrack"));
        }
        return lines;
    }

    /// <summary>The notrack alternative, offered beside raising nf_conntrack_max when heavy flows are local (loopback).</summary>
    public static List<FixLine> Fix(Snapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var fixes = new List<FixLine>();
        if (s.Netfilter is not { } nf) return fixes;
        bool loopbackHeavy = nf.Flows?.TopDestinations.Take(3).Any(d => d.Destination.StartsWith("127.", StringComparison.Ordinal) || d.Destination == "::1") ?? false;
        bool tracked = nf.Chains.Any(c => c.Nat || c.CtRules > 0);
        if (!tracked && !loopbackHeavy) return fixes;
        var nft = nf.Source.StartsWith("nft", StringComparison.Ordinal);
        var cmd = nft
            ? "nft add table inet notrack_local; nft add chain inet notrack_local pre '{ type filter hook prerouting priority raw; }'; " +
              "nft add chain inet notrack_local out '{ type filter hook output priority raw; }'; nft add rule inet notrack_local pre iif lo notrack; nft add rule inet notrack_local out oif lo notrack"
            : "iptables -t raw -A PREROUTING -i lo -j CT --notrack; iptables -t raw -A OUTPUT -o lo -j CT --notrack";
        fixes.Add(new FixLine("notrack for loopback flows", nft ? "nft raw-priority notrack" : "iptables raw CT --notrack",
            "Flows that need no NAT or state match take no conntrack entry at all: exempt them in a raw-priority chain (before conntrack's hook) " +
            "instead of, or beside, raising nf_conntrack_max. Do not exempt flows a NAT or ct-state rule must see.") { Command = cmd });
        return fixes;
    }

    /// <summary>The conntrack finding with the "why" added; unchanged when the snapshot has no ruleset.</summary>
    public static Finding Add(Finding f, Snapshot s)
    {
        ArgumentNullException.ThrowIfNull(f);
        var ev = Evidence(s);
        var fix = Fix(s);
        return ev.Count == 0 && fix.Count == 0 ? f : f with { Evidence = [.. f.Evidence, .. ev], Fix = [.. f.Fix, .. fix] };
    }

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
}
