using System.Text.Json;

namespace SockDoc.Kernel.Namespaces;

/// <summary>The Kubernetes pod and container a runtime recorded for one of its containers; any field may be missing.</summary>
public sealed record PodLabels(string? Namespace, string? Name, string? Uid, string? Container)
{
    public bool Any => Namespace is not null || Name is not null || Uid is not null;
}

/// <summary>
/// Reads the Kubernetes identity the container runtimes write into their own state files, where the kubelet's
/// labels end up:
/// - docker (dockershim, cri-dockerd): /var/lib/docker/containers/ID/config.v2.json, Config.Labels
///   io.kubernetes.pod.name/namespace/uid and io.kubernetes.container.name; and the container's name itself,
///   "k8s_CONTAINER_POD_NAMESPACE_UID_ATTEMPT" (dockershim's makeContainerName);
/// - containerd CRI: the task bundle's OCI config.json, annotations io.kubernetes.cri.sandbox-name,
///   sandbox-namespace, sandbox-uid (containerd 1.6 and later) and container-name;
/// - CRI-O and podman (containers/storage): overlay-containers/ID/userdata/config.json, annotations
///   io.kubernetes.pod.name/namespace/uid and io.kubernetes.container.name (CRI-O copies the kubelet's labels;
///   podman 4.3's `kube play` writes none of them, see fixtures/namespaces/runtime/SOURCE.md).
/// The parsers are pure: garbage (truncated JSON, binary, wrong shapes) gives null, never an exception.
/// </summary>
public static class RuntimeLabels
{
    /// <summary>State files that may hold container ID's labels, the runtime's own first.</summary>
    public static IEnumerable<(string Path, Func<string?, PodLabels?> Parse)> Files(string runtime, string id)
    {
        (string, Func<string?, PodLabels?>) docker = ($"/var/lib/docker/containers/{id}/config.v2.json", ParseDockerConfig);
        (string, Func<string?, PodLabels?>) containerd = ($"/run/containerd/io.containerd.runtime.v2.task/k8s.io/{id}/config.json", ParseOciConfig);
        (string, Func<string?, PodLabels?>) crioRun = ($"/run/containers/storage/overlay-containers/{id}/userdata/config.json", ParseOciConfig);
        (string, Func<string?, PodLabels?>) storage = ($"/var/lib/containers/storage/overlay-containers/{id}/userdata/config.json", ParseOciConfig);
        return runtime switch
        {
            "docker" => [docker, containerd, crioRun, storage],
            "cri-o" or "podman" => [crioRun, storage, containerd, docker],
            _ => [containerd, crioRun, storage, docker],
        };
    }

    /// <summary>The first state file of container id that names a pod, read under root ("" = the live host); null if none.</summary>
    public static PodLabels? Read(string runtime, string id, string root = "")
    {
        // Ids come from cgroup paths (64 hex digits); anything else must not become a path.
        if (id.Length == 0 || id.Any(ch => !char.IsAsciiHexDigitLower(ch))) return null;
        foreach (var (path, parse) in Files(runtime, id))
        {
            var r = ProcFile.ReadAll(root + path, 4 * 1024 * 1024);
            if (!r.Ok) continue;
            var labels = parse(System.Text.Encoding.UTF8.GetString(r.Value!));
            if (labels is { Any: true }) return labels;
        }
        return null;
    }

    /// <summary>docker's config.v2.json: Config.Labels, else the dockershim name in "Name"; null when neither names a pod.</summary>
    public static PodLabels? ParseDockerConfig(string? json)
    {
        using var doc = Parse(json);
        if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object) return null;
        var root = doc.RootElement;
        PodLabels? fromLabels = null;
        if (root.TryGetProperty("Config", out var config) && config.ValueKind == JsonValueKind.Object &&
            config.TryGetProperty("Labels", out var labels) && labels.ValueKind == JsonValueKind.Object)
        {
            fromLabels = new PodLabels(Str(labels, "io.kubernetes.pod.namespace"), Str(labels, "io.kubernetes.pod.name"),
                Str(labels, "io.kubernetes.pod.uid"), Str(labels, "io.kubernetes.container.name"));
        }
        var fromName = ParseDockershimName(Str(root, "Name"));
        if (fromLabels is { Any: true })
            return fromName is null ? fromLabels : new PodLabels(fromLabels.Namespace ?? fromName.Namespace, fromLabels.Name ?? fromName.Name,
                fromLabels.Uid ?? fromName.Uid, fromLabels.Container ?? fromName.Container);
        return fromName;
    }

    /// <summary>
    /// An OCI config.json's annotations: containerd's io.kubernetes.cri.sandbox-* first, then the kubelet's labels
    /// as CRI-O copies them (io.kubernetes.pod.*). Null when none names a pod.
    /// </summary>
    public static PodLabels? ParseOciConfig(string? json)
    {
        using var doc = Parse(json);
        if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object) return null;
        if (!doc.RootElement.TryGetProperty("annotations", out var a) || a.ValueKind != JsonValueKind.Object) return null;
        var labels = new PodLabels(
            Str(a, "io.kubernetes.cri.sandbox-namespace") ?? Str(a, "io.kubernetes.pod.namespace"),
            Str(a, "io.kubernetes.cri.sandbox-name") ?? Str(a, "io.kubernetes.pod.name"),
            Str(a, "io.kubernetes.cri.sandbox-uid") ?? Str(a, "io.kubernetes.pod.uid"),
            Str(a, "io.kubernetes.cri.container-name") ?? Str(a, "io.kubernetes.container.name"));
        return labels.Any ? labels : null;
    }

    /// <summary>
    /// "k8s_CONTAINER_POD_NAMESPACE_UID_ATTEMPT" (a leading "/" as docker stores it is allowed). Pod, namespace and
    /// container names are DNS labels/subdomains and uids are dashed hex, none holds "_", so the split is exact;
    /// the pod's sandbox is container "POD". Null for anything else.
    /// </summary>
    public static PodLabels? ParseDockershimName(string? name)
    {
        if (name is null) return null;
        var parts = name.TrimStart('/').Split('_');
        if (parts.Length != 6 || parts[0] != "k8s" || parts.Any(p => p.Length == 0)) return null;
        if (!int.TryParse(parts[5], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)) return null;
        return new PodLabels(parts[3], parts[2], parts[4], parts[1]);
    }

    private static JsonDocument? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            // a file cut while the runtime rewrote it, or not JSON at all
            return null;
        }
    }

    private static string? Str(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
}
