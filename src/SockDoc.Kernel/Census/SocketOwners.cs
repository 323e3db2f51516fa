using System.Diagnostics;
using System.Runtime.CompilerServices;
using SockDoc.Kernel.Interop;

namespace SockDoc.Kernel.Census;

/// <summary>
/// Socket inode → owning pid, from one scan of /proc/*/fd (each fd of a socket is a link "socket:[INODE]",
/// sockfs_dname() in net/socket.c). The first pid found wins when a socket is shared after fork().
/// Without root, other users' /proc/PID/fd is EACCES: Complete is false and DeniedProcesses counts them.
/// </summary>
public sealed class SocketOwners
{
    private readonly Dictionary<uint, int> _owner;
    private readonly Dictionary<int, string> _comm = [];
    private readonly ProcRoot _root;

    private SocketOwners(ProcRoot root, Dictionary<uint, int> owner)
    {
        _root = root;
        _owner = owner;
    }

    public bool Complete { get; private init; }
    public int Processes { get; private init; }
    public int DeniedProcesses { get; private init; }
    public long Fds { get; private init; }
    public long SocketFds { get; private init; }
    public TimeSpan Elapsed { get; private init; }
    public string? Problem { get; private init; }
    public int Count => _owner.Count;

    public static SocketOwners Empty(ProcRoot root, string problem) => new(root, []) { Problem = problem };

    public bool TryGetPid(uint inode, out int pid) => _owner.TryGetValue(inode, out pid);

    /// <summary>Parses the inode of a "socket:[INODE]" fd link target.</summary>
    public static bool TryParseSocketLink(ReadOnlySpan<byte> link, out uint inode) => RawProc.TryParseSocketLink(link, out inode);

    /// <summary>The command name from /proc/PID/comm (cached); "?" when the process is gone.</summary>
    public string Command(int pid)
    {
        if (_comm.TryGetValue(pid, out var c)) return c;
        Span<byte> path = stackalloc byte[32];
        int n = RawProc.Compose(path, pid, "/comm\0"u8);
        Span<byte> buf = stackalloc byte[64];
        int dir = RawProc.OpenDir(Libc.AT_FDCWD, Zero(_root.Directory_));
        string name = "?";
        if (dir >= 0)
        {
            int len = RawProc.ReadSmallFile(dir, path[..n], buf);
            Libc.close(dir);
            if (len > 0) name = System.Text.Encoding.UTF8.GetString(buf[..len].TrimEnd((byte)'\n'));
        }
        _comm[pid] = name;
        return name;
    }

    internal static byte[] Zero(string s)
    {
        var b = new byte[System.Text.Encoding.UTF8.GetByteCount(s) + 1];
        System.Text.Encoding.UTF8.GetBytes(s, b);
        return b;
    }

    /// <summary>Scans every /proc/PID/fd under root once. expectedSockets sizes the map.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static SocketOwners Scan(ProcRoot root, int expectedSockets = 1024)
    {
        var sw = Stopwatch.StartNew();
        var owner = new Dictionary<uint, int>(Math.Max(16, expectedSockets));
        int procFd = RawProc.OpenDir(Libc.AT_FDCWD, Zero(root.Directory_));
        if (procFd < 0) return Empty(root, $"{root.Directory_}: {Errno.Text(-procFd)}");
        int processes = 0, denied = 0;
        long fds = 0, socketFds = 0;
        var procBuf = new byte[RawProc.DirBufferBytes];
        var fdBuf = new byte[RawProc.DirBufferBytes];
        Span<byte> path = stackalloc byte[32];
        Span<byte> link = stackalloc byte[64];
        try
        {
            var procs = new RawProc.DirEntries(procFd, procBuf);
            while (procs.MoveNextNumber(out int pid))
            {
                int n = RawProc.Compose(path, pid, "/fd\0"u8);
                int fdDir = RawProc.OpenDir(procFd, path[..n]);
                if (fdDir < 0)
                {
                    // EACCES/EPERM: another user's process without root. ENOENT: it exited meanwhile.
                    if (fdDir is -Errno.EACCES or -Errno.EPERM) denied++;
                    continue;
                }
                processes++;
                bool linkDenied = false;
                try
                {
                    var ents = new RawProc.DirEntries(fdDir, fdBuf);
                    while (ents.MoveNext())
                    {
                        if (ents.NameZ[0] == (byte)'.') continue;
                        fds++;
                        int len = RawProc.ReadLink(fdDir, ents.NameZ, link);
                        if (len is -Errno.EACCES or -Errno.EPERM) linkDenied = true;
                        if (len <= 0 || len >= link.Length) continue;
                        if (!RawProc.TryParseSocketLink(link[..len], out uint inode)) continue;
                        socketFds++;
                        owner.TryAdd(inode, pid);
                    }
                }
                finally
                {
                    Libc.close(fdDir);
                }
                // ptrace_may_access() guards the links even for root (another user namespace, Yama).
                if (linkDenied) denied++;
            }
        }
        finally
        {
            Libc.close(procFd);
        }
        return new SocketOwners(root, owner)
        {
            Complete = denied == 0,
            Processes = processes,
            DeniedProcesses = denied,
            Fds = fds,
            SocketFds = socketFds,
            Elapsed = sw.Elapsed,
            Problem = denied == 0 ? null : $"{denied} of {processes + denied} processes' /proc/PID/fd not readable (not root, or not ptrace-able): their sockets have no owner",
        };
    }
}
