using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// A process's open descriptors as operators count them, and the number on the line after: `ls /proc/PID/fd | wc -l`
/// (one entry per fd: exact), and `lsof -p PID | grep TCP | wc -l` (a filtered part of its fds: at least that many).
/// An unfiltered `lsof -p PID | wc -l` also counts its memory maps, cwd and program text, so it is not read. With the
/// RLIMIT_NOFILE the paste shows (`/proc/PID/limits`, `ulimit -n`) it is the gauge fd_process compares (alloc_fd()).
/// </summary>
public sealed partial class OpenFdCount : IPasteRecogniser
{
    private bool _counting;
    private int? _pid;

    public void Command(string command)
    {
        var c = PasteParse.Bare(command);
        var m = CountRegex().Match(c);
        _counting = m.Success;
        _pid = m.Success && int.TryParse(m.Groups["pid"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        if (!_counting) return 0;
        _counting = false;
        var t = lines[i].Text.Trim();
        if (!NumberRegex().IsMatch(t) || PasteParse.Long(t) is not { } n) return 0;
        into.OpenFds = Math.Max(into.OpenFds ?? 0, n);
        into.OpenFdsPid ??= _pid;
        into.Claim("open-fd-count", lines[i].Number, "open descriptors of one process (ls /proc/PID/fd | wc -l)");
        return 1;
    }

    // ls of /proc/PID/fd (the pid a number, $(pgrep x), `pidof x` or $PID) counted by wc -l; or lsof -p with a grep between.
    [GeneratedRegex(@"^(?:ls\s+(?:-\w+\s+)*/proc/(?:(?<pid>\d+)|\$\([^)]*\)|`[^`]*`|\$\w+)/fd/?\s*\|\s*wc\s+-l" +
                    @"|lsof\b[^|]*?\s-p\s*(?:(?<pid>\d+)|\$\([^)]*\)|`[^`]*`|\$\w+)[^|]*(?:\|\s*grep\b[^|]*)+\|\s*wc\s+-l)\s*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex CountRegex();

    [GeneratedRegex(@"^\d{1,9}$")]
    private static partial Regex NumberRegex();
}
