using System.Globalization;
using System.Text;
using System.Text.Json;
using SockDoc.Load.Lab;
using SockDoc.Cli.Output;

namespace SockDoc.Cli.Views;

/// <summary>`sockdoc lab` output: the scenario list, evidence lines as they appear, expected vs got, and JSON.</summary>
public static class LabView
{
    private static readonly CultureInfo Ic = CultureInfo.InvariantCulture;

    /// <summary>The scenarios, one block each: name and symptom, then what the doctor must say, how, and a fix to try.</summary>
    public static TextDoc List(IReadOnlyList<LabScenario> scenarios)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        var doc = new TextDoc();
        foreach (var s in scenarios)
        {
            doc.Prose($"{s.Name}: {s.Symptom}", tone: Tone.Bold, hanging: 2);
            doc.Prose("doctor must say: " + string.Join(", ", s.Expected), indent: 2, hanging: 2);
            doc.Prose("how: " + s.How + (s.UsesNetns ? " [namespace]" : "") + (s.ChangesGlobals ? " [global setting]" : ""), indent: 2, hanging: 2);
            if (s.FixExample is { } fix) doc.Verbatim($"sockdoc lab run {s.Name} --with " + (fix.Contains(' ', StringComparison.Ordinal) ? $"\"{fix}\"" : fix), indent: 2);
            doc.Blank();
        }
        return doc;
    }

    public static string Header(LabScenario s, IReadOnlyList<string> with) =>
        $"== {s.Name}: {s.Symptom}" + (with.Count > 0 ? $"  [fix mode: {string.Join(", ", with)}]" : "");

    /// <summary>One line per piece of kernel evidence, printed the moment it appears.</summary>
    public static string EvidenceLine(LabEvidence e) => $"   {e.Kind,-8} {e.Text}";

    public static TextDoc Result(LabResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var doc = new TextDoc();
        string expected = r.FixMode ? $"absent: {string.Join(", ", r.Expected)}" : string.Join(", ", r.Expected);
        string got = r.Found.Count == 0 ? "none" : string.Join(", ", r.Found.Select(f => $"{f.Id} ({f.Severity}{(f.When.Length > 0 ? ", " + f.When : "")})"));
        doc.Prose($"expected {expected}; got {got}; reproduced {(r.Reproduced ? "yes" : "no")}", indent: 3, hanging: 2);
        foreach (var f in r.Found)
            foreach (var ev in f.Evidence.Take(6)) doc.Prose($"{f.Id}: {ev}", indent: 5, hanging: 4);
        if (r.Error is not null) doc.Prose("error: " + r.Error, indent: 3, tone: Tone.Critical, hanging: 2);
        doc.Prose($"{(r.Pass ? "PASS" : "FAIL")} {r.Name} in {r.Seconds.ToString("0.0", Ic)} s", indent: 3, tone: r.Pass ? Tone.Ok : Tone.Critical);
        return doc;
    }

    public static string Totals(IReadOnlyList<LabResult> results) =>
        $"{results.Count(r => r.Pass)} passed, {results.Count(r => !r.Pass)} failed";

    public static string RestoreLines(LabRestore.Report r)
    {
        var sb = new StringBuilder();
        if (r.Settings.Count + r.Namespaces.Count + r.Cgroups.Count == 0) return "Nothing to restore: no leftover journal, namespace or cgroup.\n";
        foreach (var s in r.Settings) sb.Append("restored ").Append(s).Append('\n');
        foreach (var n in r.Namespaces) sb.Append("deleted namespace ").Append(n).Append('\n');
        foreach (var c in r.Cgroups) sb.Append("removed cgroup ").Append(c).Append('\n');
        return sb.ToString();
    }

    /// <summary>`lab list --json`: one object per scenario.</summary>
    public static string ListJson(IReadOnlyList<LabScenario> scenarios) => Write(w =>
    {
        w.WriteStartArray();
        foreach (var s in scenarios)
        {
            w.WriteStartObject();
            w.WriteString("name", s.Name);
            w.WriteString("symptom", s.Symptom);
            Strings(w, "expected", s.Expected);
            w.WriteString("how", s.How);
            w.WriteBoolean("netns", s.UsesNetns);
            w.WriteBoolean("global", s.ChangesGlobals);
            if (s.FixExample is not null) w.WriteString("fix_example", s.FixExample);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    /// <summary>`lab restore --json`: what was put back.</summary>
    public static string RestoreJson(LabRestore.Report r) => Write(w =>
    {
        w.WriteStartObject();
        Strings(w, "settings", r.Settings);
        Strings(w, "namespaces", r.Namespaces);
        Strings(w, "cgroups", r.Cgroups);
        w.WriteEndObject();
    });

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })) body(w);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>{"scenarios": [...], "passed": N, "failed": N}; one object per scenario.</summary>
    public static string Json(IReadOnlyList<LabResult> results) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("scenarios");
        foreach (var r in results) Write(w, r);
        w.WriteEndArray();
        w.WriteNumber("passed", results.Count(r => r.Pass));
        w.WriteNumber("failed", results.Count(r => !r.Pass));
        w.WriteEndObject();
    });

    private static void Write(Utf8JsonWriter w, LabResult r)
    {
        w.WriteStartObject();
        w.WriteString("name", r.Name);
        w.WriteString("symptom", r.Symptom);
        Strings(w, "expected", r.Expected);
        w.WriteStartArray("found");
        foreach (var f in r.Found)
        {
            w.WriteStartObject();
            w.WriteString("id", f.Id);
            w.WriteString("severity", f.Severity);
            w.WriteString("when", f.When);
            Strings(w, "evidence", f.Evidence);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("evidence");
        foreach (var e in r.Evidence)
        {
            w.WriteStartObject();
            w.WriteString("kind", e.Kind);
            w.WriteString("text", e.Text);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteBoolean("reproduced", r.Reproduced);
        w.WriteBoolean("fix_mode", r.FixMode);
        Strings(w, "with", r.With);
        if (r.Netns is not null) w.WriteString("netns", r.Netns);
        w.WriteString("result", r.Pass ? "pass" : "fail");
        w.WriteBoolean("pass", r.Pass);
        w.WriteNumber("seconds", Math.Round(r.Seconds, 2));
        if (r.Error is not null) w.WriteString("error", r.Error);
        Strings(w, "restored_first", r.Restored);
        w.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> items)
    {
        w.WriteStartArray(name);
        foreach (var s in items) w.WriteStringValue(s);
        w.WriteEndArray();
    }
}
