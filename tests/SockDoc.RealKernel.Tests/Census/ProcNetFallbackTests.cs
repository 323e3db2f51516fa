using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SockDoc.Kernel.Census;
using SockDoc.Model.Census;

namespace SockDoc.RealKernel.Tests.Census;

/// <summary>
/// The census from /proc/net/tcp (no sock_diag: qemu-user, gVisor, inet_diag not loadable), forced with the
/// documented SOCKDOC_NO_SOCK_DIAG=1 on the real kernel, against `ss -tan` of the same namespace (no mock).
/// </summary>
public sealed partial class CensusRealKernelTests
{
    private static T WithoutSockDiag<T>(Func<T> work)
    {
        // Real-kernel tests run one at a time (AssemblyInfo), so the process-wide switch touches no other test.
        Environment.SetEnvironmentVariable(SocketCensusCollector.NoSockDiagVariable, "1");
        try { return work(); }
        finally { Environment.SetEnvironmentVariable(SocketCensusCollector.NoSockDiagVariable, null); }
    }

    [Fact]
    public void Without_sock_diag_the_census_from_proc_net_tcp_counts_what_ss_tan_counts()
    {
        Support.RequireRoot();
        using var ns = new TestNetns("procnet");
        ns.Inside(() => { BuildSocketSet(); return 0; });
        WaitForSocketSet(ns);

        var census = WithoutSockDiag(() => Collect(ns, parallel: false));
        var viaDiag = Collect(ns, parallel: false);
        var ss = SsRows(ns.Ss("-tan"));
        Assert.Equal(SocketCensus.SourceProcNetTcp, census.Source);
        Assert.Equal("SOCKDOC_NO_SOCK_DIAG=1", census.SockDiagUnavailable);
        Assert.Contains(census.Notes, n => n.StartsWith("census from /proc/net/tcp: sock_diag unavailable (SOCKDOC_NO_SOCK_DIAG=1)", StringComparison.Ordinal));
        Assert.Equal(SocketCensus.SourceSockDiag, viaDiag.Source);

        var expectedStates = ss.GroupBy(r => r.State).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expectedStates.OrderBy(kv => kv.Key), census.ByState.OrderBy(kv => kv.Key));
        Assert.Equal(viaDiag.ByState.OrderBy(kv => kv.Key), census.ByState.OrderBy(kv => kv.Key));
        Assert.Equal(viaDiag.OrphansByState.OrderBy(kv => kv.Key), census.OrphansByState.OrderBy(kv => kv.Key));
        Assert.Equal(viaDiag.Ipv6Sockets, census.Ipv6Sockets);
        Assert.Equal(viaDiag.TimeWaitBuckets, census.TimeWaitBuckets);
        var expectedPorts = ss.Where(r => r.State != "LISTEN").GroupBy(r => r.LocalPort)
            .ToDictionary(g => g.Key, g => (g.LongCount(), g.LongCount(r => r.State == "TIME_WAIT")));
        Assert.Equal(expectedPorts.OrderBy(kv => kv.Key), census.LocalPorts.ToDictionary(p => p.LocalPort, p => (p.Connections, p.TimeWait)).OrderBy(kv => kv.Key));
        Assert.Equal(3, census.Destinations.Single(d => d.DestinationPort == 7003).TimeWait);

        // Owners through the same /proc/*/fd walk (inode from the file).
        Assert.Contains(census.Processes, p => p.Pid == Environment.ProcessId && p.Listening == 4 && p.Sockets > 10);
        // The full listener: its accept queue is known, its backlog is not (never 0), so it is not called full.
        var l = census.Listeners.Single(x => x.LocalPort == 7001);
        Assert.Equal(ss.Single(r => r.State == "LISTEN" && r.LocalPort == 7001).RecvQ, l.AcceptQueue);
        Assert.Null(l.Backlog);
        Assert.False(l.Full);
        Assert.Equal(Environment.ProcessId, l.Pid);
        // What only sock_diag gives stays unknown.
        Assert.Null(census.Memory);
        Assert.Null(census.TopByMemory);
        Assert.Null(census.SendBufferFull);
        Assert.Null(census.SendBufferFullCount);
        Assert.Null(census.Cgroups);
    }

    [Fact]
    public void Without_sock_diag_the_cli_says_where_its_census_came_from_and_udp_keeps_its_drops()
    {
        Support.RequireRoot();
        using var ns = new TestNetns("procnet");
        int port = ns.Inside(() =>
        {
            var u = Keep(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            u.ReceiveBufferSize = 1024; // a few datagrams fill it: the rest are dropped (sk_drops)
            u.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var s = Keep(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            for (int i = 0; i < 100; i++) s.SendTo(new byte[500], u.LocalEndPoint!);
            Listen(IPAddress.Loopback, 7301, 8);
            return ((IPEndPoint)u.LocalEndPoint!).Port;
        });
        var run = SockDoc.RealKernel.Tests.Watch.Tools.Run("ip", ["netns", "exec", ns.Name, "env", "SOCKDOC_NO_SOCK_DIAG=1", "dotnet", Support.SockdocDll, "sockets", "--json"],
            TimeSpan.FromSeconds(60));
        Assert.True(run.Code == 0, run.Err);
        using (var doc = JsonDocument.Parse(run.Out))
        {
            Assert.Equal("/proc/net/tcp", doc.RootElement.GetProperty("source").GetString());
            Assert.StartsWith("census from /proc/net/tcp: sock_diag unavailable (SOCKDOC_NO_SOCK_DIAG=1)", doc.RootElement.GetProperty("source_line").GetString());
            Assert.False(doc.RootElement.TryGetProperty("memory", out _)); // unknown: absent, not zeros
            Assert.Equal(1, doc.RootElement.GetProperty("by_state").GetProperty("LISTEN").GetInt64());
        }

        var udp = WithoutSockDiag(() => ns.Inside(() => UdpCensusCollector.Collect(10)));
        var viaDiag = ns.Inside(() => UdpCensusCollector.Collect(10));
        Assert.Equal("/proc/net/udp", udp.Source);
        Assert.Null(udp.MemoryBytes);
        Assert.False(udp.Partial, udp.Problem);
        Assert.Equal(viaDiag.Sockets, udp.Sockets);
        Assert.True(udp.Drops > 0, "the 1 KiB receive buffer dropped nothing");
        Assert.Equal(viaDiag.Drops, udp.Drops);
        Assert.Equal(viaDiag.Top.Single(r => r.Local.EndsWith($":{port}", StringComparison.Ordinal)).RecvQueue,
            udp.Top.Single(r => r.Local.EndsWith($":{port}", StringComparison.Ordinal)).RecvQueue);
    }
}
