using SockDoc.Model;

namespace SockDoc.Diagnosis.Engine;

/// <summary>The fixed description of a rule: its id, what it watches, and the inputs it declares.</summary>
public sealed record RuleDescriptor(string Id, string Title, string KernelMechanism, IReadOnlyList<string> Inputs);

/// <summary>A rule is data plus one pure method over two samples. It never reads a file.</summary>
public interface IRule
{
    RuleDescriptor Descriptor { get; }
    CheckResult Evaluate(RuleContext context);
}

/// <summary>What a rule sees: the two samples, with helpers for the common arithmetic.</summary>
public sealed class RuleContext(SnapshotPair pair)
{
    public SnapshotPair Pair { get; } = pair;
    public Snapshot Now => Pair.Now;
    public Snapshot? Before => Pair.Before;
    public double? IntervalSeconds => Pair.IntervalSeconds;
    public long PageSize => Now.Host.PageSize ?? 0;
    public bool HasPageSize => Now.Host.PageSize is > 0;
    /// <summary>False when the sample comes from a child network namespace (a container).</summary>
    public bool InitialNetNs => Now.Host.InitialNetNs ?? true;

    public long? Counter(string group, string name) => Now.NetStat?.Get(group, name);
    public long? CounterDelta(string group, string name) => Pair.NetStatDelta(group, name);
}
