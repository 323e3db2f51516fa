using SockDoc.Diagnosis.Engine;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SockDoc.Cli.Explain;
using SockDoc.Cli.Views;
using SockDoc.Kernel;
using SockDoc.Kernel.KernelLog;
using SockDoc.Model;
using SockDoc.Model.KernelLog;

namespace SockDoc.Cli.Commands;

/// <summary>`sockdoc logs [FILES...]`: socket-resource incidents in the kernel log, one line per kind.</summary>
public static class LogsCommand
{
    /// <summary>How long reading the running kernel's buffer may take before the result is marked partial.</summary>
    public static readonly TimeSpan KmsgBudget = TimeSpan.FromSeconds(10);

    public sealed record Args(string[] Files, bool Json, DateTimeOffset? Since, DateTimeOffset? Until, bool Follow, TimeSpan? For);

    public static Command Create(CliIo io)
    {
        ArgumentNullException.ThrowIfNull(io);
        var files = new Argument<string[]>("files")
        {
            Description = "Log files to read (syslog, kern.log, dmesg, journalctl -k output, json; plain or gzip, rotated ones in any order). Default: the running kernel (/dev/kmsg).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var json = new Option<bool>("--json") { Description = "Write the summary as JSON (with --follow: one JSON object per line)." };
        var since = new Option<string?>("--since") { Description = "Only incidents at or after T: ISO 8601 (2026-11-24T12:00:00Z) or a time ago (30m, 2h, 1d)." };
        var until = new Option<string?>("--until") { Description = "Only incidents at or before T (same forms as --since). Lines without a wall time are kept." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Tail /dev/kmsg live, one line per incident, until Ctrl-C; then print the summary." };
        var forOption = new Option<string?>("--for") { Description = "With --follow: stop after this long (e.g. 30s, 5m)." };
        var cmd = new Command("logs", "Find, count and explain socket-resource incidents in the kernel log (orphans, tcp_mem, SYN floods, conntrack, OOM kills...).")
        {
            files, json, since, until, follow, forOption,
        };
        cmd.SetAction(async (parse, cancel) =>
        {
            var now = io.Time.GetUtcNow();
            if (!TryWhen(parse.GetValue(since), now, out var sinceAt, out var error)) return io.Fail($"logs: --since: {error}");
            if (!TryWhen(parse.GetValue(until), now, out var untilAt, out error)) return io.Fail($"logs: --until: {error}");
            TimeSpan? forSpan = null;
            if (parse.GetValue(forOption) is { } forText)
            {
                if (!TryDuration(forText, out var d)) return io.Fail($"logs: --for \"{forText}\" is not a duration (examples: {Diagnosis.Text.Parse.DurationExamples})");
                forSpan = d;
            }
            if (forSpan is not null && !parse.GetValue(follow)) return io.Fail("logs: --for says when --follow stops; without --follow it does nothing (example: sockdoc logs --follow --for 5m)");
            var args = new Args(parse.GetValue(files) ?? [], parse.GetValue(json), sinceAt, untilAt, parse.GetValue(follow), forSpan);
            return await Task.Run(() => Run(args, io, cancel), cancel).ConfigureAwait(false);
        });
        return cmd;
    }

    public static int Run(Args args, CliIo io, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(io);
        var filter = new KernelLogFilter(args.Since, args.Until);
        if (args.Follow)
        {
            if (args.Files.Length > 0) return io.Fail("logs: --follow reads the running kernel (/dev/kmsg); it does not take files");
            return Follow(args, io, filter, cancel);
        }
        foreach (var file in args.Files)
        {
            // Binary input is refused as `explain` refuses it (one line naming the file, exit 3), not read as text.
            if (file != "-" && HeadOf(file) is { } head && PasteInput.BinaryReason(head, file) is { } binary) return io.Fail($"logs: {binary}");
        }
        var result = args.Files.Length > 0
            ? KernelLogReader.ReadFiles(args.Files, io.Time, filter, cancel)
            : KernelLogReader.ReadRunningKernel(ProcRoot.Live, io.Time, KmsgBudget, filter);
        if (!result.Ok) return io.Fail($"logs: cannot read {result.Path}: {result.Reason}");
        Write(result.Value!, args.Json, io);
        return (int)ExitFor(result.Value!, io.Time.GetUtcNow());
    }

    /// <summary>How close to now an incident's last line makes it critical: the doctor's default --recent window.</summary>
    public static readonly TimeSpan RecentWindow = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The README contract: 2 when an incident the doctor maps to a finding was logged within the last 15 minutes,
    /// 1 when such incidents are in the window read, 0 when there are none (lines of other kinds do not count).
    /// </summary>
    public static ExitCode ExitFor(KernelLogSummary summary, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var incidents = summary.Incidents.Where(i => LogKinds.FindingsFor(i.Kind).Count > 0).ToList();
        if (incidents.Count == 0) return ExitCode.Ok;
        return incidents.Any(i => i.LastWall is { } w && now - w <= RecentWindow && w - now <= RecentWindow) ? ExitCode.Critical : ExitCode.Warning;
    }

    private static int Follow(Args args, CliIo io, KernelLogFilter filter, CancellationToken cancel)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (args.For is { } limit) stop.CancelAfter(limit);
        var result = KernelLogReader.Follow(KernelLogReader.KmsgPath, io.Time, ProcRoot.Live, line =>
        {
            if (line.Time.Wall is { } w && ((filter.Since is { } s && w < s) || (filter.Until is { } u && w > u))) return;
            if (args.Json) io.Out.WriteLine(JsonSerializer.Serialize(LogsView.Event(line), LogsJsonContext.Default.LogEvent));
            else io.Out.WriteLine(LogsView.EventLine(line));
            io.Out.Flush();
        }, skipExisting: false, stop.Token, filter);
        if (!result.Ok) return io.Fail($"logs: cannot read {result.Path}: {result.Reason}");
        if (!args.Json) Write(result.Value!, json: false, io);
        return (int)ExitFor(result.Value!, io.Time.GetUtcNow());
    }

    private static void Write(KernelLogSummary summary, bool json, CliIo io)
    {
        if (json)
        {
            // The reader's summary plus what the doctor makes of each kind (finding_id; finding_ids when the wording is shared).
            var node = JsonSerializer.SerializeToNode(summary, SnapshotJsonContext.Default.KernelLogSummary)!.AsObject();
            foreach (var incident in node["incidents"]!.AsArray())
            {
                var ids = LogKinds.FindingsFor(incident!["kind"]!.GetValue<string>());
                if (ids.Count == 0) continue;
                incident["finding_id"] = ids[0];
                if (ids.Count > 1) incident["finding_ids"] = new System.Text.Json.Nodes.JsonArray([.. ids.Select(i => (System.Text.Json.Nodes.JsonNode?)i)]);
            }
            node.Insert(0, "schema_version", 1);
            io.Out.WriteLine(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        io.Write(LogsView.Render(summary));
        var exit = ExitFor(summary, io.Time.GetUtcNow());
        if (exit != ExitCode.Ok)
            io.Err.WriteLine(exit == ExitCode.Critical ? "sockdoc: exit 2: an incident was logged in the last 15 minutes" : "sockdoc: exit 1: incidents in the log (none in the last 15 minutes)");
    }

    /// <summary>ISO 8601 (no zone means UTC) or a time ago: "90s", "30m", "2h", "1d", "1w" (the one time parser).</summary>
    public static bool TryWhen(string? text, DateTimeOffset now, out DateTimeOffset? at, out string? error)
    {
        at = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        if (Diagnosis.Text.Parse.TryTime(text, now, out var parsed))
        {
            at = parsed;
            return true;
        }
        error = $"\"{text.Trim()}\" is not a time (examples: {Diagnosis.Text.Parse.TimeExamples})";
        return false;
    }

    public static bool TryDuration(string text, out TimeSpan span) => Diagnosis.Text.Parse.TryDuration(text, out span);

    /// <summary>The first 64 KiB of a file; null when it cannot be opened (the reader reports that with its reason).</summary>
    private static byte[]? HeadOf(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            var buffer = new byte[64 * 1024];
            int n = f.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return buffer[..n];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
