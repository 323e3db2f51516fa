using System.Globalization;
using System.Text;

namespace SockDoc.Kernel.Sysctl;

/// <summary>
/// A journal of sysctl changes, written and flushed to disk BEFORE each change, so the old values
/// can be put back after a crash, a SIGKILL or a Ctrl-C: on dispose, by the next start
/// (ReplayLeftovers) and by `sockdoc lab restore`. One line per change:
/// "netns&lt;TAB&gt;name&lt;TAB&gt;old value" (netns "-" for the namespace of the process).
/// Global settings (tcp_mem, tcp_max_orphans, fs.*) change the whole machine: hold the exclusive
/// lock (GlobalLock) while they are changed so concurrent runs do not restore over each other.
/// </summary>
public sealed class RestoreJournal : IDisposable
{
    public const string DefaultDirectory = "/run/sockdoc";
    public const string LockPath = "/run/sockdoc-global-sysctl.lock";

    private readonly string _path;
    private readonly List<(string Netns, string Name, string Old)> _entries = [];
    private bool _disposed;

    private RestoreJournal(string path)
    {
        _path = path;
    }

    public string Path => _path;

    /// <summary>Opens a new journal file; leftovers of killed runs in the same directory are replayed first.</summary>
    public static RestoreJournal Open(string? directory = null, string? name = null)
    {
        var dir = directory ?? DefaultDirectory;
        Directory.CreateDirectory(dir);
        ReplayLeftovers(dir);
        var file = System.IO.Path.Combine(dir, (name ?? "journal") + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".restore");
        File.WriteAllText(file, "");
        return new RestoreJournal(file);
    }

    /// <summary>Records the current value, flushes the journal, then writes the new value.</summary>
    public void Set(string name, string value, string? netns = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var old = Read(name, netns);
        // Only the first change of a setting records the value to go back to.
        if (!_entries.Any(e => e.Name == name && e.Netns == (netns ?? "-")))
        {
            _entries.Add((netns ?? "-", name, old));
            using var fs = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
            var line = Encoding.UTF8.GetBytes($"{netns ?? "-"}\t{name}\t{old}\n");
            fs.Write(line);
            fs.Flush(flushToDisk: true);
        }
        Write(name, value, netns);
    }

    /// <summary>Puts every recorded setting back, newest first, then removes the journal.</summary>
    public void RestoreAll()
    {
        for (int i = _entries.Count - 1; i >= 0; i--)
        {
            var (ns, name, old) = _entries[i];
            TryWrite(name, old, ns == "-" ? null : ns);
        }
        _entries.Clear();
        try { File.Delete(_path); } catch (IOException) { }
    }

    public void Dispose()
    {
        if (_disposed) return;
        RestoreAll();
        _disposed = true;
    }

    /// <summary>Replays every journal left in the directory by a run that did not finish. Returns the settings restored.</summary>
    public static int ReplayLeftovers(string? directory = null)
    {
        var dir = directory ?? DefaultDirectory;
        if (!Directory.Exists(dir)) return 0;
        int restored = 0;
        foreach (var file in Directory.EnumerateFiles(dir, "*.restore"))
        {
            if (OwnerAlive(file)) continue;
            var lines = File.ReadAllLines(file);
            for (int i = lines.Length - 1; i >= 0; i--)
            {
                var parts = lines[i].Split('\t');
                if (parts.Length != 3) continue;
                if (TryWrite(parts[1], parts[2], parts[0] == "-" ? null : parts[0])) restored++;
            }
            File.Delete(file);
        }
        return restored;
    }

    /// <summary>A journal whose writer process still runs is not a leftover ("name-PID.restore").</summary>
    private static bool OwnerAlive(string file)
    {
        var stem = System.IO.Path.GetFileNameWithoutExtension(file);
        var dash = stem.LastIndexOf('-');
        if (dash < 0 || !int.TryParse(stem.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) return false;
        return pid != Environment.ProcessId && Directory.Exists($"/proc/{pid}");
    }

    public static string Read(string name, string? netns = null)
    {
        if (netns is null)
        {
            var r = SysctlReader.ReadValue(ProcRoot.Live, name);
            if (!r.Ok) throw new IOException($"cannot read {name}: {r.Reason}");
            return r.Value!;
        }
        return RunIn(netns, "sysctl", "-n", name).Trim();
    }

    public static void Write(string name, string value, string? netns = null)
    {
        if (netns is null)
        {
            File.WriteAllText("/proc/sys/" + name.Replace('.', '/'), value);
            return;
        }
        RunIn(netns, "sysctl", "-q", "-w", $"{name}={value}");
    }

    private static bool TryWrite(string name, string value, string? netns)
    {
        try
        {
            Write(name, value, netns);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return false; // a namespace that is gone took its settings with it
        }
    }

    private static string RunIn(string netns, params string[] command)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", netns }.Concat(command)) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi) ?? throw new InvalidOperationException("cannot start ip");
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ip netns exec {netns} {string.Join(' ', command)}: {error.Trim()}");
        return output;
    }
}

/// <summary>An exclusive flock on RestoreJournal.LockPath, held while global settings are changed.</summary>
public sealed class GlobalLock : IDisposable
{
    private readonly FileStream _stream;

    private GlobalLock(FileStream stream) => _stream = stream;

    /// <summary>Waits up to timeout for the lock (FileShare.None maps to flock(LOCK_EX) on Linux).</summary>
    public static GlobalLock Acquire(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new GlobalLock(new FileStream(RestoreJournal.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
