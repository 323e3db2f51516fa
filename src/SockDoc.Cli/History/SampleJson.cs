using System.Text.Json;
using System.Text.Json.Serialization;

namespace SockDoc.Cli.History;

/// <summary>Samples as JSON (source generated, AOT-safe): one object per line for `watch --json`.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = false,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(Sample))]
internal sealed partial class SampleJsonContext : JsonSerializerContext;

public static class SampleJson
{
    public static string Line(Sample sample) => JsonSerializer.Serialize(sample, SampleJsonContext.Default.Sample);

    public static Sample? Parse(string line) => JsonSerializer.Deserialize(line, SampleJsonContext.Default.Sample);
}
