using System.Text.RegularExpressions;
using SockDoc.Model.Namespaces;

namespace SockDoc.Kernel.Namespaces;

/// <summary>One line of /proc/PID/cgroup: "hierarchy-ID:controller-list:path" (Documentation/admin-guide/cgroup-v2.rst).</summary>
public readonly record struct CgroupLine(int Hierarchy, string Controllers, string Path)
{
    /// <summary>The v2 line is "0::/path" (hierarchy 0, no controllers).</summary>
    public bool IsV2 => Hierarchy == 0 && Controllers.Length == 0;
}

/// <summary>
/// Names what lives in a cgroup from its path, the way the runtimes build their paths:
/// docker (cgroupfs "/docker/ID", systemd "docker-ID.scope"), containerd CRI ("cri-containerd-ID.scope", or
/// "/kubepods/…/podUID/ID"), CRI-O ("crio-ID.scope", "/crio-ID"), podman ("libpod-ID.scope",
/// "/libpod_parent/libpod-ID"), Kubernetes pods ("kubepods-…-podUID.slice", "/kubepods/…/podUID"), systemd units.
/// Pure over strings.
/// </summary>
public static partial class CgroupNaming
{
    /// <summary>Parses /proc/PID/cgroup text; malformed lines are skipped (the file is the kernel's, but may be cut).</summary>
    public static List<CgroupLine> Parse(string text) => Parse(text, out _);

    /// <summary>
    /// The one /proc/PID/cgroup parser: "hierarchy-ID:controller-list:path" per line (the path may itself hold ":").
    /// Lines that are not of that shape (a cut file, binary) are skipped and partial is set; never throws.
    /// </summary>
    public static List<CgroupLine> Parse(string text, out bool partial)
    {
        var lines = new List<CgroupLine>();
        partial = text.Contains('\0', StringComparison.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            if (raw.Length == 0) continue;
            int a = raw.IndexOf(':', StringComparison.Ordinal);
            int b = a <= 0 ? -1 : raw.IndexOf(':', a + 1);
            if (b < 0 || !int.TryParse(raw.AsSpan(0, a), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int h))
            {
                partial = true;
                continue;
            }
            lines.Add(new CgroupLine(h, raw[(a + 1)..b], raw[(b + 1)..]));
        }
        return lines;
    }

    /// <summary>The cgroup v2 path ("0::PATH"), or null on a v1-only host.</summary>
    public static string? V2Path(IReadOnlyList<CgroupLine> lines)
    {
        foreach (var l in lines) if (l.IsV2) return l.Path;
        return null;
    }

    /// <summary>The path in the v1 hierarchy that carries controller ("4:memory:/x", "3:cpu,cpuacct:/x"), or null.</summary>
    public static string? ControllerPath(IReadOnlyList<CgroupLine> lines, string controller)
    {
        foreach (var l in lines)
        {
            if (!l.IsV2 && l.Controllers.Split(',').Contains(controller)) return l.Path;
        }
        return null;
    }

    /// <summary>
    /// True for a path outside the reader's cgroup namespace root: the kernel prints such paths relative to the
    /// reader's root, climbing with ".." (cgroup_path_ns(): kernfs_path_from_node() from the namespace's root), e.g.
    /// "0::/../../kubepods.slice/…" seen from a container with a private cgroup namespace. The components after the
    /// ".." still name the container; the path cannot be joined to a cgroupfs mount.
    /// </summary>
    public static bool OutsideNamespaceRoot(string path) => path == "/.." || path.StartsWith("/../", StringComparison.Ordinal);

    /// <summary>The path that best names the process: the v2 path unless it is "/", else the first v1 path with a container or unit in it.</summary>
    public static string? BestPath(IReadOnlyList<CgroupLine> lines)
    {
        var v2 = lines.FirstOrDefault(l => l.IsV2);
        if (v2.Path is { Length: > 1 }) return v2.Path;
        foreach (var l in lines) if (!l.IsV2 && (Container(l.Path) is not null || Unit(l.Path) is not null)) return l.Path;
        foreach (var l in lines) if (!l.IsV2 && l.Path.Length > 1) return l.Path;
        return v2.Path ?? lines.FirstOrDefault().Path;
    }

    /// <summary>
    /// "RUNTIME-ID.scope" (systemd driver), a bare "ID" (cgroupfs driver), or "SLICE:RUNTIME:ID": runc's systemd
    /// cgroupsPath ("kubepods-…-podUID.slice:cri-containerd:ID") written literally as one directory, which is what
    /// containerd 1.4 with SystemdCgroup on a cgroup v1 host leaves in /proc/PID/cgroup (captured fixture).
    /// </summary>
    [GeneratedRegex("^(?:[^:/]*:(docker|cri-containerd|crio|libpod):|(?:(docker|cri-containerd|crio|libpod)-))?([0-9a-f]{64})(?:\\.scope)?$")]
    private static partial Regex ContainerComponent();

    /// <summary>
    /// "podUID" with the uid's dashes (cgroupfs) or underscores (systemd slices), or a static pod's uid: the hash of
    /// its manifest, 32 hex digits without dashes (kubelet's config hash for file/http pods).
    /// </summary>
    [GeneratedRegex("pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32})(?:\\.slice)?(?::|$)")]
    private static partial Regex PodComponent();

    /// <summary>The container a cgroup path belongs to, or null. Conmon's own cgroups ("libpod-conmon-ID") are not containers.</summary>
    public static ContainerRef? Container(string path)
    {
        if (string.IsNullOrEmpty(path)) return null;
        // ".." components (a path seen from another cgroup namespace) name nothing; the rest still does.
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "..").ToArray();
        string? podUid = null;
        ContainerRef? found = null;
        // The innermost container names the process: docker in docker is "/docker/OUTER/docker/INNER".
        for (int i = 0; i < parts.Length; i++)
        {
            var pm = PodComponent().Match(parts[i]);
            if (pm.Success) podUid = pm.Groups[1].Value.Replace('_', '-');
            var m = ContainerComponent().Match(parts[i]);
            if (!m.Success) continue;
            var prefix = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            bool underKube = parts.Take(i).Any(p => p.StartsWith("kubepods", StringComparison.Ordinal)) || podUid is not null;
            string runtime = prefix switch
            {
                "docker" => "docker",
                "cri-containerd" => "containerd",
                "crio" => "cri-o",
                "libpod" => "podman",
                // A bare id: under /docker it is docker's cgroupfs driver; under /kubepods, a CRI runtime's cgroupfs driver.
                _ => i > 0 && parts[i - 1] == "docker" ? "docker" : underKube ? "cri" : "container",
            };
            found = new ContainerRef
            {
                Runtime = runtime,
                Id = m.Groups[3].Value,
                Pod = podUid is null ? null : new KubernetesPod(podUid),
            };
        }
        return found;
    }

    /// <summary>The Kubernetes pod uid of a path ("…/kubepods-burstable-pod1234_…slice/…" or "/kubepods/besteffort/pod1234-…/…").</summary>
    public static string? PodUid(string path)
    {
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var pm = PodComponent().Match(part);
            if (pm.Success) return pm.Groups[1].Value.Replace('_', '-');
        }
        return null;
    }

    /// <summary>The systemd unit (last *.service, or *.scope that is not a container's) of a path, or null.</summary>
    public static string? Unit(string path)
    {
        if (string.IsNullOrEmpty(path)) return null;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            var p = parts[i];
            if (p.EndsWith(".service", StringComparison.Ordinal)) return p;
            if (p.EndsWith(".scope", StringComparison.Ordinal) && !ContainerComponent().IsMatch(p) && !p.Contains("-conmon-", StringComparison.Ordinal)) return p;
        }
        return null;
    }
}
