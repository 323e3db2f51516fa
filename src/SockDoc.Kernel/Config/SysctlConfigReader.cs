using SockDoc.Model.Config;

namespace SockDoc.Kernel.Config;

/// <summary>
/// Reads a host's sysctl configuration the way systemd-sysctl and `sysctl --system` apply it
/// (sysctl.d(5); procps sysctl.c --system):
/// * *.conf files from the directories below; a file name found in an earlier directory masks the
///   same name in later ones (a symlink to /dev/null masks and applies nothing);
/// * all remaining files sorted by file name, regardless of directory, applied in that order, so
///   for one key the file with the lexicographically latest name wins;
/// * /etc/sysctl.conf last (procps; Debian and others link it as /etc/sysctl.d/99-sysctl.conf for
///   systemd, in which case it is read once, at that place).
/// </summary>
public static class SysctlConfigReader
{
    /// <summary>Precedence order for same-name masking: earlier wins.</summary>
    public static readonly IReadOnlyList<string> Directories =
        ["/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d"];

    public const string SysctlConf = "/etc/sysctl.conf";

    public static SysctlConfig Read(string root)
    {
        var problems = new List<ConfigProblem>();
        var chosen = new SortedDictionary<string, (string Path, string? Real)>(StringComparer.Ordinal);
        var masked = new List<MaskedFile>();
        var seenDirs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dir in Directories)
        {
            var full = ConfigFileText.InRoot(root, dir);
            if (!Directory.Exists(full)) continue;
            // /lib is a symlink to /usr/lib on merged-/usr systems: the same directory twice.
            var real = ConfigFileText.RealPath(root, full);
            string[] files;
            try
            {
                files = Directory.GetFiles(full, "*.conf");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new ConfigProblem(full, null, $"could not list: {e.Message}"));
                continue;
            }
            bool duplicateDir = !seenDirs.Add(real);
            foreach (var f in files)
            {
                var name = Path.GetFileName(f);
                if (chosen.TryGetValue(name, out var winner))
                {
                    if (!duplicateDir) masked.Add(new MaskedFile(f, winner.Path));
                    continue;
                }
                chosen[name] = (f, ConfigFileText.Resolve(root, f));
            }
        }

        var applied = new List<string>();
        var assignments = new List<SysctlAssignment>();
        var sysctlConf = ConfigFileText.InRoot(root, SysctlConf);
        bool sysctlConfRead = false;
        foreach (var (_, (path, real)) in chosen)
        {
            if (real is null)
            {
                masked.Add(new MaskedFile(path, "a symlink to /dev/null (masks the name)"));
                continue;
            }
            if (ConfigFileText.RealPath(root, real) == ConfigFileText.RealPath(root, sysctlConf)) sysctlConfRead = true;
            ReadFile(path, real, applied, assignments, problems);
        }
        if (!sysctlConfRead && File.Exists(sysctlConf)) ReadFile(sysctlConf, sysctlConf, applied, assignments, problems);
        return new SysctlConfig { Files = applied, Masked = masked, Assignments = assignments, Problems = problems };
    }

    private static void ReadFile(string shownPath, string realPath, List<string> applied, List<SysctlAssignment> into, List<ConfigProblem> problems)
    {
        var text = ConfigFileText.Read(realPath, problems);
        if (text is null) return;
        applied.Add(shownPath);
        into.AddRange(Parse(text with { File = shownPath }, problems));
    }

    /// <summary>Parses one file's lines (sysctl.d(5) format). Lines that systemd would ignore with a warning become problems.</summary>
    public static List<SysctlAssignment> Parse(ConfigFileText.Text text, List<ConfigProblem> problems)
    {
        var result = new List<SysctlAssignment>();
        for (int i = 0; i < text.Lines.Count; i++)
        {
            var line = text.Lines[i]?.Trim();
            if (string.IsNullOrEmpty(line) || line[0] is '#' or ';') continue;
            int lineNo = i + 1;
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            bool ignoreFailure = line[0] == '-';
            if (eq < 0)
            {
                // "-key.pattern" without "=" excludes keys from a glob (systemd 249+); anything else is not an assignment.
                if (!(ignoreFailure && line.Length > 1))
                    problems.Add(new ConfigProblem(text.File, lineNo, $"not an assignment (expected \"key = value\"): \"{Shorten(line)}\""));
                continue;
            }
            var key = line[..eq].Trim();
            if (ignoreFailure) key = key[1..].Trim();
            var value = string.Join(' ', line[(eq + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
            if (key.Length == 0)
            {
                problems.Add(new ConfigProblem(text.File, lineNo, "assignment without a key"));
                continue;
            }
            var procPath = ProcPathOf(key);
            result.Add(new SysctlAssignment(DottedName(procPath), procPath, value, text.File, lineNo, ignoreFailure,
                key.AsSpan().IndexOfAny('*', '?', '[') >= 0));
        }
        return result;
    }

    /// <summary>
    /// The path under /proc/sys a key names (sysctl.d(5)): if the first separator is "/", the key is a
    /// path as is; if it is ".", dots are separators and slashes stand for dots inside a name.
    /// </summary>
    public static string ProcPathOf(string key)
    {
        var first = key.AsSpan().IndexOfAny('.', '/');
        if (first < 0 || key[first] == '/') return key.Trim('/');
        var chars = key.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = chars[i] switch { '.' => '/', '/' => '.', var c => c };
        }
        return new string(chars);
    }

    /// <summary>The sysctl(8) spelling of a /proc/sys path: "net/ipv4/conf/eth0.200/forwarding" → "net.ipv4.conf.eth0/200.forwarding".</summary>
    public static string DottedName(string procPath)
    {
        var chars = procPath.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = chars[i] switch { '/' => '.', '.' => '/', var c => c };
        }
        return new string(chars);
    }

    internal static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
