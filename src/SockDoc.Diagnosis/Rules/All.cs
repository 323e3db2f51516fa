using SockDoc.Diagnosis.Engine;

namespace SockDoc.Diagnosis.Rules;

/// <summary>Every rule, in the order the doctor reports them. Ids are a stable contract.</summary>
public static class All
{
    public static IReadOnlyList<IRule> Rules { get; } =
    [
        new Orphans(),
        new TcpMem(),
        new TwBuckets(),
        new PortExhaustion(),
        new Conntrack(),
        new ListenOverflow(),
        new SynFlood(),
        new FdProcess(),
        new FdSystem(),
        new OomKill(),
        new MemoryOvercommit(),
        new SendBufferFull(),
        new UdpMem(),
        new UdpRcvbuf(),
    ];

    public static IReadOnlyList<string> Ids { get; } = Rules.Select(r => r.Descriptor.Id).ToList();

    public static RuleEngine Engine() => new(Rules);
}
