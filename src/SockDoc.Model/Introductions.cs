using System.Text.RegularExpressions;

namespace SockDoc.Model;

/// <summary>
/// How a paste's own words frame a log or error line it quotes: shared by the kernel-log classifier (Kernel) and the
/// application-error recognisers (Diagnosis), which do not reference each other.
/// </summary>
public static partial class Introductions
{
    /// <summary>The characters a quotation opens with: straight, back and typographic quotes.</summary>
    public static bool IsQuote(char c) => c is '\'' or '"' or '`' or '\u2018' or '\u201C';

    /// <summary>
    /// A line a text introduces, on the lines just above it, as what one may see under a condition: the introduction
    /// ends in a colon, or the line opens with a quote that continues its sentence ("If you have a lot of clients ...
    /// you may see\n"kernel: Possible SYN flooding on port 5671" in the syslog.", "如果降低这个值，...系统日志中可能出现如下
    /// 记录：\n# kernel: TCP: time wait bucket table overflow", "If a process exceeds it, you may see:\nToo many open files").
    /// An example, not the line. A report that says "you might see the following in kernel logs:" without a condition
    /// shows the lines it saw.
    /// </summary>
    /// <param name="introduction">The lines right above the line (no blank line between), joined, last one last.</param>
    public static bool AsPossible(string introduction, string line)
    {
        ArgumentNullException.ThrowIfNull(introduction);
        ArgumentNullException.ThrowIfNull(line);
        var p = introduction.TrimEnd();
        var l = line.TrimStart(' ', '\t', '#', '>', '*', '-');
        // A heading that names what follows as samples ("Typical Error Messages") introduces it too.
        if (ExampleHeadingRegex().IsMatch(p)) return true;
        bool introduces = p.EndsWith(':') || p.EndsWith('：') || (l.Length > 0 && IsQuote(l[0]) && p.Length > 0 && !".!?".Contains(p[^1], StringComparison.Ordinal));
        if (!introduces) return false;
        // The sentence that ends in the introduction: after the last sentence end before it ("eg. after" is no end: a
        // sentence starts with a capital).
        int start = 0;
        for (int k = p.Length - 2; k >= 0; k--)
        {
            if (p[k] == '。') { start = k + 1; break; }
            if (p[k] is not ('.' or '!' or '?')) continue;
            int n = k + 1;
            while (n < p.Length && p[n] == ' ') n++;
            if (n > k + 1 && n < p.Length && char.IsUpper(p[n])) { start = n; break; }
        }
        var sentence = p[start..];
        if (PossibleRegex().IsMatch(sentence) && ConditionRegex().IsMatch(sentence)) return true;
        // A sample by no one in particular ("A typical OOM kill log entry looks like:", "For example:", "If you encounter
        // the following error:"): an example, unless the sentence is the poster's own ("the error in our log looks like:").
        return (ExampleRegex().IsMatch(sentence) || YouEncounterRegex().IsMatch(sentence)) && !FirstPersonRegex().IsMatch(sentence);
    }

    [GeneratedRegex(@"(?i)\b(?:typical|sample|example|common|usual)\b.{0,80}\b(?:looks?|reads?|would\s+look)\s+(?:something\s+)?like\b|\b(?:for\s+(?:example|instance)|e\.g\.)\s*[:：,]?\s*$|典型的な|典型|例如|比如|例えば", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ExampleRegex();

    [GeneratedRegex(@"(?i)(?:^|\s)(?:typical|common|sample|example|usual)\s+(?:error\s+)?(?:messages?|errors?|outputs?|log(?:\s+(?:entries|lines|messages))?)\s*[:：]?$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ExampleHeadingRegex();

    [GeneratedRegex(@"(?i)\bif\s+you\s+(?:ever\s+)?(?:encounter|see|get|hit|run\s+into|are\s+getting|are\s+seeing|receive|notice)\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex YouEncounterRegex();

    /// <summary>Whether the text speaks in the first person ("I", "we", "our", 我们, 私): a report of one's own.</summary>
    public static bool InFirstPerson(ReadOnlySpan<char> text) => FirstPersonRegex().IsMatch(text);

    // Case kept for "us" and "me": "US" and "ME" are names.
    [GeneratedRegex(@"\bI\b|\b(?:[Ww]e|[Mm]y|[Oo]ur|[Mm]e|[Uu]s)\b|我们|我的|私|僕", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex FirstPersonRegex();

    [GeneratedRegex(@"(?i)\b(?:you|one|it|users?)\s+(?:may|might|could)\s+(?:also\s+|then\s+)?(?:see|get|notice|find|encounter|observe)\b|\b(?:may|might|could)\s+(?:also\s+)?(?:appear|show\s+up|be\s+(?:logged|printed|seen))\b|可能|かもしれ", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PossibleRegex();

    [GeneratedRegex(@"(?i)\b(?:if|unless|when(?:ever)?)\b|如果|假如|若|もし|場合", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ConditionRegex();
}
