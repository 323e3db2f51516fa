using System.Text.RegularExpressions;

namespace SockDoc.RealKernel.Tests.Watch;

/// <summary>The report recorded on this host, rendered by Debian's headless Chromium with the network off.</summary>
public sealed class ReportChromiumTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sockdoc-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Err) Chromium(params string[] args)
    {
        var chromium = Tools.Require("chromium");
        string[] common =
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars",
            // Any request leaving the machine fails: the page must not need one.
            "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
            $"--user-data-dir={Directory.CreateDirectory(Path.Combine(_dir, "chromium-" + Guid.NewGuid().ToString("N"))).FullName}",
            "--enable-logging=stderr", "--v=0",
        ];
        return Tools.Run(chromium, [.. common, .. args], TimeSpan.FromSeconds(90));
    }

    [Fact]
    public void The_report_renders_its_charts_offline_with_no_console_errors()
    {
        var db = Path.Combine(_dir, "h.db");
        var html = Path.Combine(_dir, "report.html");
        var png = Path.Combine(_dir, "report.png");
        var rec = Tools.Run(Tools.Sockdoc, ["record", "--interval", "200ms", "--count", "10", "--db", db, "--no-log"], TimeSpan.FromSeconds(60));
        Assert.True(rec.Code == 0, rec.Err);
        var rep = Tools.Run(Tools.Sockdoc, ["report", "--db", db, "-o", html], TimeSpan.FromSeconds(60));
        Assert.True(rep.Code == 0, rep.Err);
        Assert.Contains("10 samples", rep.Err, StringComparison.Ordinal);

        var shot = Chromium($"--screenshot={png}", "--window-size=1280,2000", new Uri(html).AbsoluteUri);
        Assert.True(shot.Code == 0, shot.Err);
        Assert.DoesNotContain("Uncaught", shot.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(":CONSOLE", shot.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("ERR_", shot.Err, StringComparison.Ordinal); // no failed resource load
        Assert.True(File.Exists(png), $"no screenshot written: {shot.Err}");

        var image = Png.Read(png);
        Assert.Equal((1280, 2000), (image.Width, image.Height));
        long nonWhite = 0, coloured = 0;
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                var (r, g, b) = image.At(x, y);
                if (r < 235 || g < 235 || b < 235) nonWhite++;
                // Chart lines are saturated colours; text and axes are grey.
                if (Math.Max(r, Math.Max(g, b)) - Math.Min(r, Math.Min(g, b)) > 80) coloured++;
            }
        }
        Assert.True(nonWhite > image.Width * image.Height / 100, $"the page looks blank: {nonWhite} non-white pixels");
        Assert.True(coloured > 2000, $"no chart lines drawn: {coloured} coloured pixels");

        // The DOM after rendering: every chart is an SVG with its lines.
        var dom = Chromium("--dump-dom", new Uri(html).AbsoluteUri);
        Assert.True(dom.Code == 0, dom.Err);
        foreach (var id in new[] { "chart-limits", "chart-states", "chart-orphans", "chart-tcpmem", "chart-tw", "chart-conntrack", "chart-files", "chart-timeline" })
            Assert.Contains($"<svg id=\"{id}\"", dom.Out, StringComparison.Ordinal);
        Assert.True(Regex.Matches(dom.Out, "<path class=\"series\"").Count >= 10, "too few chart lines in the rendered DOM");
        Assert.DoesNotContain("Uncaught", dom.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(":CONSOLE", dom.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_database_is_one_clear_line_and_exit_code_3()
    {
        var rep = Tools.Run(Tools.Sockdoc, ["report", "--db", Path.Combine(_dir, "none.db"), "-o", Path.Combine(_dir, "r.html")], TimeSpan.FromSeconds(30));
        Assert.Equal(3, rep.Code);
        Assert.Single(rep.Err.Trim().Split('\n'));
        Assert.Contains("none.db: no such history database", rep.Err, StringComparison.Ordinal);
    }
}
