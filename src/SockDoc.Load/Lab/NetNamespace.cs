using System.Diagnostics;
using System.Text.RegularExpressions;
using SockDoc.Kernel;
using SockDoc.Kernel.Namespaces;

namespace SockDoc.Load.Lab;

/// <summary>
/// A network namespace SockDoc made (always named sdk-*: sdk-load-* for the harness, sdk-lab-* for the lab) and
/// removes on Dispose. Per-namespace sysctls (ip_local_port_range, tcp_max_tw_buckets ...) change only inside it
/// (kernel-facts §9), never the host.
/// </summary>
public sealed partial class NetNamespace : IDisposable
{
    public const string Prefix = "sdk-load-";
    public string Name { get; }
    private bool _deleted;

    private NetNamespace(string name) => Name = name;

    [GeneratedRegex("^sdk-load-[a-z0-9-]{1,40}$")]
    private static partial Regex NameRule();

    [GeneratedRegex("^sdk-[a-z]+-[a-z0-9_-]{1,60}$")]
    private static partial Regex AnySockDocName();

    /// <summary>Creates sdk-load-SUFFIX with loopback up. Throws LoadException if `ip` is missing or we lack the right.</summary>
    public static NetNamespace Create(string suffix)
    {
        var name = Prefix + suffix;
        if (!NameRule().IsMatch(name)) throw new LoadException($"namespace name '{name}' must match sdk-load-[a-z0-9-]+");
        return CreateNamed(name);
    }

    /// <summary>Creates a namespace with a full sdk-KIND-... name (callers own their naming rule) and loopback up.</summary>
    public static NetNamespace CreateNamed(string name)
    {
        if (!AnySockDocName().IsMatch(name)) throw new LoadException($"namespace name '{name}' must match sdk-KIND-[a-z0-9_-]+");
        Ip($"netns add {name}");
        var ns = new NetNamespace(name);
        try
        {
            Ip($"-n {name} link set lo up");
        }
        catch
        {
            ns.Dispose();
            throw;
        }
        return ns;
    }

    /// <summary>Writes a per-namespace sysctl from a thread inside the namespace (/proc/sys/net follows the opener's netns).</summary>
    public void SetSysctl(string name, string value)
    {
        var path = "/proc/sys/" + name.Replace('.', '/');
        RunInside(() => File.WriteAllText(path, value));
    }

    public string ReadInside(string path)
    {
        string text = "";
        RunInside(() => text = File.ReadAllText(path));
        return text;
    }

    /// <summary>TIME_WAIT sockets in this namespace (sockstat "tw" is per netns, kernel-facts §2.5).</summary>
    public long TimeWait() => Inside(() => global::SockDoc.Kernel.Procfs.SockStatReader.Read(ProcRoot.ThreadNetns).Value?.TcpTw) ?? -1;

    /// <summary>A /proc/net file as this namespace sees it (/proc/thread-self/net follows the thread's netns).</summary>
    public string ReadProc(string netRelative) => Inside(() => File.ReadAllText("/proc/thread-self/net/" + netRelative));

    /// <summary>Runs work on a new thread moved into this namespace with setns(2); sockets it opens live there.</summary>
    public void RunInside(Action work) => Inside(() =>
    {
        work();
        return 0;
    });

    /// <summary>Runs work on a new thread moved into this namespace and returns its result.</summary>
    public T Inside<T>(Func<T> work)
    {
        try
        {
            return NetnsThread.Run(Name, work);
        }
#pragma warning disable CA1031 // rethrown, with the namespace named
        catch (Exception e) when (e is not LoadException)
#pragma warning restore CA1031
        {
            throw new LoadException($"in namespace {Name}: {e.Message}", e);
        }
    }

    /// <summary>Moves the calling thread (only it) into this namespace. Use on a thread you own and let end.</summary>
    public void EnterOnThisThread()
    {
        try
        {
            NetnsThread.Enter(Name);
        }
        catch (IOException e)
        {
            throw new LoadException(e.Message, e);
        }
    }

    private static void Ip(string args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args.Split(' ')) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new LoadException("could not run ip");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LoadException($"could not run 'ip' (iproute2): {e.Message}", e);
        }
        using (p)
        {
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new LoadException($"ip {args}: {err.Trim()}");
        }
    }

    public static void Delete(string name) => Ip($"netns delete {name}");

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
