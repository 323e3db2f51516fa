using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// Memory as pasted: `free` (procps; -k/-m/-g/-b/-h units), `cat /proc/meminfo` (a block from MemTotal, or any
/// "Name: N kB" line) and the oom_kill counter of /proc/vmstat.
/// </summary>
public sealed partial class Memory : IPasteRecogniser
{
    private long _freeUnitKb = 1;
    private bool _inMeminfo;

    public void Command(string command)
    {
        _inMeminfo = false;
        if (FreeRegex().Match(PasteParse.Bare(command)) is { Success: true } f)
            _freeUnitKb = f.Groups["u"].Value switch { "m" or "-mebi" => 1024, "g" or "-gibi" => 1024 * 1024, "b" => 0, _ => 1 };
    }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var t = line.Text.Trim();
        if (FreeHeadRegex().IsMatch(t))
        {
            into.Claim("free", line.Number, "free memory summary");
            return 1;
        }
        if (FreeRowRegex().Match(t) is { Success: true } fr)
        {
            var cols = fr.Groups["cols"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => FreeKb(c, _freeUnitKb)).ToList();
            if (cols.Count >= 3 && cols.All(c => c is not null))
            {
                if (fr.Groups["row"].Value == "Mem")
                {
                    into.Mem["MemTotal"] = cols[0]!.Value;
                    into.Mem["MemFree"] = cols[2]!.Value;
                    if (cols.Count >= 6) into.Mem["MemAvailable"] = cols[5]!.Value;
                }
                else
                {
                    into.Mem["SwapTotal"] = cols[0]!.Value;
                    into.Mem["SwapFree"] = cols[2]!.Value;
                }
                into.Claim("free", line.Number, "free memory summary");
                return 1;
            }
        }
        if (MeminfoRegex().Match(t) is { Success: true } mi && (_inMeminfo || mi.Groups["n"].Value == "MemTotal" || mi.Groups["kb"].Success))
        {
            if (long.TryParse(mi.Groups["v"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var mv)) into.Mem[mi.Groups["n"].Value] = mv;
            _inMeminfo = true;
            into.Claim("/proc/meminfo", line.Number, "memory counters");
            return 1;
        }
        _inMeminfo = false;
        if (VmstatRegex().Match(t) is { Success: true } vm)
        {
            into.Vm[vm.Groups["n"].Value] = PasteParse.Long(vm.Groups["v"].Value) ?? 0;
            into.Claim("/proc/vmstat", line.Number, "vmstat counters");
            return 1;
        }
        return 0;
    }

    /// <summary>`free` column in kB: plain numbers in the unit of -k/-m/-g, or -h's "15Gi" / "512Mi".</summary>
    private static long? FreeKb(string col, long unitKb)
    {
        var m = FreeHumanRegex().Match(col);
        if (!m.Success) return null;
        if (!double.TryParse(m.Groups["n"].ValueSpan, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return null;
        var suffix = m.Groups["u"].Value;
        double kb = suffix.Length == 0
            ? (unitKb == 0 ? n / 1024 : n * unitKb)
            : char.ToUpperInvariant(suffix[0]) switch { 'B' => n / 1024, 'K' => n, 'M' => n * 1024, 'G' => n * 1024 * 1024, 'T' => n * 1024 * 1024 * 1024, _ => double.NaN };
        return double.IsNaN(kb) || kb > long.MaxValue / 2 ? null : (long)kb;
    }

    [GeneratedRegex(@"^free(?:\s+-(?<u>[kmgbh]|-mebi|-gibi))?")]
    private static partial Regex FreeRegex();
    [GeneratedRegex(@"^total\s+used\s+free\s+shared\s+(?:buff/cache|buffers)")]
    private static partial Regex FreeHeadRegex();
    [GeneratedRegex(@"^(?<row>Mem|Swap):\s+(?<cols>[\d.,]+[BKMGT]?i?(?:\s+[\d.,]+[BKMGT]?i?)+)$")]
    private static partial Regex FreeRowRegex();
    [GeneratedRegex(@"^(?<n>\d+(?:\.\d+)?)(?<u>[BKMGT]i?)?$")]
    private static partial Regex FreeHumanRegex();
    [GeneratedRegex(@"^(?<n>[A-Za-z][\w()]*):\s+(?<v>\d+)(?<kb> kB)?$")]
    private static partial Regex MeminfoRegex();
    [GeneratedRegex(@"^(?<n>oom_kill)\s+(?<v>\d+)$")]
    private static partial Regex VmstatRegex();
}
