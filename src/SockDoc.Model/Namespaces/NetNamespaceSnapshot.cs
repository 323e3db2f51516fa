namespace SockDoc.Model.Namespaces;

// Every network namespace of a host (issue 13). The kernel splits its socket state in two (kernel-facts §2.5,
// §9): machine-wide parts (orphans, sockstat mem/alloc, tcp_mem, slab, file-nr, memory, the kernel log) exist
// once; per-namespace parts (sockstat inuse/tw, /proc/net/netstat and snmp, per-netns sysctls, the socket
// table) exist once per namespace. The machine sample stays a Snapshot of the namespace sockdoc runs in; each
// other namespace gets a Snapshot of its own whose per-namespace parts are its own and whose machine-wide
// parts are copied from the machine sample, so every rule reads it unchanged.

/// <summary>A container runtime's name for what lives in a namespace, read from the cgroup path and runtime state.</summary>
public sealed record ContainerRef
{
    /// <summary>docker, containerd, cri-o, podman, or "kubernetes" when only the pod is known.</summary>
    public required string Runtime { get; init; }
    /// <summary>The full 64-hex container id from the cgroup path.</summary>
    public required string Id { get; init; }
    /// <summary>The runtime's name for it (podman/CRI-O containers.json, docker config.v2.json), when readable.</summary>
    public string? Name { get; init; }
    public KubernetesPod? Pod { get; init; }

    public string ShortId => Id.Length > 12 ? Id[..12] : Id;
}

/// <summary>
/// A Kubernetes pod: uid from the kubepods cgroup path or the runtime's labels; name and namespace from the runtime's
/// labels (docker config.v2.json, containerd/CRI-O config.json) or else the pod's own files when readable.
/// </summary>
public sealed record KubernetesPod(string Uid, string? Namespace = null, string? Name = null)
{
    /// <summary>The container's name in the pod spec (io.kubernetes.container.name), when the runtime recorded it.</summary>
    public string? Container { get; init; }
}

/// <summary>One process of a namespace: pid, command and its cgroup (v2 path, or the v1 path that names it).</summary>
public sealed record NamespaceProcess(int Pid, string Command, string? Cgroup = null);

/// <summary>Who a network namespace belongs to and how sockdoc reached it.</summary>
public sealed record NetNamespaceIdentity
{
    /// <summary>Inode of the nsfs file ("net:[4026532281]"): the namespace's identity on this boot.</summary>
    public required long Inode { get; init; }
    /// <summary>True for the namespace of PID 1 (the host's).</summary>
    public bool Initial { get; init; }
    /// <summary>Names under /run/netns (`ip netns`), /var/run/netns, /run/docker/netns that are bind mounts of it.</summary>
    public IReadOnlyList<string> NetnsNames { get; init; } = [];
    /// <summary>Containers whose processes live in it (a Kubernetes pod's containers share one).</summary>
    public IReadOnlyList<ContainerRef> Containers { get; init; } = [];
    /// <summary>systemd units of its processes (*.service, *.scope outside containers).</summary>
    public IReadOnlyList<string> Units { get; init; } = [];
    /// <summary>Its processes, the first MaxProcesses by pid; ProcessCount counts all.</summary>
    public IReadOnlyList<NamespaceProcess> Processes { get; init; } = [];
    public int ProcessCount { get; init; }
    /// <summary>Distinct cgroups of its processes (v2 paths on v2/hybrid hosts).</summary>
    public IReadOnlyList<string> Cgroups { get; init; } = [];
    /// <summary>How it was entered: /proc/PID/ns/net of a member or a bind mount path.</summary>
    public string? EnteredThrough { get; init; }

    public const int MaxProcesses = 16;

    /// <summary>The one name an operator recognises: container (pod), ip-netns name, unit, then process names.</summary>
    public string DisplayName
    {
        get
        {
            if (Initial) return "host";
            if (Containers.Count > 0)
            {
                var c = Containers[0];
                if (c.Pod is { } pod && (pod.Name is not null || pod.Namespace is not null))
                    return $"pod {pod.Namespace ?? "?"}/{pod.Name ?? pod.Uid}";
                return c.Name is not null ? $"{c.Runtime} {c.Name} ({c.ShortId})" : $"{c.Runtime} {c.ShortId}";
            }
            if (NetnsNames.Count > 0) return "netns " + NetnsNames[0];
            if (Units.Count > 0) return "unit " + Units[0];
            if (Processes.Count > 0) return "processes " + string.Join(",", Processes.Select(p => p.Command).Distinct().Take(3));
            return $"net:[{Inode}]";
        }
    }
}

/// <summary>One namespace's two samples (Before null with one sample) and who it belongs to.</summary>
public sealed record NetNamespaceSnapshot
{
    public required NetNamespaceIdentity Identity { get; init; }
    public required Snapshot Now { get; init; }
    public Snapshot? Before { get; init; }

    public SnapshotPair Pair() => new(Now, Before);
}

/// <summary>
/// The whole host: the machine sample (the namespace sockdoc runs in, with every machine-wide part) and every
/// other network namespace. Namespaces is empty when only one namespace was read (the old single-namespace form).
/// </summary>
public sealed record HostSnapshot(SnapshotPair Machine, IReadOnlyList<NetNamespaceSnapshot> Namespaces)
{
    /// <summary>Identity of the machine sample's own namespace, when discovery ran.</summary>
    public NetNamespaceIdentity? MachineIdentity { get; init; }
    /// <summary>Socket-holding cgroups across every namespace (orphans and buffer memory), largest first.</summary>
    public IReadOnlyList<CgroupSocketUse> Cgroups { get; init; } = [];
}

/// <summary>Sockets, orphans and buffer memory a cgroup holds (sock_diag INET_DIAG_CGROUP_ID, summed over namespaces).</summary>
public sealed record CgroupSocketUse
{
    /// <summary>cgroup v2 id (the kernfs inode of the cgroup directory) the kernel reported; 0 = unknown.</summary>
    public required ulong Id { get; init; }
    /// <summary>Path under the v2 hierarchy ("/system.slice/x.service"); null when no directory has this id any more.</summary>
    public string? Path { get; init; }
    public ContainerRef? Container { get; init; }
    public string? Unit { get; init; }
    public long Sockets { get; init; }
    /// <summary>Full sockets with no owning file in FIN_WAIT1/FIN_WAIT2/CLOSING/LAST_ACK (kernel-facts §1.1).</summary>
    public long Orphans { get; init; }
    /// <summary>Σ skmem r + w + f of its sockets, bytes (what tcp_mem counts, in bytes).</summary>
    public long BufferBytes { get; init; }
    /// <summary>cgroup v2 memory.stat "sock" bytes, when the memory controller is on for it.</summary>
    public long? MemoryStatSockBytes { get; init; }

    public string DisplayName => Container is { } c ? (c.Name is not null ? $"{c.Runtime} {c.Name} ({c.ShortId})" : $"{c.Runtime} {c.ShortId}")
        : Unit ?? Path ?? $"cgroup id {Id}";
}

/// <summary>One namespace's socket census, as `sockets --by container --json` writes it (one element per namespace).</summary>
public sealed record NamespaceCensus(NetNamespaceIdentity Namespace, Census.SocketCensus Census);
