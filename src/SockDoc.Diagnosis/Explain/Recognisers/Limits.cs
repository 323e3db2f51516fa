using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// RLIMIT_NOFILE as shells and procfs print it: the bare value after `ulimit -n` / `ulimit -Hn`, the "open files (-n)"
/// row of `ulimit -a` (bash) or "-n: file descriptors" (dash, zsh), the "Max open files" row of /proc/PID/limits and
/// the NOFILE row of `prlimit`.
/// </summary>
public sealed partial class Limits : IPasteRecogniser
{
    private string? _ulimit;
    private int? _pid;

    public void Command(string command)
    {
        var c = PasteParse.Bare(command);
        _pid = Pid(c);
        _ulimit = UlimitRegex().Match(c) is { Success: true } u ? (u.Groups["h"].Success ? "hard" : "soft") : null;
    }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var t = line.Text.Trim();
        if (_ulimit is { } kind)
        {
            _ulimit = null;
            if (PasteParse.Limit(t) is { } v)
            {
                if (kind == "hard") into.NoFileHard = v; else into.NoFileSoft = v;
                into.Claim("ulimit", line.Number, $"ulimit -n ({kind} RLIMIT_NOFILE)");
                return 1;
            }
        }
        if (LimitsRowRegex().Match(t) is { Success: true } lr)
        {
            into.NoFileSoft = PasteParse.Limit(lr.Groups["s"].Value);
            into.NoFileHard = PasteParse.Limit(lr.Groups["h"].Value);
            into.LimitsPid = _pid;
            into.Claim("/proc/PID/limits", line.Number, "process limits");
            return 1;
        }
        if (PrlimitRegex().Match(t) is { Success: true } pr)
        {
            into.NoFileSoft = PasteParse.Limit(pr.Groups["s"].Value);
            into.NoFileHard = PasteParse.Limit(pr.Groups["h"].Value);
            into.Claim("/proc/PID/limits", line.Number, "process limits");
            return 1;
        }
        if (LimitsOtherRegex().IsMatch(t))
        {
            into.Claim("/proc/PID/limits", line.Number, "process limits");
            return 1;
        }
        if (UlimitARegex().Match(t) is { Success: true } ua)
        {
            into.NoFileSoft = PasteParse.Limit(ua.Groups["v"].Value);
            into.Claim("ulimit", line.Number, "ulimit -a open files");
            return 1;
        }
        return 0;
    }

    /// <summary>The pid of `cat /proc/PID/limits`, for the view.</summary>
    public static int? Pid(string command) =>
        LimitsCmdRegex().Match(command) is { Success: true } m && int.TryParse(m.Groups["pid"].ValueSpan, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    [GeneratedRegex(@"^ulimit\s+(?:-S\s*)?(?:-(?<h>H)\s*)?-?[SH]?n\s*$")]
    private static partial Regex UlimitRegex();
    [GeneratedRegex(@"/proc/(?<pid>\d+)/limits")]
    private static partial Regex LimitsCmdRegex();
    [GeneratedRegex(@"^Max open files\s+(?<s>\d+|unlimited)\s+(?<h>\d+|unlimited)\s+files$")]
    private static partial Regex LimitsRowRegex();
    [GeneratedRegex(@"^NOFILE\s+max number of open files\s+(?<s>\d+|unlimited)\s+(?<h>\d+|unlimited)(?:\s+files)?$")]
    private static partial Regex PrlimitRegex();
    [GeneratedRegex(@"^(?:Limit\s+Soft Limit\s+Hard Limit\s+Units|RESOURCE\s+DESCRIPTION\s+SOFT\s+HARD.*|Max [a-z ]+?\s{2,}\S+\s+\S+(?:\s+\S+)?|[A-Z]+\s+[a-z].*\s(?:\d+|unlimited)\s+(?:\d+|unlimited)(?:\s+\w+)?)$")]
    private static partial Regex LimitsOtherRegex();
    [GeneratedRegex(@"^(?:-n: file descriptors\s+|open files\s+\(-n\)\s+|nofiles\s+\(descriptors\)\s+)(?<v>\d+|unlimited)$")]
    private static partial Regex UlimitARegex();
}
