using SockDoc.Kernel.Procfs;

namespace SockDoc.Kernel.Cgroups;

/// <summary>
/// Where the cgroup hierarchies are mounted, from /proc/self/mountinfo (proc(5)): the cgroup2 mount and the v1 mount
/// whose super options name the memory controller. A controller lives on one hierarchy only, so the memory
/// controller is on v1 when a v1 memory mount exists, else on v2 when the v2 root lists "memory" in
/// cgroup.controllers. Nothing is assumed from the distribution: v2-only, v1-only and hybrid hosts (v1 controllers,
/// v2 at /sys/fs/cgroup/unified) are told apart by what is mounted.
/// </summary>
public sealed record CgroupMounts(string? V2Mount, string? V1MemoryMount)
{
    public const string MountInfo = "self/mountinfo";

    public string Layout => (V2Mount, V1MemoryMount) switch
    {
        (not null, not null) => "hybrid",
        (not null, null) => "v2",
        (null, not null) => "v1",
        _ => "none",
    };

    public static ReadResult<CgroupMounts> Read(ProcRoot root) => ProcFile.Read(root, MountInfo, Parse);

    public static CgroupMounts Parse(ReadOnlySpan<byte> data)
    {
        if (ProcText.LooksBinary(data)) throw new ProcParseException("binary data where mountinfo text was expected");
        string? v2 = null, v1Memory = null;
        int v2Rank = -1, v1Rank = -1;
        var lines = ProcText.Lines(data);
        while (lines.MoveNext())
        {
            var line = ProcText.Str(lines.Current);
            // "36 25 0:31 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory"
            int sep = line.IndexOf(" - ", StringComparison.Ordinal);
            if (sep < 0) continue;
            var head = line[..sep].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var tail = line[(sep + 3)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (head.Length < 5 || tail.Length < 1) continue;
            var mountPoint = Unescape(head[4]);
            // The mount showing the most of the tree wins; the first of equals. Field 4 is the mount's root shown relative
            // to the reader's cgroup namespace root (cgroup_show_path()): "/.." or "/../.." is a mount of an ancestor of
            // our root (the node's tree mounted into a container with a private cgroup namespace), "/" our root (the
            // whole tree in the initial namespace), anything else a bind of a subtree.
            int rank = RootRank(head[3]);
            if (tail[0] == "cgroup2" && rank > v2Rank) (v2, v2Rank) = (mountPoint, rank);
            else if (tail[0] == "cgroup" && tail.Length >= 3 && tail[2].Split(',').Contains("memory") && rank > v1Rank) (v1Memory, v1Rank) = (mountPoint, rank);
        }
        return new CgroupMounts(v2, v1Memory);
    }

    /// <summary>2 for an ancestor of our root ("/..", "/../.."), 1 for our root ("/"), 0 for a subtree (or a cousin's, "/../x").</summary>
    private static int RootRank(string root)
    {
        if (root == "/") return 1;
        var parts = root.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length > 0 && parts.All(p => p == "..") ? 2 : 0;
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as octal (\040 ...).</summary>
    private static string Unescape(string s) =>
        s.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
         .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
}
