using SockDoc.Cli;
using SockDoc.Cli.Commands;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;
using SockDoc.Tests.Rules;

namespace SockDoc.Tests.Trace;

/// <summary>Issue 12 deliver 4: findings that need attribution point to a `sockdoc trace` line the trace command accepts.</summary>
public class TraceLinesTests
{
    public static TheoryData<string> Ids() => [.. TraceLines.ById.Keys];

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_suggested_trace_line_parses_with_the_trace_commands_own_parser(string id)
    {
        var line = TraceLines.ById[id];
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["sockdoc", "trace"], words[..2]);
        var o = new StringWriter();
        var e = new StringWriter();
        var io = new CliIo(o, e, outputIsTerminal: false, noColor: true, width: 160);
        var cmd = TraceCommand.Create(io);
        var parse = cmd.Parse(words[2..]);
        Assert.Empty(parse.Errors);
        var args = TraceCommand.Check(io, parse.GetValue<string>("--duration")!, parse.GetValue<string>("--what")!, parse.GetValue<string>("--by")!,
            parse.GetValue<bool>("--json"), parse.GetValue<int>("--top"), parse.GetValue<bool>("--cleanup"), parse.GetValue<string>("--sample-interval")!,
            parse.GetValue<int>("--ring-kb"), out int fail);
        Assert.True(args is not null, $"{line}: {e}");
        Assert.Equal(0, fail);
        Assert.Equal(60, args.Seconds);
    }

    [Fact]
    public void The_doctor_attaches_the_line_to_warning_findings_and_shows_it_under_the_fix()
    {
        // TCP memory over the pressure mark: tcp_mem is critical, and counters cannot say whose sockets hold it.
        var report = All.Engine().Run(Snap.One(Snap.Base().Sockstat(s => s with { TcpMemPages = 1001 }).Sysctl(SysctlNames.TcpMem, "750 1000 1500")), only: ["tcp_mem"]);
        var f = Assert.Single(report.Findings);
        Assert.Equal(TraceLines.ById["tcp_mem"], f.Trace);
        Assert.Equal(f.Trace, report.Checks.Single(c => c.Id == "tcp_mem").Finding!.Trace);
        var json = SockDoc.Cli.Output.ReportJson.Serialize(report, 2);
        Assert.Contains("\"trace\": \"sockdoc trace --what memory,resets --by process,cgroup --duration 60s\"", json, StringComparison.Ordinal);
        var text = SockDoc.Cli.Views.DoctorView.Render(report, SockDoc.Cli.Output.SettingsToChange.From(report, null)).Render(120, false);
        int fix = text.IndexOf("  Fix", StringComparison.Ordinal);
        int trace = text.IndexOf("    " + f.Trace, StringComparison.Ordinal);
        Assert.True(fix >= 0 && trace > fix, text);
    }

    [Fact]
    public void Findings_without_attribution_need_no_trace_line()
    {
        var ok = All.Engine().Run(Snap.One(Snap.Base()), only: ["tcp_mem"]);
        Assert.All(ok.Checks, c => Assert.Null(c.Finding?.Trace));
        Assert.Null(TraceLines.For("fd_process"));
    }
}
