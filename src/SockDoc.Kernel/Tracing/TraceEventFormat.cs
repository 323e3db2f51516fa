using System.Globalization;
using System.Text;

namespace SockDoc.Kernel.Tracing;

/// <summary>One field line of a tracepoint's format file: "field:TYPE NAME;	offset:N;	size:N;	signed:N;".</summary>
public sealed record TraceField(string Name, string Type, int Offset, int Size, bool Signed);

/// <summary>
/// A tracepoint's `format` file (tracefs events/SYS/NAME/format, written by trace_format_open() and
/// print_event_fields in kernel/trace/trace_events.c): its id, the field layout of the raw record and the
/// print_fmt, whose __print_symbolic() tables name the values of enum fields (drop reasons, TCP states, reset
/// reasons) for this very kernel. Offsets and numbers are never assumed: they change between kernel versions.
/// </summary>
public sealed class TraceEventFormat
{
    public required string System { get; init; }
    public required string Name { get; init; }
    public required int Id { get; init; }
    public required IReadOnlyList<TraceField> Fields { get; init; }
    public required string PrintFmt { get; init; }
    /// <summary>field name → (value → symbol), from __print_symbolic(REC->field, { value, "SYMBOL" }, ...).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<long, string>> Symbols { get; init; }

    public string FullName => System + ":" + Name;

    public TraceField? Field(string name)
    {
        foreach (var f in Fields)
            if (f.Name == name) return f;
        return null;
    }

    /// <summary>The value a symbol has on this kernel (e.g. "TCP_CLOSE" → 7), or null when the table lacks it.</summary>
    public long? ValueOf(string field, string symbol)
    {
        if (!Symbols.TryGetValue(field, out var table)) return null;
        foreach (var (k, v) in table)
            if (v == symbol) return k;
        return null;
    }

    public string? SymbolOf(string field, long value) =>
        Symbols.TryGetValue(field, out var table) && table.TryGetValue(value, out var s) ? s : null;
}

/// <summary>Parses tracefs format files. Bad input gives a clear reason, never an exception.</summary>
public static class TraceFormatReader
{
    /// <summary>Longest format file accepted (kfree_skb's, with ~130 drop reasons, is about 8 KiB on 6.18).</summary>
    public const int MaxBytes = 1 << 20;

    public static TraceEventFormat? Parse(string system, ReadOnlySpan<byte> text, out string? problem)
    {
        problem = null;
        if (text.Length > MaxBytes)
        {
            problem = $"format file is {text.Length} bytes (more than {MaxBytes}): not a tracefs format file";
            return null;
        }
        if (text.IndexOf((byte)0) >= 0)
        {
            problem = "format file holds NUL bytes: not a tracefs format file";
            return null;
        }
        var s = Encoding.UTF8.GetString(text);
        string? name = null;
        int? id = null;
        string printFmt = "";
        var fields = new List<TraceField>();
        int lineNo = 0;
        foreach (var raw in s.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith("name:", StringComparison.Ordinal)) name = line[5..].Trim();
            else if (line.StartsWith("ID:", StringComparison.Ordinal))
            {
                if (!int.TryParse(line.AsSpan(3).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int v))
                {
                    problem = $"line {lineNo}: ID is not a number: '{Clip(line)}'";
                    return null;
                }
                id = v;
            }
            else if (line.StartsWith("field:", StringComparison.Ordinal))
            {
                var f = ParseField(line);
                if (f is null)
                {
                    problem = $"line {lineNo}: expected 'field:TYPE NAME; offset:N; size:N; signed:N;', got '{Clip(line)}'";
                    return null;
                }
                fields.Add(f);
            }
            else if (line.StartsWith("print fmt:", StringComparison.Ordinal)) printFmt = line[10..].Trim();
        }
        if (name is null || id is null)
        {
            problem = name is null ? "no 'name:' line" : "no 'ID:' line";
            return null;
        }
        if (fields.Count == 0)
        {
            problem = "no field lines";
            return null;
        }
        return new TraceEventFormat
        {
            System = system, Name = name, Id = id.Value, Fields = fields, PrintFmt = printFmt, Symbols = ParseSymbolic(printFmt),
        };
    }

    private static string Clip(string line) => line.Length <= 80 ? line : line[..80] + "…";

    private static TraceField? ParseField(string line)
    {
        // field:__u8 saddr[4];	offset:32;	size:4;	signed:0;
        var parts = line.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3) return null;
        var decl = parts[0]["field:".Length..].Trim();
        int? offset = null, size = null;
        bool signed = false;
        foreach (var p in parts.Skip(1))
        {
            int colon = p.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            var key = p[..colon];
            if (!int.TryParse(p.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int v)) return null;
            switch (key)
            {
                case "offset": offset = v; break;
                case "size": size = v; break;
                case "signed": signed = v != 0; break;
            }
        }
        if (offset is null || size is null) return null;
        // The name is the last identifier of the declaration, before any [N] suffix.
        var d = decl;
        int bracket = d.IndexOf('[', StringComparison.Ordinal);
        if (bracket >= 0) d = d[..bracket];
        d = d.TrimEnd();
        int start = d.Length;
        while (start > 0 && (char.IsAsciiLetterOrDigit(d[start - 1]) || d[start - 1] == '_')) start--;
        if (start == d.Length) return null;
        return new TraceField(d[start..], d[..start].Trim(), offset.Value, size.Value, signed);
    }

    /// <summary>
    /// Every __print_symbolic(REC->FIELD, { N, "NAME" }, ...) in a print_fmt. Entries whose value is a macro
    /// name rather than a number (tcp_send_reset's state table on some kernels) are skipped.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<long, string>> ParseSymbolic(string printFmt)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<long, string>>(StringComparer.Ordinal);
        const string marker = "__print_symbolic(REC->";
        int at = 0;
        while ((at = printFmt.IndexOf(marker, at, StringComparison.Ordinal)) >= 0)
        {
            at += marker.Length;
            int comma = printFmt.IndexOf(',', at);
            if (comma < 0) break;
            var field = printFmt[at..comma].Trim();
            var table = new Dictionary<long, string>();
            int i = comma + 1;
            // Entries: { value, "SYMBOL" } until the closing ')' of the call.
            while (i < printFmt.Length)
            {
                while (i < printFmt.Length && printFmt[i] is ' ' or ',') i++;
                if (i >= printFmt.Length || printFmt[i] != '{') break;
                int close = printFmt.IndexOf('}', i);
                if (close < 0) break;
                var entry = printFmt[(i + 1)..close];
                int c = entry.IndexOf(',', StringComparison.Ordinal);
                if (c > 0)
                {
                    var num = entry[..c].Trim();
                    var sym = entry[(c + 1)..].Trim().Trim('"');
                    if (TryNumber(num, out long v)) table.TryAdd(v, sym);
                }
                i = close + 1;
            }
            if (table.Count > 0 && !result.ContainsKey(field)) result[field] = table;
            at = i;
        }
        return result;
    }

    private static bool TryNumber(string s, out long v)
    {
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return long.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v);
        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v);
    }
}
