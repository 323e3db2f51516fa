using System.Diagnostics;
using SockDoc.Kernel.Interop;
using SockDoc.Load.Epoll;

namespace SockDoc.Load.Server;

public sealed record ServerOptions
{
    public required IReadOnlyList<Endpoint4> Listen { get; init; }
    /// <summary>SO_REUSEPORT, so several worker processes can listen on the same ports (the kernel spreads connections by hash).</summary>
    public bool ReusePort { get; init; } = true;
    /// <summary>listen() backlog; the kernel caps it at net.core.somaxconn (__sys_listen_socket).</summary>
    public int Backlog { get; init; } = 4096;
}

/// <summary>
/// Accepts and echoes on raw non-blocking sockets in one epoll set. Per connection it keeps nothing but the fd's
/// epoll registration and one byte in an fd-indexed table (to close what is still open at the end).
/// </summary>
public sealed class LoadServer : IDisposable
{
    private const ulong ListenerTag = 1UL << 63;
    private readonly ServerOptions _options;
    private readonly EpollLoop _loop;
    private readonly int[] _listeners;
    private byte[] _open = new byte[1024];
    private bool _acceptPaused;

    public LoadStats Stats { get; } = new();

    /// <summary>Binds and listens now, so a caller knows the ports are ready before clients start.</summary>
    public LoadServer(ServerOptions options)
    {
        _options = options;
        _loop = new EpollLoop();
        _listeners = new int[options.Listen.Count];
        try
        {
            for (int i = 0; i < _listeners.Length; i++)
            {
                _listeners[i] = Sock.Listen(options.Listen[i], options.ReusePort, options.Backlog);
                int e = _loop.Add(_listeners[i], Libc.EPOLLIN, ListenerTag | (uint)i);
                if (e != 0) throw new LoadException($"epoll_ctl(listener {options.Listen[i]}) failed: {Errno.Describe(e)}");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public void Run(RunControl control, IProgressSink? sink)
    {
        Span<byte> buf = stackalloc byte[4096];
        long nextReport = Stopwatch.GetTimestamp();
        long reportEvery = Stopwatch.Frequency / 4;
        while (!control.ShouldStop)
        {
            var events = _loop.Wait(100);
            foreach (ref readonly var ev in events)
            {
                if ((ev.Data & ListenerTag) != 0)
                {
                    AcceptOne(_listeners[(int)(ev.Data & 0xFFFF)]);
                    continue;
                }
                int fd = (int)ev.Data;
                while (true)
                {
                    nint n = Sock.Recv(fd, buf);
                    if (n > 0)
                    {
                        Stats.BytesReceived += n;
                        // Echo: the clients send requests and heartbeats far below the socket buffer, so a short
                        // send only happens if the peer stopped reading; count it and drop the connection.
                        nint sent = Sock.Send(fd, buf[..(int)n]);
                        if (sent != n)
                        {
                            Stats.CountError(sent < 0 ? Errno.Last : Errno.EAGAIN);
                            CloseConn(fd);
                            break;
                        }
                        Stats.BytesSent += sent;
                        if (n < buf.Length) break;
                        continue;
                    }
                    if (n == 0)
                    {
                        CloseConn(fd); // peer closed first: we go LAST_ACK → CLOSED, no TIME_WAIT here
                        break;
                    }
                    int errno = Errno.Last;
                    if (errno == Errno.EAGAIN) break;
                    if (errno == Errno.EINTR) continue;
                    if (errno != Errno.ECONNRESET) Stats.CountError(errno);
                    CloseConn(fd);
                    break;
                }
            }
            long now = Stopwatch.GetTimestamp();
            if (sink is not null && now >= nextReport)
            {
                sink.Progress(Stats);
                nextReport = now + reportEvery;
            }
        }
        sink?.Progress(Stats);
    }

    /// <summary>
    /// One accept per time the listener is reported. Listeners are level-triggered, so one with more connections
    /// queued is reported again by the next epoll_wait (ep_send_events puts it back on the ready list); draining to
    /// EAGAIN instead would cost a failing accept4 per wake-up, and a busy server is woken for about one connection.
    /// </summary>
    private void AcceptOne(int listener)
    {
        while (true)
        {
            int fd = Libc.accept4(listener, 0, 0, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (fd < 0)
            {
                int errno = Errno.Last;
                if (errno == Errno.EAGAIN) return;
                if (errno == Errno.EINTR || errno == Errno.ECONNABORTED) continue;
                Stats.CountError(errno);
                if (errno is Errno.EMFILE or Errno.ENFILE or Errno.ENOBUFS or Errno.ENOMEM)
                {
                    // The connection stays in the accept queue (kernel-facts §8); stop polling the listeners
                    // until a connection closes, or a level-triggered listener would spin.
                    PauseAccept(true);
                }
                return;
            }
            int e = _loop.Add(fd, Libc.EPOLLIN | Libc.EPOLLRDHUP, (uint)fd);
            if (e != 0)
            {
                Stats.CountError(e);
                Sock.Abort(fd);
                return;
            }
            if (fd >= _open.Length) Array.Resize(ref _open, Math.Max(fd + 1, _open.Length * 2));
            _open[fd] = 1;
            Stats.Accepted++;
            Stats.Established++;
            Stats.Open++;
            return;
        }
    }

    private void PauseAccept(bool pause)
    {
        if (_acceptPaused == pause) return;
        _acceptPaused = pause;
        for (int i = 0; i < _listeners.Length; i++)
        {
            if (pause) _loop.Remove(_listeners[i]);
            else _loop.Add(_listeners[i], Libc.EPOLLIN, ListenerTag | (uint)i);
        }
    }

    private void CloseConn(int fd)
    {
        // close() also drops the epoll registration (last reference to the file).
        Libc.close(fd);
        if (fd < _open.Length) _open[fd] = 0;
        Stats.Open--;
        if (_acceptPaused) PauseAccept(false);
    }

    public void Dispose()
    {
        for (int fd = 0; fd < _open.Length; fd++)
        {
            if (_open[fd] != 0) Sock.Abort(fd);
            _open[fd] = 0;
        }
        foreach (var l in _listeners)
        {
            if (l > 0) Libc.close(l);
        }
        Array.Clear(_listeners);
        _loop.Dispose();
    }
}
