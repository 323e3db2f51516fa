using System.Buffers;
using System.Runtime.InteropServices;
using SockDoc.Kernel.Netlink.SockDiag;

namespace SockDoc.Kernel.Procfs;

/// <summary>How a read of one /proc/net/{tcp,tcp6,udp,udp6} file ended.</summary>
public readonly record struct ProcNetOutcome(long Sockets, long Lines, bool Complete, string? Problem)
{
    public static ProcNetOutcome operator +(ProcNetOutcome a, ProcNetOutcome b) => new(a.Sockets + b.Sockets, a.Lines + b.Lines,
        a.Complete && b.Complete, a.Problem is null ? b.Problem : b.Problem is null ? a.Problem : a.Problem + "; " + b.Problem);
}

/// <summary>
/// Reads the seq_file tables /proc/net/tcp, tcp6, udp and udp6: the census's source when sock_diag is not there
/// (qemu-user, gVisor, a kernel whose inet_diag module cannot be loaded). One line per socket, printed by
/// get_tcp4_sock() / get_tcp6_sock() (net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c), get_timewait4_sock(),
/// get_openreq4() and udp4_format_sock() / __ip6_dgram_sock_show():
///   sl: local:port remote:port st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode [ref pointer ...]
/// Each socket is streamed to the same sink as a sock_diag dump, as an InetDiagSocket with what the line gives:
/// state, addresses, queues, timer (same codes as idiag_timer), retransmits, uid, inode and, for UDP, sk_drops.
/// skmem, tcp_info and the cgroup id are not in these files: HasMemInfo stays false, tcp_info fields -1, CgroupId 0.
/// Streamed with a fixed buffer (a host with a million sockets has a 150 MB file); a line longer than
/// MaxLineBytes or one that does not parse stops the read with the file and line named (partial result).
/// </summary>
public static class ProcNetTcpReader
{
    /// <summary>The longest real line is tcp6's (about 180 bytes); anything past this is not this file.</summary>
    public const int MaxLineBytes = 1024;

    /// <summary>Header of every one of the four files (tcp4_seq_show, tcp6_seq_show, udp_seq_show, udp6_seq_show).</summary>
    private static ReadOnlySpan<byte> Header => "sl  local_address"u8;

    /// <summary>Reads a file (streamed); a missing or unreadable file is a Problem, not an exception.</summary>
    public static ProcNetOutcome ReadFile<TSink>(string path, bool udp, ref TSink sink) where TSink : ISockDiagSink
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.ReadWrite, BufferSize = 0 });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "does not exist",
                UnauthorizedAccessException => "permission denied",
                _ => e.Message,
            };
            return new ProcNetOutcome(0, 0, false, $"{path}: {why}");
        }
        using (stream)
        {
            try
            {
                return Read(stream, path, udp, ref sink);
            }
            catch (IOException e)
            {
                return new ProcNetOutcome(0, 0, false, $"{path}: {e.Message}");
            }
        }
    }

    /// <summary>Reads the table from a stream; name is used in problems ("/proc/net/tcp: line 7: ...").</summary>
    public static ProcNetOutcome Read<TSink>(Stream stream, string name, bool udp, ref TSink sink) where TSink : ISockDiagSink
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int start = 0, end = 0;
            bool eof = false;
            long line = 0, sockets = 0;
            var s = default(InetDiagSocket);
            while (true)
            {
                int nl = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
                int lineEnd;
                if (nl >= 0)
                {
                    lineEnd = start + nl;
                }
                else
                {
                    // No full line in the buffer: keep the tail, read more. A tail longer than a line can be is damage
                    // (this also ends a file with no newline at all, e.g. /dev/zero, after one buffer).
                    if (end - start > MaxLineBytes)
                        return new ProcNetOutcome(sockets, line, false, $"{name}: line {line + 1}: longer than {MaxLineBytes} bytes; not a /proc/net/tcp line");
                    if (!eof)
                    {
                        Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                        end -= start;
                        start = 0;
                        int n = stream.Read(buffer, end, buffer.Length - end);
                        if (n > 0) end += n;
                        else eof = true;
                        continue;
                    }
                    if (end == start) break;
                    lineEnd = end; // the last line, without a newline
                }
                var text = buffer.AsSpan(start, lineEnd - start);
                start = Math.Min(end, lineEnd + 1);
                line++;
                if (text.Length > MaxLineBytes)
                    return new ProcNetOutcome(sockets, line - 1, false, $"{name}: line {line}: longer than {MaxLineBytes} bytes; not a /proc/net/tcp line");
                if (line == 1)
                {
                    if (!text.TrimStart((byte)' ').StartsWith(Header))
                        return new ProcNetOutcome(0, 1, false, $"{name}: line 1: expected the header \"sl  local_address ...\"; not a /proc/net/tcp table");
                    continue;
                }
                if (text.Trim((byte)' ').IsEmpty) continue;
                if (ParseLine(text, udp, ref s) is { } problem)
                    return new ProcNetOutcome(sockets, line, false, $"{name}: line {line}: {problem}");
                sink.OnSocket(in s);
                sockets++;
            }
            if (line == 0) return new ProcNetOutcome(0, 0, false, $"{name}: empty (no header line)");
            return new ProcNetOutcome(sockets, line, true, null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses one data line into s; returns what was expected when it does not parse.</summary>
    public static string? ParseLine(ReadOnlySpan<byte> line, bool udp, ref InetDiagSocket s)
    {
        s = default;
        s.TcpInfoLength = 0;
        s.TcpiRetransmits = s.TcpiUnacked = s.TcpiRtt = s.TcpiRttVar = s.TcpiTotalRetrans = s.TcpiNotsentBytes =
            s.TcpiBusyTime = s.TcpiRwndLimited = s.TcpiSndbufLimited = s.TcpiSndWnd = -1;
        s.RmemAlloc = s.RcvBuf = s.WmemAlloc = s.SndBuf = s.FwdAlloc = s.WmemQueued = s.OptMem = s.Backlog = s.Drops = -1;
        var f = ProcText.Fields(line);
        if (!f.MoveNext() || f.Current.Length < 2 || f.Current[^1] != (byte)':' || !ProcText.TryLong(f.Current[..^1], out _))
            return "expected \"N:\" (the slot number) first";
        if (!f.MoveNext() || !Endpoint(f.Current, out s.Family, ref s.Source, out s.SourcePort))
            return "expected the local address as HEX:PORT (8 or 32 hex digits)";
        if (!f.MoveNext() || !Endpoint(f.Current, out byte peerFamily, ref s.Destination, out s.DestinationPort) || peerFamily != s.Family)
            return "expected the remote address as HEX:PORT of the local address's family";
        if (!f.MoveNext() || !Hex(f.Current, out ulong st) || st is 0 or > 0xFF)
            return "expected the state as two hex digits (tcp_states.h)";
        s.State = (byte)st;
        if (!f.MoveNext() || !Pair(f.Current, out ulong tx, out ulong rx) || tx > uint.MaxValue || rx > uint.MaxValue)
            return "expected tx_queue:rx_queue in hex";
        // tcp4_seq_show prints write_seq - snd_una and (LISTEN) sk_ack_backlog or rcv_nxt - copied_seq: the
        // idiag_wqueue / idiag_rqueue of a connected socket and the accept queue of a listener. A listener's
        // backlog (sk_max_ack_backlog, idiag_wqueue under sock_diag) is NOT printed here.
        s.WQueue = (uint)tx;
        s.RQueue = (uint)rx;
        if (!f.MoveNext() || !Pair(f.Current, out ulong timer, out ulong when) || timer > 0xFF)
            return "expected tr:tm->when in hex";
        // Same codes as idiag_timer: 0 none, 1 retransmit/loss probe, 2 keepalive, 3 TIME_WAIT, 4 zero-window probe.
        // tm->when is jiffies_delta_to_clock_t(expires - jiffies): clock_t (USER_HZ = 100 on x86_64 and arm64),
        // clamped at 0; idiag_expires is in milliseconds.
        s.Timer = (byte)timer;
        s.Expires = when <= uint.MaxValue / 10 ? (uint)(when * 10) : 0;
        if (!f.MoveNext() || !Hex(f.Current, out ulong retrans))
            return "expected retrnsmt in hex";
        s.Retrans = (byte)Math.Min(retrans, 255);
        if (!f.MoveNext() || !ProcText.TryLong(f.Current, out long uid) || uid is < 0 or > uint.MaxValue)
            return "expected the uid as a decimal number";
        s.Uid = (uint)uid;
        if (!f.MoveNext() || !ProcText.TryLong(f.Current, out _))
            return "expected timeout (probes) as a decimal number";
        if (!f.MoveNext() || !ProcText.TryLong(f.Current, out long inode) || inode is < 0 or > uint.MaxValue)
            return "expected the inode as a decimal number";
        s.Inode = (uint)inode;
        if (udp)
        {
            // udp4_format_sock: ... inode ref pointer drops (sk_drops, skmem d under sock_diag).
            if (!f.MoveNext() || !f.MoveNext() || !f.MoveNext() || !ProcText.TryLong(f.Current, out long drops) || drops < 0)
                return "expected ref, pointer and drops after the inode";
            s.Drops = drops;
            s.HasDrops = true;
        }
        return null;
    }

    /// <summary>
    /// "0100007F:1F90" or "00000000000000000000000001000000:1F90". The kernel prints each 32-bit word of the
    /// address (__be32, network byte order in memory) with %08X, i.e. as the CPU loads it: host-endian. Parsing
    /// the hex back to a u32 and storing it in host order recreates the kernel's bytes. x86_64 and arm64 Linux
    /// are both little-endian, so 127.0.0.1 prints as 0100007F on both; MemoryMarshal.Write is host order, so
    /// this stays right on a big-endian host too. The port is printed with ntohs(): a plain number.
    /// </summary>
    private static bool Endpoint(ReadOnlySpan<byte> text, out byte family, ref Addr16 address, out ushort port)
    {
        family = 0;
        port = 0;
        int colon = text.IndexOf((byte)':');
        if (colon is not (8 or 32) || text.Length - colon - 1 != 4 || !Hex(text[(colon + 1)..], out ulong p)) return false;
        Span<byte> bytes = address;
        bytes.Clear();
        for (int word = 0; word < colon / 8; word++)
        {
            if (!Hex(text.Slice(word * 8, 8), out ulong w)) return false;
            uint host = (uint)w;
            MemoryMarshal.Write(bytes.Slice(word * 4, 4), in host);
        }
        family = colon == 8 ? InetDiag.AF_INET : InetDiag.AF_INET6;
        port = (ushort)p;
        return true;
    }

    private static bool Pair(ReadOnlySpan<byte> text, out ulong a, out ulong b)
    {
        b = 0;
        int colon = text.IndexOf((byte)':');
        a = 0;
        return colon > 0 && Hex(text[..colon], out a) && Hex(text[(colon + 1)..], out b);
    }

    private static bool Hex(ReadOnlySpan<byte> text, out ulong value)
    {
        value = 0;
        return text.Length is > 0 and <= 16 && ProcText.TryULongHex(text, out value);
    }
}
