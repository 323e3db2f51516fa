using System.Runtime.InteropServices;

namespace SockDoc.Kernel.Interop;

/// <summary>
/// libc entry points, LibraryImport only. Split by topic into partial files (Libc.Netlink.cs,
/// Libc.Sockets.cs, Libc.Epoll.cs ...). Errors come back as errno values, never exceptions.
/// </summary>
public static partial class Libc
{
    private const string Lib = "libc";

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);

    /// <summary>errno of the last failed call on this thread.</summary>
    public static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>strerror text, e.g. "Cannot assign requested address".</summary>
    public static string ErrnoText(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
