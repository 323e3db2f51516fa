using SockDoc.Diagnosis.Engine;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// Kernel memory held by sockets: buffer pages (sockstat TCP and UDP mem) plus socket slab. All of it
/// is unswappable, outside any process's RSS and outside Committed_AS (kernel-facts §10.2).
/// </summary>
internal static class SocketMemory
{
    public static long? Bytes(Snapshot s)
    {
        if (s.PageSize is not { } page || s.SockStat is null) return null;
        long pages = RuleKit.Add(s.SockStat.TcpMemPages ?? 0, s.SockStat.UdpMemPages ?? 0);
        long slab = SocketSlab.Summarise(s)?.TotalBytes ?? 0;
        return RuleKit.Add(RuleKit.Mul(pages, page), slab);
    }
}
