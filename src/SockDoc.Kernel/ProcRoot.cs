namespace SockDoc.Kernel;

/// <summary>
/// The mount point readers read from: "/proc" in production, a copied tree (sosreport, fixture)
/// otherwise. Paths are given relative to /proc ("net/sockstat", "sys/net/ipv4/tcp_mem").
/// Like prometheus/procfs FS: injected into every reader, never a global.
/// </summary>
public sealed class ProcRoot
{
    public static ProcRoot Live { get; } = new("/proc");

    public ProcRoot(string procDirectory)
    {
        Directory_ = Path.GetFullPath(procDirectory);
    }

    /// <summary>Absolute path of the proc directory.</summary>
    public string Directory_ { get; }

    public bool IsLive => Directory_ == "/proc";

    public string PathOf(string relative) => Path.Combine(Directory_, relative);

    /// <summary>
    /// Accepts either a /proc directory or a tree that contains one (an sosreport root, a fixture
    /// host directory): if DIR/proc exists, that is used.
    /// </summary>
    public static ProcRoot FromUserPath(string path)
    {
        var nested = Path.Combine(path, "proc");
        return Directory.Exists(nested) ? new ProcRoot(nested) : new ProcRoot(path);
    }
}
