using System.Globalization;
using SockDoc.Diagnosis.Capacity;
using SockDoc.Diagnosis.Engine;

namespace SockDoc.Cli.Output;

/// <summary>One setting to change: the value every finding that asks for it agrees on, with each finding's reason.</summary>
public sealed record SettingChange(string Key, string Value, string? Current, IReadOnlyList<(string FindingId, string Why)> Reasons)
{
    /// <summary>The line an operator pastes into a shell.</summary>
    public string Command => $"sysctl -w {Key}=\"{Value}\"";
}

/// <summary>A limit on open files (LimitNOFILE= for a service, nofile in limits.d for a login session).</summary>
public sealed record NofileChange(long Value, IReadOnlyList<(string FindingId, string Why)> Reasons);

/// <summary>
/// The doctor's "settings to change" block: every sysctl the findings propose, once, at the strictest value any of
/// them asks for, never looser than the running value (a proposal the host already meets is dropped).
/// </summary>
public sealed record SettingsToChange(IReadOnlyList<SettingChange> Sysctls, NofileChange? Nofile)
{
    public bool IsEmpty => Sysctls.Count == 0 && Nofile is null;

    // Settings where the smaller number is the stricter fix: timeouts and retries shorten a resource's life.
    private static bool LowerIsStricter(string key, int index) =>
        key.Contains("timeout", StringComparison.Ordinal) || key.Contains("retries", StringComparison.Ordinal)
        || (key == "net.ipv4.ip_local_port_range" && index == 0);

    // Modes, not sizes: no order between values; the first proposal stands and running values are not compared.
    private static readonly HashSet<string> Modes = new(StringComparer.Ordinal)
    {
        "net.ipv4.tcp_syncookies", "net.ipv4.tcp_tw_reuse", "vm.overcommit_memory", "vm.panic_on_oom",
    };

    public static SettingsToChange From(Report report, IReadOnlyDictionary<string, string>? running)
    {
        ArgumentNullException.ThrowIfNull(report);
        var byKey = new Dictionary<string, (string Value, List<(string, string)> Reasons)>(StringComparer.Ordinal);
        var order = new List<string>();
        long? nofile = null;
        var nofileReasons = new List<(string, string)>();
        foreach (var f in report.Findings)
        {
            foreach (var fix in f.Fix)
            {
                if (fix.Command.StartsWith("sysctl -w ", StringComparison.Ordinal) && fix.Value.Length > 0)
                {
                    if (!byKey.TryGetValue(fix.Setting, out var entry))
                    {
                        entry = (fix.Value, []);
                        order.Add(fix.Setting);
                    }
                    else
                    {
                        entry.Value = Strictest(fix.Setting, entry.Value, fix.Value);
                    }
                    entry.Reasons.Add((f.Id, fix.Why));
                    byKey[fix.Setting] = entry;
                }
                else if (fix.Setting is "LimitNOFILE" or "nofile" && long.TryParse(fix.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                {
                    nofile = Math.Max(nofile ?? 0, n);
                    if (!nofileReasons.Any(r => r.Item1 == f.Id)) nofileReasons.Add((f.Id, fix.Why));
                }
            }
        }
        var sysctls = new List<SettingChange>();
        foreach (var key in order)
        {
            var (value, reasons) = byKey[key];
            string? current = running is not null && running.TryGetValue(key, out var c) ? Normalise(c) : null;
            if (current is not null && !Modes.Contains(key))
            {
                value = Strictest(key, value, current);
                if (value == current) continue; // the host already runs this value or a stricter one
            }
            else if (current is not null && current == Normalise(value))
            {
                continue;
            }
            sysctls.Add(new SettingChange(key, Normalise(value), current, reasons));
        }
        return new SettingsToChange(sysctls, nofile is { } v ? new NofileChange(v, nofileReasons) : null);
    }

    private static string Normalise(string value) => string.Join(' ', value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Component by component, the stricter of two values ("a b c" vectors like tcp_mem compare per field).</summary>
    public static string Strictest(string key, string a, string b)
    {
        if (Modes.Contains(key)) return a;
        var x = Normalise(a).Split(' ');
        var y = Normalise(b).Split(' ');
        if (x.Length != y.Length) return a;
        var result = new string[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            if (!long.TryParse(x[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p)
                || !long.TryParse(y[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var q)) return a;
            result[i] = (LowerIsStricter(key, i) ? Math.Min(p, q) : Math.Max(p, q)).ToString(CultureInfo.InvariantCulture);
        }
        return string.Join(' ', result);
    }

    /// <summary>The block as drop-in files: a sysctl.d file (plan's writer) and, when a nofile limit is asked for, a limits.d snippet.</summary>
    public (string Sysctl, string? Limits) DropIns(string header)
    {
        var settings = Sysctls.Select(s => new PlanSetting(s.Key, s.Value, s.Current,
            string.Join("; ", s.Reasons.Select(r => $"{r.FindingId}: {r.Why}")))).ToList();
        var sysctl = PlanFiles.SysctlDropIn(settings, header, "sockdoc doctor --write");
        var limits = Nofile is { } n ? PlanFiles.LimitsSnippet(n.Value, string.Join("; ", n.Reasons.Select(r => $"{r.FindingId}: {r.Why}")), "*") : null;
        return (sysctl, limits);
    }
}
