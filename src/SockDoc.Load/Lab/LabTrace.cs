using System.Diagnostics;
using System.Text.Json;

namespace SockDoc.Load.Lab;

/// <summary>
/// `sockdoc trace` run beside a lab scenario (issue 12): started as a child of this very binary before the load, awaited
/// until its probes are attached, stopped with SIGINT after the load so it prints its final JSON tables. The scenario then
/// checks that the trace attributes what its generator did (process, destination, count; reset peers; refused charges;
/// connection rate). Bounded: the child's own --duration is the limit, and it is killed if it does not finish.
/// </summary>
public sealed class LabTrace : IDisposable
{
    /// <summary>What `sockdoc trace` prints on stderr once attached (TraceCommand.AttachedMarker).</summary>
    public const string AttachedMarker = "sockdoc trace: attached";

    private readonly Process _p;
    private readonly Task<string> _stdout;
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LabTrace(Process p)
    {
        _p = p;
        _stdout = p.StandardOutput.ReadToEndAsync();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.Add(e.Data);
            if (e.Data.StartsWith(AttachedMarker, StringComparison.Ordinal)) _attached.TrySetResult();
        };
        p.BeginErrorReadLine();
    }

    public string Stderr
    {
        get
        {
            lock (_stderr) return string.Join("\n", _stderr);
        }
    }

    /// <summary>Starts `trace --what WHAT --by process,peer,port --json` and waits until it is attached (or says why not).</summary>
    public static LabTrace Start(IReadOnlyList<string> selfCommand, string what, TimeSpan bound)
    {
        ArgumentNullException.ThrowIfNull(selfCommand);
        var psi = new ProcessStartInfo(selfCommand[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in selfCommand.Skip(1)) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "trace", "--what", what, "--by", "process,peer,port", "--json", "--top", "500",
                                  "--duration", $"{(int)bound.TotalSeconds}s" })
            psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        var trace = new LabTrace(Process.Start(psi) ?? throw new LoadException("could not start sockdoc trace"));
        Task.WhenAny(trace._attached.Task, trace._p.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60))).Wait();
        if (!trace._attached.Task.IsCompleted)
        {
            var why = trace._p.HasExited ? $"exit {trace._p.ExitCode}: {trace.Stderr}" : "not attached in 60 s";
            trace.Dispose();
            throw new LoadException("sockdoc trace did not attach: " + why);
        }
        return trace;
    }

    /// <summary>SIGTERM: the trace detaches and prints its final tables, as on Ctrl-C; returns the parsed report.</summary>
    public JsonElement Stop()
    {
        if (!_p.HasExited)
        {
            // SIGTERM, not SIGINT: a lab started in the background by a script (`nohup sockdoc lab run --trace &`,
            // a CI runner) has SIGINT ignored, the trace child inherits that across exec, and SIGINT would never
            // reach it. The trace treats both signals alike (TraceCommand).
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false });
            kill?.WaitForExit(5000);
        }
        if (!_p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            _p.Kill(entireProcessTree: true);
            throw new LoadException("sockdoc trace did not finish in 60 s after SIGTERM");
        }
        _p.WaitForExit();
        try
        {
            using var doc = JsonDocument.Parse(_stdout.Result);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new LoadException($"sockdoc trace printed no JSON (exit {_p.ExitCode}): {e.Message}; {Stderr}");
        }
    }

    /// <summary>What a mismatch needs to be understood: each probe attached or not (and why), events seen and lost, how long it ran.</summary>
    public static string Describe(JsonElement report)
    {
        var probes = report.TryGetProperty("probes", out var p) && p.ValueKind == JsonValueKind.Array
            ? string.Join(", ", p.EnumerateArray().Select(x => $"{Text(x, "event")} {(x.TryGetProperty("attached", out var a) && a.ValueKind == JsonValueKind.True ? "attached" : "NOT attached: " + Text(x, "problem"))}"))
            : "none listed";
        long? events = null, lost = null;
        if (report.TryGetProperty("totals", out var t)) (events, lost) = (Long(t, "events"), Long(t, "lost"));
        var secs = report.TryGetProperty("duration_seconds", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetDouble() : double.NaN;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"trace probes: {probes}; events {events?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}, lost {lost?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}, ran {secs:0.0} s");
    }

    /// <summary>The rows of one table of the report ("connect_errors", "resets", "memory", "churn").</summary>
    public static IEnumerable<JsonElement> Rows(JsonElement report, string table) =>
        report.TryGetProperty(table, out var t) && t.ValueKind == JsonValueKind.Array ? t.EnumerateArray() : [];

    /// <summary>A row's integer field, or null when the row has none (a pid is absent for events in softirq context).</summary>
    public static long? Long(JsonElement row, string name) =>
        row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;

    /// <summary>A row's string field, or null.</summary>
    public static string? Text(JsonElement row, string name) =>
        row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public void Dispose()
    {
        if (!_p.HasExited)
        {
            try { _p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        _p.Dispose();
    }
}

/// <summary>What a scenario's trace showed against what its generator did.</summary>
/// <param name="Matched">The trace attributes the failure as the generator made it.</param>
/// <param name="Text">The comparison, with the numbers on both sides.</param>
public sealed record TraceAttribution(bool Matched, string Text);
