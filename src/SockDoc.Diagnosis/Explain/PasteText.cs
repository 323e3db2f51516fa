using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain;

/// <summary>One line of a paste after the shell prompt and line number are taken off.</summary>
/// <param name="Number">1-based line number in the paste as given.</param>
/// <param name="Text">The content: indentation kept (netstat -s nests by it), prompt and line number removed.</param>
/// <param name="Command">The command typed after a shell prompt on this line, when the line was a prompt line.</param>
public sealed record PasteLine(int Number, string Text, string? Command);

/// <summary>
/// Turns pasted text into lines: tolerant of shell prompts (`$ `, `# `, `user@host:~$ `, `[root@h ~]# `),
/// of line numbers added by `cat -n`, `grep -n`, `nl` or an editor, and of CR LF endings.
/// </summary>
public static partial class PasteText
{
    /// <summary>Splits and cleans. Line numbers are stripped only when most lines carry consecutive numbers,
    /// so a bare value such as "65536" after `cat /proc/sys/...` is never mistaken for one.</summary>
    public static IReadOnlyList<PasteLine> Clean(IReadOnlyList<string> raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        bool numbered = LooksNumbered(raw);
        var result = new List<PasteLine>(raw.Count);
        for (int i = 0; i < raw.Count; i++)
        {
            var text = raw[i].TrimEnd('\r', '\n');
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
            }
            result.Add(new PasteLine(i + 1, text.Replace('\t', ' '), command));
        }
        return result;
    }

    public static IReadOnlyList<PasteLine> Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        if (lines.Length > 0 && lines[^1].Length == 0) lines = lines[..^1];
        return Clean(lines);
    }

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

    // "  12\t", "12:", "12|", "  12  " (cat -n, grep -n, nl, editors). Needs a separator after the digits.
    [GeneratedRegex(@"^\s*(?<n>\d{1,7})(?:[:|]\s?|\t| +)")]
    private static partial Regex LineNumberRegex();

    // "$ ", "# ", "~# ", "user@host:~/dir$ ", "[root@host ~]# ", "(venv) user@host$ ", and "#cat ..." typed with no
    // space after the prompt (common in tickets) when a known command follows.
    [GeneratedRegex(@"^\s*(?:(?:(?:\[[^\]\s]+@[^\]]+\]|[\w.\-]+@[\w.\-]+(?::[^\s$#]*)?|\(\w[\w\-]*\)\s*[\w.\-]+@[\w.\-]+(?::[^\s$#]*)?)\s?[$#%]|~?[$#])\s+(?=\S)|[$#](?=(?:sudo |cat |sysctl |ss |netstat |nstat |ulimit |free|grep |dmesg|journalctl |getconf |prlimit )))")]
    private static partial Regex PromptRegex();
}
