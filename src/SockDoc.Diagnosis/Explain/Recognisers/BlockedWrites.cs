using System.Text.RegularExpressions;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// A thread or task stuck writing to a socket: a Java thread dump whose frames are a socket write
/// (SocketOutputStream.socketWrite0, SocketDispatcher.write0/writev, SocketChannelImpl.write, NioSocketImpl.implWrite,
/// Jetty's HttpOutput.channelWrite) in a paste that says the thread is stuck or hangs; or a kernel stack in
/// sk_stream_wait_memory(), as /proc/PID/stack prints it ("[&lt;0&gt;] sk_stream_wait_memory+0x...") or under the hung-task
/// detector's "blocked for more than N seconds". tcp_sendmsg_locked() sleeps there only while the send buffer is full;
/// a Unix socket's writer sleeps in sock_alloc_send_pskb() the same way.
/// A frame alone is no block (a thread dump catches writes in passing, lockdep prints the function in its chains): the
/// paste has to say the thread is stuck, or the stack has to be a sleeping task's. Stated once per paste.
/// </summary>
public sealed partial class BlockedWrites : IPasteRecogniser
{
    private bool _stated;
    private bool? _saysStuck;
    private bool? _hungTask;

    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        if (_stated) return 0;
        var line = lines[i];
        var text = line.Scanned;
        bool blocked =
            (JavaSocketWriteRegex().IsMatch(text) && (_saysStuck ??= lines.Take(5_000).Any(l => StuckRegex().IsMatch(l.Scanned)))) ||
            ProcStackFrameRegex().IsMatch(text) ||
            (text.Contains("sk_stream_wait_memory", StringComparison.Ordinal) && KernelFrameRegex().IsMatch(text) &&
             (_hungTask ??= lines.Take(5_000).Any(l => l.Scanned.Contains("blocked for more than", StringComparison.Ordinal))));
        if (!blocked) return 0;
        _stated = true;
        var sample = text.Trim();
        into.State(StatedConditions.SocketWriteBlocked, line.Number, sample.Length > 200 ? sample[..200] : sample);
        return 0; // the line stays for the kernel log and the other readers
    }

    [GeneratedRegex(@"\b(?:SocketOutputStream\.socketWrite0?|SocketDispatcher\.writev?0?|SocketChannelImpl\.write|NioSocketImpl\.implWrite|HttpOutput\.channelWrite)\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex JavaSocketWriteRegex();

    // The thread said to hang: "Thread(s) Stuck", "gets stuck", "hangs", "hung", "blocked forever", "never returns".
    [GeneratedRegex(@"\b(?:stuck|hangs?|hung|hanging|blocked\s+forever|waits?\s+forever|waiting\s+forever|never\s+returns?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex StuckRegex();

    // /proc/PID/stack: "[<0>] sk_stream_wait_memory+0x1f2/0x370", older kernels with the address. A Unix stream or
    // datagram writer sleeps in sock_alloc_send_pskb() (sock_wait_for_wmem()) while its sk_wmem_alloc is over sk_sndbuf.
    [GeneratedRegex(@"^\s*\[<[0-9a-f]+>\]\s+(?:sk_stream_wait_memory|sock_alloc_send_pskb|sock_wait_for_wmem)\+0x", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ProcStackFrameRegex();

    // A call-trace frame that is reliable (no leading "?"): " sk_stream_wait_memory+0x..." or " sk_stream_wait_memory (net/core/stream.c:145)".
    [GeneratedRegex(@"(?:^|[\s\]])(?<!\?\s)sk_stream_wait_memory(?:\+0x|\s+\()", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex KernelFrameRegex();
}
