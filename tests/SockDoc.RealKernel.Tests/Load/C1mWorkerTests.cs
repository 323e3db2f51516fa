using System.Diagnostics;
using System.Globalization;
using SockDoc.Load;
using SockDoc.Load.Scenarios;
using SockDoc.Load.Worker;

namespace SockDoc.RealKernel.Tests.Load;

[Trait("Category", "RealKernel")]
public class C1mWorkerTests
{
    // The sockdoc apphost is copied next to the tests (project reference to the CLI).
    private static readonly string Sockdoc = Path.Combine(AppContext.BaseDirectory, "sockdoc");

    private static List<int> ProcessesWith(string tag)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmd.Contains(" worker ", StringComparison.Ordinal) && cmd.Contains(tag, StringComparison.Ordinal)) pids.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return pids;
    }

    [Fact]
    public void C1m_spreads_connections_over_worker_processes_and_measures_them()
    {
        var tag = $"c1mtest-{Environment.ProcessId}";
        ushort basePort = (ushort)(23000 + Environment.ProcessId % 100 * 8);
        var runner = new C1mRunner(new WorkerLauncher(Sockdoc, ["load", "worker"]), new C1mOptions
        {
            Connections = 4000, HoldSeconds = 0.5, DurationSeconds = 60, Ports = 4, BasePort = basePort, Tag = tag, PerWorkerCap = 1000,
        });
        var progress = new List<C1mProgress>();
        var r = runner.Run(HostLimits.Sample(), p => progress.Add(p), CancellationToken.None);

        Assert.False(r.Refused, string.Join("; ", r.Checks.Where(c => c.Status == CheckStatus.Fail).Select(c => c.Limit)));
        Assert.Null(r.StoppedBy);
        Assert.Equal(4, r.ClientWorkers);
        Assert.Equal(4, r.ServerWorkers);
        Assert.Equal(4000, r.Held);
        Assert.Equal(4000, r.ServerOpen);  // SO_REUSEPORT spread them; every one was accepted
        Assert.Equal(4000, r.Established);
        Assert.Equal(0, r.Failed);
        Assert.True(r.EstablishSeconds > 0);
        Assert.NotNull(r.ConnectP50Micros);
        Assert.True(r.ConnectMaxMicros >= r.ConnectP99Micros);
        Assert.True(r.KernelSlabBytes > 0, "slab growth while holding 8,000 sockets");
        Assert.Contains(r.Slab, s => s.Cache == "TCP" && s.Objects >= 7000);
        Assert.True(r.UserRssClientBytes > 0 && r.UserRssServerBytes > 0);
        Assert.Contains(progress, p => p.Phase == "connecting");
        Assert.Empty(ProcessesWith(tag));
    }

    [Fact]
    public void Killing_the_parent_stops_every_worker()
    {
        int basePort = 24000 + Environment.ProcessId % 100 * 8;
        var psi = new ProcessStartInfo(Sockdoc) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "load", "c1m", "--connections", "2000", "--hold", "50", "--duration", "60", "--ports", "2", "--base-port", basePort.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using var parent = Process.Start(psi)!;
        var tag = $"c1m-{parent.Id}";
        try
        {
            var sw = Stopwatch.StartNew();
            while (ProcessesWith(tag).Count < 2 && sw.Elapsed < TimeSpan.FromSeconds(20)) Thread.Sleep(100);
            var workers = ProcessesWith(tag);
            Assert.Equal(2, workers.Count); // one server, one client worker for 2,000 connections
            parent.Kill(); // SIGKILL: no finally, no cleanup code runs in the parent
            parent.WaitForExit();
            sw.Restart();
            while (ProcessesWith(tag).Count > 0 && sw.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(100);
            Assert.Empty(ProcessesWith(tag)); // PR_SET_PDEATHSIG delivered SIGKILL to each worker
        }
        finally
        {
            if (!parent.HasExited) parent.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void C1m_check_only_prints_the_limits_and_starts_nothing()
    {
        var psi = new ProcessStartInfo(Sockdoc) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "load", "c1m", "--connections", "1000", "--check-only", "--json" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var json = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        Assert.Contains("\"limit\": \"fs.epoll.max_user_watches\"", json, StringComparison.Ordinal);
        Assert.Contains("\"refused\": false", json, StringComparison.Ordinal);

        // A range of 16 ports cannot carry 1,000 connections per (source, port) tuple: refused, exit 3, named.
        var refused = C1mChecks.Check(C1mPlan.Make(8000, 20000, ports: 1), HostLimits.Read() with { PortLow = 40000, PortHigh = 40015 });
        Assert.Contains(refused, c => c.Status == CheckStatus.Fail && c.Limit.StartsWith("ephemeral ports", StringComparison.Ordinal));
    }
}
