using System.Globalization;
using System.Text.RegularExpressions;
using SockDoc.Model.Census;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// `ss -tan`, `ss -ltn`, `ss -tm`, `ss -tmi` rows (iproute2 ss.c): [Netid] [State] Recv-Q Send-Q Local [Peer] [Process].
/// The State column is absent when the command filters one state (`ss -tn state time-wait`), the Netid column
/// present with -a over several protocols, the Peer column sometimes cut off. For a listener Recv-Q is the accept
/// queue and Send-Q the backlog (inet_diag idiag_rqueue / idiag_wqueue = sk_ack_backlog / sk_max_ack_backlog), so
/// Recv-Q above Send-Q (129 on 128) is a full accept queue (sk_acceptq_is_full()). skmem:(…) lines, on the row or
/// the line below it, give the socket's buffers.
/// </summary>
public sealed partial class SsRows : IPasteRecogniser
{
    private static readonly Dictionary<string, string> States = new(StringComparer.Ordinal)
    {
        ["ESTAB"] = "ESTABLISHED", ["LISTEN"] = "LISTEN", ["TIME-WAIT"] = "TIME_WAIT", ["SYN-SENT"] = "SYN_SENT", ["SYN-RECV"] = "SYN_RECV",
        ["FIN-WAIT-1"] = "FIN_WAIT1", ["FIN-WAIT-2"] = "FIN_WAIT2", ["CLOSE-WAIT"] = "CLOSE_WAIT", ["LAST-ACK"] = "LAST_ACK", ["CLOSING"] = "CLOSING",
        ["CLOSED"] = "CLOSE", ["UNCONN"] = "UNCONN",
    };

    /// <summary>An ss state name ("TIME-WAIT") as the kernel's (TIME_WAIT).</summary>
    public static bool StateName(string ss, out string state)
    {
        state = States.TryGetValue(ss, out var s) ? s : "";
        return s is not null;
    }

    private static readonly HashSet<string> Netids = new(StringComparer.Ordinal) { "tcp", "udp", "raw", "u_str", "u_dgr", "u_seq", "mptcp", "sctp", "tcp6", "udp6", "p_raw", "p_dgr", "nl", "v_str", "v_dgr", "xdp" };

    private string? _filterState;
    private bool _table;
    private (string Local, string Peer, string State, bool Unix)? _last;

    public void Command(string command)
    {
        var c = PasteParse.Bare(command);
        _table = SsCommandRegex().IsMatch(c);
        _last = null;
        _filterState = StateFilterRegex().Match(c) is { Success: true } m && States.TryGetValue(m.Groups["s"].Value.ToUpperInvariant() switch
        {
            "ESTABLISHED" => "ESTAB",
            "SYN-RECEIVED" => "SYN-RECV",
            var s => s,
        }, out var k) ? k : null;
    }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var t = line.Text.Trim();
        if (HeadRegex().IsMatch(t))
        {
            _table = true;
            if (t.Contains("State", StringComparison.Ordinal)) _filterState = null;
            into.SawSocketTable();
            into.Claim("ss", line.Number, "socket list");
            return 1;
        }
        if (Row(t) is { } row)
        {
            into.Socket(row.State, row.RecvQ, row.State == "LISTEN" ? row.SendQ : null, row.Local, row.Peer);
            // Without the Netid column an unconnected row with an address:port is UDP (raw sockets print a protocol name, unix sockets a path).
            if (row.Netid is "udp" or "udp6" || row.Netid is null && row.State == "UNCONN") into.UdpSocket(row.Local, row.Peer, row.RecvQ, row.SendQ);
            bool unix = row.Netid is { } n && n.StartsWith("u_", StringComparison.Ordinal);
            _last = (row.Local, row.Peer, row.State, unix);
            if (Skmem(t) is { } mem) into.Skmem(mem, row.Local, row.Peer, row.State, unix);
            into.Claim("ss", line.Number, "socket list");
            return 1;
        }
        if (t.Contains("skmem:(", StringComparison.Ordinal) && Skmem(t) is { } only)
        {
            var (local, peer, state, unix) = _last ?? ("?", "?", "?", false);
            // A Unix row the row reader did not take ("u_str ESTAB 0 11264 * 503168 * 503167 users:(...) skmem:(...)").
            into.Skmem(only, local, peer, state, unix || t.TrimStart().StartsWith("u_", StringComparison.Ordinal));
            into.Claim("ss", line.Number, "socket memory (skmem)");
            return 1;
        }
        // `ss -i` continuation lines: "cubic wscale:7,7 rto:204 rtt:0.1/0.05 ...".
        if (_last is not null && line.Text.StartsWith(' ') && InfoRegex().IsMatch(t))
        {
            into.Claim("ss", line.Number, "socket list");
            return 1;
        }
        return 0;
    }

    private (string? Netid, string State, long RecvQ, long SendQ, string Local, string Peer)? Row(string t)
    {
        var tok = t.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int k = 0;
        string? netid = null;
        if (k < tok.Length && Netids.Contains(tok[k])) netid = tok[k++];
        string? state = _filterState;
        bool stateColumn = false;
        if (k < tok.Length && States.TryGetValue(tok[k], out var st))
        {
            state = st;
            stateColumn = true;
            k++;
        }
        // The columns cut after Send-Q ("LISTEN     129    128", what an operator keeps of the row): a listener's queue
        // and backlog are all that matter, so the row counts with its address unknown.
        // Also cut inside the local address ("LISTEN   1025   1024   0.0.", a page that clipped the row).
        if (stateColumn && state == "LISTEN" && (k + 2 == tok.Length || (k + 3 == tok.Length && !tok[k + 2].Contains(':', StringComparison.Ordinal))) &&
            PasteParse.Long(tok[k]) is { } cutRq && PasteParse.Long(tok[k + 1]) is { } cutSq)
            return (netid, state, cutRq, cutSq, ListenerQueue.AddressNotShown, "");
        if (state is null || k + 2 >= tok.Length + 0 && k + 3 > tok.Length) return null;
        if (PasteParse.Long(tok[k]) is not { } rq || PasteParse.Long(tok[k + 1]) is not { } sq) return null;
        var local = tok[k + 2];
        if (!local.Contains(':', StringComparison.Ordinal)) return null;
        // Without the State column, only inside an ss table (a header or the ss command seen), so a netstat row is not read here.
        if (!stateColumn && !_table) return null;
        var peer = k + 3 < tok.Length && (tok[k + 3].Contains(':', StringComparison.Ordinal) || tok[k + 3] == "*") ? tok[k + 3] : "";
        return (netid, state, rq, sq, local, peer);
    }

    private static Dictionary<string, long>? Skmem(string t)
    {
        var m = SkmemRegex().Match(t);
        if (!m.Success) return null;
        var f = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Match kv in SkmemFieldRegex().Matches(m.Groups["kv"].Value))
        {
            if (long.TryParse(kv.Groups["v"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) f[kv.Groups["k"].Value] = v;
        }
        return f.ContainsKey("r") && f.ContainsKey("t") ? f : null;
    }

    [GeneratedRegex(@"^ss\b")]
    private static partial Regex SsCommandRegex();
    [GeneratedRegex(@"\bstate\s+(?<s>[a-zA-Z\-12]+)")]
    private static partial Regex StateFilterRegex();
    [GeneratedRegex(@"^(?:Netid\s+)?(?:State\s+)?Recv-Q\s+Send-Q\s+Local\s+Address:Port(?:\s+Peer\s+Address:Port)?")]
    private static partial Regex HeadRegex();
    [GeneratedRegex(@"skmem:\((?<kv>[a-z_0-9,]*)\)?")]
    private static partial Regex SkmemRegex();
    [GeneratedRegex(@"(?<k>[a-z_]+)(?<v>\d+)")]
    private static partial Regex SkmemFieldRegex();
    [GeneratedRegex(@"\b(?:rto|rtt|wscale|mss|cwnd|timer):")]
    private static partial Regex InfoRegex();
}
