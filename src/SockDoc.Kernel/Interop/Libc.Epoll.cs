using System.Runtime.InteropServices;

namespace SockDoc.Kernel.Interop;

/// <summary>
/// struct epoll_event (include/uapi/linux/eventpoll.h). It is __attribute__((packed)) on x86_64 (EPOLL_PACKED),
/// so 12 bytes with the 64-bit data at offset 4. Other architectures pad it to 16; this harness targets x86_64.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public struct EpollEvent
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

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, in EpollEvent ev);

    [LibraryImport(Lib, SetLastError = true)]
    public static unsafe partial int epoll_wait(int epfd, EpollEvent* events, int maxevents, int timeout);
}
