using System.Text.Json;
using System.Text.Json.Serialization;

namespace SockDoc.Cli.History;

/// <summary>Samples as JSON (source generated, AOT-safe): one object per line for `watch --json`.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = false,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(Output.LowerCaseEnum<SockDoc.Diagnosis.Engine.Severity>)])]
[JsonSerializable(typeof(Sample))]
internal sealed partial class SampleJsonContext : JsonSerializerContext;

public static class SampleJson
{
    public static string Line(Sample sample) => JsonSerializer.Serialize(sample, SampleJsonContext.Default.Sample);

    /// <summary>1: one sample per line, with the sources the stream leaves out.</summary>
    public const int WatchSchemaVersion = 1;

    /// <summary>One line of `watch --json`: schema_version and left_out first, then the sample's fields.</summary>
    public static string WatchLine(Sample sample, IReadOnlyList<string> leftOut)
    {
        var node = JsonSerializer.SerializeToNode(sample, SampleJsonContext.Default.Sample)!.AsObject();
        node.Insert(0, "schema_version", WatchSchemaVersion);
        node.Insert(1, "left_out", new System.Text.Json.Nodes.JsonArray([.. leftOut.Select(s => (System.Text.Json.Nodes.JsonNode?)s)]));
        return node.ToJsonString();
    }

    public static Sample? Parse(string line) => JsonSerializer.Deserialize(line, SampleJsonContext.Default.Sample);
}
