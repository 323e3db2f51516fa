using System.Runtime.InteropServices;

namespace SockDoc.Kernel.Interop;

/// <summary>
/// One ready event as the harness reads it. Its layout is x86_64's struct epoll_event (include/uapi/linux/eventpoll.h,
/// EPOLL_PACKED: 12 bytes, data at offset 4), so on x86_64 epoll_wait writes these directly; on arm64 the kernel's
/// 16-byte layout (data at offset 8) is converted by <see cref="Libc.EpollWait"/>. Never pass it to the kernel
/// yourself: use <see cref="Libc.EpollCtl"/> and <see cref="Libc.EpollWait"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public struct EpollEvent
{
    public uint Events;
    public ulong Data;
}

/// <summary>struct epoll_event of every architecture except x86_64: natural alignment, 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct EpollEventAligned
{
    public uint Events;
    public ulong Data;
}

public static partial class Libc
{
    // include/uapi/linux/eventpoll.h
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const int EPOLL_CTL_MOD = 3;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    /// <summary>Edge-triggered: reported when readiness changes, so a registration can stay unchanged for a socket's life.</summary>
    public const uint EPOLLET = 1u << 31;

    /// <summary>Most events one <see cref="EpollWait"/> returns on an architecture that needs the conversion buffer.</summary>
    public const int EpollMaxEventsPerWait = 1024;

    private static readonly bool EpollPacked = KernelAbi.Current.EpollEventSize == 12;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Lib, EntryPoint = "epoll_ctl", SetLastError = true)]
    private static unsafe partial int epoll_ctl_raw(int epfd, int op, int fd, void* ev);

    [LibraryImport(Lib, EntryPoint = "epoll_wait", SetLastError = true)]
    private static unsafe partial int epoll_wait_raw(int epfd, void* events, int maxevents, int timeout);

    /// <summary>epoll_ctl(2) with the event in this architecture's layout; -1 and errno on failure.</summary>
    public static unsafe int EpollCtl(int epfd, int op, int fd, uint events, ulong data)
    {
        if (EpollPacked)
        {
            var ev = new EpollEvent { Events = events, Data = data };
            return epoll_ctl_raw(epfd, op, fd, &ev);
        }
        var aligned = new EpollEventAligned { Events = events, Data = data };
        return epoll_ctl_raw(epfd, op, fd, &aligned);
    }

    /// <summary>
    /// epoll_wait(2) into <paramref name="events"/> (at most <paramref name="max"/>): written in place on x86_64,
    /// through a stack buffer of the 16-byte layout elsewhere. Returns the count, or -1 and errno.
    /// </summary>
    public static unsafe int EpollWait(int epfd, EpollEvent* events, int max, int timeout)
    {
        if (EpollPacked) return epoll_wait_raw(epfd, events, max, timeout);
        max = Math.Min(max, EpollMaxEventsPerWait);
        EpollEventAligned* buf = stackalloc EpollEventAligned[max];
        int n = epoll_wait_raw(epfd, buf, max, timeout);
        for (int i = 0; i < n; i++) events[i] = new EpollEvent { Events = buf[i].Events, Data = buf[i].Data };
        return n;
    }
}
