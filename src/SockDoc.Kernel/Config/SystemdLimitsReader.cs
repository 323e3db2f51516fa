using System.Globalization;
using SockDoc.Model.Config;

namespace SockDoc.Kernel.Config;

/// <summary>
/// LimitNOFILE= of systemd services (systemd.exec(5), systemd.unit(5)): a unit file from the first
/// directory that has its name, then drop-ins NAME.service.d/*.conf from every directory, same-name
/// drop-ins masked by earlier directories, applied in file-name order; the last assignment wins and an
/// empty one resets. Plus the manager's DefaultLimitNOFILE= (system.conf and system.conf.d).
/// </summary>
public static class SystemdLimitsReader
{
    public static readonly IReadOnlyList<string> UnitDirectories =
        ["/etc/systemd/system", "/run/systemd/system", "/usr/local/lib/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];

    public static readonly IReadOnlyList<string> ManagerDropInDirectories =
        ["/etc/systemd/system.conf.d", "/run/systemd/system.conf.d", "/usr/local/lib/systemd/system.conf.d", "/usr/lib/systemd/system.conf.d", "/lib/systemd/system.conf.d"];

    public const string SystemConf = "/etc/systemd/system.conf";

    public static SystemdConfig Read(string root)
    {
        var problems = new List<ConfigProblem>();
        var limits = new List<UnitNofile>();
        int read = 0;

        // The manager's default for every service.
        var managerFiles = new List<string>();
        var sc = ConfigFileText.InRoot(root, SystemConf);
        if (File.Exists(sc)) managerFiles.Add(sc);
        managerFiles.AddRange(DropIns(root, ManagerDropInDirectories, problems));
        var manager = Effective("system.conf", managerFiles, "DefaultLimitNOFILE", problems, ref read);
        if (manager is not null) limits.Add(manager);

        // Units: first directory wins per name.
        var units = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var seenDirs = new HashSet<string>(StringComparer.Ordinal);
        var realDirs = new List<string>();
        foreach (var d in UnitDirectories)
        {
            var full = ConfigFileText.InRoot(root, d);
            if (!Directory.Exists(full) || !seenDirs.Add(ConfigFileText.RealPath(root, full))) continue;
            realDirs.Add(d);
            try
            {
                foreach (var f in Directory.GetFiles(full, "*.service"))
                {
                    var name = Path.GetFileName(f);
                    units.TryAdd(name, f);
                }
                foreach (var sub in Directory.GetDirectories(full, "*.service.d")) units.TryAdd(Path.GetFileName(sub)[..^2], "");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new ConfigProblem(full, null, $"could not list: {e.Message}"));
            }
        }
        foreach (var (name, file) in units)
        {
            var files = new List<string>();
            if (file.Length > 0)
            {
                var real = ConfigFileText.Resolve(root, file);
                if (real is null) continue; // masked unit (symlink to /dev/null)
                files.Add(real);
            }
            files.AddRange(DropIns(root, realDirs.Select(d => d + "/" + name + ".d").ToList(), problems));
            var eff = Effective(name, files, "LimitNOFILE", problems, ref read);
            if (eff is not null) limits.Add(eff);
        }
        return new SystemdConfig { Limits = limits, Problems = problems, UnitFilesRead = read };
    }

    /// <summary>*.conf drop-ins across directories: same name masked by the earlier directory, sorted by name.</summary>
    private static List<string> DropIns(string root, IReadOnlyList<string> dirs, List<ConfigProblem> problems)
    {
        var chosen = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in dirs)
        {
            var full = ConfigFileText.InRoot(root, d);
            if (!Directory.Exists(full)) continue;
            try
            {
                foreach (var f in Directory.GetFiles(full, "*.conf")) chosen.TryAdd(Path.GetFileName(f), f);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new ConfigProblem(full, null, $"could not list: {e.Message}"));
            }
        }
        var result = new List<string>();
        foreach (var f in chosen.Values)
        {
            var real = ConfigFileText.Resolve(root, f);
            if (real is not null) result.Add(real);
        }
        return result;
    }

    private static UnitNofile? Effective(string unit, List<string> files, string key, List<ConfigProblem> problems, ref int read)
    {
        UnitNofile? current = null;
        foreach (var f in files)
        {
            var text = ConfigFileText.Read(f, problems);
            if (text is null) continue;
            read++;
            foreach (var a in ParseAssignments(text, key))
            {
                if (a.Value.Length == 0)
                {
                    current = null; // an empty assignment resets to the default
                    continue;
                }
                if (TryParseNofile(a.Value, out var soft, out var hard)) current = new UnitNofile(unit, a.Value, soft, hard, f, a.Line);
                else problems.Add(new ConfigProblem(f, a.Line, $"{key}={a.Value}: expected a number, infinity, or SOFT:HARD"));
            }
        }
        return current;
    }

    /// <summary>"KEY=value" lines of an INI-style unit file (comments # and ;), with line numbers.</summary>
    public static IEnumerable<(int Line, string Value)> ParseAssignments(ConfigFileText.Text text, string key)
    {
        for (int i = 0; i < text.Lines.Count; i++)
        {
            var line = text.Lines[i]?.Trim();
            if (string.IsNullOrEmpty(line) || line[0] is '#' or ';' or '[') continue;
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) continue;
            if (!line.AsSpan(0, eq).Trim().SequenceEqual(key)) continue;
            yield return (i + 1, line[(eq + 1)..].Trim());
        }
    }

    /// <summary>"N", "infinity", or "SOFT:HARD" (systemd.exec(5)); null means infinity.</summary>
    public static bool TryParseNofile(string value, out long? soft, out long? hard)
    {
        soft = hard = null;
        var parts = value.Split(':');
        if (parts.Length > 2) return false;
        if (!TryOne(parts[0], out soft)) return false;
        if (parts.Length == 1)
        {
            hard = soft;
            return true;
        }
        return TryOne(parts[1], out hard);
    }

    private static bool TryOne(string s, out long? v)
    {
        v = null;
        s = s.Trim();
        if (s == "infinity") return true;
        if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            v = n;
            return true;
        }
        return false;
    }
}
