using System.Text.Json;
using System.Text.Json.Serialization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Lint;

namespace SockDoc.Cli.Views;

/// <summary>`lint` as a table of findings with file:line, then what was read.</summary>
public static class LintView
{
    public static Output.TextDoc Render(LintReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var doc = new Output.TextDoc();
        doc.Prose($"SockDoc lint  root {r.Root}" + (r.KernelRelease is { } k ? $"  kernel {k}" : ""), tone: Output.Tone.Bold, hanging: 2);
        if (r.RunningNote is { } note) doc.Prose(note, tone: Output.Tone.Warning, hanging: 2);
        doc.Prose($"{r.FilesRead.Count} files read; {r.Effective.Count} sysctl keys set", tone: Output.Tone.Dim);
        doc.Blank();
        if (r.Findings.Count == 0) doc.Prose("No findings.", tone: Output.Tone.Ok);
        foreach (var f in r.Findings)
        {
            // file:line first, whole: it is what an editor or grep takes.
            doc.Prose($"{f.Where}: {DoctorView.Word(f.Severity)}: {f.Id}", tone: DoctorView.ToneOf(f.Severity), hanging: 4);
            doc.Prose(f.Message, indent: 4);
            if (f.Fix.Length > 0) doc.Prose("fix: " + f.Fix, indent: 4, hanging: 2);
            doc.Blank();
        }
        doc.Prose(Counts(r), tone: Output.Tone.Bold);
        return doc;
    }

    public static string Counts(LintReport r)
    {
        int e = r.Findings.Count(f => f.Severity == Severity.Critical);
        int w = r.Findings.Count(f => f.Severity == Severity.Warning);
        int i = r.Findings.Count(f => f.Severity == Severity.Info);
        // The one severity vocabulary (README "Conventions"): critical, warning, info.
        return $"{e} critical, {w} warning, {i} info";
    }

    public static string Json(LintReport r, int exitCode) =>
        JsonSerializer.Serialize(new LintJson(1, exitCode, r), LintJsonContext.Default.LintJson);
}

/// <summary>The top-level object of `lint --json`.</summary>
public sealed record LintJson(int SchemaVersion, int ExitCode, LintReport Report);

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(Output.LowerCaseEnum<Severity>)])]
[JsonSerializable(typeof(LintJson))]
public sealed partial class LintJsonContext : JsonSerializerContext;
