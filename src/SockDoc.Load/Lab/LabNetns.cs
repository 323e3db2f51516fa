using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using SockDoc.Kernel.Interop;

namespace SockDoc.Load.Lab;

/// <summary>
/// The lab's network namespace, sdk-lab-SCENARIO-PID, removed on Dispose (and by `lab restore` when the run that
/// made it was killed: the PID in the name tells a live owner from a dead one). The load harness's NetNamespace
/// enforces its own sdk-load- prefix, so the lab keeps this small helper.
/// </summary>
public sealed partial class LabNetns : IDisposable
{
    public const string Prefix = "sdk-lab-";
    public string Name { get; }
    private bool _deleted;

    private LabNetns(string name) => Name = name;

    [GeneratedRegex("^sdk-lab-[a-z0-9_-]{1,40}-(?<pid>[0-9]+)$")]
    private static partial Regex NameRule();

    public static LabNetns Create(string scenario)
    {
        var name = Prefix + scenario.Replace('_', '-') + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (!NameRule().IsMatch(name)) throw new LoadException($"namespace name '{name}' must match sdk-lab-NAME-PID");
        Ip("netns", "add", name);
        var ns = new LabNetns(name);
        try
        {
            Ip("-n", name, "link", "set", "lo", "up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>Runs work on a new thread moved into the namespace with setns(2): sockets it opens live there.</summary>
    public T Inside<T>(Func<T> work)
    {
        T? result = default;
        Exception? failure = null;
        var t = new Thread(() =>
        {
            try
            {
                using (var h = File.OpenHandle("/run/netns/" + Name, FileMode.Open, FileAccess.Read))
                {
                    if (Libc.setns((int)h.DangerousGetHandle(), Libc.CLONE_NEWNET) != 0)
                        throw new LoadException($"setns into {Name} failed: errno {Marshal.GetLastPInvokeError()}");
                }
                result = work();
            }
#pragma warning disable CA1031 // rethrown on the caller's thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        }) { IsBackground = true, Name = "netns " + Name };
        t.Start();
        t.Join();
        if (failure is not null) throw failure is LoadException ? failure : new LoadException($"in namespace {Name}: {failure.Message}", failure);
        return result!;
    }

    /// <summary>A /proc file as this namespace sees it (/proc/thread-self/net follows the thread's netns).</summary>
    public string ReadProc(string netRelative) => Inside(() => File.ReadAllText("/proc/thread-self/net/" + netRelative));

    /// <summary>Namespaces named sdk-lab-*-PID whose PID no longer runs (left by a killed run).</summary>
    public static IReadOnlyList<string> Leftovers()
    {
        if (!Directory.Exists("/run/netns")) return [];
        var list = new List<string>();
        foreach (var path in Directory.EnumerateFiles("/run/netns", Prefix + "*"))
        {
            var name = Path.GetFileName(path);
            var m = NameRule().Match(name);
            if (!m.Success) continue;
            if (!Directory.Exists("/proc/" + m.Groups["pid"].Value)) list.Add(name);
        }
        return list;
    }

    public static void Delete(string name) => Ip("netns", "delete", name);

    private static void Ip(params string[] args)
    {
        var r = LabShell.Run("ip", args, TimeSpan.FromSeconds(20));
        if (r.Exit != 0) throw new LoadException($"ip {string.Join(' ', args)}: {r.Stderr.Trim()}");
    }

    public void Dispose()
    {
        if (_deleted) return;
        _deleted = true;
        try
        {
            Delete(Name);
        }
        catch (LoadException)
        {
            // already gone
        }
    }
}
