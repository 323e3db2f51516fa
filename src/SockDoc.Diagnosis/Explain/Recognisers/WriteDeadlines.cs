using System.Text.RegularExpressions;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// A program's write to a TCP socket that timed out: NATS' "Slow Consumer Detected: WriteDeadline of 1s exceeded with 1
/// chunks of 1414 total bytes", Go's net.OpError "write tcp 10.0.0.1:4222->10.0.0.2:55895: i/o timeout". tcp_sendmsg_locked()
/// waits only in sk_stream_wait_memory(), while the send buffer is full (the peer or the path does not drain it, or TCP
/// memory shrank it), so a write that ran out of time waited on a full send buffer. A deadline already past before the
/// write fails the same way, so it is possible evidence, not a measurement: ss -tm's Send-Q against tb would confirm it.
/// </summary>
public sealed partial class WriteDeadlines : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var m = WriteTimeoutRegex().Match(line.Scanned);
        if (!m.Success) return 0;
        into.State(StatedConditions.SocketWriteBlocked, line.Number, line.Scanned.Trim());
        into.Claim("write-deadline", line.Number, "writes past their deadline");
        return 1;
    }

    [GeneratedRegex(@"\bWriteDeadline of \S+ exceeded\b|\bwrite tcp[46]? \S+->\S+: i/o timeout\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex WriteTimeoutRegex();
}
