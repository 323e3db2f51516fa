using SockDoc.Model;

namespace SockDoc.Diagnosis.Engine;

/// <summary>
/// Kernel socket structures from /proc/slabinfo. tcp_mem and sockstat mem count only buffer pages;
/// each socket also costs ~4 KB of unswappable slab (struct tcp_sock, socket inode, file, dentry,
/// epoll item), which is reported here separately (kernel-facts §3.5).
/// filp and dentry are shared with every other file on the host, so only one of each per socket
/// ("sockets: used") is counted, at this host's object sizes.
/// </summary>
public static class SocketSlab
{
    /// <summary>Caches that hold nothing but socket objects.</summary>
    public static readonly IReadOnlyList<string> SocketOnly =
        ["TCP", "TCPv6", "sock_inode_cache", "request_sock_TCP", "request_sock_TCPv6", "tw_sock_TCP", "tw_sock_TCPv6", "tcp_bind_bucket", "tcp_bind2_bucket"];

    /// <summary>Caches with one object per open socket file among objects of other files.</summary>
    public static readonly IReadOnlyList<string> PerSocketShared = ["filp", "dentry"];

    public static SocketSlabSummary? Summarise(Snapshot s)
    {
        if (s.SlabInfo is null) return null;
        var caches = new List<SlabCacheUse>();
        long total = 0;
        foreach (var name in SocketOnly)
        {
            var c = s.SlabInfo.Find(name);
            if (c is null) continue;
            caches.Add(new SlabCacheUse(c.Name, c.ActiveObjects, c.ObjectSize, c.ActiveBytes));
            total += c.ActiveBytes;
        }
        long sockets = s.SockStat?.SocketsUsed ?? 0;
        foreach (var name in PerSocketShared)
        {
            var c = s.SlabInfo.Find(name);
            if (c is null) continue;
            long n = Math.Min(sockets, c.ActiveObjects);
            caches.Add(new SlabCacheUse(c.Name + " (one per socket)", n, c.ObjectSize, n * c.ObjectSize));
            total += n * c.ObjectSize;
        }
        return new SocketSlabSummary(total, caches, s.SockStat?.TcpAlloc, FloorPerTcpSocket(s.SlabInfo));
    }

    /// <summary>
    /// The slab floor of one idle IPv4 TCP socket on this host: tcp_sock + socket inode + file + dentry
    /// (+ epoll item when the cache exists). kernel-facts §3.5 measured ≈ 4.1 KB on 6.18.
    /// </summary>
    public static double? FloorPerTcpSocket(SlabInfo slab)
    {
        var tcp = slab.Find("TCP");
        if (tcp is null) return null;
        long sum = tcp.ObjectSize;
        foreach (var name in new[] { "sock_inode_cache", "filp", "dentry", "eventpoll_epi" })
            sum += slab.Find(name)?.ObjectSize ?? 0;
        return sum;
    }
}
