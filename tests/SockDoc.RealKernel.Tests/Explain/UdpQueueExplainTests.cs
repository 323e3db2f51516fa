using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SockDoc.Cli.Explain;
using SockDoc.Diagnosis.Explain;

namespace SockDoc.RealKernel.Tests.Explain;

/// <summary>
/// `explain` on `ss -uan` taken from the real kernel at the moment a UDP socket's receive queue is full: the kernel's
/// own Udp RcvbufErrors (read in the same namespace) is the oracle that datagrams were dropped, ss's Recv-Q the number
/// the finding must carry.
/// </summary>
public sealed class UdpQueueExplainTests
{
    private static ExplainResult Explain(string text)
    {
        var lines = PasteText.Clean(text, PasteInput.Stamp(TimeProvider.System));
        var (kernelLines, summary) = PasteInput.KernelLog(lines, TimeProvider.System);
        return Explainer.Explain(lines, PasteReader.Read(lines, kernelLines.Keys.ToHashSet()), summary, kernelLines, TimeProvider.System.GetUtcNow());
    }

    private static long RcvbufErrors(TestNetns ns) =>
        long.Parse(Support.Sh($"ip netns exec {ns.Name} awk '/^Udp:/ {{ if (!h) {{ for (i = 1; i <= NF; i++) c[$i] = i; h = 1 }} else print $c[\"RcvbufErrors\"] }}' /proc/net/snmp").Trim(), CultureInfo.InvariantCulture);

    private static long RecvQ(string ss, int port) =>
        ss.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(t => t.Length >= 4 && t[3].EndsWith(":" + port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
            .Select(t => long.Parse(t[1], CultureInfo.InvariantCulture)).Single();

    [Fact]
    public void A_udp_socket_the_kernel_drops_for_reads_as_a_full_receive_buffer_and_a_half_full_one_does_not()
    {
        Support.RequireRoot();
        using var ns = new TestNetns("udpq");
        Support.Sh($"ip netns exec {ns.Name} ip link set lo up");
        var (full, half, sender) = ns.Inside(() =>
        {
            var f = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            f.Bind(new IPEndPoint(IPAddress.Loopback, 5140));
            var h = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            h.Bind(new IPEndPoint(IPAddress.Loopback, 5141));
            return (f, h, new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        });
        using (full)
        using (half)
        using (sender)
        {
            long before = RcvbufErrors(ns);
            var payload = new byte[1000];
            // Bounded: 400 datagrams fill the default buffer (about 92 fit) and overflow it; 10 stay far below it.
            for (int i = 0; i < 400; i++) sender.SendTo(payload, new IPEndPoint(IPAddress.Loopback, 5140));
            for (int i = 0; i < 10; i++) sender.SendTo(payload, new IPEndPoint(IPAddress.Loopback, 5141));
            Thread.Sleep(200);
            var ss = ns.Ss("-uan");
            long dropped = RcvbufErrors(ns) - before;
            Assert.True(dropped > 0, $"the kernel dropped none (RcvbufErrors +{dropped}); ss:\n{ss}");

            var f = Assert.Single(Explain("# ss -uan\n" + ss).Report.Findings);
            Assert.Equal("udp_rcvbuf", f.Id);
            Assert.Equal(RecvQ(ss, 5140), f.Evidence.First(e => e.Name.Contains("Recv-Q", StringComparison.Ordinal)).Value);
            Assert.DoesNotContain(f.Evidence, e => e.Name.Contains(":5141", StringComparison.Ordinal));

            // Read the full socket empty: the same listing then shows no full queue.
            full.ReceiveTimeout = 200;
            var buf = new byte[2048];
            while (full.Available > 0) full.Receive(buf);
            Assert.Empty(Explain("# ss -uan\n" + ns.Ss("-uan")).Report.Findings);
        }
    }
}
