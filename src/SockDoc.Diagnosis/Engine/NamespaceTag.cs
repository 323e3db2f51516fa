namespace SockDoc.Diagnosis.Engine;

/// <summary>
/// The network namespace (and container) a finding or check belongs to. Null on a finding means the machine
/// sample: the host namespace, or the namespace sockdoc ran in.
/// </summary>
public sealed record NamespaceTag(long Inode, string Name)
{
    /// <summary>Full container id (64 hex), when a container lives in the namespace.</summary>
    public string? ContainerId { get; init; }
    public string? ContainerName { get; init; }
    public string? Runtime { get; init; }
    public string? PodUid { get; init; }
    public string? PodNamespace { get; init; }
    public string? PodName { get; init; }
    public IReadOnlyList<string> NetnsNames { get; init; } = [];
}
