using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SockDoc.Model;

namespace SockDoc.Kernel.KernelLog;

/// <summary>
/// Classifies one log line of any source format. Matching is on UTF-8 bytes with case-sensitive
/// substrings and tolerates any prefix (kernel-facts §0, §1.5: never a fixed prefix); the line is
/// decoded and its details parsed only when it matched. Usable on its own (pasted text) and by the
/// streaming reader.
/// </summary>
public static partial class KernelLogClassifier
{
    /// <summary>
    /// Every needle below contains one of these anchors, so a chunk scan for the anchors finds every
    /// candidate line. Keep the two lists in step (a test checks it).
    /// </summary>
    internal static readonly byte[][] Anchors =
    [
        "suppressed"u8.ToArray(),
        "socket memory"u8.ToArray(),
        "orphaned sockets"u8.ToArray(),
        "tuning tcp_mem"u8.ToArray(),
        "bucket table"u8.ToArray(),
        "table full"u8.ToArray(),
        "SYN flooding"u8.ToArray(),
        "SYN flood from"u8.ToArray(),
        "file-max"u8.ToArray(),
        "oom-kill"u8.ToArray(),
        "Killed process"u8.ToArray(),
        "OOM killed process"u8.ToArray(),
        "Kill process"u8.ToArray(),
        "reaped process"u8.ToArray(),
        "OOM killer in rage"u8.ToArray(),
        "enough memory"u8.ToArray(),
        "table overflow"u8.ToArray(),
        "oom_score_adj name"u8.ToArray(),
        "oom_kill_process"u8.ToArray(),
        "drop open request"u8.ToArray(),
        "entries exceeded"u8.ToArray(),
        "kB, failcnt "u8.ToArray(),
    ];

    /// <summary>The socket failures' phrases exactly as the kernel prints them, for <see cref="Retyped"/>.</summary>
    private static readonly string[] Phrases =
    [
        "Out of socket memory", "too many orphaned sockets", "too many of orphaned sockets", "out of memory -- consider tuning tcp_mem",
        "time wait bucket table overflow", "expectation table full", "conntrack: table full", "ossible SYN flooding on port ", "ossible SYN flood from ", "VFS: file-max limit ",
    ];

    /// <summary>
    /// A line as a person retyped it or a web page set it, with the kernel's socket phrases put back: any letter case
    /// ("TCP:Too many of orphaned sockets") and typographic dashes ("out of memory — consider tuning tcp_mem"). For
    /// pasted text only: the kernel's own log never needs it, and the streaming reader stays on exact bytes.
    /// </summary>
    public static string Retyped(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var t = line.Contains('\u2014', StringComparison.Ordinal) || line.Contains('\u2013', StringComparison.Ordinal)
            ? line.Replace("\u2014", "--", StringComparison.Ordinal).Replace("\u2013", "--", StringComparison.Ordinal)
            : line;
        // Titles and paraphrases of the two lines people retell most: "nf_conntrack table full",
        // "out of memory - considering tuning tcpmem".
        t = ConntrackTitleRegex().Replace(t, ": table full");
        t = Retell(t, TcpMemParaphraseRegex(), "out of memory -- consider tuning tcp_mem");
        // The line retold without its advice ("errors “TCP: out of memory”", a title "TCP: Out of Memory"): the kernel's
        // only "TCP: out of memory" is tcp_check_oom()'s over tcp_mem[2].
        t = Retell(t, TcpOutOfMemoryShortRegex(), "TCP: out of memory -- consider tuning tcp_mem");
        // "Time wait bucket overflow", "TIME_WAIT bucket table overflow": tcp_time_wait()'s line retold.
        t = Retell(t, TwBucketParaphraseRegex(), "time wait bucket table overflow");
        foreach (var p in Phrases)
        {
            int at = t.IndexOf(p, StringComparison.OrdinalIgnoreCase);
            if (at >= 0 && string.CompareOrdinal(t, at, p, 0, p.Length) != 0) t = string.Concat(t.AsSpan(0, at), p, t.AsSpan(at + p.Length));
        }
        return t;
    }

    /// <summary>
    /// A kernel phrase quoted as a thing looked for, on a line that denies it happened ("kernel 'nf_conntrack: table full'
    /// events: (no table-full event logged)", "grep \"Out of socket memory\" found nothing"): a mention, not the line.
    /// For pasted text, after <see cref="Retyped"/>.
    /// </summary>
    public static bool QuotedAndDenied(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!DenialRegex().IsMatch(line)) return false;
        foreach (var p in Phrases)
        {
            int at = line.IndexOf(p, StringComparison.Ordinal);
            if (at < 0) continue;
            int quote = at - 1;
            while (quote >= 0 && !Introductions.IsQuote(line[quote])) quote--;
            // The quote opens the phrase or its prefix ("'nf_conntrack: table full'", "\"TCP: too many orphaned sockets\"").
            if (quote >= 0 && at - quote <= 25)
                return true;
        }
        return false;
    }

    /// <summary>
    /// A kernel phrase inside a sentence that supposes it ("if your getting a lot of errors in /var/log/syslog like
    /// nf_conntrack: table full, dropping packet than your getting ddos'ed", "to avoid 'TCP: too many orphaned sockets'"):
    /// advice that names the line, not the line. "when" is left out: "when the test runs, dmesg prints ..." reports it.
    /// For pasted text, after <see cref="Retyped"/>.
    /// </summary>
    public static bool Supposed(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        foreach (var p in Phrases)
        {
            int at = line.IndexOf(p, StringComparison.Ordinal);
            if (at < 0) continue;
            int from = Math.Max(0, at - 120);
            if (SuppositionBeforeRegex().IsMatch(line.AsSpan(from, at - from))) return true;
        }
        return false;
    }

    /// <summary>
    /// A kernel line as a page or a file mentions it: the pattern of a search (`dmesg | grep -i "nf_conntrack: table
    /// full"`), the topic of a remedy that opens the line (a how-to's title, "Resolving nf_conntrack Table Full Packet
    /// Drops"), quoted in a comment (a sysctl file's `# "TCP: out of memory -- consider tuning tcp_mem" problem.`), or a
    /// sample with placeholder numbers (`[12345.678901] Killed process 1234 (application_name)`). Not the line. For
    /// pasted text, after <see cref="Retyped"/>.
    /// </summary>
    public static bool Mentioned(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (SampleRegex().IsMatch(line)) return true;
        int at = -1;
        foreach (var a in AnchorTexts)
        {
            int i = line.IndexOf(a, StringComparison.OrdinalIgnoreCase);
            if (i >= 0 && (at < 0 || i < at)) at = i;
        }
        if (at < 0) return false;
        var before = line.AsSpan(0, at);
        if (RemedyTitleRegex().IsMatch(before)) return true;
        // The phrase inside the search's quoted pattern, not in the output or the prose after it.
        if (SearchCommandRegex().Match(line, 0, at) is { Success: true } search)
        {
            int open = line.IndexOfAny(['"', '\''], search.Index + search.Length, at - search.Index - search.Length);
            if (open >= 0 && line.IndexOf(line[open], open + 1, at - open - 1) < 0) return true;
        }
        if (!CommentLineRegex().IsMatch(line)) return false;
        int quote = at - 1;
        while (quote >= 0 && !Introductions.IsQuote(line[quote])) quote--;
        // The anchor may sit deep in the phrase ("TCP: out of memory -- consider tuning tcp_mem").
        return quote >= 0 && at - quote <= 60;
    }

    private static readonly string[] AnchorTexts = Anchors.Where(a => a.Length > 0).Select(a => System.Text.Encoding.UTF8.GetString(a)).Where(a => a != "suppressed").ToArray();

    // The placeholders of a sample: a dmesg stamp of counted digits ("[12345.678901]"), a name that names a role. A pid
    // of counted digits alone is not enough: an incident's write-up may hide its real one that way.
    [GeneratedRegex(@"\[\s*(?:1234\.56|12345\.67|123456\.78)\d*\]|\((?:application_name|app_name|process_name|your_app|appname|PROCESS_NAME)\)")]
    private static partial Regex SampleRegex();
    [GeneratedRegex(@"\b(?:[zef]?grep|rg|ack|findstr|Select-String)\s")]
    private static partial Regex SearchCommandRegex();
    [GeneratedRegex(@"(?i)^\W*(?:how\s+to\s+)?(?:resolv|fix|troubleshoot|solv|handl|deal|mitigat|avoid|prevent|diagnos|debugg)\w*\b[^.;!?]*$")]
    private static partial Regex RemedyTitleRegex();
    [GeneratedRegex(@"^\s*[+-]?\s*#")]
    private static partial Regex CommentLineRegex();

    // A supposition or a precaution that opens a clause: "if", "unless", "in case", "whether", "avoid", "prevent".
    private const string Supposing = @"if|unless|in\s+case|whether|avoid\w*|prevent\w*";

    // One opening the phrase's clause (no sentence end between).
    [GeneratedRegex(@"(?i)\b(?:" + Supposing + @")\b[^.;!?]*$")]
    private static partial Regex SuppositionBeforeRegex();

    // "no table-full event logged", "0 matches", "nothing", "not found", "never logged": the search came back empty.
    [GeneratedRegex(@"(?i)\b(?:no|zero|0)\s+(?:[\w-]+\s+){0,2}?(?:events?|lines?|entr(?:y|ies)|match(?:es)?|hits?|results?|occurrences?|messages?)\b|\bnothing\b|\bnot\s+(?:found|logged|seen|present|printed)\b|\bnever\s+(?:logged|seen|printed)\b")]
    private static partial Regex DenialRegex();

    /// <summary>
    /// A paraphrase put back as the kernel's phrase, unless a condition or a precaution opens its clause ("To avoid
    /// timewait bucket overflow, raise ...", "there is a kernel log when timewait bucket overflow occurs"): advice names
    /// the event without it having happened. The kernel's own wording is never held back this way.
    /// </summary>
    private static string Retell(string t, Regex paraphrase, string phrase) =>
        paraphrase.Replace(t, m =>
        {
            int from = Math.Max(0, m.Index - 40);
            return ConditionBeforeRegex().IsMatch(t.AsSpan(from, m.Index - from)) ? m.Value : phrase;
        });

    // A condition or precaution in the words just before a paraphrase, within its clause (no sentence end between): a
    // supposition, or "when" ("a kernel log when timewait bucket overflow occurs").
    [GeneratedRegex(@"(?i)\b(?:" + Supposing + @"|when|whenever)\b[^.;!?]*$")]
    private static partial Regex ConditionBeforeRegex();

    // "nf_conntrack table full", and "Ip_conntrack:table full" with the space lost.
    [GeneratedRegex(@"(?i)(?<=conntrack)(?:\s*:\s*|\s+)table\s+full")]
    private static partial Regex ConntrackTitleRegex();

    [GeneratedRegex(@"(?i)out of memory\s*(?:-+|\u2014|\u2013)\s*consider(?:ing)?\s+tuning\s+tcp_?mem")]
    private static partial Regex TcpMemParaphraseRegex();

    [GeneratedRegex(@"(?i)\btime[ _-]?wait\s+bucket\s+(?:table\s+)?overflow\b")]
    private static partial Regex TwBucketParaphraseRegex();

    [GeneratedRegex(@"(?i)\bTCP:\s*out of memory\b(?!\s*(?:-+|\u2014|\u2013)\s*consider)")]
    private static partial Regex TcpOutOfMemoryShortRegex();

    /// <summary>The anchors, for tests and for other scanners of bulk text.</summary>
    public static IReadOnlyList<byte[]> AnchorBytes => Anchors;

    /// <summary>The kind of a line, from its bytes alone (no allocation).</summary>
    public static LogLineKind DetectKind(ReadOnlySpan<byte> line)
    {
        // Rate-limit notices before the overcommit line: "__vm_enough_memory: 3 callbacks suppressed" is a notice.
        // After the socket lines: a notice names a function, never one of their phrases, so a line holding both is
        // lines a web page glued together ("printk: 272 messages suppressed. ... TCP: time wait bucket table overflow").
        var socket = SocketKind(line);
        if (socket != LogLineKind.None) return socket;
        if (line.IndexOf("suppressed"u8) >= 0 &&
            (line.IndexOf(" callbacks suppressed"u8) >= 0 || line.IndexOf(" messages suppressed"u8) >= 0 ||
             line.IndexOf(" output lines suppressed due to ratelimiting"u8) >= 0))
            return LogLineKind.RateLimitNotice;
        if (line.IndexOf(" invoked oom-killer"u8) >= 0) return LogLineKind.OomInvoked;
        if (line.IndexOf("oom-kill:constraint="u8) >= 0) return LogLineKind.OomConstraint;
        if (FollowedByDigit(line, "Killed process "u8)) return LogLineKind.OomKilled;
        // OpenVZ kernels kill inside a container's memory beancounter: "Out of memory in UB 191: OOM killed process 27293
        // (html2text) score 0 vm:3075332kB, rss:1818104kB, swap:993020kB" (ub_oom's report).
        if (FollowedByDigit(line, "OOM killed process "u8)) return LogLineKind.OomKilled;
        if (FollowedByDigit(line, "Kill process "u8)) return LogLineKind.OomKillSelected;
        // The same line cut after its verb by a page or a terminal ("ERR kernel: [ 2046.202714] Out of memory: Kill process"):
        // the kernel's words up to there say it chose a victim; the victim is unknown.
        if (line.TrimEnd(" \t\r"u8).EndsWith("Out of memory: Kill process"u8)) return LogLineKind.OomKillSelected;
        if (FollowedByDigit(line, "oom_reaper: reaped process "u8)) return LogLineKind.OomReaped;
        // Virtuozzo's beancounter OOM killer sums up a burst: "OOM killer in rage, 16 tasks killed in ub 1234".
        if (line.IndexOf("OOM killer in rage, "u8) >= 0) return LogLineKind.OomReaped;
        if (line.IndexOf("oom_score_adj name"u8) >= 0 && line.IndexOf(" total_vm "u8) >= 0) return LogLineKind.OomTaskDump;
        if (OomKillFrame(line)) return LogLineKind.OomCallTrace;
        if (FollowedByDigit(line, "memory: usage "u8) && line.IndexOf("kB, limit "u8) >= 0 && line.IndexOf("kB, failcnt "u8) >= 0) return LogLineKind.OomMemcgUsage;
        // A page may cut the line after "not enough memory"; the function's own prefix and fields still name it.
        if (line.IndexOf("not enough memory for the allocation"u8) >= 0 ||
            (line.IndexOf("__vm_enough_memory: pid: "u8) >= 0 && line.IndexOf(" not enough memory"u8) >= 0))
            return LogLineKind.MemoryOvercommit;
        // ARP / ND cache (gc_thresh3), not a socket limit.
        if (line.IndexOf("eighbour table overflow"u8) >= 0 || line.IndexOf("eighbor table overflow"u8) >= 0)
            return LogLineKind.LookAlike;
        return LogLineKind.None;
    }

    private static LogLineKind SocketKind(ReadOnlySpan<byte> line)
    {
        if (line.IndexOf("Out of socket memory"u8) >= 0) return LogLineKind.OutOfSocketMemory;
        // Before 3.3 tcp_close() printed "TCP: too many of orphaned sockets" when tcp_too_many_orphans() was true, and that
        // test held the memory check too (sk_wmem_queued > SOCK_MIN_SNDBUF and tcp_memory_allocated > tcp_mem[2]):
        // either cause, like "Out of socket memory". efcdbf24fd5d ("net: Disambiguate kernel message", 3.3) split it into
        // tcp_check_oom()'s "too many orphaned sockets" (orphans only) and "out of memory -- consider tuning tcp_mem".
        if (line.IndexOf("too many of orphaned sockets"u8) >= 0) return LogLineKind.OutOfSocketMemory;
        if (line.IndexOf("too many orphaned sockets"u8) >= 0) return LogLineKind.TooManyOrphans;
        if (line.IndexOf("out of memory -- consider tuning tcp_mem"u8) >= 0) return LogLineKind.TcpOutOfMemory;
        if (line.IndexOf("time wait bucket table overflow"u8) >= 0) return LogLineKind.TimeWaitOverflow;
        if (line.IndexOf("table full"u8) >= 0)
        {
            // "nf_conntrack: expectation table full" is the expectation table (nf_conntrack_expect_max), not ours.
            if (line.IndexOf("expectation table full"u8) >= 0) return LogLineKind.LookAlike;
            if (line.IndexOf("conntrack: table full"u8) >= 0) return LogLineKind.ConntrackFull;
            // OpenVZ kernels count per container: "ip_conntrack: VPS 101 table full, dropping packet."
            if (line.IndexOf("conntrack: VPS "u8) >= 0) return LogLineKind.ConntrackFull;
        }
        // 2.4 kernels: "ip_conntrack: maximum limit of %d entries exceeded" (ip_conntrack_core.c init_conntrack(), the
        // same check against ip_conntrack_max that later prints "table full, dropping packet").
        if (line.IndexOf("conntrack: maximum limit of "u8) >= 0 && line.IndexOf("entries exceeded"u8) >= 0) return LogLineKind.ConntrackFull;
        // 2.6 kernels: "possible SYN flooding on port %d. Sending cookies." (lower case, no "TCP:" prefix, syn_flood_warning()).
        if (line.IndexOf("ossible SYN flooding on port "u8) >= 0) return LogLineKind.SynFlood;
        // 2.2 kernels: "Warning: possible SYN flood from %d.%d.%d.%d on %d.%d.%d.%d:%d.  Sending cookies." (tcp_ipv4.c
        // syn_flood_warning(), source and listener address named); a mail that wrapped it may end the line at "from".
        if (line.IndexOf("ossible SYN flood from"u8) >= 0) return LogLineKind.SynFlood;
        // 2.4/2.6 without syncookies: "TCP: drop open request from 10.0.0.1/3755" (tcp_v4_conn_request(), the last
        // quarter of tcp_max_syn_backlog kept for peers proven alive): the listener's SYN queue is nearly full.
        if (line.IndexOf("TCP: drop open request from "u8) >= 0) return LogLineKind.SynFlood;
        // alloc_empty_file() always prints the limit ("VFS: file-max limit %lu reached"): a page that names the message
        // without a number ("look for “VFS: file-max limit reached”") quotes it, nothing was hit.
        if (FollowedByDigit(line, "VFS: file-max limit "u8)) return LogLineKind.FileMax;
        return LogLineKind.None;
    }

    /// <summary>"oom_kill_process+0x" or "oom_kill_process.cold+0x" (a stack frame, not a word in prose).</summary>
    private static bool OomKillFrame(ReadOnlySpan<byte> line)
    {
        int i = line.IndexOf("oom_kill_process"u8);
        if (i < 0) return false;
        var rest = line[(i + "oom_kill_process".Length)..];
        if (rest.StartsWith(".cold"u8)) rest = rest[5..];
        return rest.StartsWith("+0x"u8);
    }

    private static bool FollowedByDigit(ReadOnlySpan<byte> line, ReadOnlySpan<byte> needle)
    {
        int i = line.IndexOf(needle);
        int d = i + needle.Length;
        // A page may redact the number ("Kill process #### (mysql) score ##"): '#' stands for the digits.
        return i >= 0 && d < line.Length && (char.IsAsciiDigit((char)line[d]) || (line[d] == (byte)'#' && d + 1 < line.Length && line[d + 1] == (byte)'#'));
    }

    /// <summary>Classifies a line given as bytes; decodes it only when it is one of ours or a look-alike.</summary>
    public static KernelLogLine? TryClassify(ReadOnlySpan<byte> line, LogTimeContext ctx)
    {
        var kind = DetectKind(line);
        if (kind == LogLineKind.None) return null;
        if (line.Length > 0 && line[0] == (byte)'{' && LogLineHead.TryJournalJson(line, ctx) is { } json)
            return Build(json, ctx);
        return Build(LogLineHead.Parse(Encoding.UTF8.GetString(line.TrimEnd("\r\n"u8)), ctx), ctx);
    }

    /// <summary>
    /// A row of the OOM report's task table, "[   5323]     1  5323   120510    58957   720896        0             0 php-fpm"
    /// (mm/oom_kill.c dump_task(): pid, uid, tgid, total_vm, rss and its parts, page tables, swap, oom_score_adj, comm;
    /// 4 to 8 numbers after the tgid from 2.6 to 6.x). dump_tasks() runs only from dump_header(), when the OOM killer is
    /// about to choose a victim, so a run of rows is that report even when the paste lost its header and kill line.
    /// Not offered to the streaming scanner: a row holds no anchor, and a whole log holds the header above it.
    /// </summary>
    public static bool IsOomTaskRow(string line, LogTimeContext ctx)
    {
        ArgumentNullException.ThrowIfNull(line);
        // A row holds its bracketed pid: lines without a ']' are not parsed at all (TaskTables asks of every pasted line).
        return line.Length < 400 && line.Contains(']', StringComparison.Ordinal) &&
               OomTaskRowRegex().IsMatch(LogLineHead.Parse(line.TrimEnd('\r', '\n'), ctx).Message);
    }

    /// <summary>The task table a run of rows stands for, at the time of its first row (see <see cref="IsOomTaskRow"/>).</summary>
    public static KernelLogLine OomTaskTable(string firstRow, LogTimeContext ctx)
    {
        ArgumentNullException.ThrowIfNull(firstRow);
        var head = LogLineHead.Parse(firstRow.TrimEnd('\r', '\n'), ctx);
        return new KernelLogLine { Kind = LogLineKind.OomTaskDump, Time = head.Time, Prefix = head.Prefix, Host = head.Host, Message = head.Message };
    }

    /// <summary>Classifies one line of text; Kind is None for lines that are not ours.</summary>
    public static KernelLogLine Classify(string line, LogTimeContext ctx)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(ctx);
        var head = LogLineHead.Parse(line.TrimEnd('\r', '\n'), ctx);
        return Build(head, ctx);
    }

    private static KernelLogLine Build(LogLineHead head, LogTimeContext ctx)
    {
        _ = ctx;
        var message = head.Message;
        var kind = DetectKind(Encoding.UTF8.GetBytes(message));
        var line = new KernelLogLine { Kind = kind, Time = head.Time, Prefix = head.Prefix, Host = head.Host, Message = message };
        return kind switch
        {
            LogLineKind.RateLimitNotice => RateLimit(line),
            LogLineKind.ConntrackFull => Conntrack(line),
            LogLineKind.SynFlood => SynFlood(line),
            LogLineKind.FileMax => line with { Number = Long(FileMaxRegex().Match(message), "n") },
            LogLineKind.OomInvoked => OomInvoked(line),
            LogLineKind.OomConstraint => OomConstraint(line),
            LogLineKind.OomKilled => OomKilled(line),
            LogLineKind.OomKillSelected => OomKillSelected(line),
            LogLineKind.MemoryOvercommit => Overcommit(line),
            _ => line,
        };
    }

    private static long? Long(Match m, string group) =>
        m.Success && m.Groups[group].Success &&
        long.TryParse(m.Groups[group].ValueSpan, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static string? Str(Match m, string group) => m.Success && m.Groups[group].Success ? m.Groups[group].Value : null;

    private static KernelLogLine RateLimit(KernelLogLine line)
    {
        var m = CallbacksSuppressedRegex().Match(line.Message);
        if (m.Success) return line with { Number = Long(m, "n"), Limiter = Str(m, "who") };
        m = MessagesSuppressedRegex().Match(line.Message);
        if (m.Success) return line with { Number = Long(m, "n"), Limiter = Str(m, "who") ?? "printk" };
        m = OutputLinesSuppressedRegex().Match(line.Message);
        if (m.Success) return line with { Number = Long(m, "n"), Limiter = Str(m, "who") ?? "journald" };
        return line with { Kind = LogLineKind.None };
    }

    private static KernelLogLine Conntrack(KernelLogLine line)
    {
        var m = ConntrackRegex().Match(line.Message);
        return m.Success ? line with { Netns = Long(m, "ns"), Name = Str(m, "mod") } : line;
    }

    private static KernelLogLine SynFlood(KernelLogLine line)
    {
        var m = SynFloodRegex().Match(line.Message);
        if (!m.Success) m = SynFloodFromRegex().Match(line.Message);
        if (!m.Success) return line;
        var port = Long(m, "port");
        var addr = Str(m, "addr");
        var proto = Str(m, "proto");
        if (proto is null && addr is not null) proto = addr.StartsWith('[') ? "TCPv6" : "TCP";
        return line with
        {
            Port = port is >= 0 and <= 65535 ? (int)port : null,
            Address = addr,
            Action = Str(m, "action"),
            Proto = proto,
        };
    }

    private static KernelLogLine OomInvoked(KernelLogLine line)
    {
        int i = line.Message.IndexOf(" invoked oom-killer", StringComparison.Ordinal);
        return line with { Name = i > 0 ? line.Message[..i].Trim() : null };
    }

    private static KernelLogLine OomConstraint(KernelLogLine line)
    {
        var s = line.Message;
        string? Field(string name)
        {
            // Fields are comma separated "name=value" (dump_oom_victim()); task_memcg may contain commas only in odd cgroup names.
            var key = name + "=";
            int i = s.IndexOf(key, StringComparison.Ordinal);
            while (i > 0 && s[i - 1] != ',' && s[i - 1] != ':') i = s.IndexOf(key, i + 1, StringComparison.Ordinal);
            if (i < 0) return null;
            int start = i + key.Length;
            int end = s.IndexOf(',', start);
            return (end < 0 ? s[start..] : s[start..end]).Trim();
        }
        long? pid = long.TryParse(Field("pid"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
        var oomMemcg = Field("oom_memcg");
        return line with
        {
            Constraint = Field("oom-kill:constraint") ?? Field("constraint"),
            Cgroup = Field("task_memcg") ?? oomMemcg,
            OomMemcg = oomMemcg,
            Name = Field("task"),
            Pid = pid,
        };
    }

    private static KernelLogLine OomKilled(KernelLogLine line)
    {
        var m = KilledProcessRegex().Match(line.Message);
        if (!m.Success) m = KilledProcessShortRegex().Match(line.Message);
        if (!m.Success) return line;
        var reason = line.Message[..m.Index].TrimEnd(' ', ':');
        int colon = reason.LastIndexOf(": ", StringComparison.Ordinal);
        if (colon >= 0) reason = reason[(colon + 2)..];
        return line with
        {
            Pid = Long(m, "pid"),
            Name = Str(m, "name"),
            TotalVmKb = Long(m, "vm"),
            AnonRssKb = Long(m, "anon"),
            Action = reason.Length > 0 ? reason : null,
        };
    }

    private static KernelLogLine OomKillSelected(KernelLogLine line)
    {
        var m = KillProcessRegex().Match(line.Message);
        return m.Success ? line with { Pid = Long(m, "pid"), Name = Str(m, "name") } : line;
    }

    private static KernelLogLine Overcommit(KernelLogLine line)
    {
        var m = OvercommitRegex().Match(line.Message);
        return m.Success ? line with { Pid = Long(m, "pid"), Name = Str(m, "comm"), Number = Long(m, "bytes") } : line;
    }

    // net/core/utils.c net_ratelimit() and lib/ratelimit.c ___ratelimit(): "%s: %d callbacks suppressed" (func name).
    [GeneratedRegex(@"(?:(?<who>[\w.$]+): )?(?<n>\d+) callbacks suppressed")]
    private static partial Regex CallbacksSuppressedRegex();

    // kernel/printk/printk.c (older): "printk: %d messages suppressed."
    [GeneratedRegex(@"(?:(?<who>[\w.$]+): )?(?<n>\d+) messages suppressed")]
    private static partial Regex MessagesSuppressedRegex();

    // systemd-journald / kernel console forwarding: "[name]: N output lines suppressed due to ratelimiting".
    [GeneratedRegex(@"(?:(?<who>[\w.\-\[\]]+): )?(?<n>\d+) output lines suppressed due to ratelimiting")]
    private static partial Regex OutputLinesSuppressedRegex();

    // net/netfilter/nf_conntrack_core.c __nf_conntrack_alloc(): pr_fmt doubles the module prefix on 6.x;
    // 6.18 adds " in netns %u" (seen live). ip_conntrack before ~2.6.22.
    [GeneratedRegex(@"(?<mod>\w*conntrack): (?:\w*conntrack: )?table full(?: in netns (?<ns>\d+))?")]
    private static partial Regex ConntrackRegex();

    // net/ipv4/tcp_input.c tcp_syn_flood_action(): "%s: Possible SYN flooding on port %s:%u. %s." (6.2+)
    // and "%s: Possible SYN flooding on port %d. %s.  Check SNMP counters." (before).
    // 2.6: "possible SYN flooding on port %d. Sending cookies." (net/ipv4/tcp_ipv4.c syn_flood_warning()).
    [GeneratedRegex(@"(?:request_sock_(?<proto>\w+): )?[Pp]ossible SYN flooding on port (?:(?<addr>\[[^\]]*\]|[0-9.]+|[^\s:]*):)?(?<port>\d+)\.?\s*(?<action>Sending cookies|Dropping request)?")]
    private static partial Regex SynFloodRegex();
    // 2.2: "Warning: possible SYN flood from 192.168.1.12 on 192.168.1.1:20817.  Sending cookies." (syn_flood_warning()).
    [GeneratedRegex(@"[Pp]ossible SYN flood from \S+ on (?<addr>[0-9.]+):(?<port>\d+)\.?\s*(?<action>Sending cookies)?")]
    private static partial Regex SynFloodFromRegex();

    // fs/file_table.c alloc_empty_file(): "VFS: file-max limit %lu reached".
    [GeneratedRegex(@"VFS: file-max limit (?<n>\d+) reached")]
    private static partial Regex FileMaxRegex();

    // mm/oom_kill.c __oom_kill_process(); the tail (UID, pgtables, oom_score_adj) is optional across versions.
    // RHEL 6 (2.6.32) printed "Killed process N, UID U, (name) total-vm:..."; 4.x "(name), UID U, total-vm:...".
    // The name is greedy up to ") ... total-vm:" because comm may hold parentheses, e.g. "((resolved))".
    [GeneratedRegex(@"Killed process (?<pid>\d+)(?:, UID \d+,)? \((?<name>.*)\)(?:, UID \d+)?,? total-vm:(?<vm>\d+)kB, anon-rss:(?<anon>\d+)kB")]
    private static partial Regex KilledProcessRegex();

    [GeneratedRegex(@"(?:Killed|OOM killed) process (?<pid>\d+)(?:, UID \d+,)? \((?<name>.*)\)(?: score -?\d+ vm:(?<vm>\d+)kB)?")]
    private static partial Regex KilledProcessShortRegex();

    // Old mm/oom_kill.c oom_kill_process(): "%s: Kill process %d (%s) score %u or sacrifice child".
    // A page may redact the pid ("Kill process #### (mysql)"): the name is still the victim's.
    [GeneratedRegex(@"Kill process (?:(?<pid>\d+)|#+) \((?<name>.*?)\)")]
    private static partial Regex KillProcessRegex();

    // dump_task(): "[%7d] %5d %5d %8lu %8lu ... %5hd %s"; comm is at most 15 characters (TASK_COMM_LEN). printk's
    // caller id ("[   T2243]", CONFIG_PRINTK_CALLER) may stand before it.
    [GeneratedRegex(@"^(?:\[\s*[TC]\d+\]\s+)?\[\s*\d+\s*\]\s+\d+\s+\d+(?:\s+-?\d+){4,8}\s+\S.{0,14}$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OomTaskRowRegex();

    // mm/util.c __vm_enough_memory() (6.12): "%s: pid: %d, comm: %s, bytes: %lu not enough memory for the allocation".
    [GeneratedRegex(@"pid: (?<pid>\d+), comm: (?<comm>.*?), bytes: (?<bytes>\d+) not enough memory")]
    private static partial Regex OvercommitRegex();
}
