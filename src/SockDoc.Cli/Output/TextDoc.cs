using System.Text;

namespace SockDoc.Cli.Output;

/// <summary>How a piece of text looks on a terminal; piped output drops every style.</summary>
public enum Tone
{
    Plain,
    Bold,
    Dim,
    Ok,
    Info,
    Warning,
    Critical,
    Command,
}

/// <summary>
/// Text laid out for an operator who pastes and greps it (README "Conventions"): prose wraps at the width, only at
/// spaces, never inside `a backquoted command`, a path or a number, and never between a number and its unit;
/// verbatim lines (commands, file lines) are never wrapped, however long. No box drawing: the same text on a terminal
/// (with colour) and in a pipe (without).
/// </summary>
public sealed class TextDoc
{
    private abstract record Block;
    private sealed record ProseBlock(string Text, int Indent, int Hanging, Tone Tone) : Block;
    private sealed record VerbatimBlock(string Text, int Indent, Tone Tone) : Block;
    private sealed record TableBlock(string[] Headers, List<(string[] Cells, Tone Tone)> Rows, int Indent) : Block;

    private readonly List<Block> _blocks = [];

    /// <summary>A paragraph; wrapped lines after the first are indented by hanging more.</summary>
    public TextDoc Prose(string text, int indent = 0, Tone tone = Tone.Plain, int hanging = 0)
    {
        _blocks.Add(new ProseBlock(text, indent, hanging, tone));
        return this;
    }

    /// <summary>A line that must come out whole: a command, a file line. Several lines (\n) stay several lines.</summary>
    public TextDoc Verbatim(string text, int indent = 0, Tone tone = Tone.Command)
    {
        foreach (var line in text.Split('\n')) _blocks.Add(new VerbatimBlock(line, indent, tone));
        return this;
    }

    public TextDoc Heading(string text) => Prose(text, 0, Tone.Bold);

    public TextDoc Blank()
    {
        _blocks.Add(new VerbatimBlock("", 0, Tone.Plain));
        return this;
    }

    /// <summary>Aligned columns; every cell but the last is kept whole, the last wraps as prose under itself.</summary>
    public TextDoc Table(string[] headers, IEnumerable<(string[] Cells, Tone Tone)> rows, int indent = 0)
    {
        _blocks.Add(new TableBlock(headers, [.. rows], indent));
        return this;
    }

    /// <summary>The text: wrapped at width (null: never wrap, as in a pipe without COLUMNS), with ANSI colour when asked.</summary>
    public string Render(int? width, bool color)
    {
        var sb = new StringBuilder();
        foreach (var (text, tone, indent) in Lines(width)) Line(sb, text, tone, color, indent);
        return sb.ToString();
    }

    /// <summary>The laid-out lines with their tone; indent is where the styled part of the line starts.</summary>
    public IEnumerable<(string Text, Tone Tone, int Indent)> Lines(int? width)
    {
        foreach (var b in _blocks)
        {
            switch (b)
            {
                case VerbatimBlock v:
                    yield return (new string(' ', v.Indent) + v.Text, v.Text.Length == 0 ? Tone.Plain : v.Tone, v.Indent);
                    break;
                case ProseBlock p:
                    var first = true;
                    foreach (var line in Wrap(p.Text, width is { } w ? w - p.Indent : null, p.Hanging))
                    {
                        yield return (new string(' ', p.Indent) + line, p.Tone, p.Indent);
                        first = false;
                    }
                    if (first) yield return ("", Tone.Plain, 0);
                    break;
                case TableBlock t:
                    foreach (var l in TableLines(t, width)) yield return l;
                    break;
            }
        }
    }

    private static IEnumerable<(string, Tone, int)> TableLines(TableBlock t, int? width)
    {
        var n = t.Headers.Length;
        var widths = new int[n];
        for (int i = 0; i < n - 1; i++)
            widths[i] = Math.Max(t.Headers[i].Length, t.Rows.Count == 0 ? 0 : t.Rows.Max(r => i < r.Cells.Length ? r.Cells[i].Length : 0));
        var lead = t.Indent + widths.Take(n - 1).Sum() + 2 * (n - 1);
        var pad = new string(' ', t.Indent);
        string Join(string[] cells) => pad + string.Concat(cells.Take(n - 1).Select((c, i) => c.PadRight(widths[i]) + "  "));
        if (t.Headers.Any(h => h.Length > 0)) yield return ((Join(t.Headers) + t.Headers[^1]).TrimEnd(), Tone.Bold, 0);
        foreach (var (cells, tone) in t.Rows)
        {
            var last = cells.Length >= n ? cells[n - 1] : "";
            // The last column wraps under itself, unless it would get less than 24 columns: then it runs on.
            int? room = width is { } w && w - lead >= 24 ? w - lead : null;
            var lines = Wrap(last, room, 0).ToList();
            if (lines.Count == 0) lines.Add("");
            yield return ((Join(cells) + lines[0]).TrimEnd(), tone, 0);
            foreach (var more in lines.Skip(1)) yield return (new string(' ', lead) + more, Tone.Plain, 0);
        }
    }

    private static void Line(StringBuilder sb, string text, Tone tone, bool color, int indent)
    {
        if (!color || tone == Tone.Plain || text.Length == 0)
        {
            sb.Append(text).Append('\n');
            return;
        }
        var code = tone switch
        {
            Tone.Bold => "1",
            Tone.Dim => "90",
            Tone.Ok => "32",
            Tone.Info => "34",
            Tone.Warning => "33",
            Tone.Critical => "1;31",
            Tone.Command => "36",
            _ => "0",
        };
        sb.Append(text.AsSpan(0, indent)).Append("\u001b[").Append(code).Append('m').Append(text.AsSpan(indent)).Append("\u001b[0m\n");
    }

    /// <summary>
    /// Words of a paragraph joined into lines of at most width (a longer unbreakable word gets a line of its own).
    /// A `backquoted span` is one word; a number and the unit after it are one word.
    /// </summary>
    public static IEnumerable<string> Wrap(string text, int? width, int hanging)
    {
        foreach (var paragraph in text.Split('\n'))
        {
            // A line that fits is printed as written (its double spaces too).
            if (width is not { } w || w <= 0 || paragraph.Length + hanging <= w)
            {
                yield return paragraph;
                continue;
            }
            var words = Words(paragraph);
            var line = new StringBuilder();
            var firstLine = true;
            foreach (var word in words)
            {
                var limit = firstLine ? w : w - hanging;
                if (line.Length > 0 && line.Length + 1 + word.Length > limit)
                {
                    yield return (firstLine ? "" : new string(' ', hanging)) + line;
                    line.Clear();
                    firstLine = false;
                }
                if (line.Length > 0) line.Append(' ');
                line.Append(word);
            }
            if (line.Length > 0 || firstLine) yield return (firstLine ? "" : new string(' ', hanging)) + line;
        }
    }

    private static readonly HashSet<string> UnitWords = new(StringComparer.Ordinal)
    {
        "B", "KiB", "MiB", "GiB", "TiB", "kB", "KB", "MB", "GB", "s", "ms", "min", "h", "d", "%", "/s", "pages", "entries",
    };

    private static List<string> Words(string paragraph)
    {
        var raw = new List<string>();
        var sb = new StringBuilder();
        var inCode = false;
        foreach (var ch in paragraph)
        {
            if (ch == '`') inCode = !inCode;
            if (ch == ' ' && !inCode)
            {
                if (sb.Length > 0) raw.Add(sb.ToString());
                sb.Clear();
                continue;
            }
            sb.Append(ch);
        }
        if (sb.Length > 0) raw.Add(sb.ToString());
        // Glue a unit to the number before it: "512 KiB" never splits.
        var words = new List<string>();
        foreach (var w in raw)
        {
            var bare = w.TrimEnd(',', '.', ';', ':', ')');
            if (words.Count > 0 && UnitWords.Contains(bare) && words[^1].Length > 0 && char.IsAsciiDigit(words[^1][^1]))
                words[^1] += " " + w;
            else
                words.Add(w);
        }
        return words;
    }
}
