using System.Diagnostics;
using SockDoc.Kernel.Interop;
using SockDoc.Load.Epoll;

namespace SockDoc.Load.Client;

public enum ClientMode
{
    /// <summary>Hold N idle persistent connections (optionally a heartbeat byte every few seconds).</summary>
    Long,
    /// <summary>Connect, send a request, read the reply, close: one connection per request.</summary>
    Short,
    /// <summary>The same requests over a fixed pool of keep-alive connections.</summary>
    Pool,
}

public sealed record ClientOptions
{
    public required IReadOnlyList<Endpoint4> Targets { get; init; }
    public ClientMode Mode { get; init; } = ClientMode.Long;
    /// <summary>Long: connections to hold.</summary>
    public int Connections { get; init; } = 1000;
    /// <summary>Short and pool: requests to make in all (0 = until the duration ends).</summary>
    public long Requests { get; init; }
    /// <summary>Long: seconds between heartbeat bytes on every connection (0 = idle).</summary>
    public double HeartbeatSeconds { get; init; }
    /// <summary>Short and pool: requests per second. Long: connects per second (0 = as fast as --concurrency allows).</summary>
    public double Rate { get; init; }
    /// <summary>Long: connects in flight. Short: requests (connections) in flight.</summary>
    public int Concurrency { get; init; } = 256;
    /// <summary>Pool: keep-alive connections.</summary>
    public int Pool { get; init; } = 8;
    /// <summary>Source addresses to spread over (round robin), bound with IP_BIND_ADDRESS_NO_PORT; empty = the kernel's choice.</summary>
    public IReadOnlyList<uint> Sources { get; init; } = [];
    public int RequestBytes { get; init; } = 16;
}

/// <summary>
/// The client side: raw non-blocking connects in one epoll set. Long mode keeps, per connection, an fd and one bit
/// (open or still connecting); the connect's start time rides in the epoll data word, so there is no object,
/// delegate, pending operation or start-time array per connection.
/// </summary>
public sealed class LoadClient : IDisposable
{
    // Epoll data word: the state in the top two bits. Short and pool mode put the slot in the low 32 bits and change
    // the state with EPOLL_CTL_MOD. Long mode registers once (edge-triggered, see StartConnect) and never modifies:
    // its word is Connecting | start µs (38 bits: 76 h, beyond the 24 h --duration allows) | slot (24 bits).
    private const ulong Connecting = 1UL << 62;
    private const ulong Established = 2UL << 62;
    private const ulong Awaiting = 3UL << 62;
    private const ulong StateMask = 3UL << 62;
    private const int LongSlotBits = 24;
    private const ulong LongSlotMask = (1UL << LongSlotBits) - 1;
    private const ulong LongStartMask = (1UL << 38) - 1;
    /// <summary>Most connections one long-mode client holds (the slot's share of the epoll data word).</summary>
    public const int MaxLongConnections = 1 << LongSlotBits;

    /// <summary>Long mode's one registration: edge-triggered, so the EPOLLOUT that ends the connect is reported once and
    /// the same registration then reports incoming data and hang-ups (no EPOLL_CTL_MOD per connection).</summary>
    private const uint LongEvents = Libc.EPOLLOUT | Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLET;

    private readonly ClientOptions _o;
    private readonly EpollLoop _loop = new();
    private readonly SockAddrIn[] _targets;
    private readonly double _microsPerTick = 1_000_000.0 / Stopwatch.Frequency;
    private long _t0;

    // Slot tables: long mode has one slot per connection, short mode one per request in flight, pool one per pooled connection.
    private int[] _fd = [];
    /// <summary>Long mode: bit i set once slot i's connect succeeded (its registration is never changed to say so).</summary>
    private ulong[] _open = [];
    private long[] _startMicros = [];
    private int[] _got = [];
    private int[] _free = [];
    private int _freeCount;
    private int _inflight;
    private long _nextConn;
    private readonly byte[] _request;

    public LoadStats Stats { get; } = new();

    public LoadClient(ClientOptions options)
    {
        if (options.Targets.Count == 0) throw new LoadException("no --target given");
        _o = options;
        _targets = options.Targets.Select(t => SockAddrIn.From(t.Address, t.Port)).ToArray();
        _request = new byte[Math.Clamp(options.RequestBytes, 1, 1024)];
        "SOCKDOC-LOAD-REQ"u8.CopyTo(_request.AsSpan(0, Math.Min(16, _request.Length)));
        if (_request.Length > 16) _request.AsSpan(16).Fill((byte)'.');
        _request[^1] = (byte)'\n';
    }

    private long NowMicros() => Micros(Stopwatch.GetTimestamp() - _t0, _microsPerTick);

    /// <summary>
    /// Microseconds since the run started, in 64 bits: a 32-bit count saturates at 2³² µs (71.6 minutes), after which
    /// every latency would read 0, while --duration allows 24 hours.
    /// </summary>
    internal static long Micros(long ticksSinceStart, double microsPerTick) => (long)(ticksSinceStart * microsPerTick);

    /// <summary>Long mode's epoll data word for a connect of <paramref name="slot"/> started at <paramref name="startMicros"/>.</summary>
    internal static ulong LongData(int slot, long startMicros) =>
        Connecting | (((ulong)startMicros & LongStartMask) << LongSlotBits) | ((ulong)slot & LongSlotMask);

    internal static int LongSlot(ulong data) => (int)(data & LongSlotMask);

    /// <summary>µs from the start time in a long-mode data word to <paramref name="nowMicros"/>; modulo 2³⁸ µs, so exact
    /// for any connect shorter than 76 hours wherever in the run it started.</summary>
    internal static long LongConnectMicros(ulong data, long nowMicros) =>
        (long)(((ulong)nowMicros - ((data >> LongSlotBits) & LongStartMask)) & LongStartMask);

    private bool IsOpen(int slot) => (_open[slot >> 6] & (1UL << slot)) != 0;

    private void Alloc(int slots)
    {
        _fd = new int[slots];
        _fd.AsSpan().Fill(-1);
        if (_o.Mode == ClientMode.Long)
        {
            // Long mode opens slot after slot and never reuses one: no free list, no start times (in the data word).
            if (slots > MaxLongConnections) throw new LoadException($"--connections {slots} is more than one client process can track ({MaxLongConnections})");
            _open = new ulong[(slots + 63) / 64];
            return;
        }
        _startMicros = new long[slots];
        _got = new int[slots];
        _free = new int[slots];
        if (_o.Mode == ClientMode.Pool) _broken = new int[2 * slots]; // this round's and the next's
        for (int i = 0; i < slots; i++) _free[i] = slots - 1 - i;
        _freeCount = slots;
    }

    public void Run(RunControl control, IProgressSink? sink)
    {
        _t0 = Stopwatch.GetTimestamp();
        switch (_o.Mode)
        {
            case ClientMode.Long: Alloc(Math.Max(0, _o.Connections)); break;
            case ClientMode.Short: Alloc(Math.Max(1, _o.Concurrency)); break;
            default: Alloc(Math.Max(1, _o.Pool)); break;
        }
        Span<byte> buf = stackalloc byte[2048];
        long nextReport = _t0;
        long reportEvery = Stopwatch.Frequency / 4;
        long nextHeartbeat = _o.HeartbeatSeconds > 0 ? _t0 + (long)(_o.HeartbeatSeconds * Stopwatch.Frequency) : long.MaxValue;
        long delayedMark = 0, nextReconnect = 0;
        bool finished = false;
        if (_o.Mode == ClientMode.Pool)
        {
            // The pool is opened once, up front; every later request reuses it. Slot by slot, not by popping the free
            // stack: a connect that completes at once pushes its slot back onto that stack.
            _freeCount = 0;
            for (int slot = 0; slot < _fd.Length; slot++) StartConnect(slot);
        }
        while (!control.ShouldStop && !finished)
        {
            long now = Stopwatch.GetTimestamp();
            double elapsed = (now - _t0) / (double)Stopwatch.Frequency;
            int timeout = 50;
            switch (_o.Mode)
            {
                case ClientMode.Long:
                {
                    long allowed = _o.Rate > 0 ? Math.Min(_fd.Length, (long)(elapsed * _o.Rate) + 1) : _fd.Length;
                    while (_nextConn < allowed && _inflight < _o.Concurrency)
                    {
                        StartConnect((int)_nextConn++);
                    }
                    if (_nextConn < _fd.Length && _inflight < _o.Concurrency) timeout = 1;
                    if (Stats.EstablishSeconds == 0 && _nextConn == _fd.Length && _inflight == 0)
                    {
                        Stats.EstablishSeconds = Math.Max(elapsed, 1e-6);
                        sink?.Progress(Stats);
                    }
                    if (now >= nextHeartbeat)
                    {
                        Heartbeat();
                        nextHeartbeat = now + (long)(_o.HeartbeatSeconds * Stopwatch.Frequency);
                    }
                    break;
                }
                case ClientMode.Short:
                case ClientMode.Pool:
                {
                    long due = _o.Rate > 0 ? (long)(elapsed * _o.Rate) + 1 : long.MaxValue;
                    if (_o.Requests > 0) due = Math.Min(due, _o.Requests);
                    if (_o.Mode == ClientMode.Pool && _brokenCount > 0 && now >= nextReconnect)
                    {
                        // Broken pool connections are replaced at most every 100 ms, so a refusing server cannot make us spin.
                        // Only the slots broken so far: a connect that fails at once appends its slot again, for the next round.
                        int broken = _brokenCount;
                        for (int k = 0; k < broken; k++) StartConnect(_broken[k]);
                        Array.Copy(_broken, broken, _broken, 0, _brokenCount - broken);
                        _brokenCount -= broken;
                        nextReconnect = now + Stopwatch.Frequency / 10;
                    }
                    while (_started < due && _freeCount > 0)
                    {
                        _started++;
                        if (_o.Mode == ClientMode.Short) StartConnect(_free[--_freeCount]);
                        else SendRequest(_free[--_freeCount]);
                    }
                    if (_started < due && due != long.MaxValue && due > delayedMark)
                    {
                        // Requests [started, due) are late because every slot is busy; count each one once.
                        Stats.Delayed += due - Math.Max(delayedMark, _started);
                        delayedMark = due;
                    }
                    timeout = _o.Rate > 0 ? Math.Clamp((int)(1000.0 / _o.Rate), 1, 10) : 10;
                    if (_o.Requests > 0 && Stats.Replies + _requestFailures >= _o.Requests) finished = true;
                    break;
                }
            }
            if (finished) break;
            var events = _loop.Wait(timeout);
            foreach (ref readonly var ev in events) OnEvent(ev, buf);
            now = Stopwatch.GetTimestamp();
            if (sink is not null && now >= nextReport)
            {
                sink.Progress(Stats);
                nextReport = now + reportEvery;
            }
        }
        sink?.Progress(Stats);
    }

    private long _started;
    private long _requestFailures;
    private int[] _broken = [];
    private int _brokenCount;

    private void StartConnect(int slot)
    {
        Stats.Attempted++;
        int fd = Sock.NewTcp();
        if (fd < 0)
        {
            Fail(slot, -fd, fdOpen: false);
            return;
        }
        _fd[slot] = fd;
        if (_o.Sources.Count > 0)
        {
            int e = Sock.BindSourceAddress(fd, _o.Sources[(int)((ulong)Stats.Attempted % (ulong)_o.Sources.Count)]);
            if (e != 0) { Fail(slot, e, fdOpen: true); return; }
        }
        long start = NowMicros();
        // Round robin over destinations: each (source, destination) pair has its own ephemeral port space (kernel-facts §5.2).
        int r = Sock.StartConnect(fd, in _targets[(int)((ulong)Stats.Attempted % (ulong)_targets.Length)]);
        if (_o.Mode == ClientMode.Long)
        {
            if (r != 0 && r != Errno.EINPROGRESS) { Fail(slot, r, fdOpen: true); return; }
            // One epoll_ctl for the connection's whole life (the C reference and most clients need ADD, then MOD).
            int e = _loop.Add(fd, LongEvents, LongData(slot, start));
            if (e != 0) { Fail(slot, e, fdOpen: true); return; }
            if (r == 0) Opened(slot, 0); // done at once; the EPOLLOUT edge that follows finds the slot open
            else _inflight++;
            return;
        }
        _startMicros[slot] = start;
        if (r == 0)
        {
            OnConnected(slot);
            return;
        }
        if (r != Errno.EINPROGRESS) { Fail(slot, r, fdOpen: true); return; }
        int ee = _loop.Add(fd, Libc.EPOLLOUT, Connecting | (uint)slot);
        if (ee != 0) { Fail(slot, ee, fdOpen: true); return; }
        _inflight++;
    }

    /// <summary>Long mode: slot's connect succeeded after <paramref name="micros"/>.</summary>
    private void Opened(int slot, long micros)
    {
        _open[slot >> 6] |= 1UL << slot;
        Stats.Established++;
        Stats.Open++;
        Stats.ConnectLatency.Record(micros);
    }

    /// <summary>Short and pool mode: slot's connect succeeded.</summary>
    private void OnConnected(int slot)
    {
        Stats.Established++;
        Stats.Open++;
        Stats.ConnectLatency.Record(NowMicros() - _startMicros[slot]);
        int fd = _fd[slot];
        switch (_o.Mode)
        {
            case ClientMode.Short:
                SendRequest(slot);
                break;
            default:
            {
                int e = Reregister(fd, Libc.EPOLLIN | Libc.EPOLLRDHUP, Established | (uint)slot);
                if (e != 0) { Fail(slot, e, fdOpen: true, wasOpen: true); break; }
                _free[_freeCount++] = slot; // idle in the pool
                break;
            }
        }
    }

    /// <summary>MOD if the fd is already in the set (it was added for EPOLLOUT), ADD if connect finished at once.</summary>
    private int Reregister(int fd, uint events, ulong data)
    {
        int e = _loop.Modify(fd, events, data);
        return e == Errno.ENOENT ? _loop.Add(fd, events, data) : e;
    }

    private void SendRequest(int slot)
    {
        int fd = _fd[slot];
        Stats.Requests++;
        if (_o.Mode == ClientMode.Pool) _startMicros[slot] = NowMicros();
        _got[slot] = 0;
        nint n = Sock.Send(fd, _request);
        if (n != _request.Length)
        {
            // The request was started (counted in _started): its failure counts, or --requests N could never end early.
            Fail(slot, n < 0 ? Errno.Last : Errno.EAGAIN, fdOpen: true, wasOpen: true, awaiting: true);
            return;
        }
        Stats.BytesSent += n;
        int e = Reregister(fd, Libc.EPOLLIN | Libc.EPOLLRDHUP, Awaiting | (uint)slot);
        if (e != 0) Fail(slot, e, fdOpen: true, wasOpen: true, awaiting: true);
    }

    /// <summary>
    /// The outcome of a non-blocking connect, from the event mask alone when it succeeded. tcp_poll (net/ipv4/tcp.c)
    /// reports EPOLLOUT only once the socket left SYN_SENT, and a connect that failed has sk_err set and is in
    /// TCP_CLOSE (tcp_done), so it always carries EPOLLERR and EPOLLHUP: only then is SO_ERROR read, for its errno.
    /// Returns 0 when connected (a HUP with SO_ERROR 0 is a connection the peer already closed; the read finds EOF).
    /// </summary>
    private static int ConnectOutcome(int fd, uint events) =>
        (events & (Libc.EPOLLERR | Libc.EPOLLHUP)) == 0 ? 0 : Sock.PendingError(fd);

    private void OnEvent(in EpollEvent ev, Span<byte> buf)
    {
        if (_o.Mode == ClientMode.Long)
        {
            OnLongEvent(ev, buf);
            return;
        }
        int slot = (int)(ev.Data & 0xFFFF_FFFF);
        ulong state = ev.Data & StateMask;
        int fd = _fd[slot];
        if (fd < 0) return; // closed earlier in this batch
        if (state == Connecting)
        {
            _inflight--;
            int err = ConnectOutcome(fd, ev.Events);
            if (err != 0)
            {
                Fail(slot, err, fdOpen: true);
                return;
            }
            OnConnected(slot);
            return;
        }
        ReadAvailable(slot, fd, state, buf);
    }

    private void OnLongEvent(in EpollEvent ev, Span<byte> buf)
    {
        int slot = LongSlot(ev.Data);
        int fd = _fd[slot];
        if (fd < 0) return; // closed earlier in this batch
        if (!IsOpen(slot))
        {
            // The first edge after connect() is its outcome.
            _inflight--;
            int err = ConnectOutcome(fd, ev.Events);
            if (err != 0)
            {
                Fail(slot, err, fdOpen: true);
                return;
            }
            Opened(slot, LongConnectMicros(ev.Data, NowMicros()));
        }
        // Only EPOLLOUT (the connect's own edge, or send space coming back): nothing to read.
        if ((ev.Events & (Libc.EPOLLIN | Libc.EPOLLRDHUP | Libc.EPOLLERR | Libc.EPOLLHUP)) == 0) return;
        ReadAvailable(slot, fd, Established, buf);
    }

    /// <summary>
    /// Established (idle, heartbeat echo) or awaiting a reply: reads what is there. A short read means the receive
    /// queue is empty, which ends a level-triggered read; an edge-triggered one (long mode) reads on to EAGAIN,
    /// because a FIN that came with the data raises no further edge.
    /// </summary>
    private void ReadAvailable(int slot, int fd, ulong state, Span<byte> buf)
    {
        bool toEagain = _o.Mode == ClientMode.Long;
        while (true)
        {
            nint n = Sock.Recv(fd, buf);
            if (n > 0)
            {
                Stats.BytesReceived += n;
                if (state == Awaiting)
                {
                    _got[slot] += (int)n;
                    if (_got[slot] >= _request.Length)
                    {
                        Stats.Replies++;
                        Stats.RequestLatency.Record(NowMicros() - _startMicros[slot]);
                        if (_o.Mode == ClientMode.Short)
                        {
                            // The client closes first, so the TIME_WAIT lands here (tcp_time_wait() on the active closer).
                            Libc.close(fd);
                            _fd[slot] = -1;
                            Stats.Open--;
                            _free[_freeCount++] = slot;
                        }
                        else
                        {
                            _ = _loop.Modify(fd, Libc.EPOLLIN | Libc.EPOLLRDHUP, Established | (uint)slot);
                            _free[_freeCount++] = slot;
                        }
                        return;
                    }
                }
                if (n < buf.Length && !toEagain) return;
                continue;
            }
            if (n == 0)
            {
                Stats.PeerClosed++;
                Fail(slot, LoadStats.Eof, fdOpen: true, wasOpen: true, awaiting: state == Awaiting);
                return;
            }
            int errno = Errno.Last;
            if (errno == Errno.EAGAIN) return;
            if (errno == Errno.EINTR) continue;
            Fail(slot, errno, fdOpen: true, wasOpen: true, awaiting: state == Awaiting);
            return;
        }
    }

    private void Fail(int slot, int errno, bool fdOpen, bool wasOpen = false, bool awaiting = false)
    {
        Stats.CountError(errno);
        if (fdOpen && _fd[slot] >= 0)
        {
            Libc.close(_fd[slot]);
            if (wasOpen) Stats.Open--;
        }
        _fd[slot] = -1;
        switch (_o.Mode)
        {
            case ClientMode.Long:
                _open[slot >> 6] &= ~(1UL << slot);
                break;
            case ClientMode.Short:
                // In short mode a slot is one request: whatever failed, that request failed.
                _requestFailures++;
                _free[_freeCount++] = slot;
                break;
            case ClientMode.Pool:
                if (awaiting) _requestFailures++;
                else RemoveFromFree(slot); // an idle pooled connection sits in the free stack
                _broken[_brokenCount++] = slot; // replaced from the main loop, never recursively from here
                break;
        }
    }

    private void RemoveFromFree(int slot)
    {
        for (int i = 0; i < _freeCount; i++)
        {
            if (_free[i] != slot) continue;
            _free[i] = _free[--_freeCount];
            return;
        }
    }

    private void Heartbeat()
    {
        ReadOnlySpan<byte> beat = "h"u8;
        for (int i = 0; i < _fd.Length; i++)
        {
            int fd = _fd[i];
            if (fd < 0 || i >= _nextConn || !IsOpen(i)) continue;
            if (Sock.Send(fd, beat) == 1) { Stats.HeartbeatsSent++; Stats.BytesSent++; }
        }
    }

    /// <summary>
    /// Closes everything still open. Long and pool connections are aborted (SO_LINGER 0: RST, no TIME_WAIT) because
    /// they are the harness's own teardown, not the traffic being measured; short mode has closed its own already.
    /// </summary>
    public void Dispose()
    {
        for (int i = 0; i < _fd.Length; i++)
        {
            if (_fd[i] < 0) continue;
            if (_o.Mode == ClientMode.Short) Libc.close(_fd[i]);
            else Sock.Abort(_fd[i]);
            _fd[i] = -1;
        }
        _loop.Dispose();
    }
}
