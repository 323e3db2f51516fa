using System.Runtime.InteropServices;
using SockDoc.Kernel.Interop;
using SockDoc.Kernel.Procfs;

namespace SockDoc.Kernel.Census;

/// <summary>One thread seen sleeping in sk_stream_wait_memory() during one sample.</summary>
public readonly record struct BlockedThread(int Pid, int Tid, int Fd, uint Inode, int Syscall);

/// <summary>
/// Finds threads blocked in a TCP send: /proc/PID/task/TID/syscall names a write-family syscall (the second
/// field is its first argument, the fd, in hex; proc_pid_syscall() in fs/proc/base.c) and
/// /proc/PID/task/TID/stack (root only) contains sk_stream_wait_memory (net/core/stream.c, called from
/// tcp_sendmsg_locked() when the send buffer or tcp_mem is full; kernel-facts §11). wchan alone says
/// "wait_woken" on x86_64 and is ambiguous, so the stack is the test.
/// </summary>
public static class BlockedSenderSampler
{
    /// <summary>write, writev, sendto, sendmsg syscall numbers of this architecture (asm/unistd_64.h; arm64 uses asm-generic/unistd.h).</summary>
    public static readonly int[] SendSyscalls = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.Arm64 => [64, 66, 206, 211],
        _ => [1, 20, 44, 46],
    };

    /// <summary>
    /// One pass over every thread under root. Problem is set when stacks are not readable (no root):
    /// then nothing can be said about blocked senders.
    /// </summary>
    public static List<BlockedThread> Sample(ProcRoot root, out string? problem)
    {
        problem = null;
        var found = new List<BlockedThread>();
        int procFd = RawProc.OpenDir(Libc.AT_FDCWD, SocketOwners.Zero(root.Directory_));
        if (procFd < 0)
        {
            problem = $"{root.Directory_}: {Errno.Text(-procFd)}";
            return found;
        }
        var procBuf = new byte[RawProc.DirBufferBytes];
        var taskBuf = new byte[16 * 1024];
        Span<byte> path = stackalloc byte[48];
        Span<byte> text = stackalloc byte[512];
        var stack = new byte[16 * 1024];
        Span<byte> link = stackalloc byte[64];
        Span<byte> fdPath = stackalloc byte[48];
        int denied = 0, readable = 0;
        try
        {
            var procs = new RawProc.DirEntries(procFd, procBuf);
            while (procs.MoveNextNumber(out int pid))
            {
                int n = RawProc.Compose(path, pid, "/task\0"u8);
                int taskDir = RawProc.OpenDir(procFd, path[..n]);
                if (taskDir < 0) continue;
                try
                {
                    var tasks = new RawProc.DirEntries(taskDir, taskBuf);
                    while (tasks.MoveNextNumber(out int tid))
                    {
                        int m = RawProc.Compose(path, tid, "/syscall\0"u8);
                        int len = RawProc.ReadSmallFile(taskDir, path[..m], text);
                        if (len < 0)
                        {
                            if (len is -Errno.EACCES or -Errno.EPERM) denied++;
                            continue;
                        }
                        readable++;
                        if (!TryParseSyscall(text[..len], out int nr, out int fd) || Array.IndexOf(SendSyscalls, nr) < 0) continue;
                        m = RawProc.Compose(path, tid, "/stack\0"u8);
                        int sl = RawProc.ReadSmallFile(taskDir, path[..m], stack);
                        if (sl < 0)
                        {
                            if (sl is -Errno.EACCES or -Errno.EPERM) denied++;
                            continue;
                        }
                        if (stack.AsSpan(0, sl).IndexOf("sk_stream_wait_memory"u8) < 0) continue;
                        // The socket behind the fd: /proc/PID/fd/FD → "socket:[INODE]".
                        uint inode = 0;
                        int k = RawProc.Compose(fdPath, pid, "/fd/"u8);
                        if (k > 0 && System.Buffers.Text.Utf8Formatter.TryFormat(fd, fdPath[k..], out int w))
                        {
                            fdPath[k + w] = 0;
                            int ll = RawProc.ReadLink(procFd, fdPath[..(k + w + 1)], link);
                            if (ll > 0 && ll < link.Length) RawProc.TryParseSocketLink(link[..ll], out inode);
                        }
                        found.Add(new BlockedThread(pid, tid, fd, inode, nr));
                    }
                }
                finally
                {
                    Libc.close(taskDir);
                }
            }
        }
        finally
        {
            Libc.close(procFd);
        }
        if (denied > 0 && readable == 0)
            problem = $"no thread's syscall/stack file is readable (needs root): blocked senders unknown";
        else if (denied > 0)
            problem = $"{denied} threads not readable (other users or not ptrace-able) were skipped";
        return found;
    }

    /// <summary>
    /// Parses /proc/PID/task/TID/syscall: "NR ARG1 ARG2 … SP PC" with args in hex (0x…); "running" or "-1 …"
    /// when the thread is not in a syscall.
    /// </summary>
    public static bool TryParseSyscall(ReadOnlySpan<byte> text, out int nr, out int fd)
    {
        nr = -1;
        fd = -1;
        var fields = ProcText.Fields(text.TrimEnd((byte)'\n'));
        if (!fields.MoveNext() || !ProcText.TryLong(fields.Current, out long n) || n < 0) return false;
        if (!fields.MoveNext()) return false;
        var a = fields.Current;
        if (a.StartsWith("0x"u8)) a = a[2..];
        if (!ProcText.TryULongHex(a, out ulong arg) || arg > int.MaxValue) return false;
        nr = (int)n;
        fd = (int)arg;
        return true;
    }
}
