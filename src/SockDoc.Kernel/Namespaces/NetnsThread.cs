using Microsoft.Win32.SafeHandles;
using SockDoc.Kernel.Interop;

namespace SockDoc.Kernel.Namespaces;

/// <summary>
/// Runs work on a short-lived thread moved into another network namespace with setns(2, CLONE_NEWNET).
/// setns moves only the calling thread, and a network namespace may be joined by one thread of a multi-threaded
/// process (unlike mount or user namespaces), so the rest of sockdoc stays where it is; the thread ends after
/// the work, so no pooled thread is ever left in a foreign namespace. No process is forked (what `ip netns exec`
/// or `nsenter` would cost per call).
/// Inside, a netlink socket opened by the thread belongs to that namespace (sock_diag dumps sock_net(skb->sk)),
/// /proc/sys/net shows its sysctls (net_ctl_header_lookup() uses current->nsproxy), and /proc/thread-self/net
/// its /proc/net files. Reading a member's /proc/PID/root/proc/sys instead would be wrong: that is the
/// container's procfs mount, but sysctl lookups follow the READER's namespace, so it shows the host's values.
/// A namespace is named either by a path to an nsfs file (/proc/PID/ns/net, a bind mount) or, without '/', by
/// its `ip netns` name (a bind mount under /run/netns).
/// </summary>
public static class NetnsThread
{
    /// <summary>Where `ip netns add NAME` bind-mounts its namespaces.</summary>
    public const string RunDirectory = "/run/netns";

    /// <summary>An `ip netns` name (no '/') → /run/netns/NAME; a path stays as it is.</summary>
    public static string PathOf(string nameOrPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrPath);
        return nameOrPath.Contains('/', StringComparison.Ordinal) ? nameOrPath : Path.Combine(RunDirectory, nameOrPath);
    }

    /// <summary>
    /// Runs work inside the namespace (an `ip netns` name or an nsfs path) and returns its result. A namespace
    /// that does not exist or that setns refuses throws IOException naming it; work's own exception is rethrown
    /// here unchanged.
    /// </summary>
    public static T Run<T>(string nameOrPath, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var path = PathOf(nameOrPath);
        using var handle = Open(path);
        T? result = default;
        Exception? failure = null;
        OnThread(() =>
        {
            try
            {
                Join(handle, nameOrPath);
                result = work();
            }
#pragma warning disable CA1031 // rethrown on the caller's thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        });
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return result!;
    }

    /// <summary>
    /// Runs work inside the namespace behind path (a /proc/PID/ns/net link or a bind mount); null with problem
    /// saying why when it cannot be entered or work throws (a problem of one namespace, never fatal to the others).
    /// </summary>
    public static T? Run<T>(string path, Func<T> work, out string? problem) where T : class
    {
        ArgumentNullException.ThrowIfNull(work);
        SafeFileHandle handle;
        try
        {
            handle = Open(path);
        }
        catch (IOException e)
        {
            problem = e.Message;
            return null;
        }
        T? result = null;
        string? failure = null;
        using (handle)
        {
            OnThread(() =>
            {
                try
                {
                    Join(handle, path);
                    result = work();
                }
                catch (IOException e) when (e.Data.Contains(SetnsMarker))
                {
                    failure = e.Message;
                }
#pragma warning disable CA1031 // reported to the caller as a problem of this namespace
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failure = $"in {path}: {e.GetType().Name}: {e.Message}";
                }
            });
        }
        problem = failure;
        return result;
    }

    /// <summary>Tries each path in turn (a member may exit between discovery and entry); the first that works wins.</summary>
    public static T? RunAny<T>(IReadOnlyList<string> paths, Func<T> work, out string? problem) where T : class
    {
        ArgumentNullException.ThrowIfNull(paths);
        problem = paths.Count == 0 ? "no path to enter the namespace" : null;
        foreach (var p in paths)
        {
            var r = Run(p, work, out problem);
            if (r is not null) return r;
        }
        return null;
    }

    /// <summary>
    /// Moves the calling thread (only it) into the namespace (an `ip netns` name or an nsfs path). Use on a
    /// thread you own and let end. Throws IOException naming the namespace when it does not exist or setns refuses.
    /// </summary>
    public static void Enter(string nameOrPath)
    {
        using var handle = Open(PathOf(nameOrPath));
        Join(handle, nameOrPath);
    }

    private const string SetnsMarker = "sockdoc.setns";

    private static SafeFileHandle Open(string path)
    {
        try
        {
            // An nsfs file cannot seek, so a FileStream refuses it; a bare handle is all setns needs.
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"network namespace {path}: {e.Message}", e);
        }
    }

    private static void Join(SafeFileHandle handle, string what)
    {
        if (Libc.setns((int)handle.DangerousGetHandle(), Libc.CLONE_NEWNET) == 0) return;
        var e = new IOException($"setns({what}, CLONE_NEWNET): {Errno.Describe(Errno.Last)}");
        e.Data[SetnsMarker] = true;
        throw e;
    }

    private static void OnThread(Action body)
    {
        var t = new Thread(() => body(), 1024 * 1024) { IsBackground = true, Name = "netns worker" };
        t.Start();
        t.Join();
    }
}
