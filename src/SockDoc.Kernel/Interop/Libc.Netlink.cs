using System.Runtime.InteropServices;

namespace SockDoc.Kernel.Interop;

// Netlink sockets and the raw directory/link calls the socket census needs (issue 4).
// Constants from include/uapi/linux/netlink.h, include/linux/socket.h and asm-generic/fcntl.h; errno values are in Errno.
// x86_64 and arm64 agree on every value here except O_DIRECTORY: see KernelAbi.
public static partial class Libc
{
    public const int AF_NETLINK = 16;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int NETLINK_SOCK_DIAG = 4;

    public const int SOL_SOCKET = 1;
    public const int SO_RCVBUF = 8;
    public const int SO_RCVBUFFORCE = 33;
    public const int SOL_NETLINK = 270;
    /// <summary>recv flag: return the real length of the datagram even when it did not fit (truncation check).</summary>
    public const int MSG_TRUNC = 0x20;


    public const int O_RDONLY = 0;
    /// <summary>Differs by architecture (arm64: 040000); from <see cref="KernelAbi"/>.</summary>
    public static int O_DIRECTORY => KernelAbi.Current.ODirectory;
    public const int O_CLOEXEC = 0x80000;
    public const int AT_FDCWD = -100;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    /// <summary>bind(2) with a raw sockaddr (struct sockaddr_nl is 12 bytes: family, pad, pid, groups).</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static unsafe partial int bind(int fd, byte* addr, int addrlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static unsafe partial int setsockopt(int fd, int level, int optname, int* optval, int optlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static unsafe partial nint send(int fd, byte* buf, nuint len, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static unsafe partial nint recv(int fd, byte* buf, nuint len, int flags);

    /// <summary>openat(2) with a NUL-terminated path in bytes (no string marshalling on the fd scan).</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static unsafe partial int openat(int dirfd, byte* pathname, int flags, int mode);

    /// <summary>getdents64(2) (glibc ≥ 2.30 wrapper): fills struct linux_dirent64 records.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static unsafe partial nint getdents64(int fd, byte* dirp, nuint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static unsafe partial nint readlinkat(int dirfd, byte* pathname, byte* buf, nuint bufsiz);

    [LibraryImport(Lib, SetLastError = true)]
    public static unsafe partial nint read(int fd, byte* buf, nuint count);
}
