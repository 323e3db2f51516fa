using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// uWSGI's master warns `*** uWSGI listen queue of socket "127.0.0.1:8000" (fd: 3) full !!! (101/100) ***` when
/// TCP_INFO on its listening socket gives tcpi_unacked (the accept queue, sk_ack_backlog) at or above tcpi_sacked (the
/// backlog, sk_max_ack_backlog): the same two numbers `ss -ltn` prints as Recv-Q and Send-Q, so each line is read as
/// that listener's row, the fullest one kept per socket.
/// </summary>
public sealed partial class UwsgiListenQueue : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var m = QueueFullRegex().Match(line.Scanned);
        if (!m.Success || PasteParse.Long(m.Groups["q"].Value) is not { } queue || PasteParse.Long(m.Groups["b"].Value) is not { } backlog) return 0;
        into.ListenerSeen(m.Groups["s"].Value, queue, backlog);
        into.Claim("uwsgi", line.Number, "uWSGI listen queue warnings");
        return 1;
    }

    [GeneratedRegex(@"uWSGI listen queue of socket ""(?<s>[^""]{1,300})"" \(fd: \d+\) full !!! \((?<q>\d{1,10})/(?<b>\d{1,10})\)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex QueueFullRegex();
}
