using SockDoc.Kernel.Interop;

namespace SockDoc.Kernel.Namespaces;

/// <summary>
/// Runs work on a short-lived thread moved into another network namespace with setns(2, CLONE_NEWNET).
/// setns moves only the calling thread, and a network namespace may be joined by one thread of a multi-threaded
/// process (unlike mount or user namespaces), so the rest of sockdoc stays where it is; the thread ends after
/// the work, so no pooled thread is ever left in a foreign namespace.
/// Inside, a netlink socket opened by the thread belongs to that namespace (sock_diag dumps sock_net(skb->sk)),
/// /proc/sys/net shows its sysctls (net_ctl_header_lookup() uses current->nsproxy), and /proc/thread-self/net
/// its /proc/net files. Reading a member's /proc/PID/root/proc/sys instead would be wrong: that is the
/// container's procfs mount, but sysctl lookups follow the READER's namespace, so it shows the host's values.
/// </summary>
public static class NetnsThread
{
    /// <summary>Runs work inside the namespace behind path (a /proc/PID/ns/net link or a bind mount); problem says why not.</summary>
    public static T? Run<T>(string path, Func<T> work, out string? problem) where T : class
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            // An nsfs file cannot seek, so a FileStream refuses it; a bare handle is all setns needs.
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"{path}: {e.Message}";
            return null;
        }
        T? result = null;
        string? failure = null;
        using (handle)
        {
            var t = new Thread(() =>
            {
                if (Libc.setns((int)handle.DangerousGetHandle(), Libc.CLONE_NEWNET) != 0)
                {
                    failure = $"setns({path}, CLONE_NEWNET): {Errno.Describe(Errno.Last)}";
                    return;
                }
                try
                {
                    result = work();
                }
#pragma warning disable CA1031 // reported to the caller as a problem of this namespace, never fatal to the others
                catch (Exception e)
#pragma warning restore CA1031
                {
                    failure = $"in {path}: {e.GetType().Name}: {e.Message}";
                }
            }, 1024 * 1024) { IsBackground = true, Name = "netns worker" };
            t.Start();
            t.Join();
        }
        problem = failure;
        return result;
    }

    /// <summary>Tries each path in turn (a member may exit between discovery and entry); the first that works wins.</summary>
    public static T? RunAny<T>(IReadOnlyList<string> paths, Func<T> work, out string? problem) where T : class
    {
        problem = paths.Count == 0 ? "no path to enter the namespace" : null;
        foreach (var p in paths)
        {
            var r = Run(p, work, out problem);
            if (r is not null) return r;
        }
        return null;
    }
}
