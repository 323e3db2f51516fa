using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using SockDoc.Cli.Explain;
using SockDoc.Cli.Output;
using SockDoc.Cli.Views;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Explain;

namespace SockDoc.Cli.Commands;

/// <summary>
/// `sockdoc explain FILE|-`: triage a paste from any server. The paste becomes a partial snapshot and the
/// doctor's rules run over it (same ids, same fields); then what is missing to be sure, traps and ambiguities.
/// Exit 0 ok, 1 warning, 2 critical, 3 could not run (unreadable, binary, huge, or nothing recognised).
/// </summary>
public static class ExplainCommand
{
    public sealed record Args(string File, bool Json, string? PageSize);

    public static Command Create(CliIo io)
    {
        var file = new Argument<string>("file") { Description = "The pasted text: a file, or - for standard input." };
        var json = CommonOptions.Json();
        var pageSize = new Option<string?>("--page-size") { Description = "Page size of the server the paste came from (4096, 16K, 64K), for tcp_mem and sockstat mem in bytes.", HelpName = "BYTES" };
        var cmd = new Command("explain", "Triage pasted evidence from any server (kernel lines, netstat -s, sockstat, ss, sysctl, application errors): the doctor's findings, what is missing to be sure, and the traps.")
        {
            file, json, pageSize,
        };
        cmd.SetAction(p => Run(new Args(p.GetValue(file)!, p.GetValue(json), p.GetValue(pageSize)), io));
        return cmd;
    }

    public static int Run(Args a, CliIo io)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(io);
        long? page = null;
        if (a.PageSize is not null)
        {
            page = CommonOptions.ParsePageSize(a.PageSize);
            if (page is null) return io.Fail($"explain: --page-size \"{a.PageSize}\" is not a power of two of at least 1024 (examples: 4096, 16K, 64K)");
        }
        string? text, error;
        var name = a.File == "-" ? "standard input" : a.File;
        try
        {
            if (a.File == "-")
            {
                (text, error) = PasteInput.Read(io.In, name);
            }
            else
            {
                using var stream = File.OpenRead(a.File);
                (text, error) = PasteInput.Read(stream, name);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return io.Fail($"explain: cannot read {name}: {e.Message}");
        }
        if (text is null) return io.Fail($"explain: {error}");

        var lines = PasteText.Clean(text, PasteInput.Stamp(io.Time));
        var (kernelLines, summary) = PasteInput.KernelLog(lines, io.Time);
        var evidence = PasteReader.Read(lines, kernelLines.Keys.ToHashSet());
        var result = Explainer.Explain(lines, evidence, summary, kernelLines, io.Time.GetUtcNow(), page);
        var exit = result.NothingRecognised ? ExitCode.CouldNotRun : DoctorCommand.ExitFor(result.Report);
        if (a.Json)
            io.Out.WriteLine(ExplainJson.Serialize(result, (int)exit));
        else
            io.Write(ExplainView.Render(result, name));
        return (int)exit;
    }
}

/// <summary>JSON of `explain --json`: the doctor's report shape plus the explain-only parts.</summary>
public sealed record ExplainJsonDoc(
    int SchemaVersion,
    string Severity,
    int ExitCode,
    Report Report,
    ExplainPart Explain);

public sealed record ExplainLines(long Read, long Recognised, long Unrecognised);

public sealed record ExplainPart(
    bool NothingRecognised,
    ExplainLines Lines,
    IReadOnlyList<string> RelevantChecks,
    IReadOnlyList<RecognisedBlock> Recognised,
    IReadOnlyList<MissingItem> MissingToBeSure,
    IReadOnlyList<TrapNote> Traps,
    IReadOnlyList<Ambiguity> Ambiguities,
    IReadOnlyList<ExtraEvidence> OtherEvidence,
    IReadOnlyList<Observation> Observations,
    IReadOnlyList<string> Damage,
    IReadOnlyList<PasteLine> UnrecognisedSample,
    IReadOnlyList<string>? Readable);

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(LowerCaseEnum<Severity>), typeof(LowerCaseEnum<CheckStatus>), typeof(LowerCaseEnum<When>), typeof(LowerCaseEnum<Confidence>)])]
[JsonSerializable(typeof(ExplainJsonDoc))]
public sealed partial class ExplainJsonContext : JsonSerializerContext;

public static class ExplainJson
{
    public static string Serialize(ExplainResult r, int exitCode)
    {
        ArgumentNullException.ThrowIfNull(r);
        var part = new ExplainPart(r.NothingRecognised, new ExplainLines(r.LinesRead, r.LinesRecognised, r.UnrecognisedCount), r.Relevant, r.Blocks, r.Missing, r.Traps,
            r.Ambiguities, r.Extra, r.Observations, r.Damage, r.Unrecognised, r.NothingRecognised ? Explainer.Readable : null);
        return JsonSerializer.Serialize(new ExplainJsonDoc(ReportJson.SchemaVersion, r.Report.Severity.ToString().ToLowerInvariant(), exitCode, r.Report, part),
            ExplainJsonContext.Default.ExplainJsonDoc);
    }
}
