using System.Globalization;
using System.Net;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Explain;

/// <summary>One line of a paste after the damage of copying is undone and the shell prompt, line number and timestamp are taken off.</summary>
/// <param name="Number">1-based line number in the paste as given.</param>
/// <param name="Text">The content: indentation kept (netstat -s nests by it); prompt, line number, quote marker and log timestamp removed.</param>
/// <param name="Command">The command typed after a shell prompt on this line, when the line was a prompt line.</param>
public sealed record PasteLine(int Number, string Text, string? Command)
{
    /// <summary>The line with its log timestamp still on (what the kernel-log classifier reads); Text when it had none.</summary>
    [JsonIgnore]
    public string? Stamped { get; init; }
    /// <summary>Wall time of the line's log timestamp, when it had one the kernel-log engine knows.</summary>
    public DateTimeOffset? Wall { get; init; }
    /// <summary>Seconds since boot of a dmesg-style "[  123.456]" stamp.</summary>
    public double? Uptime { get; init; }

    [JsonIgnore]
    public string WithStamp => Stamped ?? Text;

    /// <summary>The text cut to <see cref="ScanLimit"/> characters: what recognisers match, so a huge line cannot make a regex slow.</summary>
    [JsonIgnore]
    public string Scanned => Text.Length > ScanLimit ? Text[..ScanLimit] : Text;

    public const int ScanLimit = 4096;
}

/// <summary>A log timestamp found at the head of a line: its times and the message after it.</summary>
public sealed record PasteStamp(DateTimeOffset? Wall, double? Uptime, string Message);

/// <summary>
/// Turns pasted text into lines, tolerant of what copying does to it: CR LF endings, HTML entities (&amp;lt; &amp;gt;
/// &amp;amp; from a web page), markdown quote markers ("&gt; "), code fences, line numbers added by `cat -n`, `grep -n`,
/// `nl` or an editor, shell prompts (`$ `, `# `, `user@host:~$ `, `[root@h ~]# `), and log timestamps in any form
/// the kernel-log engine knows (given as <c>stamp</c> by the caller, since Diagnosis does not reference Kernel).
/// </summary>
public static partial class PasteText
{
    /// <summary>
    /// Whether the paste is an article on a remedy: its first line a title that fixes, resolves or explains something
    /// ("Fixing 'accept4: too many open files' in High-Concurrency Go Servers", "How to fix ...", "Understanding ..."),
    /// and nothing in its first 300 lines in the first person (the writer's own incident: "we saw", "my server") nor a
    /// command run after a prompt.
    /// Its errors and kernel lines are examples written for the reader.
    /// </summary>
    public static bool IsRemedyArticle(IReadOnlyList<PasteLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var first = lines.FirstOrDefault(l => l.Text.Trim().Length > 0);
        if (first is null || first.Text.Trim().Length > 140 || !RemedyTitleRegex().IsMatch(first.Text)) return false;
        // A terminal session (a command after a prompt) was run on someone's machine: the incident is theirs.
        return !lines.Take(300).Any(l => l.Command is not null || Introductions.InFirstPerson(l.Scanned));
    }

    [GeneratedRegex(@"^(?:bash|sh|shell|console|text|plaintext|log|output|terminal)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CodeLanguageRegex();
    // A title's verb followed by a space: a commit's "fix(net): ..." or "fix: ..." reports the incident it mends.
    [GeneratedRegex(@"^\W*(?:how\s+to\s+(?:fix|resolve|solve|troubleshoot|avoid|prevent|handle|debug|diagnose)|fix(?:ing)?|resolv(?:e|ing)|solv(?:e|ing)|troubleshoot(?:ing)?|understanding|dealing\s+with|diagnos(?:e|ing)|guide\s+to|solutions?\s+(?:for|to))\s", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex RemedyTitleRegex();

    /// <summary>
    /// Whether line i is a line of a unified diff's hunk (below an "@@ -a,b +c,d @@" header, every line between starting
    /// with '+', '-', ' ' or '\'): the content of a file being changed (a docs page, a config), not a program's output.
    /// </summary>
    public static bool InDiffHunk(IReadOnlyList<PasteLine> lines, int i)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines[i].Text.Length == 0 || lines[i].Text[0] is not ('+' or '-' or ' ')) return false;
        for (int k = i - 1; k >= 0 && k >= i - 300; k--)
        {
            var t = lines[k].Text;
            if (t.StartsWith("@@ -", StringComparison.Ordinal) && t.IndexOf(" @@", 4, StringComparison.Ordinal) > 0) return true;
            if (t.Length > 0 && t[0] is not ('+' or '-' or ' ' or '\\')) return false;
        }
        return false;
    }

    /// <summary>Up to three lines right above line <paramref name="i"/>, with no blank line or command between, joined.</summary>
    public static string Introduction(IReadOnlyList<PasteLine> lines, int i)
    {
        var parts = new List<string>();
        int top = i - 1;
        // A code block's language name left above it by a page's rendering ("bash", "console"), and the blank lines over
        // it: the introduction is above those.
        if (top >= 0 && CodeLanguageRegex().IsMatch(lines[top].Text.Trim()))
        {
            top--;
            for (int gap = 0; gap < 2 && top >= 0 && lines[top].Text.Trim().Length == 0; gap++) top--;
        }
        for (int k = top; k >= 0 && k >= top - 2 && lines[k].Command is null && lines[k].Text.Trim().Length > 0; k--)
            parts.Insert(0, lines[k].WithStamp.Trim());
        return string.Join(' ', parts);
    }

    /// <summary>Splits and cleans. Line numbers are stripped only when most lines carry consecutive numbers,
    /// so a bare value such as "65536" after `cat /proc/sys/...` is never mistaken for one.</summary>
    public static IReadOnlyList<PasteLine> Clean(IReadOnlyList<string> raw, Func<string, PasteStamp?>? stamp = null)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var undamaged = raw.Select(Undamage).ToList();
        // A page that rendered each line as a list item ("- Jul 13 07:34:01 host kernel: ..." in a stored pastebin copy):
        // the marker goes when nearly every line has it, so a lone "- " in a paste stays.
        if (LooksListed(undamaged)) undamaged = undamaged.Select(l => ListMarkerRegex().Match(l) is { Success: true } m ? l[m.Length..] : l).ToList();
        bool numbered = LooksNumbered(undamaged);
        var result = new List<PasteLine>(undamaged.Count);
        for (int i = 0; i < undamaged.Count; i++)
        {
            var text = undamaged[i];
            if (numbered)
            {
                var m = LineNumberRegex().Match(text);
                if (m.Success) text = text[m.Length..];
            }
            string? command = null;
            var p = PromptRegex().Match(text);
            if (p.Success)
            {
                command = text[p.Length..].Trim();
                text = command;
                // A bare "# " or "$ " before words that no command starts with ("# TCP: request_sock_TCP: Possible SYN
                // flooding ...", "# Too many open files") is a markdown heading or a marker: the words are the line.
                if (p.Value.Trim().TrimStart('~').Length == 1 && !CommandWordRegex().IsMatch(command)) command = null;
            }
            // Trailing blanks after the number is gone ("    50\t" of an empty numbered line is empty, not "    50").
            text = text.Replace('\t', ' ').TrimEnd(' ', '\u00a0');
            var line = new PasteLine(i + 1, text, command);
            if (command is null && stamp is not null && text.Length is > 8 and < 4096 && stamp(text) is { } s && (s.Wall is not null || s.Uptime is not null))
                line = new PasteLine(i + 1, s.Message, null) { Stamped = text, Wall = s.Wall, Uptime = s.Uptime };
            result.Add(line);
        }
        return result;
    }

    public static IReadOnlyList<PasteLine> Clean(string text, Func<string, PasteStamp?>? stamp = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0) lines = lines[..^1];
        // A page that lost its newlines glues syslog's kernel lines to each other or to the command that printed them
        // ("$ tail -f /var/log/messages Jan 14 02:11:05 centos kernel: nf_conntrack: table full, ..."): each stamped
        // kernel line starts a line again. (Line numbers then count the split lines.)
        lines = SplitGlued(lines, l => GluedKernelLineRegex().IsMatch(l), GluedKernelLineRegex());
        // And dmesg's lines glued on one ("dmesg | grep oom [197352.008908] Out of memory: Kill process ... [197352.030461]
        // Killed process ..."): a line with two or more uptime stamps is split before each, except a stamp that follows
        // syslog's "kernel:" (its own message, not a second line).
        lines = SplitGlued(lines, l => DmesgStampRegex().Count(l) >= 2, GluedDmesgLineRegex());
        return Clean(lines, stamp);
    }

    /// <summary>Splits the lines that are <paramref name="glued"/> at each <paramref name="gap"/>; lines of 100,000 characters or more are left whole.</summary>
    private static string[] SplitGlued(string[] lines, Func<string, bool> glued, Regex gap) =>
        lines.Any(l => l.Length < 100_000 && glued(l))
            ? lines.SelectMany(l => l.Length < 100_000 && glued(l) ? gap.Split(l) : [l]).ToArray()
            : lines;

    /// <summary>What a web page, a chat or a markdown renderer did to the line: CR, entities, "&gt; " quotes, fences, trailing blanks.</summary>
    private static string Undamage(string line)
    {
        var t = line.TrimEnd('\r', '\n');
        if (t.Contains('&', StringComparison.Ordinal) && t.Contains(';', StringComparison.Ordinal)) t = WebUtility.HtmlDecode(t).Replace('\u00a0', ' ');
        var q = QuoteRegex().Match(t);
        if (q.Success) t = t[q.Length..];
        var f = t.TrimStart();
        if (f.StartsWith("```", StringComparison.Ordinal) || f.StartsWith("~~~", StringComparison.Ordinal))
        {
            // A fence line is dropped, with its info string ("```bash"); a line written inside one pair of fences
            // ("```accept4() failed (24: ...)```"), or pasted right after the opening fence, keeps its text.
            var rest = f.TrimStart('`', '~');
            if (rest.EndsWith("```", StringComparison.Ordinal) || rest.EndsWith("~~~", StringComparison.Ordinal)) rest = rest.TrimEnd('`', '~');
            rest = rest.Trim();
            return rest.Length == 0 || !rest.Contains(' ', StringComparison.Ordinal) ? "" : rest;
        }
        return t;
    }

    private static bool LooksListed(IReadOnlyList<string> raw)
    {
        int nonEmpty = 0, listed = 0;
        foreach (var line in raw)
        {
            if (line.Trim().Length == 0) continue;
            nonEmpty++;
            if (ListMarkerRegex().IsMatch(line)) listed++;
        }
        return nonEmpty >= 3 && listed >= nonEmpty * 0.9;
    }

    [GeneratedRegex(@"^\s*- ")]
    private static partial Regex ListMarkerRegex();

    private static bool LooksNumbered(IReadOnlyList<string> raw)
    {
        int nonEmpty = 0, withNumber = 0, consecutive = 0;
        long? previous = null;
        foreach (var line in raw)
        {
            if (line.Trim().Length == 0) continue;
            nonEmpty++;
            var m = LineNumberRegex().Match(line);
            if (!m.Success || !long.TryParse(m.Groups["n"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                previous = null;
                continue;
            }
            withNumber++;
            if (previous is { } p && n == p + 1) consecutive++;
            previous = n;
        }
        return nonEmpty >= 2 && withNumber >= nonEmpty * 0.8 && consecutive >= (withNumber - 1) * 0.7;
    }

    [GeneratedRegex(@"\[\s*\d{1,10}\.\d{6}\]", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex DmesgStampRegex();
    [GeneratedRegex(@"(?<=\S)(?<!kernel:)\s+(?=\[\s*\d{1,10}\.\d{6}\]\s)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex GluedDmesgLineRegex();

    // The gap before a syslog-stamped kernel line that does not start its line ("... Jan 14 02:11:05 centos kernel: ...").
    [GeneratedRegex(@"(?<=\S)\s+(?=(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s{1,2}\d{1,2}\s\d\d:\d\d:\d\d\s\S+\s+kernel:)", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex GluedKernelLineRegex();
    // "  12\t", "12:", "12|", "  12  " (cat -n, grep -n, nl, editors), "  12. " (pastebin's numbered copy). Needs a separator after the digits.
    [GeneratedRegex(@"^\s*(?<n>\d{1,7})(?:[:|]\s?|\.\s|\t| +|$)")]
    private static partial Regex LineNumberRegex();

    // Markdown block quotes, nested or not: "> ", ">> ", "> > ". A lone ">" line is an empty quoted line.
    [GeneratedRegex(@"^ {0,3}(?:> ?)+(?=\S|$)")]
    private static partial Regex QuoteRegex();

    // A command's first word: a name or path in lower case ("ss", "/usr/sbin/ss", "./run.sh", "sudo"), then a space or the end.
    [GeneratedRegex(@"^(?:[a-z0-9_.~/\-][a-z0-9_.~/+\-]*)(?:\s|$)")]
    private static partial Regex CommandWordRegex();

    // "$ ", "# ", "~# ", "user@host:~/dir$ ", "[root@host ~]# ", "(venv) user@host$ ", and "#cat ..." typed with no
    // space after the prompt (common in tickets) when a known command follows.
    [GeneratedRegex(@"^\s*(?:(?:(?:\[[^\]\s]+@[^\]]+\]|[\w.\-]+@[\w.\-]+(?::[^\s$#]*)?|\(\w[\w\-]*\)\s*[\w.\-]+@[\w.\-]+(?::[^\s$#]*)?)\s?[$#%]|~?[$#])\s+(?=\S)|[$#](?=(?:sudo |cat |sysctl |ss |netstat |nstat |ulimit |free|grep |egrep |dmesg|journalctl |getconf |prlimit )))")]
    private static partial Regex PromptRegex();
}
