using System.Text.RegularExpressions;
using SockDoc.Cli;
using SockDoc.Cli.Output;
using SockDoc.Cli.Views;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Trace;
using SockDoc.Kernel.Census;
using SockDoc.Load.Lab;
using SockDoc.Load.Scenarios;
using SockDoc.Model.Namespaces;
using SockDoc.Model.Trace;
using SockDoc.Tests.Trace;
using SockDoc.Tests.Watch;

namespace SockDoc.Tests.Conventions;

/// <summary>
/// Issue 15 item 1 for every view, not only the doctor's: rendered at 60, 80, 120 and 200 columns and piped (no width),
/// on a terminal and not, no line is broken inside a command, a file line or a number, every `sysctl -w` line parses
/// back, and nothing draws boxes.
/// </summary>
public sealed partial class WidthTests
{
    public static TheoryData<int?> Widths() => new(60, 80, 120, 200, null);

    [GeneratedRegex("^sysctl -w ([a-z0-9_.-]+(?:/[a-z0-9_.-]+)*)=\"([^\"]*)\"(?:  # .*)?$")]
    private static partial Regex SysctlLine();

    /// <summary>Lines an operator pastes or greps whole: commands and the lines of a drop-in file.</summary>
    [GeneratedRegex(@"^(sysctl |sockdoc |ss |ip |nstat |cat /|\[Service\]|Limit[A-Z]|\*  (soft|hard)|-?(net|fs|vm|kernel)\.[a-z0-9_.]+ = [0-9 ]+$)")]
    private static partial Regex PasteLine();

    [GeneratedRegex("[│┃┌┐└┘╭╮╰╯─━┬┴┼├┤═║]")]
    private static partial Regex BoxDrawing();

    private static (int Exit, string Out, string Err) Run(string[] args, int? width, bool terminal)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var exit = Program.Run(args, new CliIo(o, e, outputIsTerminal: terminal, noColor: true, width: width));
        return (exit, o.ToString(), e.ToString());
    }

    private static List<string> Numbers(string text) =>
        [.. text.Split([' ', '\n', '(', ')', ';', '[', ']'], StringSplitOptions.RemoveEmptyEntries).Where(t => Regex.IsMatch(t, "^[0-9][0-9,.]*[0-9]$")).Order(StringComparer.Ordinal)];

    private static int LongestWord(string line) => line.Split(' ').Max(w => w.Length);

    /// <summary>The checks every view must pass: wide is the same text laid out without a width.</summary>
    private static void AssertWhole(string view, string wide, string laidOut, int? width)
    {
        Assert.False(string.IsNullOrWhiteSpace(laidOut), view + " printed nothing");
        Assert.DoesNotMatch(BoxDrawing(), laidOut);
        // Numbers never split: the same numbers, as many times, whatever the width.
        Assert.Equal(Numbers(wide), Numbers(laidOut));
        var lines = laidOut.Split('\n').Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);
        foreach (var paste in wide.Split('\n').Select(l => l.Trim()).Where(l => PasteLine().IsMatch(l)))
            Assert.True(lines.Contains(paste), $"{view} at {width}: this line did not come out whole: {paste}");
        foreach (var l in laidOut.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("sysctl -w", StringComparison.Ordinal)))
            Assert.True(SysctlLine().IsMatch(l), $"{view} at {width}: a fix line does not parse back: {l}");
        if (width is { } w)
        {
            var wideLines = wide.Split('\n').ToHashSet(StringComparer.Ordinal);
            // Prose wraps at the width; only a line that is never wrapped (a command, a file line, a table row) or an unbreakable word runs past it.
            Assert.All(laidOut.Split('\n'), l => Assert.True(l.Length <= w || wideLines.Contains(l) || LongestWord(l) > w / 3 || Regex.IsMatch(l, "`[^`]{" + (w / 3) + ",}`"),
                $"{view}: line longer than {w}: {l}"));
        }
    }

    private static void AssertCommand(string view, string[] args, int? width, Func<int, bool> exitOk)
    {
        var (exitWide, wide, errWide) = Run(args, null, terminal: false);
        Assert.True(exitOk(exitWide), $"{view}: exit {exitWide}: {errWide}");
        foreach (var terminal in new[] { false, true })
        {
            var (exit, text, err) = Run(args, width, terminal);
            Assert.True(exit == exitWide, $"{view}: exit {exit} at {width} against {exitWide} unwrapped: {err}");
            AssertWhole(view + (terminal ? " (terminal)" : " (piped)"), wide, text, width);
        }
    }

    private static void AssertDoc(string view, TextDoc doc, int? width) => AssertWhole(view, doc.Render(null, false), doc.Render(width, false), width);

    [Theory]
    [MemberData(nameof(Widths))]
    public void Commands_that_run_without_root_keep_lines_whole(int? width)
    {
        var paste = Path.Combine(Path.GetTempPath(), "sockdoc-width-" + Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllText(paste,
            "[12345.678] TCP: out of memory -- consider tuning tcp_mem\n" +
            "[12346.001] TCP: too many orphaned sockets\n" +
            "connect() failed (99: Cannot assign requested address) while connecting to upstream, client: 10.0.0.1, upstream: \"http://10.0.0.9:8080/\"\n" +
            "this line means nothing to explain at all, but it is long enough to be wrapped at sixty columns 1234567\n");
        try
        {
            AssertCommand("explain", ["explain", paste], width, e => e is 1 or 2);
            AssertCommand("plan", ["plan", "-c", "1M", "--role", "server"], width, e => e is 0 or 1);
            AssertCommand("lint", ["lint", "--root", Fixtures.Dir("lint", "traps")], width, e => e is 0 or 1 or 2);
            AssertCommand("logs", ["logs", Fixtures.Dir("kernellog", "dmesg-T-6.18.txt")], width, e => e is 1 or 2);
            AssertCommand("doctor", ["doctor", "--proc-root", Fixtures.Dir("hosts", "debian12-6.18-vm"), "--page-size", "4096"], width, e => e is 0 or 1 or 2);
            AssertCommand("watch", ["watch", "--proc-root", Fixtures.Dir("hosts", "debian12-6.18-vm"), "--page-size", "4096", "--no-census", "--interval", "100ms", "--count", "1"],
                width, e => e == 0);
            AssertCommand("lab list", ["lab", "list"], width, e => e == 0);
        }
        finally
        {
            File.Delete(paste);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Views_of_root_only_commands_keep_lines_whole(int? width)
    {
        // sockets: the census of a real 6.18 dump (fixtures/netlink), every table, with a port filter.
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "netlink", "census-mixed.bin"));
        var (census, _) = SocketCensusCollector.FromCapture(bytes, 20, (32768, 60999), DateTimeOffset.UnixEpoch);
        census = census with { Notes = ["owners: not scanned; pass --by process to attribute sockets to processes"], PortFilter = [80, 443, 8000, 8001, 8002], BlockedSenders = [] };
        AssertDoc("sockets", SocketsView.Render(census, SocketsSections.Default | SocketsSections.Peer), width);

        // sockets --by container: two namespaces with the same census.
        var ids = new[]
        {
            new NetNamespaceIdentity { Inode = 4026531840, Initial = true },
            new NetNamespaceIdentity { Inode = 4026532999, NetnsNames = ["sdk-width-a-very-long-namespace-name"] },
        };
        AssertDoc("sockets --by container", NamespacesView.Census([(ids[0], census), (ids[1], census)], byState: true, byDest: true, udp: false, top: 20), width);

        // watch: a busy host's frame, on a terminal (bars, sparklines) and piped.
        var history = Enumerable.Range(0, 30).Select(i => SockDoc.Cli.History.Sample.From(WatchSnapshots.Busy(WatchSnapshots.T0.AddSeconds(i), orphans: 30_000 + 500 * i))).ToList();
        var model = new DashboardModel
        {
            Current = history[^1],
            History = history,
            KernelRelease = "6.18.44",
            Findings = [new Finding { Id = "orphans", Severity = Severity.Warning, Title = "44,500 orphans: above tcp_max_orphans/4 (32,768), so every orphan is reset after 120 s of idle", When = When.Risk, Explanation = "e" }],
            TopProcesses = WatchSnapshots.Busy(WatchSnapshots.T0).Census!.Processes,
            LeftOut = ["the kernel log (watch reads only gauges and counters; run sockdoc doctor for incidents)"],
        };
        AssertDoc("watch (terminal)", DashboardView.Doc(model, graphics: true), width);
        AssertDoc("watch (piped)", DashboardView.Doc(model, graphics: false), width);

        // trace: failed connects, churn and blocked senders, through the Spectre renderable the live display uses.
        var agg = new TraceAggregator(TraceBy.Process | TraceBy.Peer, pid => new TraceProcess(pid, "worker-" + pid, "/system.slice/app.service"));
        var peer = new TraceEndpoint(2, 0x7F000001, 9000);
        for (int pid = 10; pid < 20; pid++)
        {
            agg.OnConnectExit(new ConnectExitEvent((ulong)pid, pid, pid, -99));
            agg.OnBlockedSample([new BlockedThreadSample(pid, pid, 3, peer)], 123_456.7);
        }
        var report = TraceReportBuilder.Build(agg, TraceDecoderTests.Info(TraceWhat.Ports | TraceWhat.Blocked | TraceWhat.Drops, TraceBy.Process | TraceBy.Peer), 3) with { Finished = true };
        AssertDoc("trace", TraceView.Doc(report), width);
        var wide = new StringWriter();
        new CliIo(wide, TextWriter.Null, outputIsTerminal: false, noColor: true, width: null).Console().Write(TraceView.Render(report));
        var laidOut = new StringWriter();
        new CliIo(laidOut, TextWriter.Null, outputIsTerminal: false, noColor: true, width: width).Console().Write(TraceView.Render(report));
        AssertWhole("trace (through Spectre)", wide.ToString(), laidOut.ToString(), width);

        // load: a refused c1m run, a finished one, a client run and the storm comparison.
        var fail = new LimitCheck("fs.epoll.max_user_watches", SockDoc.Load.Scenarios.CheckStatus.Fail, "100", "2,000,000", "sysctl -w fs.epoll.max_user_watches=\"4000000\"");
        AssertDoc("load c1m refused", LoadView.C1m(new C1mResult { Planned = 1_000_000, Refused = true, Checks = [fail, fail with { Status = SockDoc.Load.Scenarios.CheckStatus.Ok, Limit = "fs.nr_open" }] }), width);
        AssertDoc("load c1m", LoadView.C1m(new C1mResult
        {
            Planned = 1_000_000, Held = 999_998, ServerOpen = 999_998, EstablishSeconds = 12.34, ConnectsPerSecond = 81_234.5,
            ConnectP50Micros = 150, ConnectP99Micros = 2500, ConnectMaxMicros = 1_500_000, Failed = 2,
            Errors = new Dictionary<string, long> { ["client EADDRNOTAVAIL"] = 2 },
            KernelSlabBytes = 7_700_000_000, UserRssClientBytes = 3_000_000_000, UserRssServerBytes = 3_000_000_000, KernelFloorPerConnection = 7616,
            Slab = [new SlabDelta("TCP", 2368, 2_000_000, 4_736_000_000)], StoppedBy = "--duration 600 s reached after holding every connection for 300 s",
        }), width);
        AssertDoc("load client", LoadView.Run(new LoadRunSummary { Role = "client", Mode = "short", Seconds = 60, Attempted = 123_456, Established = 123_450, Requests = 1_234_567, Replies = 1_234_560, Failed = 6,
            Errors = new Dictionary<string, long> { ["EADDRNOTAVAIL"] = 6 }, ConnectP50Micros = 80, ConnectP99Micros = 1200, ConnectMaxMicros = 25_000, UserBytesPerConnection = 312 }), width);
        var side = new StormSide { Mode = "short", ConnectionsCreated = 120_000, Requests = 120_000, Replies = 119_000, Failed = 1000, TimeWaitLeft = 28_232,
            Errors = new Dictionary<string, long> { ["EADDRNOTAVAIL"] = 1000 }, P50Micros = 90, P99Micros = 4000, MaxMicros = 1_000_000 };
        AssertDoc("load storm", LoadView.Storm(new StormResult(new StormOptions { Rate = 20_000, Seconds = 6, PortLow = 40000, PortHigh = 40009 }, side, side with { Mode = "pool", ConnectionsCreated = 8 })), width);

        // lab: the scenario list (fix lines are commands) and a result.
        AssertDoc("lab list", LabView.List(LabScenarios.All), width);
        AssertDoc("lab result", LabView.Result(new LabResult
        {
            Name = "orphans", Symptom = "too many orphaned sockets", Expected = ["orphans"], Reproduced = true, Pass = true, Seconds = 12.3,
            Found = [new LabFinding("orphans", "critical", "now", ["orphans: 41,000 (sockstat; /proc/net/sockstat)", "tcp_max_orphans: 100 (sysctl)"])],
        }), width);
    }

    [Fact]
    public void Lab_fix_examples_with_a_space_are_quoted_so_they_paste()
    {
        var text = LabView.List(LabScenarios.All).Render(null, false);
        Assert.Contains("sockdoc lab run port_exhaustion --with \"net.ipv4.ip_local_port_range=10000 60999\"", text, StringComparison.Ordinal);
    }
}
