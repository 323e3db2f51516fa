using SockDoc.Model;

namespace SockDoc.Diagnosis.Engine;

/// <summary>
/// Kernel socket structures from /proc/slabinfo. tcp_mem and sockstat mem count only buffer pages;
/// each socket also costs ~4 KB of unswappable slab (struct tcp_sock, socket inode, file, dentry,
/// epoll item), which is reported here separately (kernel-facts §3.5).
/// </summary>
public static class SocketSlab
{
    public static SocketSlabSummary? Summarise(Snapshot s)
    {
        if (s.SlabInfo is null) return null;
        var caches = new List<SlabCacheUse>();
        long total = 0;
        foreach (var name in SlabInfo.SocketCaches)
        {
            var c = s.SlabInfo.Find(name);
            if (c is null) continue;
            caches.Add(new SlabCacheUse(c.Name, c.ActiveObjects, c.ObjectSize, c.ActiveBytes));
            total += c.ActiveBytes;
        }
        long? tcpSockets = s.SockStat?.TcpAlloc;
        double? perSocket = tcpSockets is > 0 ? (double)total / tcpSockets.Value : null;
        return new SocketSlabSummary(total, caches, tcpSockets, perSocket);
    }
}
