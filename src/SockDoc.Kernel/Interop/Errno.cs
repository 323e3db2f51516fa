using System.Globalization;
using System.Runtime.InteropServices;

namespace SockDoc.Kernel.Interop;

/// <summary>
/// errno values, names and text: the one table for the whole tool. Values are those of
/// include/uapi/asm-generic/errno-base.h and errno.h, which x86_64 and arm64 both use (alpha, mips, parisc and
/// sparc have their own numbering; SockDoc does not run there).
/// One sign convention: an errno is a positive int, as errno(3) holds it. Calls that return an fd or a count
/// return -errno on failure (the kernel's own convention); the caller negates once, at that call.
/// </summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EINVAL = 22;
    public const int ENFILE = 23;
    public const int EMFILE = 24;
    public const int ENOSPC = 28;
    public const int ESPIPE = 29;
    public const int EPIPE = 32;
    public const int EPROTONOSUPPORT = 93;
    public const int EOPNOTSUPP = 95;
    public const int EAFNOSUPPORT = 97;
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

    /// <summary>Every errno is below this (EHWPOISON, 133, is the last): tables indexed by errno have this length.</summary>
    public const int Max = 134;

    // Index = errno; null where the number is unused (58; 41 and 35 are aliases EWOULDBLOCK and EDEADLOCK).
    private static readonly string?[] Names =
    [
        null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD", "EAGAIN", "ENOMEM", "EACCES",
        "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY",
        "EFBIG", "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS",
        "ENOTEMPTY", "ELOOP", null, "ENOMSG", "EIDRM", "ECHRNG", "EL2NSYNC", "EL3HLT", "EL3RST", "ELNRNG", "EUNATCH", "ENOCSI", "EL2HLT",
        "EBADE", "EBADR", "EXFULL", "ENOANO", "EBADRQC", "EBADSLT", null, "EBFONT", "ENOSTR", "ENODATA", "ETIME", "ENOSR", "ENONET",
        "ENOPKG", "EREMOTE", "ENOLINK", "EADV", "ESRMNT", "ECOMM", "EPROTO", "EMULTIHOP", "EDOTDOT", "EBADMSG", "EOVERFLOW", "ENOTUNIQ",
        "EBADFD", "EREMCHG", "ELIBACC", "ELIBBAD", "ELIBSCN", "ELIBMAX", "ELIBEXEC", "EILSEQ", "ERESTART", "ESTRPIPE", "EUSERS",
        "ENOTSOCK", "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EOPNOTSUPP",
        "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL", "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED",
        "ECONNRESET", "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS", "ETIMEDOUT", "ECONNREFUSED", "EHOSTDOWN",
        "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE", "EUCLEAN", "ENOTNAM", "ENAVAIL", "EISNAM", "EREMOTEIO", "EDQUOT",
        "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED", "ENOKEY", "EKEYEXPIRED", "EKEYREVOKED", "EKEYREJECTED", "EOWNERDEAD",
        "ENOTRECOVERABLE", "ERFKILL", "EHWPOISON",
    ];

    /// <summary>errno of the last failed LibraryImport call (SetLastError = true) on this thread.</summary>
    public static int Last => Marshal.GetLastPInvokeError();

    /// <summary>"EADDRNOTAVAIL"; "E58" for a number the table does not know.</summary>
    public static string Name(int errno) =>
        errno is > 0 and < Max && Names[errno] is { } name ? name : "E" + errno.ToString(CultureInfo.InvariantCulture);

    /// <summary>Inverse of <see cref="Name"/>: "EMFILE" → 24, "E58" → 58; -1 for anything else.</summary>
    public static int Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int i = Array.IndexOf(Names, name);
        if (i > 0) return i;
        return name.StartsWith('E') && int.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : -1;
    }

    /// <summary>strerror text, e.g. "Cannot assign requested address".</summary>
    public static string Text(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>"EADDRNOTAVAIL (Cannot assign requested address)".</summary>
    public static string Describe(int errno) => $"{Name(errno)} ({Text(errno)})";
}
