using SockDoc.Kernel.Interop;

namespace SockDoc.Load;

/// <summary>Thin helpers over the raw socket calls: every one returns an fd or -errno, never throws on the hot path.</summary>
internal static unsafe class Sock
{
    public const int SockAddrLen = 16;

    /// <summary>A non-blocking, close-on-exec TCP/IPv4 socket, or -errno.</summary>
    public static int NewTcp()
    {
        int fd = Libc.socket(Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        return fd >= 0 ? fd : -Errno.Last;
    }

    /// <summary>Binds the source address only (IP_BIND_ADDRESS_NO_PORT) so connect() picks a port per destination (kernel-facts §5.3).</summary>
    public static int BindSourceAddress(int fd, uint address)
    {
        int e = Libc.SetInt(fd, Libc.IPPROTO_IP, Libc.IP_BIND_ADDRESS_NO_PORT, 1);
        if (e != 0) return e;
        var sa = SockAddrIn.From(address, 0);
        return Libc.bind(fd, in sa, SockAddrLen) == 0 ? 0 : Errno.Last;
    }

    /// <summary>Starts a connect: 0 if done at once, EINPROGRESS if pending, else the errno.</summary>
    public static int StartConnect(int fd, in SockAddrIn target)
    {
        if (Libc.connect(fd, in target, SockAddrLen) == 0) return 0;
        return Errno.Last;
    }

    /// <summary>SO_ERROR after a non-blocking connect signalled writable: 0 on success.</summary>
    public static int PendingError(int fd)
    {
        int len = sizeof(int);
        if (Libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ERROR, out int err, ref len) != 0) return Errno.Last;
        return err;
    }

    /// <summary>Closes with SO_LINGER {1, 0}: an RST, no TIME_WAIT. Used when the harness tears down a held set.</summary>
    public static void Abort(int fd)
    {
        var l = new Linger { OnOff = 1, Seconds = 0 };
        _ = Libc.setsockoptLinger(fd, Libc.SOL_SOCKET, Libc.SO_LINGER, in l, sizeof(Linger));
        _ = Libc.close(fd);
    }

    public static nint Send(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data) return Libc.send(fd, p, (nuint)data.Length, Libc.MSG_NOSIGNAL | Libc.MSG_DONTWAIT);
    }

    public static nint Recv(int fd, Span<byte> buf)
    {
        fixed (byte* p = buf) return Libc.recv(fd, p, (nuint)buf.Length, Libc.MSG_DONTWAIT);
    }

    /// <summary>A listening socket with SO_REUSEADDR and optionally SO_REUSEPORT, or throws (setup, not hot path).</summary>
    public static int Listen(Endpoint4 ep, bool reusePort, int backlog)
    {
        int fd = NewTcp();
        if (fd < 0) throw new LoadException($"socket() for {ep} failed: {Errno.Describe(-fd)}");
        int e = Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
        if (e == 0 && reusePort) e = Libc.SetInt(fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
        var sa = SockAddrIn.From(ep.Address, ep.Port);
        if (e == 0 && Libc.bind(fd, in sa, SockAddrLen) != 0) e = Errno.Last;
        if (e == 0 && Libc.listen(fd, backlog) != 0) e = Errno.Last;
        if (e != 0)
        {
            Libc.close(fd);
            throw new LoadException($"listen on {ep} failed: {Errno.Describe(e)}");
        }
        return fd;
    }
}
