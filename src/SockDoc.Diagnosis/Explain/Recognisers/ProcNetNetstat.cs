using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// Raw `cat /proc/net/netstat` and `/proc/net/snmp`: a names line and a values line per group, read generically by
/// name. Lines a terminal wrapped are joined; when names and values do not pair up, only the certain pairs are read
/// and the damage is reported.
/// </summary>
public sealed partial class ProcNetNetstat : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var head = HeaderRegex().Match(lines[i].Text.Trim());
        if (!head.Success || i + 1 >= lines.Count) return 0;
        var group = head.Groups["g"].Value;
        var names = new List<string>(lines[i].Text.Trim()[(group.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        int firstNames = names.Count;
        int j = i + 1;
        while (j < lines.Count && lines[j].Command is null && ContinuationNamesRegex().IsMatch(lines[j].Text.Trim()) && !lines[j].Text.Trim().StartsWith(group + ":", StringComparison.Ordinal))
        {
            names.AddRange(lines[j].Text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));
            j++;
        }
        if (j >= lines.Count) return 0;
        var vm = ValuesRegex().Match(lines[j].Text.Trim());
        if (!vm.Success || vm.Groups["g"].Value != group) return 0;
        var values = new List<string>(vm.Groups["v"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        int firstValues = values.Count;
        j++;
        while (j < lines.Count && lines[j].Command is null && ContinuationValuesRegex().IsMatch(lines[j].Text.Trim()))
        {
            values.AddRange(lines[j].Text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries));
            j++;
        }
        int usable = names.Count;
        if (names.Count != values.Count)
        {
            // Wrapped or cut off: only the pairs before the first break are certain, and the last token of a
            // wrapped line may itself be cut in two.
            usable = Math.Max(Math.Min(firstNames, firstValues) - 1, 0);
            into.Damage.Add($"{group} (line {lines[i].Number}): {names.Count} names but {values.Count} values; the paste looks wrapped or cut, only the first {usable} counters are read");
        }
        for (int k = 0; k < usable && k < values.Count; k++)
        {
            if (long.TryParse(values[k], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) into.Counter(group, names[k], v);
        }
        for (int k = i; k < j; k++) into.Claim("/proc/net/netstat", lines[k].Number, "/proc/net/netstat or /proc/net/snmp");
        return j - i;
    }

    [GeneratedRegex(@"^(?<g>[A-Z][A-Za-z0-9]*): (?:[A-Za-z][A-Za-z0-9_]*)(?: [A-Za-z][A-Za-z0-9_]*)*\s*$")]
    private static partial Regex HeaderRegex();
    [GeneratedRegex(@"^(?<g>[A-Z][A-Za-z0-9]*): (?<v>-?\d+(?: -?\d+)*)\s*$")]
    private static partial Regex ValuesRegex();
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]*(?: [A-Za-z][A-Za-z0-9_]*)*$")]
    private static partial Regex ContinuationNamesRegex();
    [GeneratedRegex(@"^-?\d+(?: -?\d+)*$")]
    private static partial Regex ContinuationValuesRegex();
}
