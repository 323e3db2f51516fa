using System.Text.RegularExpressions;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// Sentences that state a kernel condition in words: "I am seeing a lot of listen overflows", "new connections fill up
/// the LISTEN queue until it overflows", "the server's accept queue was full", "we ran out of ephemeral ports",
/// "the conntrack table is full", "we ran out of file descriptors", "the OOM killer was invoked", "UDP drops reported via /proc/net/udp". An operator who read the counter (netstat -s, a monitoring chart) often pastes the
/// conclusion rather than the counter. Only statements count: a sentence that asks ("?"), supposes ("maybe",
/// "suspect", "if") or denies ("no", "not", "0 times") is not read, and a rule takes what is read as possible
/// evidence only, when nothing measured in the paste says otherwise. This recogniser runs last, on lines no
/// format claimed.
/// </summary>
public sealed partial class Statements : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var text = line.Scanned;
        var found = new List<string>();
        // An article on a remedy, written to the reader, states conditions as its topic.
        if (into.IsRemedyArticle(lines)) return 0;
        // A section heading names a topic ("Running out of File Handles" over its underline in a README, "## Port
        // exhaustion" on a tuning page): not a report that it happened.
        if (MarkdownHeadingRegex().IsMatch(text) || (i + 1 < lines.Count && UnderlineRegex().IsMatch(lines[i + 1].Scanned))) return 0;
        foreach (var sentence in SentenceSplitRegex().Split(text))
        {
            if (sentence.Length < 8 || QuestionRegex().IsMatch(sentence) || (sentence.Length <= 100 && HeadingRegex().IsMatch(sentence))) continue;
            foreach (var condition in Conditions(sentence))
            {
                if (found.Contains(condition)) continue;
                found.Add(condition);
                into.State(condition, line.Number, sentence);
            }
        }
        // A sentence a mail or a commit message wrapped onto the next line ("the kernel drops UDP packets at" / "the receive
        // queue"): its two halves, read together once; what the next line says alone it states on its own.
        if (i + 1 < lines.Count && WrapsOnto(text, lines[i + 1].Scanned) is { } joined && !QuestionRegex().IsMatch(joined))
        {
            var alone = Conditions(lines[i + 1].Scanned).ToList();
            foreach (var condition in Conditions(joined))
            {
                if (found.Contains(condition) || alone.Contains(condition)) continue;
                found.Add(condition);
                into.State(condition, line.Number, joined);
            }
        }
        if (found.Count == 0) return 0;
        into.Claim("statement", line.Number, "statements in words");
        return 1;
    }

    /// <summary>
    /// The sentence that runs from the end of <paramref name="line"/> onto <paramref name="next"/> when the line stops
    /// mid-sentence (no closing punctuation) and the next one goes on in lower case; a word broken at a hyphen
    /// ("receive-" / "buffer") is joined without a space. Null when the line ends its sentence.
    /// </summary>
    private static string? WrapsOnto(string line, string next)
    {
        var end = line.TrimEnd();
        var start = next.TrimStart();
        if (end.Length < 8 || start.Length == 0 || !char.IsLower(start[0]) || ".!?;:。！？；".Contains(end[^1], StringComparison.Ordinal)) return null;
        var tail = SentenceSplitRegex().Split(end)[^1];
        var head = SentenceSplitRegex().Split(start)[0];
        return end[^1] == '-' ? tail + head : tail + " " + head;
    }

    /// <summary>The conditions one sentence states (a question is not read at all: see <see cref="QuestionRegex"/>).</summary>
    public static IEnumerable<string> Conditions(string sentence)
    {
        ArgumentNullException.ThrowIfNull(sentence);
        // "Recv-Q are 129" in words: one past a backlog the kernel or a server commonly sets (sk_acceptq_is_full() stops a
        // listener's queue there), the mark of a full accept queue.
        if (Stated(sentence, ListenOverflowRegex()) ||
            (RecvQNumberRegex().Match(sentence) is { Success: true } rq && PasteParse.Long(rq.Groups["n"].Value) is { } n && NetstatRows.FullAt(n) is not null && Stated(sentence, rq)))
            yield return StatedConditions.ListenQueueOverflow;
        // A cloud NAT's or load balancer's SNAT ports are not this host's ip_local_port_range.
        // A program's own log record saying it ran out of ports ("WARNING: [call-id]: [control] ... Ran out of ports", a media
        // relay's RTP port pool) speaks of the range it allocates from itself, unless it names the ephemeral ones.
        if (Stated(sentence, PortsExhaustedRegex()) && !SnatRegex().IsMatch(sentence) &&
            !(LogRecordRegex().IsMatch(sentence) && !EphemeralWordRegex().IsMatch(sentence))) yield return StatedConditions.EphemeralPortsExhausted;
        if (Stated(sentence, ConntrackFullRegex())) yield return StatedConditions.ConntrackTableFull;
        if (Stated(sentence, FdsExhaustedRegex())) yield return StatedConditions.FileDescriptorsExhausted;
        if (Stated(sentence, OomKillRegex())) yield return StatedConditions.OomKill;
        if (Stated(sentence, UdpReceiveDropsRegex())) yield return StatedConditions.UdpReceiveDrops;
        if (Stated(sentence, SynFloodRegex())) yield return StatedConditions.SynFlood;
        // A setting said in words; advice to set it ("add 'vm.overcommit_memory = 1'", "Set ... to 2") is not the host's.
        if (Stated(sentence, StrictOvercommitRegex()) && !AdviceRegex().IsMatch(sentence)) yield return StatedConditions.StrictOvercommit;
    }

    /// <summary>
    /// The phrase is there, not supposed before it ("I suspect the accept queue is full") and not denied right before
    /// it ("no listen overflows", "not a full accept queue") or right after it ("ListenOverflows are all 0"); a negation
    /// further away belongs to another clause ("clients could not connect because the accept queue was full"). The
    /// phrases themselves are positive, some with a negation of their own ("no free ports left").
    /// </summary>
    private static bool Stated(string sentence, Regex phrase) => Stated(sentence, phrase.Match(sentence));

    /// <summary>The same for a phrase already matched in <paramref name="sentence"/>.</summary>
    private static bool Stated(string sentence, Match m)
    {
        if (!m.Success) return false;
        if (Supposed(sentence, m.Index)) return false;
        // A template's sentence, its facts left as placeholders ("The OOM killer killed one or more processes
        // (&process_list_summary;)", "%d processes"): a check's text, filled in only where it ran.
        if (PlaceholderRegex().IsMatch(sentence)) return false;
        // Named as an example ("Counters like “listen queue overflow”: ...", "such as a full conntrack table"), unless told
        // of one's own ("we see errors like ...").
        if (ExampleBeforeRegex().IsMatch(sentence.AsSpan(0, m.Index)) && !Introductions.InFirstPerson(sentence)) return false;
        // "When" in Chinese and Japanese follows its clause: "conntrack 表满时新连接 ..." (when the table is full, new
        // connections ...), "接続キューが溢れた場合" (in case it overflowed).
        if (CjkWhenAfterRegex().IsMatch(sentence.AsSpan(m.Index + m.Length))) return false;
        // "once" opening a clause in the present tense is a rule ("once ephemeral ports are exhausted, new connections
        // fail"); in the past it tells what happened ("once the ports were exhausted, every connect failed").
        if (OnceBeforeRegex().IsMatch(sentence.AsSpan(0, m.Index)) && PresentTenseRegex().IsMatch(m.Value)) return false;
        int from = Math.Max(0, m.Index - 25);
        // Within its own clause: "Although this doesn't "break" anything, it creates "packet receive errors"" states them.
        int clause = sentence.LastIndexOf(", ", m.Index, m.Index - from, StringComparison.Ordinal);
        int negFrom = clause >= 0 ? clause + 2 : from;
        if (Negated(sentence.AsSpan(negFrom, m.Index - negFrom))) return false;
        // A count of 0 before it, as netstat -s prints a counter (BSD's "0 listen queue overflows").
        if (ZeroCountRegex().IsMatch(sentence.AsSpan(from, m.Index - from))) return false;
        // Denied inside the phrase, between the subject and its verb ("the conntrack table is not filled"); a negation that
        // opens the phrase is its own ("no free ports left").
        int firstWord = m.Value.IndexOf(' ', StringComparison.Ordinal);
        if (firstWord > 0 && NegationRegex().IsMatch(m.Value.AsSpan(firstWord))) return false;
        int end = m.Index + m.Length;
        return !AtZeroRegex().IsMatch(sentence.AsSpan(end, Math.Min(40, sentence.Length - end)));
    }

    /// <summary>
    /// A denial in the words before the phrase, unless a conjunction of time or cause stands between them: "does not respond
    /// after reaching the limit of open files" denies the response, and states the limit.
    /// </summary>
    private static bool Negated(ReadOnlySpan<char> before)
    {
        int last = -1;
        foreach (var n in NegationRegex().EnumerateMatches(before)) last = n.Index + n.Length;
        return last >= 0 && !SubordinateRegex().IsMatch(before[last..]);
    }

    [GeneratedRegex(@"\b(?:after|since|because|once|upon|due\s+to)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SubordinateRegex();

    /// <summary>
    /// Whether a word before the phrase supposes it. "when" supposes only within its own clause: "When using the LiDAR with
    /// two subscribers, a UDP receive buffer error occurs" states the error in the main clause after the comma.
    /// </summary>
    private static bool Supposed(string sentence, int at)
    {
        foreach (var w in SuppositionRegex().EnumerateMatches(sentence.AsSpan(0, at)))
        {
            if (!(sentence.AsSpan(w.Index, w.Length).StartsWith("when", StringComparison.OrdinalIgnoreCase) &&
                  sentence.IndexOf(", ", w.Index, at - w.Index, StringComparison.Ordinal) >= 0))
                return true;
        }
        return false;
    }

    // Sentence ends: . ! ? ; (and their CJK forms) followed by space, or the CJK marks alone.
    [GeneratedRegex(@"(?<=[.!?;])\s+|(?<=[。！？；])", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SentenceSplitRegex();

    // A question: a question mark, or a sentence that opens with a question word.
    [GeneratedRegex(@"[?？]|^\s*(?:is|are|does|do|did|can|why|how|what|which)\b|是否|吗", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex QuestionRegex();

    // A Markdown heading ("## ..."), or the underline of a reStructuredText / setext one ("-----", "====="); a diff's
    // leading '+' or a quote's '>' before either.
    [GeneratedRegex(@"^[+>\s]*#{1,6}\s", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex MarkdownHeadingRegex();
    [GeneratedRegex(@"^[+>\s]*([-=~^])\1{2,}\s*$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex UnderlineRegex();

    // A heading that only names the condition ("TCP port exhaustion", "## Listen queue overflow" over a tuning page's
    // section): a topic, not a report that it happened.
    // Numbered too ("1. 端口耗尽(Port Exhaustion)"), or naming what is done about it ("Full-connection queue overflow detection").
    // A word never holds the separators between words, so each split is tried once; and a heading is short: only
    // sentences of up to 100 characters are tried.
    [GeneratedRegex(@"^[\s#*>=-]*(?:\d{1,2}[.)、]\s*)?(?:[^\s.!?。:：\-‑]{1,30}[ \-‑]){0,3}[^\s.!?。:：\-‑(]{0,30}\(?(?:exhaustion|starvation|depletion|overflows?)\)?(?:\s+(?:detection|monitoring|handling|prevention|troubleshooting|tuning|alerts?|checks?))?[\s*:=-]*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex HeadingRegex();

    // A supposition, a rule of thumb or a precaution before the phrase ("when the accept queue is full, the kernel
    // drops ...", "to avoid a full conntrack table"). "may" alone is left out: it is also a month in a timestamp; "may",
    // "can", "could" or "would" before a verb ("You may also run out of TCP ephemeral ports") is a possibility.
    [GeneratedRegex(@"\b(?:if|when|whenever|unless|in\s+case|avoid\w*|prevent\w*|whether|maybe|perhaps|possibl[ey]|might|suspect\w*|guess\w*|wonder\w*|think|assum\w+|seems?|resembl\w+|probably|likely|unsure|not sure)\b" +
                    @"|\b(?:may|can|could|would)\s+(?:(?:also|well|even|easily|quickly|eventually|soon)\s+)?(?:(?:run|be|hit|get|exhaust|fill|overflow|reach|cause|see|start|become|lead)\b|$)|怀疑|可能|かもしれ" +
                    // A purpose clause opening the sentence: "To reduce port exhaustion, try one of the following solutions."
                    @"|^\W*to\s+(?:reduce|mitigate|fix|resolve|solve|address|minimi[sz]e|diagnose|troubleshoot|detect|identify|work\s+around)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SuppositionRegex();

    [GeneratedRegex(@"(?<![\w.,])0\s+$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ZeroCountRegex();

    // An entity that HTML does not have (an underscore in its name), printf's conversions, ${var} and {{ var }}.
    [GeneratedRegex(@"&[a-z]+_[a-z_]+;|(?<![%\w])%(?:l?[du]|s|lu|zu)\b|\$\{\w+\}|\{\{\s*\w+\s*\}\}", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PlaceholderRegex();
    [GeneratedRegex(@"\b(?:like|such\s+as|e\.g\.,?|for\s+(?:example|instance),?)\s*[`'""\u201c\u2018]?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ExampleBeforeRegex();
    [GeneratedRegex(@"^[\s\u201d""'`)）]{0,3}(?:时(?![间有常])|的时候|時(?![間々])|的時候|とき|場合)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex CjkWhenAfterRegex();

    [GeneratedRegex(@"\bonce\s+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OnceBeforeRegex();
    [GeneratedRegex(@"\b(?:is|are|gets?|becomes?|runs?|hits?|reach(?:es)?|fills?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PresentTenseRegex();

    // A denial next to the phrase.
    [GeneratedRegex(@"\b(?:no|not|never|without|nor|none|zero|0\s+times)\b|n't\b|没有|不是|ない",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex NegationRegex();

    // "... are all 0", "... stayed at zero" right after the phrase.
    [GeneratedRegex(@"^\W*(?:\w+\W+){0,5}?(?:is|are|was|were|stays?|stayed|remains?|remained)\s+(?:all\s+|still\s+|at\s+)*(?:0|zero|none)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AtZeroRegex();

    // A counter said to go up: "keeps increasing", "grows", "is rising", "climbs", "skyrocketed", "went up", "spikes".
    private const string Rising = @"(?:increas\w*|grow\w*|ris(?:es|ing)|rose|climb\w*|going up|goes up|went up|skyrocket\w*|soar\w*|spik(?:es|ed|ing)|jump(?:s|ed|ing)?|shot up|explod\w*)\b";

    // "listen overflows", "ListenOverflows keeps increasing", "the listen queue (of the socket) overflows / is full / fills
    // up", "the accept queue was full", "full accept queue", "full-connection (accept) queue overflow" (the Chinese
    // name 全连接队列, and its own words), "many TCPListenOverflow" in a monitor's spelling.
    [GeneratedRegex(@"\blisten[ -]overflows?\b|\bListenOverflows\b.{0,40}?\b(?:keeps?\b|" + Rising + ")" +
                    // Said to rise in Japanese, Chinese or Korean, where no word boundary separates the counter from the
                    // particle after it ("ListenOverflowsやListenDropsの値が増加しています").
                    @"|(?<![A-Za-z])ListenOverflows(?![a-z]).{0,40}?(?:増加|増え|增加|增长|上涨|上升|증가)" +
                    @"|\b(?:seeing|see|saw|seen|reported|observed|noticed|hitting|getting|got|lots\s+of|many)\W{1,3}(?:TcpExt[._]?)?(?:TCP_?)?Listen_?Overflows?\b" +
                    // A monitor's name for it ("有很多 TCPLISTENOVERFLOW 的报错": many of them).
                    @"|(?:很多|大量|许多|不少)\s*(?:的\s*)?(?:TcpExt[._]?)?(?:TCP_?)?Listen_?Overflows?\b" +
                    @"|\bRecv-Q\s*(?:>|≥|>=|exceeds|is\s+(?:above|greater\s+than|larger\s+than|bigger\s+than))\s*(?:the\s+)?Send-Q\b" +
                    @"|\blisten(?:ing)?[ -]?(?:queue|backlog)s?\b.{0,60}?\b(?:overflow(?:s|ed|ing)?|full|filled|fill(?:s|ing)?\s+up)\b" +
                    @"|\b(?:accept|full[‑ -]connection)[ -]?(?:\(accept\)\s+)?(?:queue|backlog)s?\b.{0,40}?\b(?:overflow(?:s|ed|ing)?|full|filled)\b" +
                    @"|\b(?:full|overflow(?:ed|ing)?)\s+accept[ -]?queues?\b" +
                    @"|(?:全连接队列|accept\s*队列).{0,10}(?:溢出|满)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ListenOverflowRegex();

    // "ran out of (ephemeral / local / source) ports", "ephemeral port exhaustion", "port exhaustion", "exhausted the
    // ephemeral ports", "local ports were used up", 端口耗尽, ポート枯渇.
    [GeneratedRegex(@"\b(?:ran|run|running|runs)\s+out\s+of\s+(?:(?:free|available|the|all|local|ephemeral|source|src|client|outgoing|outbound|tcp)\s+){0,3}ports\b" +
                    @"|\bexhaustion\s+of\s+(?:the\s+)?(?:(?:ephemeral|local|source|src|client|tcp)\s+)?ports\b" +
                    @"|\b(?:(?:ephemeral|local|source|client|outbound|outgoing)[ -])?ports?\s+(?:exhaustion|starvation|depletion)\b" +
                    @"|\bexhaust(?:ed|ing|s)?\s+(?:[\w'’]+\s+){0,3}?(?:ephemeral|local|source|client)\s+ports?\b" +
                    @"|\b(?:ephemeral|local|source|client)\s+ports?\s+(?:are|were|got|get|being|have\s+been|had\s+been)\s+(?:all\s+)?(?:exhausted|used\s+up|depleted)\b" +
                    @"|\bno\s+(?:more\s+)?(?:free|available)\s+(?:local\s+|ephemeral\s+|source\s+)?ports?\s+(?:left|for\s+new\s+connections)\b" +
                    @"|\bno\s+(?:more\s+)?(?:free\s+|available\s+)?(?:local|ephemeral|source)\s+ports?\s+(?:left|available|free)\b" +
                    @"|端口(?:被|已|已经|都)?(?:耗尽|用尽|用完|不够用)|(?:没办法|无法|不能)(?:绑定|分配)(?:本地)?端口|ポート(?:が)?枯渇",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PortsExhaustedRegex();

    // A log record's level tag ("WARNING:", "[ERR]", "<error>") or a leading epoch or clock stamp ("[1695291108.983013]").
    [GeneratedRegex(@"^\W{0,3}(?:\[?\d{9,10}(?:\.\d+)?\]?\s|\d{2}:\d{2}:\d{2})|(?:^|\s|\[|<)(?:ERR|ERROR|WARN|WARNING|CRIT|NOTICE|INFO|DEBUG|FATAL)(?:\]|>|:)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LogRecordRegex();
    [GeneratedRegex(@"\b(?:ephemeral|local|source|client|outgoing|outbound)\s+ports?\b|ip_local_port_range", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex EphemeralWordRegex();

    [GeneratedRegex(@"\bRecv-Q\s+(?:is|are|was|were|at|of|=|:)\s+(?<n>\d{2,6})\b(?![.,]\d)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex RecvQNumberRegex();

    [GeneratedRegex(@"\bS?NAT\b|\bload[ -]?balancer|\bgateway\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SnatRegex();

    // "ran out of file descriptors / file handles", RabbitMQ's "file descriptor limit alarm set" (its fd use reached
    // the process's limit). Not "fd exhaustion" alone: pages name it as a thing to rule out as often as a thing that happened.
    // And "reached the max open files limit", "hit its file descriptor limit", "quickly hits `ulimit -n`".
    [GeneratedRegex(@"\b(?:ran|run|running|runs)\s+out\s+of\s+(?:file\s+descriptors|file\s+handles|fds)\b|\bfile\s+descriptor\s+limit\s+alarm\s+set\b" +
                    // The limit named before or after the word ("after reaching the limit of open files").
                    @"|\b(?:reached|reaches|reaching|hit|hits|hitting)\s+(?:the|its|their|our|my|his|her)\s+(?:max(?:imum)?\s+)?" +
                    @"(?:(?:open[- ]files?|file[- ]descriptors?|fds?|nofile)\s+limit\b|limit\s+(?:of|on)\s+(?:open\s+files|(?:open\s+)?file\s+descriptors|fds)\b)" +
                    @"|\b(?:reached|reaches|hit|hits|hitting)\s+(?:the\s+)?[`'""]?ulimit\s+-n\b" +
                    // The descriptors the subject, the limit after ("the number of open file descriptors held by the java
                    // process kept hitting default limit").
                    @"|\b(?:file\s+descriptors|file\s+handles|fds|open\s+files)\b[^.;!?]{0,60}?\b(?:kept\s+)?(?:reached|reaching|hit|hitting)\s+(?:the\s+|its\s+|their\s+)?(?:default\s+|max(?:imum)?\s+|hard\s+|soft\s+)?limit\b" +
                    // The limit the subject, reached in the passive ("the file descriptor (FD) limit of Fluent Bit was reached").
                    @"|\b(?:file[- ]descriptors?|fds?|open[- ]files?|nofile)\s+(?:\(\w{1,10}\)\s+)?limit\b[^.;!?]{0,40}?\b(?:was|were|is|got|gets|has\s+been|had\s+been)\s+(?:reached|hit|exceeded)\b" +
                    // Named as the cause of what was seen ("the following Panic was observed, triggered by exhaustion of available
                    // file descriptors"); a cause only supposed ("might be caused by") is not read, as for every phrase.
                    @"|\b(?:triggered\s+by|caused\s+by|due\s+to|because\s+of)\s+(?:the\s+)?(?:exhaustion\s+of\s+(?:the\s+)?(?:available\s+)?(?:file\s+descriptors|file\s+handles|fds)\b|(?:file[- ]descriptor|fd)\s+exhaustion\b)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex FdsExhaustedRegex();

    // The kernel's SYN-flood warning retold ("kernel detecting syn flood", "the kernel logs possible SYN flooding"), or its
    // cookies said to go out ("SYN cookies are being sent"): tcp_syn_flood_action() found a SYN queue full.
    [GeneratedRegex(@"\bkernel\s+(?:is\s+|was\s+|keeps\s+)?(?:detect(?:s|ed|ing)?|report(?:s|ed|ing)?|log(?:s|ged|ging)?|warn(?:s|ed|ing)?\s+(?:about|of))\s+(?:a\s+)?(?:possible\s+)?syn[ -]?flood(?:ing|s)?\b" +
                    @"|\bsyn[ -]?cookies\s+(?:are|were)\s+(?:being\s+)?sent\b" +
                    @"|\b(?:getting|seeing|saw|see|lots\s+of|a\s+lot\s+of|many)\s+(?:""|')?(?:possible\s+)?syn[ -]?flood(?:ing)?\b[^.;]{0,30}?\b(?:warnings?|messages?|alerts?|lines?|errors?)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SynFloodRegex();

    // "the OOM killer is called / was invoked / kicked in / killed dnsmasq", "killed by the (Linux) OOM killer", "the kernel
    // killed envoy due to out of memory".
    [GeneratedRegex(@"\boom[ -]?killer\s+(?:is\s+|was\s+|got\s+|gets\s+|has\s+|had\s+|then\s+)?(?:called|invoked|triggered|kick(?:s|ed)?\s+in|kill(?:s|ed|ing)|terminated|fired|started|came)\b" +
                    // "the OOM killer has for some reason decided to kill .kwin_x11-wrapped".
                    @"|\boom[ -]?killer\s+(?:[\w']+\s+){0,5}?(?:decided|chose|opted|went\s+on|proceeded|started|began)\s+(?:to\s+)?kill(?:ing)?\b|\b(?:killed|whacked|shot|reaped|nuked|terminated|taken\s+out)\s+by\s+(?:the\s+)?(?:(?:linux|kernel)'?s?\s+)?oom(?:[ -]?killer)?\b" +
                    // The kernel's kill line retold with a part left out ("`Out of memory: Killed ... task=cc1plus`"); the whole
                    // line ("Killed process N") is the kernel-log reader's.
                    @"|\bOut\s+of\s+memory:\s+Kill(?:ed)?\b(?!\s+process\b)" +
                    // "looks like OOM killed a few python items recently": OOM as the killer's name.
                    @"|\boom\s+(?:has\s+|had\s+)?killed\b" +
                    // "the kernel killed envoy due to out of memory".
                    @"|\bkernel\s+(?:killed|kills|killing)\b[^.;]{0,40}?\b(?:due\s+to|because\s+of|for\s+being)\s+(?:\w+\s+)?(?:out[- ]of[- ]memory|OOM)\b" +
                    @"|(?:触发|引发)了?\s*oom[ -]?killer|oom[ -]?killer.{0,15}?(?:杀死|杀掉|kill\s*掉|干掉)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OomKillRegex();

    // "the conntrack table is full / fills up / overflows", "a full conntrack table", conntrack 表满, and the kernel's
    // line as a translation renders it in Japanese ("nf_conntrack:テーブルがいっぱいです").
    // The verb may stand a few words after the table ("the conntrack table on a node hosting its pods gets completely
    // overflown").
    [GeneratedRegex(@"\b(?:nf_)?conntrack(?:ion)?\s+(?:table|entries)\b[^.;:]{0,60}?\b(?:full|filled|fill(?:s|ed|ing)\s+up|overflow(?:s|ed|ing|n)?|exhausted)\b" +
                    @"|\bfill(?:s|ed|ing)?\s+(?:up\s+)?(?:the\s+)?(?:nf_)?conntrack\s+table\b" +
                    @"|\b(?:nf_)?conntrack\s+(?:is\s+|was\s+|gets\s+|got\s+)(?:full|overflow(?:s|ed|ing|n)?|exhausted)\b" +
                    // The kernel's words quoted in a sentence ("Lots of "nf_conntrack: table full, dropping packet" messages").
                    @"|\b(?:lots\s+of|a\s+lot\s+of|tons\s+of|many|thousands\s+of|hundreds\s+of|floods?\s+of|full\s+of|seeing|saw|seen|getting|got)\W{1,3}(?:nf|ip)_conntrack:\s+table\s+full\b" +
                    @"|\bfull\s+(?:nf_)?conntrack\s+table\b|conntrack\s*表.{0,4}满|conntrack\s*[:：]?\s*(?:の)?テーブル.{0,4}(?:いっぱい|満杯|フル)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ConntrackFullRegex();

    // Drops of a UDP socket as the operator read them: the drops column of /proc/net/udp (sk_drops: datagrams refused
    // entering its receive queue, __udp_enqueue_schedule_skb()), RcvbufErrors said to rise, "receive buffer errors".
    // Not "UDP packet loss" alone: that is as often the network's.
    [GeneratedRegex(@"\bdrops?\b[^.;:]{0,40}?(?:reported\s+)?(?:in|via|from|by|of|on)\s+[`'""]?/proc/net/udp6?\b" +
                    // "/proc/net/udp6 reports several hundred to ~1800 `drops` on the client socket".
                    @"|/proc/net/udp6?[`'""]?\s+(?:shows?|showed|reports?|reported|lists?)\s+(?:[\w~,.+-]+\s+){0,5}?[`'""]?drops\b" +
                    @"|\b(?:Udp)?RcvbufErrors\b.{0,40}?\b(?:keeps?\b|" + Rising + ")" +
                    @"|\b(?:seeing|see|saw|seen|reported|observed|noticed|getting|got|having|had|lots\s+of|a\s+lot\s+of|tons\s+of|many)\W{1,3}(?:Udp)?RcvbufErrors\b" +
                    @"|\bUDP\s+(?:socket\s+)?receive[- ]buffer\s+(?:errors?|drops?)\b" +
                    // The loss named by its counter: "UDP packet loss (RcvBufErrors)".
                    @"|\bUDP\s+(?:packet\s+|datagram\s+)?(?:loss|drops?)\s*\(\s*(?:Udp_?)?RcvbufErrors\s*\)" +
                    // A rise written as a delta: "RcvbufErrors +4,655".
                    @"|\b(?:Udp_?)?RcvbufErrors\s*[:=]?\s*\+\s*[1-9][\d,]*" +
                    // "growth of the host-level `Udp_RcvbufErrors` counter".
                    @"|\b(?:growth|increase|rise|spike|climb)\s+(?:of|in)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}\W?(?:Udp_?)?RcvbufErrors\b" +
                    // A count of the counter itself: "the sockets accumulated 3,205 `UdpRcvbufErrors`".
                    @"|(?<![\w,.])(?!0\b)\d[\d,.]*\**\s+[`'""]?(?:Udp_?)?RcvbufErrors\b" +
                    // A count of them: "this rig logged **1,247,924** receive-buffer errors".
                    @"|(?<![\w,.])(?!0\b)\d[\d,.]*\**\s+(?:UDP\s+)?receive[- ]buffer\s+errors\b" +
                    // "more than 40,000 "receive buffer errors"" in any language: a number, a word or two, the quoted counter.
                    @"|(?<![\w,.])(?!0\b)\d[\d,.]*(?:'\w+)?\s+(?:\w+\s+){1,2}[""“]\s*(?:UDP\s+)?receive[- ]buffer\s+errors\b" +
                    // netstat -s's "receive buffer errors" said to rise: "the "receive buffer errors" does increase".
                    @"|\breceive[- ]buffer\s+errors\b[""”]?.{0,20}?\b(?:keeps?\b|" + Rising + ")" +
                    // "多くの UDP "packet receive errors"": many of them, in Japanese, Chinese or Korean.
                    @"|(?:多くの|多数の|大量の?|很多|许多|不少|많은)\s*(?:UDP\s*)?\W{0,3}(?:UDP\s+)?packet\s+receive\s+errors\b" +
                    // A title that says they keep coming: "UDP Packet Receive errors continously".
                    @"|\bUDP\s+packet\s+receive\s+errors\s+(?:contin\w*|constantly|all\s+the\s+time|keep\w*|non[- ]?stop)\b" +
                    // netstat -su's "packet receive errors" said to be caused or seen in numbers.
                    @"|\b(?:creates?|causes?|caused|causing|produces?|seeing|getting|having|lots\s+of|a\s+lot\s+of|many|thousands\s+of|millions\s+of)\W{1,3}(?:UDP\s+)?packet\s+receive\s+errors\b" +
                    // "the kernel drops UDP packets at the receive queue".
                    @"|\bdrop(?:s|ped|ping)?\s+(?:the\s+)?UDP\s+(?:packets|datagrams)\s+(?:at|in)\s+(?:the\s+)?(?:socket(?:'s)?\s+)?receive\s+(?:queue|buffer)\b" +
                    // A rate of drops read off netstat -su: "From the numbers I'm seeing in `netstat -suna 1` I'm dropping
                    // roughly 198 UDP packets/s".
                    @"|\bnetstat\s+-(?:su|us)\w*\b.{0,80}?\bdrop(?:s|ped|ping)\s+(?:roughly\s+|about\s+|around\s+|~\s*)?[1-9][\d,.]*\s+(?:UDP\s+)?(?:packets|datagrams)\b" +
                    // netstat -su's "packet receive errors" (Udp InErrors) said to climb, with the command named.
                    @"|\bnetstat\s+-(?:us|su)\b.{0,60}?\breceive\s+errors\b.{0,40}?\b" + Rising,
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex UdpReceiveDropsRegex();

    // "I set vm.overcommit_memory to 2", "with `vm.overcommit_memory` set to the value `2`", "mit sysctl vm.overcommit_memory = 2".
    [GeneratedRegex(@"\bset\s+(?:the\s+)?[`'""]?(?:vm\.)?overcommit_memory[`'""]?\s+(?:to|=)\s*[`'""]?2\b" +
                    @"|\b(?:vm\.)?overcommit_memory[`'""]?\s*(?:(?:is|was|has\s+been|had\s+been)\s+)?(?:set\s+)?(?:to\s+(?:the\s+value\s+)?|=\s*|:\s*)[`'""]?2\b(?![.\d])",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex StrictOvercommitRegex();

    // Advice or a plan rather than the host's setting: "add", "should", "recommend", "consider", a sentence that opens
    // with the imperative "Set".
    [GeneratedRegex(@"\b(?:add|should|must|recommend\w*|consider|suggest\w*|advis\w+|try|need\s+to|want\s+to|plan\w*|will)\b|^\s*(?:[-*]\s*)?set\b|建议|推荐|すすめ|推奨",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AdviceRegex();
}
