using System.Text;
using SockDoc.Diagnosis.Explain;
using SockDoc.Kernel.KernelLog;
using SockDoc.Model;
using SockDoc.Model.KernelLog;

namespace SockDoc.Cli.Explain;

/// <summary>
/// The edge between a paste and the pure explainer: reads the bytes with limits, refuses binary,
/// and runs the kernel-log classifier (SockDoc.Kernel, which Diagnosis may not reference) over the lines.
/// </summary>
public static class PasteInput
{
    /// <summary>A paste bigger than this is not a paste: refused rather than read.</summary>
    public const int MaxBytes = 16 * 1024 * 1024;
    public const int MaxLines = 200_000;

    /// <summary>Reads a file's bytes as UTF-8 (invalid bytes become U+FFFD and count as non-text) with the same limits as stdin.</summary>
    public static (string? Text, string? Error) Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        return Read(reader, name);
    }

    public static (string? Text, string? Error) Decode(byte[] bytes, string name) => Read(new MemoryStream(bytes), name);

    /// <summary>Standard input arrives as text already: read it with the same limits.</summary>
    public static (string? Text, string? Error) Read(TextReader reader, string name)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var sb = new StringBuilder();
        var chunk = new char[81920];
        int n;
        while ((n = reader.Read(chunk, 0, chunk.Length)) > 0)
        {
            sb.Append(chunk, 0, n);
            if (sb.Length > MaxBytes) return (null, $"{name} is larger than {MaxBytes / (1024 * 1024)} MiB: paste the relevant part (the error, the kernel lines, the command outputs), not whole logs");
        }
        var text = sb.ToString();
        int nul = text.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0) return (null, $"{name} is binary (a NUL character at offset {nul}), expected pasted text");
        return Check(text, name);
    }

    private static (string? Text, string? Error) Check(string text, string name)
    {
        long control = 0, bad = 0, lines = 1;
        foreach (var c in text)
        {
            if (c == '\n') lines++;
            else if (c == '\uFFFD') bad++;
            else if (char.IsControl(c) && c is not ('\t' or '\r' or '\u001b' or '\f')) control++;
        }
        if (text.Length > 0 && (control + bad) * 10 > text.Length)
            return (null, $"{name} is mostly not text ({control + bad} of {text.Length} characters are control bytes or invalid UTF-8), expected pasted text");
        if (lines > MaxLines) return (null, $"{name} has more than {MaxLines:N0} lines: paste the relevant part, or use `sockdoc logs FILE` for whole logs");
        return (text, null);
    }

    /// <summary>
    /// Whether the first bytes of a file are binary, in the words `explain` uses: a NUL byte, or more than a tenth
    /// control bytes. Gzip (1f 8b) is not binary to `logs`, which reads it. Null when the bytes look like text.
    /// </summary>
    public static string? BinaryReason(ReadOnlySpan<byte> head, string name)
    {
        if (head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b) return null;
        int nul = head.IndexOf((byte)0);
        if (nul >= 0) return $"{name} is binary (a NUL byte at offset {nul}), expected text";
        long control = 0;
        foreach (var b in head)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x1b or (byte)'\f')) control++;
        }
        return head.Length > 0 && control * 10 > head.Length ? $"{name} is mostly not text ({control} of the first {head.Length} bytes are control bytes), expected text" : null;
    }

    /// <summary>The log timestamp at the head of a pasted line, in any form the kernel-log engine knows (LogLineHead).</summary>
    public static Func<string, PasteStamp?> Stamp(TimeProvider time)
    {
        var ctx = LogTimeContext.For(time);
        return line =>
        {
            var head = LogLineHead.Parse(line, ctx);
            if (head.Time.Form == LogTimeForm.None) return null;
            return new PasteStamp(head.Time.Wall, head.Time.Uptime, head.Message);
        };
    }

    /// <summary>The kernel lines of the paste: line number → kind, and their summary for the rules.</summary>
    public static (IReadOnlyDictionary<int, string> Lines, KernelLogSummary? Summary) KernelLog(IReadOnlyList<PasteLine> lines, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var ctx = LogTimeContext.For(time);
        var kinds = new Dictionary<int, string>();
        var kept = new StringBuilder();
        bool taskTableHeader = false;
        // An article on a remedy, written to the reader: its kernel lines are examples.
        if (PasteText.IsRemedyArticle(lines)) return (kinds, null);
        for (int i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Command is not null) continue;
            var text = KernelLogClassifier.Retyped(line.WithStamp);
            var classified = KernelLogClassifier.TryClassify(Encoding.UTF8.GetBytes(text), ctx);
            if (classified is null || KernelLogClassifier.QuotedAndDenied(text) || KernelLogClassifier.Supposed(text) || KernelLogClassifier.Mentioned(text)) continue;
            if (PasteText.InDiffHunk(lines, i)) continue;
            if (Introductions.AsPossible(PasteText.Introduction(lines, i), line.WithStamp)) continue;
            kinds[line.Number] = classified.Kind switch
            {
                LogLineKind.LookAlike when text.Contains("expectation table full", StringComparison.Ordinal) => "expectation",
                LogLineKind.LookAlike when text.Contains("conntrack", StringComparison.Ordinal) => "conntrack_lookalike",
                LogLineKind.LookAlike => "neighbour",
                LogLineKind.RateLimitNotice => "rate_limit_notice",
                _ => classified.Info.Kind,
            };
            kept.Append(text).Append('\n');
            taskTableHeader |= classified.Kind == LogLineKind.OomTaskDump;
        }
        var tables = taskTableHeader ? [] : TaskTables(lines, ctx, kinds);
        if (kinds.Count == 0) return (kinds, null);
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(kept.ToString()));
        var summary = KernelLogReader.ReadStream(stream, "pasted kernel log", ctx, tables);
        return (kinds, summary);
    }


    /// <summary>
    /// Runs of three or more rows of the OOM report's task table pasted without its header: each run is one table
    /// (KernelLogClassifier.IsOomTaskRow), its rows claimed as kernel lines. A paste that holds the header reads the table from it.
    /// </summary>
    private static List<KernelLogLine> TaskTables(IReadOnlyList<PasteLine> lines, LogTimeContext ctx, Dictionary<int, string> kinds)
    {
        var tables = new List<KernelLogLine>();
        int i = 0;
        while (i < lines.Count)
        {
            int end = i;
            while (end < lines.Count && lines[end].Command is null && KernelLogClassifier.IsOomTaskRow(lines[end].WithStamp, ctx)) end++;
            if (end - i >= 3)
            {
                tables.Add(KernelLogClassifier.OomTaskTable(lines[i].WithStamp, ctx));
                for (int k = i; k < end; k++) kinds[lines[k].Number] = "oom_kill";
            }
            i = Math.Max(end, i + 1);
        }
        return tables;
    }
}
