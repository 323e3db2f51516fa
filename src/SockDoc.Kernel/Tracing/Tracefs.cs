using System.Globalization;

namespace SockDoc.Kernel.Tracing;

/// <summary>A tracepoint's format as read from tracefs, or why it could not be.</summary>
public sealed record TracepointLookup(string System, string Name, TraceEventFormat? Format, string? Problem)
{
    public string FullName => System + ":" + Name;
}

/// <summary>
/// Reads tracepoint ids and format files. Only reads: events are attached through perf_event_open, never by
/// writing to tracefs, so the system's own tracing (the global buffer, other instances) is untouched.
/// When tracefs is not mounted, it is mounted privately at /run/sockdoc/tracefs-PID for the few milliseconds the
/// reads take and unmounted at once. The PID in the directory name is the journal: `trace --cleanup`
/// (and every later start) unmounts and removes directories whose process is gone (a SIGKILL in that window).
/// </summary>
public static class Tracefs
{
    public const string PrivateRoot = "/run/sockdoc";
    public const string PrivatePrefix = "tracefs-";

    /// <summary>Reads the format of each (system, name); the mount used is described in how.</summary>
    public static IReadOnlyList<TracepointLookup> Lookup(IEnumerable<(string System, string Name)> events, out string how)
    {
        var wanted = events.ToList();
        var mounted = FindMounted();
        if (mounted is not null)
        {
            how = $"tracefs at {mounted}";
            return wanted.Select(e => ReadOne(mounted, e.System, e.Name)).ToList();
        }
        var dir = Path.Combine(PrivateRoot, PrivatePrefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = $"tracefs is not mounted and {dir} cannot be created: {e.Message}";
            how = why;
            return wanted.Select(w => new TracepointLookup(w.System, w.Name, null, why)).ToList();
        }
        int r = PerfEventInterop.MountTracefs(dir);
        if (r != 0)
        {
            TryRemove(dir);
            var why = $"tracefs is not mounted and mounting it at {dir} failed: {Interop.Errno.Describe(-r)}";
            how = why;
            return wanted.Select(w => new TracepointLookup(w.System, w.Name, null, why)).ToList();
        }
        try
        {
            how = $"tracefs mounted privately at {dir} to read formats, unmounted again";
            return wanted.Select(e => ReadOne(dir, e.System, e.Name)).ToList();
        }
        finally
        {
            PerfEventInterop.Unmount(dir);
            TryRemove(dir);
        }
    }

    /// <summary>The first tracefs mount in /proc/self/mounts whose events directory is readable.</summary>
    public static string? FindMounted()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/mounts");
        }
        catch (IOException)
        {
            return null;
        }
        foreach (var line in lines)
        {
            var f = line.Split(' ');
            if (f.Length < 3) continue;
            if (f[2] == "tracefs" && Directory.Exists(Path.Combine(f[1], "events"))) return f[1];
            if (f[2] == "debugfs" && Directory.Exists(Path.Combine(f[1], "tracing", "events"))) return Path.Combine(f[1], "tracing");
        }
        return null;
    }

    private static TracepointLookup ReadOne(string root, string system, string name)
    {
        var path = Path.Combine(root, "events", system, name, "format");
        byte[] bytes;
        try
        {
            if (!Directory.Exists(Path.Combine(root, "events", system)))
                return new(system, name, null, $"no tracepoint system '{system}' on this kernel ({Path.Combine(root, "events", system)} absent)");
            if (!File.Exists(path))
                return new(system, name, null, $"this kernel has no {system}:{name} tracepoint ({path} absent)");
            bytes = ReadAll(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(system, name, null, $"{path}: {e.Message}");
        }
        var format = TraceFormatReader.Parse(system, bytes, out var problem);
        return new(system, name, format, format is null ? $"{path}: {problem}" : null);
    }

    // tracefs reports st_size 0: read to EOF, bounded.
    private static byte[] ReadAll(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
        using var ms = new MemoryStream();
        var buf = new byte[16 * 1024];
        int n;
        while ((n = fs.Read(buf)) > 0)
        {
            ms.Write(buf, 0, n);
            if (ms.Length > TraceFormatReader.MaxBytes) break;
        }
        return ms.ToArray();
    }

    /// <summary>
    /// Unmounts and removes /run/sockdoc/tracefs-PID directories left by a sockdoc that died (its PID is gone);
    /// returns what was removed. Perf events need no cleanup: the kernel closes them with the process.
    /// </summary>
    public static List<string> CleanupLeftovers(out List<string> problems)
    {
        var removed = new List<string>();
        problems = [];
        if (!Directory.Exists(PrivateRoot)) return removed;
        foreach (var dir in Directory.GetDirectories(PrivateRoot, PrivatePrefix + "*"))
        {
            var suffix = Path.GetFileName(dir)[PrivatePrefix.Length..];
            if (!int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (pid != Environment.ProcessId && Directory.Exists($"/proc/{pid}")) continue; // still running
            if (IsMountPoint(dir))
            {
                int r = PerfEventInterop.Unmount(dir);
                if (r != 0)
                {
                    problems.Add($"umount {dir}: {Interop.Errno.Describe(-r)}");
                    continue;
                }
            }
            if (TryRemove(dir)) removed.Add(dir);
            else problems.Add($"rmdir {dir} failed");
        }
        return removed;
    }

    /// <summary>Directories under /run/sockdoc that are still tracefs mount points (for tests and --cleanup).</summary>
    public static List<string> MountedLeftovers()
    {
        var result = new List<string>();
        try
        {
            foreach (var line in File.ReadAllLines("/proc/self/mounts"))
            {
                var f = line.Split(' ');
                if (f.Length >= 3 && f[2] == "tracefs" && f[1].StartsWith(PrivateRoot + "/" + PrivatePrefix, StringComparison.Ordinal)) result.Add(f[1]);
            }
        }
        catch (IOException)
        {
        }
        return result;
    }

    private static bool IsMountPoint(string dir) => MountedLeftovers().Contains(dir);

    private static bool TryRemove(string dir)
    {
        try
        {
            Directory.Delete(dir);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
