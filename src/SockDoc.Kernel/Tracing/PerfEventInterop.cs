using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SockDoc.Kernel.Interop;

namespace SockDoc.Kernel.Tracing;

/// <summary>
/// perf_event_open(2), its ioctls, mmap and the tracefs mount calls, LibraryImport only. Constants from
/// include/uapi/linux/perf_event.h (v6.18) and asm-generic/mman-common.h; syscall numbers from
/// arch/x86/entry/syscalls/syscall_64.tbl and include/uapi/asm-generic/unistd.h (arm64).
/// </summary>
internal static unsafe partial class PerfEventInterop
{
    private const string Lib = "libc";

    public const uint PERF_TYPE_TRACEPOINT = 2;

    // enum perf_event_sample_format
    public const ulong PERF_SAMPLE_TID = 1UL << 1;
    public const ulong PERF_SAMPLE_TIME = 1UL << 2;
    public const ulong PERF_SAMPLE_CPU = 1UL << 7;
    public const ulong PERF_SAMPLE_RAW = 1UL << 10;

    // perf_event_attr bit fields (the u64 at offset 40)
    public const ulong AttrDisabled = 1UL << 0;

    public const ulong PERF_FLAG_FD_CLOEXEC = 1UL << 3;

    // _IO('$', 0), _IO('$', 1), _IO('$', 5), _IOW('$', 6, char *)
    public const ulong PERF_EVENT_IOC_ENABLE = 0x2400;
    public const ulong PERF_EVENT_IOC_DISABLE = 0x2401;
    public const ulong PERF_EVENT_IOC_SET_OUTPUT = 0x2405;
    public const ulong PERF_EVENT_IOC_SET_FILTER = 0x40082406;

    // enum perf_event_type
    public const uint PERF_RECORD_LOST = 2;
    public const uint PERF_RECORD_SAMPLE = 9;

    /// <summary>PERF_ATTR_SIZE_VER5: every field used here exists in it (kernels ≥ 4.1 accept it).</summary>
    public const int AttrSize = 112;

    // struct perf_event_mmap_page: data_head, data_tail, data_offset, data_size (offsets since v4.1).
    public const int MmapDataHead = 1024;
    public const int MmapDataTail = 1032;
    public const int MmapDataOffset = 1040;
    public const int MmapDataSize = 1048;

    public const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    public const int MNT_DETACH = 2;

    private static readonly long SysPerfEventOpen = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 241 : 298;

    /// <summary>Writes a perf_event_attr for one tracepoint into attr (AttrSize bytes).</summary>
    public static void WriteTracepointAttr(Span<byte> attr, int tracepointId)
    {
        attr[..AttrSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(attr, PERF_TYPE_TRACEPOINT);
        BinaryPrimitives.WriteUInt32LittleEndian(attr[4..], AttrSize);
        BinaryPrimitives.WriteUInt64LittleEndian(attr[8..], (ulong)tracepointId);
        BinaryPrimitives.WriteUInt64LittleEndian(attr[16..], 1); // sample_period: every hit
        BinaryPrimitives.WriteUInt64LittleEndian(attr[24..], PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_RAW);
        // Created disabled, enabled once every CPU's event is open and filtered, so no unfiltered burst reaches the ring.
        BinaryPrimitives.WriteUInt64LittleEndian(attr[40..], AttrDisabled);
        // wakeup_events = 0: the reader polls the rings on a timer, so the kernel never needs to wake anyone.
    }

    /// <summary>perf_event_open(attr, pid = -1 (every task), cpu, group_fd = -1, PERF_FLAG_FD_CLOEXEC); fd or -errno.</summary>
    public static int Open(ReadOnlySpan<byte> attr, int cpu)
    {
        fixed (byte* a = attr)
        {
            long fd = syscall(SysPerfEventOpen, (nint)a, -1, cpu, -1, (nint)PERF_FLAG_FD_CLOEXEC);
            return fd >= 0 ? (int)fd : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>ioctl with an integer argument; 0 or -errno.</summary>
    public static int Ioctl(int fd, ulong request, nint arg)
    {
        int r = ioctl(fd, (nuint)request, arg);
        return r >= 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>PERF_EVENT_IOC_SET_FILTER with an ftrace filter expression; 0 or -errno.</summary>
    public static int SetFilter(int fd, string filter)
    {
        var bytes = new byte[System.Text.Encoding.ASCII.GetByteCount(filter) + 1];
        System.Text.Encoding.ASCII.GetBytes(filter, bytes);
        fixed (byte* p = bytes)
        {
            int r = ioctl(fd, (nuint)PERF_EVENT_IOC_SET_FILTER, (nint)p);
            return r >= 0 ? 0 : -Marshal.GetLastPInvokeError();
        }
    }

    public static byte* Map(int fd, nuint length, out int errno)
    {
        errno = 0;
        var p = mmap(null, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if ((nint)p == -1)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        return (byte*)p;
    }

    public static void Unmap(byte* p, nuint length) => munmap(p, length);

    public static int MountTracefs(string target)
    {
        int r = mount("nodev", target, "tracefs", 0, null);
        return r == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    public static int Unmount(string target)
    {
        int r = umount2(target, MNT_DETACH);
        return r == 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    public static int Close(int fd) => Libc.close(fd);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial long syscall(long number, nint arg1, int arg2, int arg3, int arg4, nint arg5);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, nint arg);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial void* mmap(void* addr, nuint length, int prot, int flags, int fd, nint offset);

    [LibraryImport(Lib, SetLastError = true)]
    private static partial int munmap(void* addr, nuint length);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount(string source, string target, string fstype, nuint flags, string? data);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);
}

/// <summary>Privilege check for `trace`: tracepoints on every CPU and every task need root (or CAP_PERFMON + paranoid ≤ -1).</summary>
public static partial class TraceAccess
{
    public static bool IsRoot => geteuid() == 0;

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
