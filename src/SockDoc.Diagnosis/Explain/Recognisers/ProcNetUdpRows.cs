using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// Rows of /proc/net/udp and /proc/net/udp6 as pasted (`cat /proc/net/udp`, `grep INODE /proc/net/udp`), printed by
/// udp4_format_sock() / __ip6_dgram_sock_show():
///   sl: local:port remote:port st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
/// The last field is sk_drops: datagrams this socket refused on their way into its receive queue
/// (__udp_enqueue_schedule_skb(): over sk_rcvbuf, or udp_mem). rx_queue is udp_rqueue_get(), as ss prints Recv-Q.
/// A TCP row has seven fields after the pointer, so it is not taken for one. The kernel's reader is
/// SockDoc.Kernel's ProcNetTcpReader; this one reads the pasted text, which may be cut or wrapped.
/// </summary>
public sealed partial class ProcNetUdpRows : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var text = line.Scanned;
        if (HeaderRegex().IsMatch(text))
        {
            into.Claim("proc-net-udp", line.Number, "/proc/net/udp rows");
            return 1;
        }
        var m = RowRegex().Match(text);
        if (!m.Success) return 0;
        var local = Endpoint(m.Groups["l"].Value, m.Groups["lp"].Value);
        var peer = Endpoint(m.Groups["r"].Value, m.Groups["rp"].Value);
        long tx = long.Parse(m.Groups["tx"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        long rx = long.Parse(m.Groups["rx"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if (!long.TryParse(m.Groups["drops"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long drops)) return 0;
        // st 07 is TCP_CLOSE (an unconnected socket, ss's UNCONN), 01 a connected one.
        into.Socket(m.Groups["st"].Value == "01" ? "ESTAB" : "UNCONN", rx, null, local, peer);
        into.UdpSocket(local, peer, rx, tx, drops);
        into.Claim("proc-net-udp", line.Number, "/proc/net/udp rows");
        return 1;
    }

    /// <summary>
    /// "0100007F:0035" → "127.0.0.1:53". The kernel prints each 32-bit word of the address with %08X as the CPU loads it
    /// (little-endian on x86-64 and arm64, where these pastes come from), so each word's bytes are reversed; the port is ntohs()'d.
    /// </summary>
    private static string Endpoint(string hex, string port)
    {
        int p = int.Parse(port, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var bytes = new byte[hex.Length / 2];
        for (int word = 0; word < hex.Length / 8; word++)
            for (int b = 0; b < 4; b++)
                bytes[word * 4 + b] = byte.Parse(hex.AsSpan(word * 8 + (3 - b) * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var address = new System.Net.IPAddress(bytes);
        return bytes.Length == 4 ? $"{address}:{p}" : $"[{address}]:{p}";
    }

    [GeneratedRegex(@"^\s*sl\s+local_address\s+rem_address\s+st\s+tx_queue\s+rx_queue\b.*\bdrops\s*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex HeaderRegex();

    [GeneratedRegex(@"^\s*\d+:\s+(?<l>[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):(?<lp>[0-9A-Fa-f]{4})\s+(?<r>[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):(?<rp>[0-9A-Fa-f]{4})\s+(?<st>[0-9A-Fa-f]{2})\s+" +
                    @"(?<tx>[0-9A-Fa-f]{8}):(?<rx>[0-9A-Fa-f]{8})\s+[0-9A-Fa-f]{2}:[0-9A-Fa-f]{8}\s+[0-9A-Fa-f]{8}\s+\d+\s+\d+\s+\d+\s+\d+\s+[0-9a-fA-F]+\s+(?<drops>\d{1,19})\s*$",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex RowRegex();
}
