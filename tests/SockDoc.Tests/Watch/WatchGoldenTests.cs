using System.Text.RegularExpressions;
using SockDoc.Cli;
using SockDoc.Cli.History;
using SockDoc.Cli.Views;
using SockDoc.Diagnosis.Engine;

namespace SockDoc.Tests.Watch;

/// <summary>Golden outputs (SOCKDOC_UPDATE_GOLDEN=1 rewrites them): /metrics of the VM fixture at two page sizes, a dashboard frame.</summary>
public sealed partial class WatchGoldenTests
{
    [Theory]
    [InlineData("4096", "4k")]
    [InlineData("64K", "64k")]
    public void Exporter_metrics_of_the_vm_fixture(string page, string name)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.Run(["exporter", "--once", "--proc-root", Fixtures.Dir("hosts", "debian12-6.18-vm"), "--page-size", page],
            new CliIo(o, e, outputIsTerminal: false, noColor: true));
        Assert.True(code == 0, e.ToString());
        // The time a scrape took is the one value that changes from run to run.
        Golden.Check($"exporter-vm-{name}.prom", ScrapeTime().Replace(o.ToString(), "sockdoc_scrape_duration_seconds SCRUBBED"));
    }

    [Fact]
    public void Dashboard_frame_at_120_columns()
    {
        var history = Enumerable.Range(0, 30).Select(i => Sample.From(WatchSnapshots.Busy(WatchSnapshots.T0.AddSeconds(i), orphans: 30_000 + 500 * i))).ToList();
        var model = new DashboardModel
        {
            Current = history[^1],
            History = history,
            KernelRelease = "6.18.44",
            Findings = [new Finding { Id = "orphans", Severity = Severity.Warning, Title = "44,500 orphans: above tcp_max_orphans/4 (32,768)", When = When.Risk, Explanation = "e" }],
            TopProcesses = WatchSnapshots.Busy(WatchSnapshots.T0).Census!.Processes,
        };
        Golden.Check("watch-frame-120.txt", DashboardView.Doc(model, graphics: true).Render(120, color: false));
    }

    [GeneratedRegex("^sockdoc_scrape_duration_seconds .*$", RegexOptions.Multiline)]
    private static partial Regex ScrapeTime();
}
