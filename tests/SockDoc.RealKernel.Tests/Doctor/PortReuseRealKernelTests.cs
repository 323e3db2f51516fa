using System.Net;
using System.Net.Sockets;
using SockDoc.Load.Lab.Recipes;

namespace SockDoc.RealKernel.Tests.Doctor;

/// <summary>
/// Issue 14 #1 on the running kernel: with the default tcp_tw_reuse=2, connect() to a loopback destination takes over its
/// own TIME_WAIT ports (tcp_twsk_unique()) about a second after their last packet, so a 10-port range full of TIME_WAIT is
/// not exhaustion. Everything happens in a namespace of its own; nothing global changes.
/// </summary>
public sealed class PortReuseRealKernelTests
{
    public PortReuseRealKernelTests() => Support.RequireRoot();

    [Fact]
    public void Loopback_time_wait_with_tw_reuse_2_is_reused_and_not_reported_as_exhaustion()
    {
        using var ns = new TestNetns("tw");
        ns.Sysctl("net.ipv4.ip_local_port_range", "40000 40009");
        ns.Sysctl("net.ipv4.tcp_tw_reuse", "2");
        var (first, second) = ns.Inside(() =>
        {
            using var listener = LabSockets.Listener(8080, 64);
            int a = Connects(10);
            // tcp_tw_reuse_delay (1000 ms) or the next whole second must pass since each TIME_WAIT's last timestamp.
            Thread.Sleep(2100);
            int b = Connects(10);
            return (a, b);

            int Connects(int n)
            {
                int made = 0;
                for (int i = 0; i < n; i++)
                {
                    using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    try
                    {
                        c.Connect(new IPEndPoint(IPAddress.Loopback, 8080));
                    }
                    catch (SocketException)
                    {
                        break;
                    }
                    using var s = listener.Accept();
                    c.Close(); // the client closes first: its port goes to TIME_WAIT
                    made++;
                }
                return made;
            }
        });
        Assert.Equal(10, first);
        Assert.Equal(10, second); // every port of the range was a TIME_WAIT, and connect() reused each one
        var tw = ns.Ss("-tan state time-wait").Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains(":8080", StringComparison.Ordinal));
        Assert.Equal(10, tw);

        var run = Support.Sockdoc(ns.Name, "doctor", "--json", "--interval", "0", "--only", "port_exhaustion");
        var findings = Support.Findings(run);
        Assert.False(findings.ContainsKey("port_exhaustion"), $"port_exhaustion reported although every TIME_WAIT is reusable:\n{run.Stdout}");
    }
}
