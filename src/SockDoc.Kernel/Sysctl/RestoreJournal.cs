using System.Globalization;
using System.Text;
using SockDoc.Kernel.Namespaces;

namespace SockDoc.Kernel.Sysctl;

/// <summary>One setting a replay put back: "name = value", with the namespace it lives in (null: the host's).</summary>
public sealed record RestoredSetting(string Name, string Value, string? Netns)
{
    public override string ToString() => $"{Name} = {Value}" + (Netns is null ? "" : $" (in {Netns})");
}

/// <summary>
/// The one journal of setting changes, for every part of SockDoc that changes the kernel's settings (lab, tests,
/// trace and container work): the old value is written and flushed to disk BEFORE each change, so it can be put
/// back after a crash, a SIGKILL or a Ctrl-C: on dispose, by the next Open (leftovers of dead writers are replayed)
/// and by `sockdoc lab restore`. One line per change: "netns&lt;TAB&gt;name&lt;TAB&gt;old value" (netns "-" for the
/// namespace of the process). A journal file is named NAME-PID.restore; its writer is alive while /proc/PID is.
/// Global settings (tcp_mem, tcp_max_orphans, fs.*) change the whole machine: they are changed while holding
/// GlobalLock, and every replay holds it too, so runs do not restore over each other and two replays do not
/// both restore (or both delete) one journal.
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

    /// <summary>Opens a new journal file; leftovers of dead runs in the same directory are replayed first.</summary>
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
            fs.Write(Encoding.UTF8.GetBytes($"{netns ?? "-"}\t{name}\t{old}\n"));
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

    /// <summary>
    /// Replays every journal in the directory whose writer is dead, newest change first, and deletes it; all under
    /// GlobalLock, so a concurrent replay finds the journal gone rather than half read. Returns the number of
    /// settings put back; restored, when given, gets each one.
    /// </summary>
    public static int ReplayLeftovers(string? directory = null, ICollection<RestoredSetting>? restored = null)
    {
        var dir = directory ?? DefaultDirectory;
        if (!Directory.Exists(dir)) return 0;
        using var held = GlobalLock.Acquire(TimeSpan.FromSeconds(120));
        int count = 0;
        foreach (var file in Directory.GetFiles(dir, "*.restore"))
        {
            if (!OwnerGone(System.IO.Path.GetFileNameWithoutExtension(file))) continue;
            string[] lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (FileNotFoundException)
            {
                continue; // replayed by a process that does not take the lock (an older sockdoc)
            }
            for (int i = lines.Length - 1; i >= 0; i--)
            {
                var parts = lines[i].Split('\t');
                if (parts.Length != 3) continue;
                var ns = parts[0] == "-" ? null : parts[0];
                if (!TryWrite(parts[1], parts[2], ns)) continue;
                count++;
                restored?.Add(new RestoredSetting(parts[1], parts[2], ns));
            }
            File.Delete(file);
        }
        return count;
    }

    /// <summary>
    /// True when a name ending in -PID (a journal "lab-1234", a namespace "sdk-lab-x-1234", a cgroup) belongs to a
    /// process that no longer runs. This process never counts as gone; a name without a PID is not ours to judge.
    /// </summary>
    public static bool OwnerGone(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int dash = name.LastIndexOf('-');
        return dash >= 0 && int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && pid != Environment.ProcessId && !Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The current value of a sysctl, of the host or of a named network namespace (read from a thread inside it).</summary>
    public static string Read(string name, string? netns = null)
    {
        var r = netns is null ? SysctlReader.ReadValue(ProcRoot.Live, name) : NetnsThread.Run(netns, () => SysctlReader.ReadValue(ProcRoot.Live, name));
        if (!r.Ok) throw new IOException($"cannot read {name}{(netns is null ? "" : " in " + netns)}: {r.Reason}");
        return r.Value!;
    }

    /// <summary>Writes a sysctl of the host or of a named network namespace (/proc/sys/net follows the writing thread's namespace).</summary>
    public static void Write(string name, string value, string? netns = null)
    {
        var path = "/proc/sys/" + name.Replace('.', '/');
        if (netns is null) File.WriteAllText(path, value);
        else NetnsThread.Run(netns, () => { File.WriteAllText(path, value); return 0; });
    }

    private static bool TryWrite(string name, string value, string? netns)
    {
        try
        {
            Write(name, value, netns);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // a namespace that is gone took its settings with it
        }
    }
}

/// <summary>
/// An exclusive flock on RestoreJournal.LockPath, held while global settings are changed and while journals are
/// replayed. Exclusive between processes and between threads (each holder opens its own file description);
/// re-entrant on the thread that holds it, so a test holding it may replay. May be released from another thread
/// (a signal handler's).
/// </summary>
public sealed class GlobalLock : IDisposable
{
    private static readonly object Gate = new();
    private static int s_ownerThread;
    private static int s_depth;

    private FileStream? _stream;
    private bool _released;

    private GlobalLock(FileStream? stream) => _stream = stream;

    /// <summary>Waits up to timeout for the lock (FileShare.None maps to flock(LOCK_EX) on Linux); IOException when it does not come.</summary>
    public static GlobalLock Acquire(TimeSpan timeout)
    {
        int me = Environment.CurrentManagedThreadId;
        lock (Gate)
        {
            if (s_ownerThread == me)
            {
                s_depth++;
                return new GlobalLock(null);
            }
        }
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            try
            {
                var stream = new FileStream(RestoreJournal.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                lock (Gate)
                {
                    s_ownerThread = me;
                    s_depth = 1;
                }
                return new GlobalLock(stream);
            }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    public void Dispose()
    {
        lock (Gate)
        {
            if (_released) return;
            _released = true;
            s_depth--;
            if (_stream is null) return;
            s_ownerThread = 0;
            s_depth = 0;
            _stream.Dispose();
            _stream = null;
        }
    }
}
