using SockDoc.Kernel.Interop;

namespace SockDoc.Kernel;

/// <summary>
/// Runs work on a new thread moved into a named network namespace (/run/netns/NAME, as `ip netns add` makes them)
/// with setns(2). Only that thread changes namespace; sockets it opens and the /proc/sys/net and /proc/thread-self/net
/// files it opens are the namespace's. No process is forked (what `ip netns exec` would cost per call).
/// </summary>
public static class NetnsThread
{
    public const string RunDirectory = "/run/netns";

    /// <summary>Runs work inside the namespace and returns its result; its exception is rethrown here, unchanged.</summary>
    public static T Run<T>(string name, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        T? result = default;
        Exception? failure = null;
        var t = new Thread(() =>
        {
            try
            {
                Enter(name);
                result = work();
            }
#pragma warning disable CA1031 // rethrown on the caller's thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        }) { IsBackground = true, Name = "netns " + name };
        t.Start();
        t.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return result!;
    }

    /// <summary>
    /// Moves the calling thread (only it) into the namespace. Use on a thread you own and let end. Throws
    /// IOException naming the namespace when it does not exist or setns refuses.
    /// </summary>
    public static void Enter(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/', StringComparison.Ordinal)) throw new ArgumentException($"namespace name '{name}' contains '/'", nameof(name));
        // An nsfs file cannot seek, so a FileStream refuses it; a bare handle is all setns needs.
        using var h = File.OpenHandle(Path.Combine(RunDirectory, name), FileMode.Open, FileAccess.Read);
        if (Libc.setns((int)h.DangerousGetHandle(), Libc.CLONE_NEWNET) != 0)
            throw new IOException($"setns into network namespace {name}: {Errno.Describe(Errno.Last)}");
    }
}
