using System.Text.Json;
using System.Text.Json.Serialization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Lint;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SockDoc.Cli.Views;

/// <summary>`lint` as a table of findings with file:line, then what was read.</summary>
public static class LintView
{
    public static IRenderable Render(LintReport r)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]SockDoc lint[/]  root {Markup.Escape(r.Root)}" + (r.KernelRelease is { } k ? $"  kernel {Markup.Escape(k)}" : "")),
        };
        if (r.RunningNote is { } note) rows.Add(new Markup($"[yellow]{Markup.Escape(note)}[/]"));
        rows.Add(new Markup($"[grey]{r.FilesRead.Count} files read; {r.Effective.Count} sysctl keys set[/]"));
        if (r.Findings.Count == 0)
        {
            rows.Add(new Markup("[green]No findings.[/]"));
        }
        else
        {
            var t = Look.Table();
            t.AddColumn("severity");
            t.AddColumn("where");
            t.AddColumn("id");
            t.AddColumn("finding");
            foreach (var f in r.Findings)
            {
                var text = f.Fix.Length > 0 ? f.Message + "\nfix: " + f.Fix : f.Message;
                t.AddRow(Sev(f.Severity), new Text(f.Where), new Text(f.Id), new Text(text));
            }
            rows.Add(t);
        }
        rows.Add(new Markup($"[bold]{Counts(r)}[/]"));
        return new Rows(rows);
    }

    public static string Counts(LintReport r)
    {
        int e = r.Findings.Count(f => f.Severity == Severity.Critical);
        int w = r.Findings.Count(f => f.Severity == Severity.Warning);
        int i = r.Findings.Count(f => f.Severity == Severity.Info);
        // The one severity vocabulary (README "Conventions"): critical, warning, info.
        return $"{e} critical, {w} warning, {i} info";
    }

    private static Markup Sev(Severity s) => s switch
    {
        Severity.Critical => new Markup("[bold red]critical[/]"),
        Severity.Warning => new Markup("[yellow]warning[/]"),
        Severity.Info => new Markup("[blue]info[/]"),
        _ => new Markup("ok"),
    };

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
