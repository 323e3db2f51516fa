using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SockDoc.Kernel.Interop;

namespace SockDoc.Load.Epoll;

/// <summary>
/// One epoll instance and one pinned event array, driven by one thread (Tmds.LinuxAsync shape, without a
/// pending operation per socket). The 64-bit epoll data is the caller's: an index and a state, never an object.
/// </summary>
public sealed unsafe class EpollLoop : IDisposable
{
    private readonly SafeFdHandle _epfd;
    private readonly EpollEvent[] _events;
    private readonly EpollEvent* _eventsPtr;

    public EpollLoop(int maxEvents = 1024)
    {
        int fd = Libc.epoll_create1(Libc.EPOLL_CLOEXEC);
        if (fd < 0) throw new LoadException($"epoll_create1 failed: {Errno.Describe(Errno.Last)}");
        _epfd = new SafeFdHandle(fd);
        // Pinned for the loop's lifetime: epoll_wait writes straight into it, no copy, no per-call pin.
        _events = GC.AllocateArray<EpollEvent>(maxEvents, pinned: true);
        _eventsPtr = (EpollEvent*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_events));
    }

    public int Fd => _epfd.Fd;

    /// <summary>Returns 0 or the errno (ENOSPC when fs.epoll.max_user_watches is reached, fs/eventpoll.c).</summary>
    public int Add(int fd, uint events, ulong data) => Ctl(Libc.EPOLL_CTL_ADD, fd, events, data);

    public int Modify(int fd, uint events, ulong data) => Ctl(Libc.EPOLL_CTL_MOD, fd, events, data);

    public int Remove(int fd) => Ctl(Libc.EPOLL_CTL_DEL, fd, 0, 0);

    private int Ctl(int op, int fd, uint events, ulong data)
    {
        return Libc.EpollCtl(_epfd.Fd, op, fd, events, data) == 0 ? 0 : Errno.Last;
    }

    /// <summary>Waits up to timeoutMs; EINTR is retried (a signal is not an event). Returns the ready events.</summary>
    public ReadOnlySpan<EpollEvent> Wait(int timeoutMs)
    {
        while (true)
        {
            int n = Libc.EpollWait(_epfd.Fd, _eventsPtr, _events.Length, timeoutMs);
            if (n >= 0) return new ReadOnlySpan<EpollEvent>(_events, 0, n);
            int errno = Errno.Last;
            if (errno == Errno.EINTR) continue;
            throw new LoadException($"epoll_wait failed: {Errno.Describe(errno)}");
        }
    }

    public void Dispose() => _epfd.Dispose();
}
