using System.Globalization;

namespace SockDoc.RealKernel.Tests.Watch;

/// <summary>`watch` in a real terminal: tmux runs it, capture-pane reads the screen, send-keys presses p and q.</summary>
public sealed class WatchTmuxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sockdoc-watch-").FullName;
    // A private tmux server (-L) so the test never touches anyone's sessions.
    private readonly string _socket = "sdk-watch-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
    private readonly string _tmux = Tools.Require("tmux");

    public void Dispose()
    {
        Tools.Run(_tmux, ["-L", _socket, "kill-server"], TimeSpan.FromSeconds(10));
        Directory.Delete(_dir, recursive: true);
    }

    private string Screen() => Tools.Run(_tmux, ["-L", _socket, "capture-pane", "-p", "-t", "w"], TimeSpan.FromSeconds(10)).Out;

    private void Keys(string key) => Assert.Equal(0, Tools.Run(_tmux, ["-L", _socket, "send-keys", "-t", "w", key], TimeSpan.FromSeconds(10)).Code);

    [Fact]
    public async Task The_dashboard_draws_its_gauges_refreshes_pauses_on_p_and_quits_on_q()
    {
        var exitFile = Path.Combine(_dir, "exit");
        // --duration bounds the run if q were ignored; the exit code lands in a file when it ends.
        var command = $"'{Tools.Sockdoc}' watch --interval 1s --duration 90s; echo $? > '{exitFile}'";
        var start = Tools.Run(_tmux, ["-L", _socket, "-f", "/dev/null", "new-session", "-d", "-s", "w", "-x", "200", "-y", "60", "sh", "-c", command], TimeSpan.FromSeconds(10));
        Assert.True(start.Code == 0, start.Err);

        string screen = "";
        Assert.True(await Tools.Until(() => Task.FromResult((screen = Screen()).Contains("Top processes by sockets", StringComparison.Ordinal)), TimeSpan.FromSeconds(30)),
            $"the dashboard never appeared; screen:\n{screen}");
        foreach (var gauge in new[] { "TCP buffer memory", "Orphans", "TIME_WAIT", "Busiest destination ports", "Conntrack", "Open files (system)", "Open files (top process)", "Findings" })
            Assert.Contains(gauge, screen, StringComparison.Ordinal);
        // The orphan limits are read from this host: max, max/2, max/4.
        var maxOrphans = long.Parse(File.ReadAllText("/proc/sys/net/ipv4/tcp_max_orphans").Trim(), CultureInfo.InvariantCulture);
        Assert.Contains($"max {maxOrphans.ToString("#,0", CultureInfo.InvariantCulture)}, /2 {(maxOrphans / 2).ToString("#,0", CultureInfo.InvariantCulture)}", screen, StringComparison.Ordinal);
        // Drawn in place, once: a live display redraws, it does not scroll frames.
        Assert.Equal(1, CountOf(screen, "TCP buffer memory"));

        // It refreshes every second: the clock in the header moves.
        var firstHeader = HeaderLine(screen);
        Assert.True(await Tools.Until(() => Task.FromResult(HeaderLine(Screen()) != firstHeader), TimeSpan.FromSeconds(10)), "the header clock did not move");

        Keys("p");
        Assert.True(await Tools.Until(() => Task.FromResult(Screen().Contains("PAUSED", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)), "p did not pause");
        var paused = HeaderLine(Screen());
        await Task.Delay(2500);
        Assert.Equal(paused, HeaderLine(Screen()));
        Keys("p");
        Assert.True(await Tools.Until(() => Task.FromResult(!Screen().Contains("PAUSED", StringComparison.Ordinal)), TimeSpan.FromSeconds(10)), "p did not resume");

        Keys("q");
        Assert.True(await Tools.Until(() => Task.FromResult(File.Exists(exitFile) && File.ReadAllText(exitFile).Trim().Length > 0), TimeSpan.FromSeconds(10)), "q did not end watch");
        Assert.Equal("0", File.ReadAllText(exitFile).Trim());
    }

    private static string HeaderLine(string screen) => screen.Split('\n').FirstOrDefault(l => l.Contains("SockDoc watch", StringComparison.Ordinal)) ?? "";

    private static int CountOf(string text, string what)
    {
        int n = 0, i = 0;
        while ((i = text.IndexOf(what, i, StringComparison.Ordinal)) >= 0) { n++; i += what.Length; }
        return n;
    }
}
