using SockDoc.Diagnosis.Engine;
using System.Globalization;
using System.Text.Json.Serialization;
using SockDoc.Kernel.KernelLog;
using SockDoc.Model.KernelLog;

namespace SockDoc.Cli.Views;

/// <summary>`sockdoc logs`: one line per incident kind, then its details. Pure: summary in, renderable out.</summary>
public static class LogsView
{
    public static Output.TextDoc Render(KernelLogSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var doc = new Output.TextDoc();
        var head = string.Create(CultureInfo.InvariantCulture,
            $"Kernel log: {summary.Source}: {summary.LinesRead} lines read, {summary.LinesSkipped} skipped");
        if (summary.BootTime is { } boot) head += ", boot " + Time(boot);
        doc.Prose(head, tone: Output.Tone.Bold, hanging: 2);
        if (summary.Partial) doc.Prose("partial: " + summary.PartialReason, tone: Output.Tone.Warning, hanging: 2);
        foreach (var s in summary.Sources.Where(s => s.LinesSkipped > 0 || s.Partial))
            doc.Prose(string.Create(CultureInfo.InvariantCulture,
                $"{s.Path}: {s.LinesRead} lines, {s.LinesSkipped} skipped{(s.Partial ? ", partial: " + s.PartialReason : "")}"), indent: 2, hanging: 2);
        if (summary.Incidents.Count == 0) doc.Prose("No socket-resource incidents found.", tone: Output.Tone.Ok);
        foreach (var i in summary.Incidents)
        {
            doc.Prose(IncidentLine(i), tone: Output.Tone.Bold, hanging: 4);
            doc.Prose(i.Description, indent: 4);
            // The kernel's own lines: never wrapped, so they grep as the kernel wrote them.
            foreach (var d in i.Details) doc.Verbatim(d, indent: 4, tone: Output.Tone.Plain);
            if (i.DetailsOmitted + i.VictimsOmitted > 0)
                doc.Prose(string.Create(CultureInfo.InvariantCulture, $"... and {i.DetailsOmitted + i.VictimsOmitted} more"), indent: 4);
            if (i.Note is { } note) doc.Prose("note: " + note, indent: 4, tone: Output.Tone.Dim, hanging: 2);
        }
        if (summary.SuppressedUnattributed > 0)
            doc.Prose(string.Create(CultureInfo.InvariantCulture,
                $"rate-limited: up to {summary.SuppressedUnattributed} lines suppressed before any incident line (kind unknown)"), hanging: 2);
        return doc;
    }

    /// <summary>"kind [finding] count, first .. last, peak N/min" (the description goes on the next line).</summary>
    public static string IncidentLine(KernelLogIncident i)
    {
        ArgumentNullException.ThrowIfNull(i);
        var count = i.SuppressedUpTo > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{i.Count}x (+{i.SuppressedAtLeast}..{i.SuppressedUpTo} suppressed)")
            : string.Create(CultureInfo.InvariantCulture, $"{i.Count}x");
        var first = When(i.FirstWall, i.FirstUptime);
        var last = When(i.LastWall, i.LastUptime);
        var span = first == last ? first : $"{first} .. {last}";
        return string.Create(CultureInfo.InvariantCulture,
            $"{i.Kind} [{string.Join("|", LogKinds.FindingsFor(i.Kind))}] {count}, {span}, peak {i.PeakPerMinute:0}/min");
    }

    /// <summary>One followed line: "time kind [finding]: message".</summary>
    public static string EventLine(KernelLogLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var info = line.Info;
        var id = LogKinds.FindingId(info.Kind) is { } f && info.Incident ? $" [{f}]" : "";
        return $"{When(line.Time.Wall, line.Time.Uptime)} {info.Kind}{id}: {line.Message}";
    }

    private static string When(DateTimeOffset? wall, double? uptime) =>
        wall is { } w ? Time(w) : uptime is { } u ? string.Create(CultureInfo.InvariantCulture, $"{u:0.000}s after boot") : "time unknown";

    private static string Time(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static LogEvent Event(KernelLogLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return new LogEvent(line.Time.Wall, line.Time.Uptime, line.Info.Kind, line.Info.Incident ? LogKinds.FindingId(line.Info.Kind) : null, line.Message);
    }
}

/// <summary>One line of `logs --follow --json` (JSON lines).</summary>
public sealed record LogEvent(DateTimeOffset? Wall, double? Uptime, string Kind, string? FindingId, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LogEvent))]
internal sealed partial class LogsJsonContext : JsonSerializerContext;
