using SockDoc.Kernel.Interop;

namespace SockDoc.Kernel.Netlink;

/// <summary>
/// A NETLINK_* socket on a SafeFdHandle: open, send one request, receive datagrams. Errors are errno values.
/// </summary>
public sealed class NetlinkSocket : IDisposable
{
    private readonly SafeFdHandle _fd;

    private NetlinkSocket(SafeFdHandle fd) => _fd = fd;

    public int Fd => _fd.Fd;

    /// <summary>Opens and binds (kernel-assigned port id) a netlink socket; errno on failure. receiveBufferBytes 0 keeps the kernel's default.</summary>
    public static unsafe NetlinkSocket? Open(int protocol, int receiveBufferBytes, out int errno)
    {
        int fd = Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            errno = Errno.Last;
            return null;
        }
        var handle = new SafeFdHandle(fd);
        // The receive buffer (SO_RCVBUF) does not size dump messages (netlink_dump() sizes them by the largest recv
        // length, capped at 32 KiB): the kernel's default is kept unless a caller asks (0 = default). SO_RCVBUFFORCE
        // works for CAP_NET_ADMIN, SO_RCVBUF otherwise (capped by rmem_max, floored at SOCK_MIN_RCVBUF).
        if (receiveBufferBytes > 0)
        {
            int size = receiveBufferBytes;
            if (Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, &size, sizeof(int)) != 0)
                _ = Libc.setsockopt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, &size, sizeof(int));
        }
        byte* addr = stackalloc byte[12];
        new Span<byte>(addr, 12).Clear();
        addr[0] = Libc.AF_NETLINK; // sockaddr_nl.nl_family (little-endian u16)
        if (Libc.bind(fd, addr, 12) != 0)
        {
            errno = Errno.Last;
            handle.Dispose();
            return null;
        }
        errno = 0;
        return new NetlinkSocket(handle);
    }

    /// <summary>Sends one request; returns 0 or errno.</summary>
    public unsafe int Send(ReadOnlySpan<byte> request)
    {
        fixed (byte* p = request)
        {
            while (true)
            {
                nint n = Libc.send(_fd.Fd, p, (nuint)request.Length, 0);
                if (n >= 0) return 0;
                int e = Errno.Last;
                if (e != Errno.EINTR) return e;
            }
        }
    }

    /// <summary>
    /// Receives one datagram into buffer. Returns its full length (MSG_TRUNC: may exceed the buffer, which
    /// means it was cut), or -errno. EINTR is retried here.
    /// </summary>
    public unsafe long Receive(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Libc.recv(_fd.Fd, p, (nuint)buffer.Length, Libc.MSG_TRUNC);
                if (n >= 0) return n;
                int e = Errno.Last;
                if (e != Errno.EINTR) return -e;
            }
        }
    }

    public void Dispose() => _fd.Dispose();
}
