using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SockDoc.Kernel.Interop;

public static partial class Libc
{
    // include/uapi/linux/fcntl.h, include/uapi/linux/stat.h. struct statx has the same layout on every
    // architecture (256 bytes; stx_ino is the u64 at offset 32), which is why it is used instead of stat(2).
    public const uint STATX_INO = 0x100;
    private const int StatxSize = 256;
    private const int StxInoOffset = 32;

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string pathname, int flags, uint mask, byte* buffer);

    /// <summary>NSFS_MAGIC (include/uapi/linux/magic.h): the filesystem of /proc/PID/ns/* and their bind mounts.</summary>
    public const long NSFS_MAGIC = 0x6e736673;

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statfs(string path, byte* buffer);

    /// <summary>statfs(2) f_type of path (the first field of struct statfs, a word on 64-bit Linux); null on failure.</summary>
    public static unsafe long? FileSystemType(string path)
    {
        byte* buffer = stackalloc byte[256];
        if (statfs(path, buffer) != 0) return null;
        return BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(buffer, 8));
    }

    /// <summary>
    /// The inode number of path (following links): an nsfs bind mount gives the namespace's inode, a cgroup v2
    /// directory its cgroup id (kernfs ids are the inode numbers on 64-bit). null and errno on failure.
    /// </summary>
    public static unsafe ulong? InodeOf(string path, out int errno)
    {
        byte* buffer = stackalloc byte[StatxSize];
        if (statx(AT_FDCWD, path, 0, STATX_INO, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        errno = 0;
        return BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(buffer + StxInoOffset, 8));
    }
}
