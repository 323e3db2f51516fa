using System.Runtime.InteropServices;

namespace SockDoc.Kernel.Interop;

/// <summary>struct rlimit (include/uapi/linux/resource.h), 64-bit fields.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct RLimit
{
    public ulong Current;
    public ulong Max;
}

public static partial class Libc
{
    // include/uapi/asm-generic/resource.h, include/uapi/linux/prctl.h, include/uapi/linux/sched.h,
    // include/uapi/asm-generic/errno-base.h and errno.h.
    public const int RLIMIT_NOFILE = 7;
    public const int PR_SET_PDEATHSIG = 1;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int CLONE_NEWNET = 0x40000000;
    /// <summary>include/uapi/linux/sched.h: runs only when nothing else on the CPU wants to.</summary>
    public const int SCHED_IDLE = 5;


    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int setrlimit(int resource, in RLimit limit);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getppid();

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int getpid();

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int kill(int pid, int sig);

    /// <summary>setns(2): moves the calling thread (only it) into the namespace behind fd.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    /// <summary>sched_setscheduler(2) with pid 0: the calling thread only (Linux schedules threads).</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int sched_setscheduler(int pid, int policy, in int priority);

    /// <summary>sched_setaffinity(2) with pid 0: the calling thread only; mask is a cpu_set_t of size bytes.</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int sched_setaffinity(int pid, nuint size, ulong[] mask);
}
