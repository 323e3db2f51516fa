using System.Text;

namespace SockDoc.Diagnosis.Capacity;

/// <summary>The files `plan` writes: a sysctl.d drop-in, a limits.d snippet and a systemd LimitNOFILE= line, each line with its why.</summary>
public static class PlanFiles
{
    /// <summary>Keys that exist only while a module is loaded get systemd's "-" prefix so a missing module is not an error.</summary>
    private static bool ModuleKey(string key) => key.StartsWith("net.netfilter.", StringComparison.Ordinal);

    public static string SysctlDropIn(CapacityPlan plan, string header) =>
        SysctlDropIn(plan?.Sysctls ?? throw new ArgumentNullException(nameof(plan)), header, "sockdoc plan", plan.Warnings);

    /// <summary>A sysctl.d drop-in from settings (plan's and the doctor's): each value under its reasons and the value it replaces.</summary>
    public static string SysctlDropIn(IReadOnlyList<PlanSetting> settings, string header, string writer, IReadOnlyList<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var sb = new StringBuilder();
        sb.Append("# ").Append(header).Append('\n');
        sb.Append("# Written by `").Append(writer).Append("`. Apply with: sysctl --system\n");
        AppendWarnings(sb, warnings);
        if (settings.Count == 0) sb.Append("# The current values suffice: nothing to change.\n");
        foreach (var s in settings)
        {
            sb.Append('\n');
            foreach (var line in Wrap(s.Why, 96)) sb.Append("# ").Append(line).Append('\n');
            if (s.Current is not null) sb.Append("# (was ").Append(s.Current).Append(")\n");
            sb.Append(ModuleKey(s.Key) ? "-" : "").Append(s.Key).Append(" = ").Append(s.Value).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The plan's warnings at the top of a written file, so they travel with the values.</summary>
    private static void AppendWarnings(StringBuilder sb, IReadOnlyList<string>? warnings)
    {
        foreach (var w in warnings ?? [])
        {
            bool first = true;
            foreach (var line in Wrap(w, 94))
            {
                sb.Append(first ? "# WARNING: " : "#   ").Append(line).Append('\n');
                first = false;
            }
        }
    }

    public static string LimitsSnippet(CapacityPlan plan, string domain) =>
        LimitsSnippet(plan?.Nofile ?? throw new ArgumentNullException(nameof(plan)), plan.NofileWhy, domain, plan.Warnings);

    public static string LimitsSnippet(long nofile, string why, string domain, IReadOnlyList<string>? warnings = null)
    {
        var sb = new StringBuilder();
        sb.Append("# /etc/security/limits.d/99-sockdoc.conf (pam_limits: login sessions, not systemd services)\n");
        AppendWarnings(sb, warnings);
        foreach (var line in Wrap(why, 96)) sb.Append("# ").Append(line).Append('\n');
        sb.Append("# Must not exceed fs.nr_open, or setrlimit() fails with EPERM.\n");
        sb.Append(domain).Append(" soft nofile ").Append(nofile).Append('\n');
        sb.Append(domain).Append(" hard nofile ").Append(nofile).Append('\n');
        return sb.ToString();
    }

    public static string SystemdLines(CapacityPlan plan)
    {
        var sb = new StringBuilder();
        sb.Append("# systemctl edit YOUR.service  ->  [Service] drop-in\n");
        AppendWarnings(sb, plan.Warnings);
        sb.Append("# ").Append(plan.NofileWhy).Append("; systemd's default is 1024:524288\n");
        sb.Append("[Service]\n");
        sb.Append("LimitNOFILE=").Append(plan.Nofile).Append('\n');
        return sb.ToString();
    }

    /// <summary>Splits a sentence into comment lines of at most width characters (at spaces).</summary>
    public static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) yield return line.ToString();
    }
}
