using System.CommandLine;
using System.Globalization;

namespace SockDoc.Cli.Commands;

/// <summary>Options shared by the commands that read a host: where from, and how.</summary>
public static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print the result as JSON (schema in the README)." };

    public static Option<string?> ProcRoot() => new("--proc-root")
    {
        Description = "Read a copied /proc tree (e.g. from an sosreport) instead of the live /proc. DIR or DIR/proc.",
        HelpName = "DIR",
    };

    public static Option<string?> PageSize() => new("--page-size")
    {
        Description = "Page size of the host a copied /proc tree came from (4096, 16K, 64K); the live host's is read.",
        HelpName = "BYTES",
    };

    public static Option<string> Interval(string defaultValue) => new("--interval")
    {
        Description = "Time between the two samples that turn counters into rates (e.g. 1, 500ms, 2s); 0 takes one sample.",
        DefaultValueFactory = _ => defaultValue,
        HelpName = "DURATION",
    };

    /// <summary>"1", "1.5", "500ms", "2s", "1m" → seconds; null when malformed (one parser for every command: DurationText).</summary>
    public static double? ParseDuration(string text) =>
        History.DurationText.TryParse(text, out var value) ? value.TotalSeconds : null;

    /// <summary>"4096", "16K", "64k" → bytes; null when malformed or not a power of two.</summary>
    public static long? ParsePageSize(string text)
    {
        var t = text.Trim().ToUpperInvariant();
        long factor = 1;
        if (t.EndsWith('K')) { factor = 1024; t = t[..^1]; }
        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) return null;
        v *= factor;
        return v >= 1024 && (v & (v - 1)) == 0 ? v : null;
    }
}
