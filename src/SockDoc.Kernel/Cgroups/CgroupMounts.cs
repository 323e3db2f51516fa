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
            // Only a mount of the hierarchy's root (field 4 "/") shows every cgroup; a bind of a subtree (a container's view) is kept if nothing better is found.
            bool wholeTree = head[3] == "/";
            if (tail[0] == "cgroup2" && (v2 is null || wholeTree)) v2 ??= mountPoint;
            else if (tail[0] == "cgroup" && tail.Length >= 3 && tail[2].Split(',').Contains("memory") && (v1Memory is null || wholeTree)) v1Memory ??= mountPoint;
        }
        return new CgroupMounts(v2, v1Memory);
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as octal (\040 ...).</summary>
    private static string Unescape(string s) =>
        s.Replace("\\040", " ", StringComparison.Ordinal).Replace("\\011", "\t", StringComparison.Ordinal)
         .Replace("\\012", "\n", StringComparison.Ordinal).Replace("\\134", "\\", StringComparison.Ordinal);
}
