using System.Runtime.InteropServices;

namespace SockDoc.Kernel.Interop;

/// <summary>
/// struct sockaddr_in (include/uapi/linux/in.h): family, port and address in network byte order, 8 bytes of zero.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
public struct SockAddrIn
{
    public ushort Family;
    /// <summary>Port in network byte order.</summary>
    public ushort PortBe;
    /// <summary>IPv4 address in network byte order.</summary>
    public uint AddrBe;
    private readonly ulong _zero;

    /// <summary>Builds from a host-order address (127.0.0.1 = 0x7F000001) and port.</summary>
    public static SockAddrIn From(uint addressHostOrder, ushort port) => new()
    {
        Family = Libc.AF_INET,
        PortBe = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(port),
        AddrBe = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(addressHostOrder),
    };

    public readonly ushort Port => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(PortBe);
    public readonly uint AddressHostOrder => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(AddrBe);
}

/// <summary>struct linger (include/linux/socket.h).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Linger
{
    public int OnOff;
    public int Seconds;
}

public static partial class Libc
{
    // socket, send, recv, read, SOCK_CLOEXEC, SOL_SOCKET, SO_RCVBUF live in Libc.Netlink.cs.
    // x86_64 / generic values from include/linux/socket.h, include/uapi/asm-generic/socket.h,
    // include/linux/net.h (SOCK_*), include/uapi/linux/in.h (IP_*), include/uapi/linux/tcp.h.
    public const ushort AF_INET = 2;
    public const int SOCK_STREAM = 1;
    public const int SOCK_NONBLOCK = 0x800;   // == O_NONBLOCK
    public const int SO_REUSEADDR = 2;
    public const int SO_ERROR = 4;
    public const int SO_SNDBUF = 7;
    public const int SO_LINGER = 13;
    public const int SO_REUSEPORT = 15;
    public const int IPPROTO_IP = 0;
    public const int IPPROTO_TCP = 6;
    /// <summary>IP_BIND_ADDRESS_NO_PORT (since 4.2): bind() takes the address only, connect() picks the port per destination.</summary>
    public const int IP_BIND_ADDRESS_NO_PORT = 24;
    public const int TCP_NODELAY = 1;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int SHUT_WR = 1;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int connect(int fd, in SockAddrIn addr, int addrlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int bind(int fd, in SockAddrIn addr, int addrlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int listen(int fd, int backlog);

    /// <summary>accept4 with a null address: we never need the peer's address per connection.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int accept4(int fd, nint addr, nint addrlen, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int setsockopt(int fd, int level, int optname, in int optval, int optlen);

    [LibraryImport(Lib, EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int setsockoptLinger(int fd, int level, int optname, in Linger optval, int optlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getsockopt(int fd, int level, int optname, out int optval, ref int optlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getsockname(int fd, out SockAddrIn addr, ref int addrlen);

    [LibraryImport(Lib, SetLastError = true)]
    public static unsafe partial nint write(int fd, byte* buf, nuint count);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    /// <summary>Sets an int socket option; returns 0 or the errno.</summary>
    public static int SetInt(int fd, int level, int name, int value) =>
        setsockopt(fd, level, name, in value, sizeof(int)) == 0 ? 0 : Interop.Errno.Last;
}
