using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// php-fpm's status page (text or JSON): "listen queue len" is tcpi_sacked of its listening TCP socket on Linux (the
/// backlog, sk_max_ack_backlog), "listen queue" tcpi_unacked (the accept queue now, sk_ack_backlog), and "max listen
/// queue" the highest "listen queue" the master saw since the pool started (fpm_socket_get_listening_queue()). The
/// kernel takes the queue as full when it is above the backlog (sk_acceptq_is_full()), so a max listen queue of backlog + 1
/// is a full accept queue seen since start: read as that listener's row at its fullest, like `ss -ltn`'s Recv-Q and Send-Q.
/// </summary>
public sealed partial class PhpFpmStatus : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var max = MaxQueueRegex().Match(lines[i].Scanned);
        if (!max.Success || PasteParse.Long(max.Groups["n"].Value) is not { } queue) return 0;
        // The backlog is printed in the same block, a few fields away (after it in text, anywhere in one JSON line).
        long? backlog = null;
        string pool = "www";
        for (int k = Math.Max(0, i - 12); k < Math.Min(lines.Count, i + 6); k++)
        {
            var t = lines[k].Scanned;
            if (QueueLenRegex().Match(t) is { Success: true } len) backlog = PasteParse.Long(len.Groups["n"].Value);
            if (k <= i && PoolRegex().Match(t) is { Success: true } p) pool = p.Groups["p"].Value;
        }
        // 0 is a Unix socket (no TCP_INFO) or a platform that does not say: no backlog to compare with.
        if (backlog is not > 0) return 0;
        into.ListenerSeen($"php-fpm pool {pool}", queue, backlog.Value);
        into.Claim("php-fpm", lines[i].Number, "php-fpm status (max listen queue)");
        return 1;
    }

    [GeneratedRegex(@"(?:^\s*|[{,]\s*""?)max listen queue""?\s*[:=]\s*(?<n>\d{1,10})\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex MaxQueueRegex();

    [GeneratedRegex(@"(?:^\s*|[{,]\s*""?)listen queue len""?\s*[:=]\s*(?<n>\d{1,10})\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex QueueLenRegex();

    [GeneratedRegex(@"(?:^\s*|[{,]\s*""?)pool""?\s*[:=]\s*""?(?<p>[\w.\-]{1,64})", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PoolRegex();
}
