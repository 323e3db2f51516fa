namespace SockDoc.Model;

/// <summary>
/// What in a namespace's netfilter ruleset makes the kernel track connections (issue 13 item 7): conntrack
/// starts tracking every flow of a namespace once any loaded rule needs it — a NAT chain (nf_nat registers
/// its hooks with conntrack) or a `ct` expression (ct state, ct mark, ...). Read from `nft -j list ruleset`
/// or, without nft, `iptables-save`.
/// </summary>
public sealed record NetfilterSummary
{
    /// <summary>"nft -j list ruleset" or "iptables-save".</summary>
    public required string Source { get; init; }
    /// <summary>Chains that hold NAT, ct or notrack, each once.</summary>
    public IReadOnlyList<NetfilterChain> Chains { get; init; } = [];
    /// <summary>Set when the tool ran but its output could not be fully read.</summary>
    public string? Problem { get; init; }
    /// <summary>Tracked flows of the namespace by protocol and busiest destinations (/proc/net/nf_conntrack); null when not read.</summary>
    public ConntrackFlows? Flows { get; init; }
}

/// <summary>Entries of one namespace's conntrack table, summarised: by protocol, and the busiest original destinations.</summary>
public sealed record ConntrackFlows
{
    public long Entries { get; init; }
    public IReadOnlyDictionary<string, long> ByProtocol { get; init; } = new Dictionary<string, long>();
    /// <summary>(protocol, destination address, destination port) → entries, largest first.</summary>
    public IReadOnlyList<ConntrackDestination> TopDestinations { get; init; } = [];
    /// <summary>True when the table was larger than the read bound; counts cover the part read.</summary>
    public bool Partial { get; init; }
}

public sealed record ConntrackDestination(string Protocol, string Destination, int Port, long Entries);

/// <summary>One chain: its family/table/name and why it matters for conntrack.</summary>
public sealed record NetfilterChain(string Family, string Table, string Chain)
{
    /// <summary>A NAT chain (type nat, or the iptables nat table): conntrack is required for its hook.</summary>
    public bool Nat { get; init; }
    /// <summary>Rules using ct expressions (ct state/status/mark, -m conntrack/-m state).</summary>
    public long CtRules { get; init; }
    /// <summary>Rules with notrack / -j CT --notrack: flows exempted from tracking.</summary>
    public long NotrackRules { get; init; }
    /// <summary>Which runtime or tool owns it, judged from the table or chain name (netavark, docker, kube-proxy, CNI, ...).</summary>
    public string? Owner { get; init; }
    public string? Hook { get; init; }
}
