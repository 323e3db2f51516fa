namespace SockDoc.Model;

/// <summary>One line of /proc/slabinfo (version 2.1): a kmem cache and its object counts.</summary>
public sealed record SlabCache(string Name, long ActiveObjects, long NumObjects, long ObjectSize, long ObjectsPerSlab, long PagesPerSlab)
{
    /// <summary>Bytes held by live objects: active_objs × objsize.</summary>
    public long ActiveBytes => ActiveObjects * ObjectSize;
}

/// <summary>/proc/slabinfo (root only). SLUB may merge small caches, so a cache can be absent.</summary>
public sealed record SlabInfo
{
    public string Version { get; init; } = "";
    public IReadOnlyList<SlabCache> Caches { get; init; } = [];

    public SlabCache? Find(string name)
    {
        foreach (var c in Caches)
        {
            if (c.Name == name) return c;
        }
        return null;
    }

    /// <summary>The caches that make up a TCP socket's kernel structures (kernel-facts §3.5).</summary>
    public static readonly IReadOnlyList<string> SocketCaches =
        ["TCP", "TCPv6", "sock_inode_cache", "filp", "dentry", "eventpoll_epi", "eventpoll_pwq",
         "request_sock_TCP", "request_sock_TCPv6", "tw_sock_TCP", "tw_sock_TCPv6", "tcp_bind_bucket", "tcp_bind2_bucket"];
}
