using SockDoc.Kernel.Procfs;
using SockDoc.Kernel.Sysctl;
using SockDoc.Model;
using SockDoc.Model.Config;

namespace SockDoc.Kernel.Config;

/// <summary>
/// Reads, for the keys a configuration sets, what the running kernel has under procDirectory/sys:
/// the value, or that the file (or its directory) does not exist. Also MemTotal and the kernel release,
/// which the unit checks need.
/// </summary>
public static class RunningKernelReader
{
    public static RunningKernel Read(string? procDirectory, IEnumerable<string> procPaths, long? pageSize)
    {
        if (procDirectory is null || !Directory.Exists(Path.Combine(procDirectory, "sys")))
        {
            return new RunningKernel
            {
                Available = false,
                Reason = procDirectory is null ? "no proc directory given" : $"{Path.Combine(procDirectory, "sys")} does not exist",
            };
        }
        var sys = Path.Combine(procDirectory, "sys");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var unreadable = new HashSet<string>(StringComparer.Ordinal);
        var parentMissing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in procPaths.Distinct(StringComparer.Ordinal))
        {
            if (p.AsSpan().IndexOfAny('*', '?', '[') >= 0 || p.Contains("..", StringComparison.Ordinal)) continue;
            var full = Path.Combine(sys, p);
            var r = SysctlReader.ReadValue(full);
            if (r.Ok) values[p] = r.Value!;
            else if (r.Status == ReadStatus.Missing)
            {
                if (!Directory.Exists(Path.GetDirectoryName(full))) parentMissing.Add(p);
            }
            else unreadable.Add(p);
        }
        var root = new ProcRoot(procDirectory);
        var mem = MeminfoReader.Read(root);
        var release = SysctlReader.ReadValue(Path.Combine(sys, "kernel/osrelease"));
        return new RunningKernel
        {
            Available = true,
            ProcSys = sys,
            Values = values,
            Unreadable = unreadable,
            ParentMissing = parentMissing,
            MemTotalBytes = mem.Ok ? mem.Value!.MemTotalBytes : null,
            PageSize = pageSize,
            KernelRelease = release.Ok ? release.Value : null,
        };
    }
}
