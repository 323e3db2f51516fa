namespace SockDoc.Kernel;

/// <summary>
/// The mount point readers read from: "/proc" in production, a copied tree (sosreport, fixture)
/// otherwise. Paths are given relative to /proc ("net/sockstat", "sys/net/ipv4/tcp_mem").
/// Like prometheus/procfs FS: injected into every reader, never a global.
/// </summary>
public sealed class ProcRoot
{
    public static ProcRoot Live { get; } = new("/proc");

    /// <summary>
    /// The live /proc as the calling THREAD's network namespace sees it: net/* is read through
    /// /proc/thread-self/net, because /proc/net is /proc/self/net, which follows the thread-group leader's
    /// namespace, not that of a thread moved with setns(2). /proc/sys/net needs no change: the kernel looks
    /// sysctl tables up in current->nsproxy->net_ns, the calling thread's (net_ctl_header_lookup()).
    /// </summary>
    public static ProcRoot ThreadNetns { get; } = new("/proc") { _net = "/proc/thread-self/net" };

    private string? _net;

    public ProcRoot(string procDirectory)
    {
        Directory_ = Path.GetFullPath(procDirectory);
    }

    /// <summary>Absolute path of the proc directory.</summary>
    public string Directory_ { get; }

    public bool IsLive => Directory_ == "/proc";

    public string PathOf(string relative) =>
        _net is not null && relative.StartsWith("net/", StringComparison.Ordinal) ? _net + relative[3..] : Path.Combine(Directory_, relative);

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
