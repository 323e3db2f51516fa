using System.Globalization;

namespace SockDoc.Load;

/// <summary>errno numbers and names for the errors a load run meets (include/uapi/asm-generic/errno-base.h, errno.h).</summary>
public static class ErrnoNames
{
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int ENOSPC = 28;
    public const int EPIPE = 32;
    public const int EADDRINUSE = 98;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETUNREACH = 101;
    public const int ECONNABORTED = 103;
    public const int ECONNRESET = 104;
    public const int ENOBUFS = 105;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int EHOSTUNREACH = 113;
    public const int EINPROGRESS = 115;

    /// <summary>Counters are kept in a flat array indexed by errno; Linux errno values stay below this.</summary>
    public const int Max = 134;

    /// <summary>Pseudo-errno for "the peer closed the connection while we waited for a reply" (not a kernel errno).</summary>
    public const int PeerClosed = 0;

    public static string Name(int errno) => errno switch
    {
        PeerClosed => "EOF",
        1 => "EPERM",
        2 => "ENOENT",
        EINTR => "EINTR",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        22 => "EINVAL",
        ENFILE => "ENFILE",
        EMFILE => "EMFILE",
        ENOSPC => "ENOSPC",
        EPIPE => "EPIPE",
        EADDRINUSE => "EADDRINUSE",
        EADDRNOTAVAIL => "EADDRNOTAVAIL",
        100 => "ENETDOWN",
        ENETUNREACH => "ENETUNREACH",
        ECONNABORTED => "ECONNABORTED",
        ECONNRESET => "ECONNRESET",
        ENOBUFS => "ENOBUFS",
        ETIMEDOUT => "ETIMEDOUT",
        ECONNREFUSED => "ECONNREFUSED",
        EHOSTUNREACH => "EHOSTUNREACH",
        EINPROGRESS => "EINPROGRESS",
        _ => "E" + errno.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Inverse of <see cref="Name"/> for the wire format between workers and the parent.</summary>
    public static int Parse(string name)
    {
        for (int i = 0; i < Max; i++)
        {
            if (Name(i) == name) return i;
        }
        if (name.StartsWith('E') && int.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        return -1;
    }

    /// <summary>"EADDRNOTAVAIL (Cannot assign requested address)".</summary>
    public static string Describe(int errno) =>
        errno == PeerClosed ? "EOF (peer closed)" : $"{Name(errno)} ({SockDoc.Kernel.Interop.Libc.ErrnoText(errno)})";
}
