using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using SockDoc.Kernel.Interop;

namespace SockDoc.Kernel.Census;

/// <summary>
/// Raw /proc walking for the census: getdents64 over directories and readlinkat/read relative to a directory fd,
/// so a scan of hundreds of thousands of fds costs one syscall per fd and no managed allocation per fd.
/// </summary>
internal static unsafe class RawProc
{
    public const int DirBufferBytes = 64 * 1024;

    /// <summary>Opens a directory relative to dirfd (AT_FDCWD for an absolute path); -errno on failure.</summary>
    public static int OpenDir(int dirfd, ReadOnlySpan<byte> pathZ)
    {
        fixed (byte* p = pathZ)
        {
            int fd = Libc.openat(dirfd, p, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
            return fd >= 0 ? fd : -Errno.Last;
        }
    }

    public static int OpenFile(int dirfd, ReadOnlySpan<byte> pathZ)
    {
        fixed (byte* p = pathZ)
        {
            int fd = Libc.openat(dirfd, p, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
            return fd >= 0 ? fd : -Errno.Last;
        }
    }

    /// <summary>Reads up to buffer.Length bytes of a small file (/proc/PID/comm, syscall, stack); -errno on failure.</summary>
    public static int ReadSmallFile(int dirfd, ReadOnlySpan<byte> pathZ, Span<byte> buffer)
    {
        int fd = OpenFile(dirfd, pathZ);
        if (fd < 0) return fd;
        try
        {
            int total = 0;
            fixed (byte* p = buffer)
            {
                while (total < buffer.Length)
                {
                    nint n = Libc.read(fd, p + total, (nuint)(buffer.Length - total));
                    if (n < 0)
                    {
                        int e = Errno.Last;
                        if (e == Errno.EINTR) continue;
                        return -e;
                    }
                    if (n == 0) break;
                    total += (int)n;
                }
            }
            return total;
        }
        finally
        {
            Libc.close(fd);
        }
    }

    /// <summary>readlinkat into buffer; length or -errno.</summary>
    public static int ReadLink(int dirfd, ReadOnlySpan<byte> nameZ, Span<byte> buffer)
    {
        fixed (byte* n = nameZ)
        fixed (byte* b = buffer)
        {
            nint r = Libc.readlinkat(dirfd, n, b, (nuint)buffer.Length);
            return r >= 0 ? (int)r : -Errno.Last;
        }
    }

    /// <summary>One getdents64 call; bytes filled, 0 at the end, -errno on failure.</summary>
    public static int GetDents(int dirfd, Span<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            while (true)
            {
                nint r = Libc.getdents64(dirfd, b, (nuint)buffer.Length);
                if (r >= 0) return (int)r;
                int e = Errno.Last;
                if (e != Errno.EINTR) return -e;
            }
        }
    }

    /// <summary>
    /// Walks struct linux_dirent64 records { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
    /// (include/linux/dirent.h): yields the NUL-terminated name including its NUL.
    /// </summary>
    public ref struct DirentEnumerator(ReadOnlySpan<byte> filled)
    {
        private ReadOnlySpan<byte> _rest = filled;
        public ReadOnlySpan<byte> NameZ { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool MoveNext()
        {
            while (_rest.Length >= 19)
            {
                int reclen = BinaryPrimitives.ReadUInt16LittleEndian(_rest[16..]);
                if (reclen < 20 || reclen > _rest.Length) { _rest = default; return false; }
                var name = _rest[19..reclen];
                _rest = _rest[reclen..];
                int nul = name.IndexOf((byte)0);
                if (nul <= 0) continue;
                NameZ = name[..(nul + 1)];
                return true;
            }
            return false;
        }
    }

    /// <summary>Every entry of a directory: getdents64 calls into buffer, walked record by record.</summary>
    public ref struct DirEntries(int dirfd, byte[] buffer)
    {
        private DirentEnumerator _records;
        private bool _end;

        /// <summary>The entry name including its NUL.</summary>
        public readonly ReadOnlySpan<byte> NameZ => _records.NameZ;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool MoveNext()
        {
            while (true)
            {
                if (_records.MoveNext()) return true;
                if (_end) return false;
                int got = GetDents(dirfd, buffer);
                if (got <= 0)
                {
                    _end = true;
                    return false;
                }
                _records = new DirentEnumerator(buffer.AsSpan(0, got));
            }
        }

        /// <summary>The next entry whose name is a decimal number (a pid, tid or fd).</summary>
        public bool MoveNextNumber(out int number)
        {
            while (MoveNext())
                if (TryParseNumber(NameZ[..^1], out number)) return true;
            number = 0;
            return false;
        }
    }

    /// <summary>Parses a decimal name (without the NUL); false for ".", "self", etc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseNumber(ReadOnlySpan<byte> name, out int value)
    {
        value = 0;
        if (name.IsEmpty || name.Length > 10) return false;
        long v = 0;
        foreach (var c in name)
        {
            if (c is < (byte)'0' or > (byte)'9') return false;
            v = v * 10 + (c - '0');
        }
        if (v > int.MaxValue) return false;
        value = (int)v;
        return true;
    }

    /// <summary>Parses the inode out of a "socket:[12345]" link target; false for any other file.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseSocketLink(ReadOnlySpan<byte> link, out uint inode)
    {
        inode = 0;
        if (!link.StartsWith("socket:["u8) || link.Length < 10 || link[^1] != (byte)']') return false;
        ulong v = 0;
        foreach (var c in link[8..^1])
        {
            if (c is < (byte)'0' or > (byte)'9') return false;
            v = v * 10 + (uint)(c - '0');
            if (v > uint.MaxValue) return false;
        }
        inode = (uint)v;
        return true;
    }

    /// <summary>Writes "a/b\0" style paths into a stack buffer without allocation.</summary>
    public static int Compose(Span<byte> dest, int number, ReadOnlySpan<byte> suffixZ)
    {
        if (!System.Buffers.Text.Utf8Formatter.TryFormat(number, dest, out int n)) return -1;
        suffixZ.CopyTo(dest[n..]);
        return n + suffixZ.Length;
    }
}
