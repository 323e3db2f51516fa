using System.Globalization;
using SockDoc.Model.Config;

namespace SockDoc.Kernel.Config;

/// <summary>
/// /etc/security/limits.conf, then /etc/security/limits.d/*.conf in name order (pam_limits(8), limits.conf(5)):
/// "domain type item value", type soft, hard or "-" (both); value a number, or unlimited/infinity/-1.
/// </summary>
public static class LimitsConfigReader
{
    public const string LimitsConf = "/etc/security/limits.conf";
    public const string LimitsD = "/etc/security/limits.d";

    public static LimitsConfig Read(string root)
    {
        var problems = new List<ConfigProblem>();
        var files = new List<string>();
        var entries = new List<LimitEntry>();
        var main = ConfigFileText.InRoot(root, LimitsConf);
        if (File.Exists(main)) files.Add(main);
        var dir = ConfigFileText.InRoot(root, LimitsD);
        if (Directory.Exists(dir))
        {
            try
            {
                files.AddRange(Directory.GetFiles(dir, "*.conf").Order(StringComparer.Ordinal));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add(new ConfigProblem(dir, null, $"could not list: {e.Message}"));
            }
        }
        foreach (var f in files)
        {
            var text = ConfigFileText.Read(f, problems);
            if (text is not null) entries.AddRange(Parse(text, problems));
        }
        return new LimitsConfig { Files = files, Entries = entries, Problems = problems };
    }

    public static List<LimitEntry> Parse(ConfigFileText.Text text, List<ConfigProblem> problems)
    {
        var result = new List<LimitEntry>();
        for (int i = 0; i < text.Lines.Count; i++)
        {
            var line = text.Lines[i];
            if (line is null) continue;
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0) line = line[..hash];
            var f = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0) continue;
            int lineNo = i + 1;
            if (f.Length != 4)
            {
                problems.Add(new ConfigProblem(text.File, lineNo, $"expected 4 fields \"domain type item value\", found {f.Length}"));
                continue;
            }
            var type = f[1];
            if (type is not ("soft" or "hard" or "-"))
            {
                problems.Add(new ConfigProblem(text.File, lineNo, $"type \"{type}\" is not soft, hard or -"));
                continue;
            }
            long? number;
            if (f[3] is "unlimited" or "infinity" or "-1") number = null;
            else if (long.TryParse(f[3], NumberStyles.None, CultureInfo.InvariantCulture, out var n)) number = n;
            else
            {
                problems.Add(new ConfigProblem(text.File, lineNo, $"value \"{f[3]}\" is not a number, unlimited or infinity"));
                continue;
            }
            result.Add(new LimitEntry(f[0], type, f[2], f[3], number, text.File, lineNo));
        }
        return result;
    }
}
