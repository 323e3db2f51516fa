using System.Text.Json;

namespace SockDoc.Load.Lab;

/// <summary>
/// Runs the doctor by re-executing this very binary (`sockdoc doctor --json`), inside the scenario's namespace
/// with `ip netns exec` when it has one, and reads report.findings (README "doctor --json schema").
/// The lab does not reference the rules: it sees exactly what an operator would.
/// </summary>
public static class LabDoctor
{
    public sealed record Outcome(IReadOnlyList<LabFinding> Findings, string? Error);

    public static IReadOnlyList<string> CommandLine(LabScenario s, IReadOnlyList<string> self, string? netns)
    {
        var args = new List<string>();
        if (netns is not null) args.AddRange(["ip", "netns", "exec", netns]);
        args.AddRange(self);
        // One sample: the load is held (or its counters are fresh in the namespace) while the doctor looks.
        args.AddRange(["doctor", "--json", "--interval", "0", "--only", string.Join(',', s.Expected)]);
        if (!s.DoctorReadsLog) args.Add("--no-log");
        if (!s.DoctorNeedsCensus) args.Add("--no-census");
        return args;
    }

    public static Outcome Run(LabScenario s, IReadOnlyList<string> self, string? netns, TimeSpan timeout)
    {
        var argv = CommandLine(s, self, netns);
        LabShell.Output r;
        try
        {
            r = LabShell.Run(argv[0], argv.Skip(1), timeout, new Dictionary<string, string> { ["NO_COLOR"] = "1" });
        }
        catch (LoadException e)
        {
            return new Outcome([], "doctor: " + e.Message);
        }
        if (r.Exit is < 0 or > 2) return new Outcome([], $"doctor exited {r.Exit}: {FirstLine(r.Stderr)}");
        try
        {
            return new Outcome(Parse(r.Stdout), null);
        }
        catch (JsonException e)
        {
            return new Outcome([], "doctor printed no JSON report: " + e.Message);
        }
        catch (KeyNotFoundException e)
        {
            return new Outcome([], "doctor JSON lacks report.findings: " + e.Message);
        }
    }

    /// <summary>report.findings[] → id, severity, when, "name: value (source)" lines.</summary>
    public static IReadOnlyList<LabFinding> Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var list = new List<LabFinding>();
        foreach (var f in doc.RootElement.GetProperty("report").GetProperty("findings").EnumerateArray())
        {
            var evidence = new List<string>();
            if (f.TryGetProperty("evidence", out var ev) && ev.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in ev.EnumerateArray())
                {
                    var name = Str(e, "name");
                    // Schema 2: "text" is the display, "value" a number in base units; schema 1: "value" was the text.
                    var value = Str(e, "text") is { Length: > 0 } text ? text : Str(e, "value");
                    var source = Str(e, "source");
                    evidence.Add(source.Length > 0 ? $"{name}: {value} ({source})" : $"{name}: {value}");
                }
            }
            list.Add(new LabFinding(Str(f, "id"), Str(f, "severity"), Str(f, "when"), evidence));
        }
        return list;
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static string FirstLine(string s)
    {
        var t = s.Trim();
        int nl = t.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? t : t[..nl];
    }
}
