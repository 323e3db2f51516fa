using System.Runtime.InteropServices;

namespace SockDoc.Kernel.KernelLog;

/// <summary>
/// The libc calls /dev/kmsg needs (open with O_NONBLOCK, read one record per call, poll, lseek to the end).
/// Kept next to its only user; the lead may move it to Interop/ as a Libc partial.
/// </summary>
internal static unsafe partial class KmsgNative
{
    private const string Lib = "libc";

    // include/uapi/asm-generic/fcntl.h (x86_64, arm64)
    public const int O_RDONLY = 0;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    // include/uapi/linux/fs.h: devkmsg_llseek() takes SEEK_END as "the next record the kernel writes".
    public const int SEEK_END = 2;
    // include/uapi/asm-generic/poll.h
    public const short POLLIN = 0x1;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport(Lib, EntryPoint = "lseek", SetLastError = true)]
    public static partial long Seek(int fd, long offset, int whence);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);
}
