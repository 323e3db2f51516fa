using System.Text.Json;
using SockDoc.Model.Namespaces;

namespace SockDoc.Kernel.Namespaces;

/// <summary>
/// Adds the runtime's own name to a container found by its cgroup id, from the runtime's state files:
/// containers/storage (podman, CRI-O) keeps containers.json with id → names; docker keeps
/// /var/lib/docker/containers/ID/config.v2.json with "Name". A Kubernetes pod's namespace and name come from the
/// pod's own files seen through a member's root: the service-account namespace file and /etc/hostname (the pod
/// name unless the pod set another hostname). Every file is optional; a missing one leaves the field null.
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
        var pod = c.Pod;
        if (pod is not null && pids.Count > 0)
        {
            foreach (var pid in pids.Take(4))
            {
                var ns = NetNamespaceDiscovery.ReadSmall(root.PathOf($"{pid}/root/var/run/secrets/kubernetes.io/serviceaccount/namespace"))?.Trim();
                var host = NetNamespaceDiscovery.ReadSmall(root.PathOf($"{pid}/root/etc/hostname"))?.Trim();
                if (ns is { Length: > 0 } || host is { Length: > 0 })
                {
                    pod = pod with { Namespace = ns is { Length: > 0 } ? ns : pod.Namespace, Name = host is { Length: > 0 } ? host : pod.Name };
                    break;
                }
            }
        }
        return c with { Name = name ?? c.Name, Pod = pod };
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
