using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// The count operators take instead of `ss -s`: `netstat -an | grep TIME_WAIT | wc -l`, `netstat -ant | grep -c
/// TIME_WAIT`, `ss -tan state time-wait | wc -l`, and the number on the line after it. A count with more filters in the
/// pipe (`| grep 6379`) is the TIME_WAIT sockets of one port: fewer than the namespace holds, never more, so it is read as
/// what the namespace holds at least (sockstat tw is the namespace's whole count).
/// </summary>
public sealed partial class TimeWaitCount : IPasteRecogniser
{
    private int _header = -1;

    public void Command(string command)
    {
        var c = PasteParse.Bare(command);
        // ss prints its header line unless -H/--no-header; netstat's grep drops it.
        _header = GrepCountRegex().IsMatch(c) ? 0
            : SsStateCountRegex().IsMatch(c) ? (NoHeaderRegex().IsMatch(c) ? 0 : 1)
            : -1;
    }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        if (_header < 0) return 0;
        int header = _header;
        _header = -1;
        var t = lines[i].Text.Trim();
        if (!CountRegex().IsMatch(t) || PasteParse.Long(t) is not { } n) return 0;
        long tw = Math.Max(n - header, 0);
        into.SsTimeWait = Math.Max(into.SsTimeWait ?? 0, tw);
        into.Claim("time-wait-count", lines[i].Number, "TIME_WAIT count after grep | wc -l");
        return 1;
    }

    // netstat/ss piped through grep for the state, counted by wc -l or grep -c.
    [GeneratedRegex(@"^(?:/\S*/)?(?:netstat|ss)\b[^|]*(?:\|\s*grep\b[^|]*)*\|\s*(?:grep\s+(?:-\w+\s+)*['""]?TIME[_-]WAIT['""]?(?:\s[^|]*)?(?:\|\s*grep\b[^|]*)*\|\s*wc\s+-l|grep\s+(?:-\w+\s+)*-c\s+(?:-\w+\s+)*['""]?TIME[_-]WAIT['""]?[^|]*|grep\s+(?:-\w+\s+)*['""]?TIME[_-]WAIT['""]?\s+-c\b[^|]*)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex GrepCountRegex();

    [GeneratedRegex(@"^(?:/\S*/)?ss\b[^|]*\bstate\s+time-wait\b[^|]*\|\s*wc\s+-l\s*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SsStateCountRegex();

    [GeneratedRegex(@"\s(?:-\w*H\w*|--no-header)\b", RegexOptions.CultureInvariant)]
    private static partial Regex NoHeaderRegex();

    [GeneratedRegex(@"^\d{1,12}$")]
    private static partial Regex CountRegex();
}
