using System.Text.Json;
using SockDoc.Model.Namespaces;

namespace SockDoc.Kernel.Namespaces;

/// <summary>
/// Adds the runtime's own name to a container found by its cgroup id, from the runtime's state files:
/// containers/storage (podman, CRI-O) keeps containers.json with id → names; docker keeps
/// /var/lib/docker/containers/ID/config.v2.json with "Name". A Kubernetes pod's namespace, name and uid come from
/// the runtime's state files (RuntimeLabels); failing those, from the pod's own files seen through a member's root:
/// the service-account namespace file and /etc/hostname (the pod name unless the pod set another hostname).
/// Every file is optional; a missing one leaves the field null.
/// </summary>
public static class ContainerState
{
    public static readonly IReadOnlyList<string> StorageFiles =
    [
        "/var/lib/containers/storage/overlay-containers/containers.json",
        "/run/containers/storage/overlay-containers/containers.json",
    ];

    private static Dictionary<string, string>? _storageNames;
    private static DateTime _storageRead;
    private static readonly Lock Gate = new();

    public static ContainerRef Resolve(ProcRoot root, ContainerRef c, IReadOnlyList<int> pids)
    {
        string? name = c.Runtime switch
        {
            "docker" => DockerName(c.Id),
            _ => StorageName(c.Id) ?? DockerName(c.Id),
        };
        var labels = RuntimeLabels.Read(c.Runtime, c.Id);
        string? fileNs = null, fileHost = null;
        // The pod's own files are read only for a pod the runtime's labels leave incomplete.
        if ((c.Pod is not null || labels?.Uid is not null) && (labels?.Namespace is null || labels.Name is null))
        {
            foreach (var pid in pids.Take(4))
            {
                fileNs = NetNamespaceDiscovery.ReadSmall(root.PathOf($"{pid}/root/var/run/secrets/kubernetes.io/serviceaccount/namespace"))?.Trim();
                fileHost = NetNamespaceDiscovery.ReadSmall(root.PathOf($"{pid}/root/etc/hostname"))?.Trim();
                if (fileNs is { Length: > 0 } || fileHost is { Length: > 0 }) break;
            }
        }
        return Merge(c with { Name = name ?? c.Name }, labels, fileNs, fileHost);
    }

    /// <summary>
    /// The pod of a container from what is known of it: the runtime's labels win over the pod's own files (a pod
    /// can set its own hostname, and /etc/hostname is then not its name), and both over the cgroup path, which
    /// gives the uid only. No pod without a uid from either the labels or the cgroup path.
    /// </summary>
    public static ContainerRef Merge(ContainerRef c, PodLabels? runtime, string? fileNamespace, string? fileHostname)
    {
        ArgumentNullException.ThrowIfNull(c);
        var uid = runtime?.Uid ?? c.Pod?.Uid;
        if (uid is null) return c;
        var pod = c.Pod ?? new KubernetesPod(uid);
        return c with
        {
            Pod = pod with
            {
                Uid = uid,
                Namespace = runtime?.Namespace ?? (fileNamespace is { Length: > 0 } ? fileNamespace : pod.Namespace),
                Name = runtime?.Name ?? (fileHostname is { Length: > 0 } ? fileHostname : pod.Name),
                Container = runtime?.Container ?? pod.Container,
            },
        };
    }

    /// <summary>docker's name for a container ("/web" → "web"), or null.</summary>
    public static string? DockerName(string id)
    {
        var text = NetNamespaceDiscovery.ReadSmall($"/var/lib/docker/containers/{id}/config.v2.json");
        if (text is null) return null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.TryGetProperty("Name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()?.TrimStart('/') : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The first name containers/storage records for id (podman, CRI-O), or null.</summary>
    public static string? StorageName(string id)
    {
        lock (Gate)
        {
            if (_storageNames is null || DateTime.UtcNow - _storageRead > TimeSpan.FromSeconds(5))
            {
                _storageNames = [];
                foreach (var f in StorageFiles) ParseStorage(NetNamespaceDiscovery.ReadSmall(f), _storageNames);
                _storageRead = DateTime.UtcNow;
            }
            return _storageNames.TryGetValue(id, out var n) ? n : null;
        }
    }

    /// <summary>containers.json: [{"id": "…", "names": ["web"], …}, …]; anything else adds nothing.</summary>
    public static void ParseStorage(string? json, Dictionary<string, string> into)
    {
        if (string.IsNullOrWhiteSpace(json)) return;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array) return;
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Object) continue;
                if (!e.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String) continue;
                if (!e.TryGetProperty("names", out var names) || names.ValueKind != JsonValueKind.Array) continue;
                foreach (var n in names.EnumerateArray())
                {
                    if (n.ValueKind == JsonValueKind.String && n.GetString() is { Length: > 0 } s)
                    {
                        into.TryAdd(id.GetString()!, s);
                        break;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // a file being rewritten by the runtime: no names this time
        }
    }
}
