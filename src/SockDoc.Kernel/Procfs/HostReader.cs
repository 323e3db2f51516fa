using System.Globalization;
using SockDoc.Model;

namespace SockDoc.Kernel.Procfs;

/// <summary>Kernel release, hostname, page size, CPUs, network namespace identity, uptime and boot time.</summary>
public static class HostReader
{
    /// <summary>Source and problem of a copied tree whose page size is unknown; the caller says how to give it.</summary>
    public const string PageSizeSource = "page size";
    public const string PageSizeUnknown = "unknown for a copied /proc tree without smaps: pages cannot be converted to bytes";

    public static HostIdentity Read(ProcRoot root, Sysctls sysctls, long? pageSizeOverride, List<SourceProblem> problems)
    {
        var release = Text(root, "sys/kernel/osrelease");
        var hostname = Text(root, "sys/kernel/hostname");
        double? uptime = null;
        var up = Text(root, "uptime");
        if (up is not null)
        {
            var first = up.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var u)) uptime = u;
        }
        long? btime = null;
        int? cpus = null;
        var stat = ProcFile.ReadAll(root.PathOf("stat"), 4 * 1024 * 1024);
        if (stat.Ok)
        {
            var text = System.Text.Encoding.UTF8.GetString(stat.Value!);
            int count = 0;
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("btime ", StringComparison.Ordinal) &&
                    long.TryParse(line.AsSpan(6).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var b)) btime = b;
                if (line.StartsWith("cpu", StringComparison.Ordinal) && line.Length > 3 && char.IsAsciiDigit(line[3])) count++;
            }
            if (count > 0) cpus = count;
        }

        long? nsInode = null;
        try
        {
            var link = new FileInfo(root.PathOf("self/ns/net")).LinkTarget;
            if (link is not null && link.StartsWith("net:[", StringComparison.Ordinal) && link.EndsWith(']'))
            {
                if (long.TryParse(link.AsSpan(5, link.Length - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var ino)) nsInode = ino;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new SourceProblem(root.PathOf("self/ns/net"), e.Message));
        }

        long? pageSize = pageSizeOverride;
        if (pageSize is null && root.IsLive) pageSize = Environment.SystemPageSize;
        pageSize ??= PageSizeFromSmaps(root);
        if (pageSize is null) problems.Add(new SourceProblem(PageSizeSource, PageSizeUnknown));

        // The global-only sysctls exist only in the initial network namespace (kernel-facts §9);
        // their absence next to per-namespace ones marks a child namespace (a container).
        bool? initial = sysctls.Has(SysctlNames.TcpMaxTwBuckets)
            ? sysctls.Has(SysctlNames.TcpMaxOrphans) || sysctls.Has(SysctlNames.TcpMem)
            : null;

        return new HostIdentity
        {
            Hostname = hostname,
            KernelRelease = release,
            PageSize = pageSize,
            CpuCount = cpus,
            NetNsInode = nsInode,
            InitialNetNs = initial,
            UptimeSeconds = uptime,
            BootTimeUnix = btime,
        };
    }

    private static string? Text(ProcRoot root, string rel)
    {
        var r = ProcFile.ReadAll(root.PathOf(rel), 64 * 1024);
        return r.Ok ? System.Text.Encoding.UTF8.GetString(r.Value!).Trim() : null;
    }

    /// <summary>"KernelPageSize:        4 kB" in any process's smaps of the copied tree.</summary>
    private static long? PageSizeFromSmaps(ProcRoot root)
    {
        foreach (var candidate in new[] { "self/smaps", "1/smaps" })
        {
            var text = Text(root, candidate);
            if (text is null) continue;
            foreach (var line in text.Split('\n'))
            {
                if (!line.StartsWith("KernelPageSize:", StringComparison.Ordinal)) continue;
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 3 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kb) && parts[2] == "kB") return kb * 1024;
            }
        }
        return null;
    }
}
