using System.CommandLine;
using SockDoc.Cli.History;
using SockDoc.Cli.HtmlReporting;

namespace SockDoc.Cli.Commands;

/// <summary>`sockdoc report`: the history as one self-contained HTML file.</summary>
public static class ReportCommand
{
    public sealed record Args(string Db, string Output, DateTimeOffset? Since);

    public static Command Create(CliIo io)
    {
        var output = new Option<string>("--output", "-o") { Description = "HTML file to write; - writes to standard output.", DefaultValueFactory = _ => "report.html" };
        var db = new Option<string>("--db") { Description = "History database written by `sockdoc record`.", DefaultValueFactory = _ => "sockdoc.db" };
        var since = new Option<string?>("--since") { Description = "Only samples at or after T: a time ago (24h, 1w) or ISO 8601 (2026-11-24T12:00:00Z).", HelpName = "T" };
        var cmd = new Command("report", "Turn the recorded history into one self-contained HTML file with charts over time.") { output, db, since };
        cmd.SetAction(parse =>
        {
            DateTimeOffset? s = null;
            if (parse.GetValue(since) is { } text)
            {
                if (!Diagnosis.Text.Parse.TryTime(text, io.Time.GetUtcNow(), out var v)) return io.Fail($"report: --since \"{text}\" is not a time (examples: {Diagnosis.Text.Parse.TimeExamples})");
                s = v;
            }
            return Run(new Args(parse.GetValue(db)!, parse.GetValue(output)!, s), io);
        });
        return cmd;
    }

    public static int Run(Args args, CliIo io)
    {
        IReadOnlyList<Sample> samples;
        try
        {
            using var history = SqliteHistory.Open(args.Db, create: false);
            samples = history.Read(args.Since);
        }
        catch (HistoryException e)
        {
            return io.Fail(e.Message);
        }
        if (samples.Count == 0) return io.Fail($"{args.Db}: no samples{(args.Since is null ? "" : " in that period")} (record some with `sockdoc record --db {args.Db}`)");
        var html = HtmlReport.Render(samples, io.Time.GetUtcNow());
        if (args.Output == "-")
        {
            io.Out.Write(html);
            return (int)ExitCode.Ok;
        }
        try
        {
            File.WriteAllText(args.Output, html);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return io.Fail($"{args.Output}: cannot write ({e.Message})");
        }
        io.Err.WriteLine($"sockdoc report: {samples.Count} samples → {args.Output}");
        return (int)ExitCode.Ok;
    }
}
