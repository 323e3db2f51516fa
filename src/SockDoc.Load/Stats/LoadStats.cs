using System.Globalization;
using System.Text;
using SockDoc.Kernel.Interop;

namespace SockDoc.Load;

/// <summary>
/// Counters of one client or server engine. Plain fields and flat arrays: updated on the hot path without
/// allocation, merged across workers by the parent, and sent as one text line ("stats k=v ...").
/// </summary>
public sealed class LoadStats
{
    /// <summary>connect() calls made (each creates a socket and, on success, a connection).</summary>
    public long Attempted;
    /// <summary>Connections that finished the handshake (SO_ERROR 0).</summary>
    public long Established;
    /// <summary>Connects or requests that failed; the errno is in <see cref="Errors"/>.</summary>
    public long Failed;
    /// <summary>Connections open now (client: established and not closed; server: accepted and not closed).</summary>
    public long Open;
    /// <summary>Server: connections accepted.</summary>
    public long Accepted;
    /// <summary>Connections the peer closed (read returned 0) when we did not expect it.</summary>
    public long PeerClosed;
    public long Requests;
    public long Replies;
    /// <summary>Requests that were due (by --rate) but waited because --concurrency or the pool was full.</summary>
    public long Delayed;
    public long HeartbeatsSent;
    public long BytesSent;
    public long BytesReceived;
    /// <summary>Pseudo-errno for "the peer closed the connection while we waited for a reply" (no kernel errno is 0).</summary>
    public const int Eof = 0;

    /// <summary>Errors counted by errno (index = errno; <see cref="Eof"/> = unexpected EOF).</summary>
    public readonly long[] Errors = new long[Errno.Max];
    /// <summary>connect() to established, µs.</summary>
    public readonly LatencyHistogram ConnectLatency = new();
    /// <summary>Request sent (or, in short mode, connect started) to reply read, µs.</summary>
    public readonly LatencyHistogram RequestLatency = new();
    /// <summary>Seconds from the first connect to the moment the last planned connection finished (0 if not finished).</summary>
    public double EstablishSeconds;

    /// <summary>The errno's name, or "EOF" for <see cref="Eof"/>: the wire format between workers and the parent.</summary>
    public static string ErrorName(int errno) => errno == Eof ? "EOF" : Errno.Name(errno);

    public void CountError(int errno)
    {
        Failed++;
        Errors[errno is >= 0 and < Errno.Max ? errno : Errno.Max - 1]++;
    }

    public IEnumerable<KeyValuePair<string, long>> ErrorsByName()
    {
        for (int i = 0; i < Errors.Length; i++)
        {
            if (Errors[i] != 0) yield return new(ErrorName(i), Errors[i]);
        }
    }

    public void Merge(LoadStats o)
    {
        Attempted += o.Attempted; Established += o.Established; Failed += o.Failed; Open += o.Open;
        Accepted += o.Accepted; PeerClosed += o.PeerClosed; Requests += o.Requests; Replies += o.Replies;
        Delayed += o.Delayed; HeartbeatsSent += o.HeartbeatsSent; BytesSent += o.BytesSent; BytesReceived += o.BytesReceived;
        for (int i = 0; i < Errors.Length; i++) Errors[i] += o.Errors[i];
        ConnectLatency.Merge(o.ConnectLatency);
        RequestLatency.Merge(o.RequestLatency);
        EstablishSeconds = Math.Max(EstablishSeconds, o.EstablishSeconds);
    }

    /// <summary>One line, "stats att=.. est=.. ..."; histograms only when asked (the final line).</summary>
    public string ToLine(bool withHistograms)
    {
        var sb = new StringBuilder(128);
        sb.Append("stats");
        Kv(sb, "att", Attempted); Kv(sb, "est", Established); Kv(sb, "fail", Failed); Kv(sb, "open", Open);
        Kv(sb, "acc", Accepted); Kv(sb, "eof", PeerClosed); Kv(sb, "req", Requests); Kv(sb, "rep", Replies);
        Kv(sb, "delayed", Delayed); Kv(sb, "hb", HeartbeatsSent); Kv(sb, "tx", BytesSent); Kv(sb, "rx", BytesReceived);
        sb.Append(" estsec=").Append(EstablishSeconds.ToString("R", CultureInfo.InvariantCulture));
        bool any = false;
        for (int i = 0; i < Errors.Length; i++)
        {
            if (Errors[i] == 0) continue;
            sb.Append(any ? ';' : ' ').Append(any ? "" : "err=").Append(ErrorName(i)).Append(':').Append(Errors[i].ToString(CultureInfo.InvariantCulture));
            any = true;
        }
        if (withHistograms)
        {
            sb.Append(" clat="); ConnectLatency.AppendTo(sb);
            sb.Append(" rlat="); RequestLatency.AppendTo(sb);
        }
        return sb.ToString();
    }

    private static void Kv(StringBuilder sb, string k, long v) => sb.Append(' ').Append(k).Append('=').Append(v.ToString(CultureInfo.InvariantCulture));

    /// <summary>Parses a line written by <see cref="ToLine"/>; throws FormatException on anything else.</summary>
    public static LoadStats Parse(string line)
    {
        if (!line.StartsWith("stats", StringComparison.Ordinal)) throw new FormatException("not a stats line");
        var s = new LoadStats();
        foreach (var token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            int eq = token.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) throw new FormatException($"'{token}' has no '='");
            var key = token[..eq];
            var val = token[(eq + 1)..];
            switch (key)
            {
                case "att": s.Attempted = L(val); break;
                case "est": s.Established = L(val); break;
                case "fail": s.Failed = L(val); break;
                case "open": s.Open = L(val); break;
                case "acc": s.Accepted = L(val); break;
                case "eof": s.PeerClosed = L(val); break;
                case "req": s.Requests = L(val); break;
                case "rep": s.Replies = L(val); break;
                case "delayed": s.Delayed = L(val); break;
                case "hb": s.HeartbeatsSent = L(val); break;
                case "tx": s.BytesSent = L(val); break;
                case "rx": s.BytesReceived = L(val); break;
                case "estsec": s.EstablishSeconds = double.Parse(val, CultureInfo.InvariantCulture); break;
                case "err":
                    foreach (var e in val.Split(';'))
                    {
                        int c = e.IndexOf(':', StringComparison.Ordinal);
                        int errno = c < 0 ? -1 : e[..c] == "EOF" ? Eof : Errno.Parse(e[..c]);
                        if (errno < 0 || errno >= Errno.Max) throw new FormatException($"bad error count '{e}'");
                        s.Errors[errno] += L(e[(c + 1)..]);
                    }
                    break;
                case "clat": s.ConnectLatency.Merge(LatencyHistogram.Parse(val)); break;
                case "rlat": s.RequestLatency.Merge(LatencyHistogram.Parse(val)); break;
                default: break; // newer worker, older parent: ignore unknown keys
            }
        }
        return s;
    }

    private static long L(string v) => long.Parse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
