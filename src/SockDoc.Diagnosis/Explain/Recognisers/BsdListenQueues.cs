using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// `netstat -Lan` of FreeBSD and macOS, pasted next to Linux evidence or from a BSD box behind the Linux one:
/// "Current listen queue sizes (qlen/incqlen/maxqlen)", then rows "[tcp4] 192/0/128 *.80". qlen is the queue of
/// completed connections not yet accepted (Linux's Recv-Q of a listener), maxqlen the backlog (Linux's Send-Q in
/// `ss -ltn`), so each TCP row is read as that listener's row. The address ends in ".port". Rows are read only after
/// the header, which nothing else prints.
/// </summary>
public sealed partial class BsdListenQueues : IPasteRecogniser
{
    private bool _sawHeader;

    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var t = line.Text.Trim();
        if (HeaderRegex().IsMatch(t) || (_sawHeader && ColumnsRegex().IsMatch(t)))
        {
            _sawHeader = true;
            into.SawSocketTable();
            into.Claim("netstat -L", line.Number, "listen queues (netstat -L, BSD)");
            return 1;
        }
        var m = RowRegex().Match(t);
        // Without the header, only a row that names its TCP protocol ("tcp4  190/0/128", quoted from a mail with or
        // without its address): nothing else prints qlen/incqlen/maxqlen after tcp4 or tcp6.
        if (!m.Success || (!_sawHeader && m.Groups["p"].Value is not ("tcp4" or "tcp6" or "tcp46"))) return 0;
        if (!m.Groups["p"].Value.StartsWith("unix", StringComparison.Ordinal) &&
            PasteParse.Long(m.Groups["q"].Value) is { } qlen && PasteParse.Long(m.Groups["m"].Value) is { } maxqlen)
            into.Socket("LISTEN", qlen, maxqlen, m.Groups["l"].Success ? Endpoint(m.Groups["l"].Value) : Model.Census.ListenerQueue.AddressNotShown, "*:*");
        into.Claim("netstat -L", line.Number, "listen queues (netstat -L, BSD)");
        return 1;
    }

    /// <summary>"*.80" → "*:80", "127.0.0.1.8080" → "127.0.0.1:8080", "::1.80" → "[::1]:80": BSD puts the port after the last dot.</summary>
    public static string Endpoint(string bsd)
    {
        ArgumentNullException.ThrowIfNull(bsd);
        int dot = bsd.LastIndexOf('.');
        if (dot <= 0) return bsd;
        var addr = bsd[..dot];
        return (addr.Contains(':', StringComparison.Ordinal) ? "[" + addr + "]" : addr) + ":" + bsd[(dot + 1)..];
    }

    [GeneratedRegex(@"^Current listen queue sizes \(qlen/incqlen/maxqlen\)", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderRegex();
    [GeneratedRegex(@"^(?:Proto\s+)?Listen\s+Local Address\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ColumnsRegex();
    [GeneratedRegex(@"^(?:(?<p>tcp[46]{0,2}|sctp[46]{0,2}|unix)\s+)?(?<q>\d{1,10})/(?<i>\d{1,10})/(?<m>\d{1,10})(?:\s+(?<l>\S{1,300}))?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex RowRegex();
}
