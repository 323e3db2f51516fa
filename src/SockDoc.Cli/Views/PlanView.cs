using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SockDoc.Diagnosis.Capacity;

namespace SockDoc.Cli.Views;

/// <summary>`plan` as tables: one per section, every number with its origin (input, this host, kernel default, derived).</summary>
public static class PlanView
{
    /// <summary>The files as they will be written: verbatim lines, never wrapped (a wrapped comment would become a setting).</summary>
    public static Output.TextDoc Files(string sysctlFile, string limitsFile, string systemdFile) =>
        new Output.TextDoc()
            .Heading("sysctl.d drop-in").Verbatim(sysctlFile.TrimEnd('\n'), tone: Output.Tone.Plain)
            .Heading("limits.d snippet").Verbatim(limitsFile.TrimEnd('\n'), tone: Output.Tone.Plain)
            .Heading("systemd unit drop-in").Verbatim(systemdFile.TrimEnd('\n'), tone: Output.Tone.Plain);

    public static Output.TextDoc Render(CapacityPlan plan, string hostNote)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var doc = new Output.TextDoc();
        doc.Prose("SockDoc plan  " + Describe(plan.Inputs), tone: Output.Tone.Bold, hanging: 2);
        doc.Prose(hostNote, tone: Output.Tone.Dim, hanging: 2);
        // Warnings lead: a plan that does not fit must say so before any table.
        if (plan.Warnings.Count > 0)
        {
            doc.Blank();
            doc.Prose("Warnings", tone: Output.Tone.Warning);
            foreach (var w in plan.Warnings) doc.Prose("warning: " + w, indent: 2, tone: Output.Tone.Warning, hanging: 2);
        }
        doc.Blank();
        doc.Prose("origin: input = your arguments; host = measured on this host (or the snapshot); default = kernel default or kernel-facts measurement; " +
            "derived = computed; proposed = the plan's value; choice = the plan's own margin", tone: Output.Tone.Dim, hanging: 2);
        foreach (var s in plan.Sections)
        {
            doc.Blank();
            doc.Heading(s.Title);
            doc.Table(["item", "value", "origin", "why / source"], s.Numbers.Select(n => (new[] { n.Name, Value(n), OriginWord(n.Origin), n.Source }, Output.Tone.Plain)), indent: 2);
        }
        if (plan.Assumptions.Count > 0)
        {
            doc.Blank();
            doc.Heading("Assumptions");
            foreach (var a in plan.Assumptions) doc.Prose("- " + a, indent: 2, hanging: 2);
        }
        doc.Blank();
        return doc;
    }

    public static string Describe(PlanInputs i)
    {
        var I = CultureInfo.InvariantCulture;
        var parts = new List<string> { $"{Units.Count(i.Connections)} connections", i.Role.ToString().ToLowerInvariant() };
        if (i.BufferRxBytes is { } rx && i.BufferTxBytes is { } tx) parts.Add($"buffers in use {Units.Bytes(rx)}/{Units.Bytes(tx)}");
        if (i.AppBytesPerConn > 0) parts.Add($"app {Units.Bytes(i.AppBytesPerConn)}/conn");
        if (i.RatePerSecond is { } r) parts.Add($"{Units.Count(r)} new/s");
        if (i.Destinations != 1) parts.Add($"{i.Destinations} destinations");
        if (i.LifetimeSeconds is { } l) parts.Add($"lifetime {l.ToString("0.###", I)} s");
        if (i.RamBytes is { } ram) parts.Add($"RAM {Units.Bytes(ram)}");
        return string.Join(", ", parts);
    }

    public static string Value(PlanNumber n) => n.Unit switch
    {
        // Per-connection sizes are small: exact bytes read better than "3.7 KiB".
        "B" => Diagnosis.Text.Quantities.Bytes(n.Value),
        "ratio" => Diagnosis.Text.Quantities.Percent(n.Value * 100),
        "s" => n.Value.ToString("0.###", CultureInfo.InvariantCulture) + " s",
        "conn/s" => n.Value.ToString("#,0.#", CultureInfo.InvariantCulture) + "/s",
        "" => Units.Count(n.Value),
        _ => Units.Count(n.Value) + " " + n.Unit,
    };

    public static string OriginWord(Origin o) => o switch
    {
        Origin.Input => "input",
        Origin.Measured => "host",
        Origin.KernelDefault => "default",
        Origin.Derived => "derived",
        Origin.Recommended => "proposed",
        _ => "choice",
    };

    public static string Json(CapacityPlan plan, string sysctlFile, string limitsFile, string systemdFile, string hostNote) =>
        JsonSerializer.Serialize(new PlanJson(1, hostNote, plan, sysctlFile, limitsFile, systemdFile), PlanJsonContext.Default.PlanJson);
}

/// <summary>The top-level object of `plan --json`.</summary>
public sealed record PlanJson(int SchemaVersion, string Host, CapacityPlan Plan, string SysctlDropIn, string LimitsSnippet, string SystemdDropIn);

[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(Output.LowerCaseEnum<PlanRole>), typeof(Output.LowerCaseEnum<Origin>)],
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(PlanJson))]
public sealed partial class PlanJsonContext : JsonSerializerContext;
