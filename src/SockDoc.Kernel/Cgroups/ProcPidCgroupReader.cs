using SockDoc.Kernel.Procfs;

namespace SockDoc.Kernel.Cgroups;

/// <summary>A process's cgroups from /proc/PID/cgroup: the v2 path ("0::/…") and the path in the v1 memory hierarchy ("N:memory:/…").</summary>
public sealed record ProcPidCgroup(string? V2Path, string? V1MemoryPath);

/// <summary>
/// /proc/PID/cgroup (cgroups(7)): "hierarchy-ID:controller-list:cgroup-path" per line; the v2 line is "0::PATH".
/// A v1 hierarchy's controller list is comma-separated ("4:memory:/x", or "3:cpu,cpuacct:/x").
/// </summary>
public static class ProcPidCgroupReader
{
    public static ReadResult<ProcPidCgroup> Read(ProcRoot root, int pid) =>
        ProcFile.Read(root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/cgroup", Parse);

    public static ProcPidCgroup Parse(ReadOnlySpan<byte> data)
    {
        if (ProcText.LooksBinary(data)) throw new ProcParseException("binary data where /proc/PID/cgroup text was expected");
        string? v2 = null, memory = null;
        bool any = false;
        var lines = ProcText.Lines(data);
        while (lines.MoveNext())
        {
            if (lines.Current.IsEmpty) continue;
            var line = ProcText.Str(lines.Current);
            int a = line.IndexOf(':', StringComparison.Ordinal);
            int b = a < 0 ? -1 : line.IndexOf(':', a + 1);
            if (a < 0 || b < 0) throw new ProcParseException("expected \"ID:controllers:path\"", lines.LineNumber);
            any = true;
            var controllers = line[(a + 1)..b];
            var path = line[(b + 1)..];
            if (line[..a] == "0" && controllers.Length == 0) v2 = path;
            else if (controllers.Split(',').Contains("memory")) memory = path;
        }
        if (!any) throw new ProcParseException("empty file");
        return new ProcPidCgroup(v2, memory);
    }
}
