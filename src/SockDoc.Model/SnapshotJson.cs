using System.Text.Json;
using System.Text.Json.Serialization;
using SockDoc.Model.Census;
using SockDoc.Model.KernelLog;
using SockDoc.Model.Namespaces;

namespace SockDoc.Model;

/// <summary>System.Text.Json source generation for the snapshot (AOT-safe, no reflection).</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(Snapshot))]
[JsonSerializable(typeof(SnapshotPair))]
[JsonSerializable(typeof(SnapshotFile))]
[JsonSerializable(typeof(List<NamespaceCensus>))]
[JsonSerializable(typeof(SocketCensus))]
[JsonSerializable(typeof(KernelLogSummary))]
public sealed partial class SnapshotJsonContext : JsonSerializerContext;

public static class SnapshotJson
{
    public static string Serialize(Snapshot snapshot) => JsonSerializer.Serialize(snapshot, SnapshotJsonContext.Default.Snapshot);

    /// <summary>The file written by `collect`: one or two samples of the same host.</summary>
    public static string Serialize(SnapshotPair pair) => JsonSerializer.Serialize(pair, SnapshotJsonContext.Default.SnapshotPair);

    /// <summary>The file written by `collect` on a host with several namespaces: the pair plus namespaces[] (docs/namespaces.md).</summary>
    public static string Serialize(HostSnapshot host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var file = new SnapshotFile
        {
            Now = host.Machine.Now,
            Before = host.Machine.Before,
            MachineIdentity = host.MachineIdentity,
            Namespaces = host.Namespaces.Count > 0 ? host.Namespaces : null,
            Cgroups = host.Cgroups.Count > 0 ? host.Cgroups : null,
        };
        return JsonSerializer.Serialize(file, SnapshotJsonContext.Default.SnapshotFile);
    }

    /// <summary>
    /// Reads any snapshot file as a whole host: files without "namespaces" (older sockdoc, or one namespace) give
    /// an empty namespace list. Throws SnapshotFormatException like Deserialize.
    /// </summary>
    public static HostSnapshot DeserializeHost(string json)
    {
        var pair = Deserialize(json);
        SnapshotFile? file;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("namespaces", out _))
                return new HostSnapshot(pair, []);
            file = doc.RootElement.Deserialize(SnapshotJsonContext.Default.SnapshotFile);
        }
        catch (JsonException e)
        {
            throw new SnapshotFormatException($"namespaces: not a SockDoc snapshot ({Where(e)}): {FirstSentence(e.Message)}");
        }
        catch (InvalidOperationException e)
        {
            throw new SnapshotFormatException($"namespaces: not a SockDoc snapshot: {FirstSentence(e.Message)}");
        }
        var namespaces = file?.Namespaces ?? [];
        for (int i = 0; i < namespaces.Count; i++)
        {
            var ns = namespaces[i];
            if (ns?.Identity is null || ns.Now is null) throw new SnapshotFormatException($"namespaces[{i}]: needs \"identity\" and \"now\"");
            Validate(ns.Now);
            if (ns.Before is not null) Validate(ns.Before);
        }
        return new HostSnapshot(pair, namespaces) { MachineIdentity = file?.MachineIdentity, Cgroups = file?.Cgroups ?? [] };
    }

    /// <summary>
    /// Reads a snapshot file: either a pair {"now":…,"before":…} or a single snapshot.
    /// Throws SnapshotFormatException with one clear sentence on anything else.
    /// </summary>
    public static SnapshotPair Deserialize(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new SnapshotFormatException($"not valid JSON ({Where(e)}): {FirstSentence(e.Message)}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new SnapshotFormatException("expected a JSON object written by `sockdoc collect`");
            try
            {
                if (doc.RootElement.TryGetProperty("now", out _))
                {
                    var pair = doc.RootElement.Deserialize(SnapshotJsonContext.Default.SnapshotPair)
                        ?? throw new SnapshotFormatException("empty snapshot pair");
                    Validate(pair.Now);
                    if (pair.Before is not null) Validate(pair.Before);
                    return pair;
                }
                if (doc.RootElement.TryGetProperty("taken_at", out _))
                {
                    var one = doc.RootElement.Deserialize(SnapshotJsonContext.Default.Snapshot)
                        ?? throw new SnapshotFormatException("empty snapshot");
                    Validate(one);
                    return new SnapshotPair(one, null);
                }
            }
            catch (JsonException e)
            {
                throw new SnapshotFormatException($"not a SockDoc snapshot ({Where(e)}): {FirstSentence(e.Message)}");
            }
            catch (InvalidOperationException e)
            {
                throw new SnapshotFormatException($"not a SockDoc snapshot: {FirstSentence(e.Message)}");
            }
            throw new SnapshotFormatException("not a SockDoc snapshot: no \"now\" or \"taken_at\" field (write one with `sockdoc collect -o FILE`)");
        }
    }

    private static void Validate(Snapshot s)
    {
        if (s is null) throw new SnapshotFormatException("a sample is null");
        if (s.Format > Snapshot.CurrentFormat)
            throw new SnapshotFormatException($"snapshot format {s.Format} is newer than this sockdoc understands ({Snapshot.CurrentFormat})");
        if (s.Format < 1) throw new SnapshotFormatException($"snapshot format {s.Format} is not valid");
    }

    private static string Where(JsonException e) =>
        e.LineNumber is { } line ? $"line {line + 1}, byte {e.BytePositionInLine + 1}" : "position unknown";

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).Trim();
    }
}

/// <summary>
/// The JSON form of a collect file (docs/namespaces.md): "now"/"before" as before, plus optional
/// "namespaces" (one entry per other network namespace: identity, now, before), "machine_identity" and "cgroups".
/// </summary>
public sealed record SnapshotFile
{
    public required Snapshot Now { get; init; }
    public Snapshot? Before { get; init; }
    public NetNamespaceIdentity? MachineIdentity { get; init; }
    public IReadOnlyList<NetNamespaceSnapshot>? Namespaces { get; init; }
    public IReadOnlyList<CgroupSocketUse>? Cgroups { get; init; }
}

public sealed class SnapshotFormatException(string message) : Exception(message);
