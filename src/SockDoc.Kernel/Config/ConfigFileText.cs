using System.Text;
using SockDoc.Model.Config;

namespace SockDoc.Kernel.Config;

/// <summary>
/// Reads a configuration file as text lines, bounded, and says what is wrong with a damaged one
/// (binary, too large, an overlong line) instead of throwing.
/// </summary>
public static class ConfigFileText
{
    /// <summary>A sysctl.d, limits.d or unit file is a few KB; past 1 MiB the rest is not read.</summary>
    public const int MaxFileBytes = 1024 * 1024;
    /// <summary>Lines longer than this are reported and skipped (no sysctl value is this long).</summary>
    public const int MaxLineChars = 4096;

    /// <summary>The lines of a file (1-based numbering is index + 1); null lines were skipped and reported.</summary>
    public sealed record Text(string File, IReadOnlyList<string?> Lines);

    public static Text? Read(string path, List<ConfigProblem> problems)
    {
        byte[] bytes;
        bool cut = false;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[MaxFileBytes + 1];
            int total = 0, n;
            while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0) total += n;
            if (total > MaxFileBytes)
            {
                cut = true;
                total = MaxFileBytes;
            }
            bytes = buffer.AsSpan(0, total).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new ConfigProblem(path, null, $"could not read: {e.Message}"));
            return null;
        }
        var parsed = Parse(bytes, path, problems);
        if (cut)
        {
            problems.Add(new ConfigProblem(path, parsed.Lines.Count,
                $"file is larger than {MaxFileBytes / 1024 / 1024} MiB: not a configuration file? lines after {parsed.Lines.Count} were not read"));
        }
        return parsed;
    }

    /// <summary>Splits bytes into lines; a NUL byte means a binary file, reported with its line and not parsed further.</summary>
    public static Text Parse(ReadOnlySpan<byte> bytes, string file, List<ConfigProblem> problems)
    {
        var nul = bytes.IndexOf((byte)0);
        if (nul >= 0)
        {
            int line = 1 + bytes[..nul].Count((byte)'\n');
            problems.Add(new ConfigProblem(file, line, "binary data (a NUL byte): not a text configuration file, not read"));
            return new Text(file, []);
        }
        var text = Encoding.UTF8.GetString(bytes);
        var raw = text.Split('\n');
        // A trailing newline gives one empty last element that is not a line.
        int count = raw.Length > 0 && raw[^1].Length == 0 ? raw.Length - 1 : raw.Length;
        var lines = new List<string?>(count);
        for (int i = 0; i < count; i++)
        {
            var l = raw[i].TrimEnd('\r');
            if (l.Length > MaxLineChars)
            {
                problems.Add(new ConfigProblem(file, i + 1, $"line is {l.Length} characters long (more than {MaxLineChars}): skipped"));
                lines.Add(null);
                continue;
            }
            if (l.Contains('\uFFFD', StringComparison.Ordinal))
                problems.Add(new ConfigProblem(file, i + 1, "line is not valid UTF-8"));
            lines.Add(l);
        }
        return new Text(file, lines);
    }

    /// <summary>Maps an absolute host path into the tree at root ("/" → unchanged).</summary>
    public static string InRoot(string root, string absolute) =>
        root == "/" ? absolute : Path.Combine(root, absolute.TrimStart('/'));

    /// <summary>
    /// Where a directory entry really points, inside root: follows symlinks (absolute targets are
    /// taken relative to root, as the tool would see them after chroot). Null for /dev/null (a mask).
    /// </summary>
    public static string? Resolve(string root, string path)
    {
        for (int hops = 0; hops < 16; hops++)
        {
            FileSystemInfo info = new FileInfo(path);
            string? target;
            try
            {
                target = info.LinkTarget;
            }
            catch (IOException)
            {
                return path;
            }
            if (target is null) return path;
            if (target == "/dev/null") return null;
            path = target.StartsWith('/') ? InRoot(root, target) : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, target));
        }
        return path;
    }

    /// <summary>
    /// The real path of a path inside root, every component's symlink followed (absolute targets stay
    /// inside root): tells that /lib/sysctl.d and /usr/lib/sysctl.d are one directory on merged-/usr hosts.
    /// </summary>
    public static string RealPath(string root, string path)
    {
        var rootFull = Path.GetFullPath(root);
        var rel = Path.GetRelativePath(rootFull, Path.GetFullPath(path));
        var current = rootFull;
        var parts = new Queue<string>(rel.Split('/', StringSplitOptions.RemoveEmptyEntries));
        int hops = 0;
        while (parts.Count > 0)
        {
            var part = parts.Dequeue();
            if (part == ".") continue;
            if (part == "..")
            {
                current = current == rootFull ? rootFull : Path.GetDirectoryName(current) ?? rootFull;
                continue;
            }
            var next = Path.Combine(current, part);
            string? target = null;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (IOException)
            {
            }
            if (target is not null && hops++ < 32)
            {
                var rest = parts.ToList();
                parts.Clear();
                if (target.StartsWith('/')) current = rootFull;
                foreach (var t in target.Split('/', StringSplitOptions.RemoveEmptyEntries)) parts.Enqueue(t);
                foreach (var r in rest) parts.Enqueue(r);
                continue;
            }
            current = next;
        }
        return current;
    }
}
