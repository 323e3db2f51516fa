using System.Text.Json;
using System.Text.Json.Serialization;
using SockDoc.Diagnosis.Engine;

namespace SockDoc.Cli.Output;

/// <summary>JSON form of the doctor's report (schema documented in the README). Source-generated, AOT-safe.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(LowerCaseEnum<Severity>), typeof(LowerCaseEnum<CheckStatus>), typeof(LowerCaseEnum<When>), typeof(LowerCaseEnum<Confidence>)])]
[JsonSerializable(typeof(DoctorJson))]
public sealed partial class ReportJsonContext : JsonSerializerContext;

/// <summary>Enums as the lower-case words of the schema ("warning", "critical").</summary>
public sealed class LowerCaseEnum<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.SnakeCaseLower) where T : struct, Enum;

/// <summary>The top-level object of `doctor --json`.</summary>
public sealed record DoctorJson(int SchemaVersion, string Severity, int ExitCode, Report Report);

public static class ReportJson
{
    /// <summary>2: findings carry confidence and to_confirm, when gains "recent", evidence has value (number) and unit beside text.</summary>
    public const int SchemaVersion = 2;

    public static string Serialize(Report report, int exitCode) =>
        JsonSerializer.Serialize(new DoctorJson(SchemaVersion, report.Severity.ToString().ToLowerInvariant(), exitCode, report), ReportJsonContext.Default.DoctorJson);
}
