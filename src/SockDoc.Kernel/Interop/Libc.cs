using System.Runtime.InteropServices;

namespace SockDoc.Kernel.Interop;

/// <summary>
/// libc entry points, LibraryImport only. Split by topic into partial files (Libc.Netlink.cs,
/// Libc.Sockets.cs, Libc.Epoll.cs ...). Errors come back as errno values (see Errno), never exceptions.
/// </summary>
public static partial class Libc
{
    private const string Lib = "libc";

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int close(int fd);
}
