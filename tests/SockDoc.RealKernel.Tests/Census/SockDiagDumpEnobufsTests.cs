using System.Net;
using System.Net.Sockets;
using SockDoc.Kernel.Netlink;
using SockDoc.Kernel.Netlink.SockDiag;

namespace SockDoc.RealKernel.Tests.Census;

/// <summary>
/// A dump whose IPv4 half fails with ENOBUFS must still count every IPv6 socket and say it is incomplete (issue 17 bug 1).
/// </summary>
[Trait("Category", "RealKernel")]
public sealed class SockDiagDumpEnobufsTests
{
    private struct FamilyCounter : ISockDiagSink
    {
        public long V4, V6;

        public void OnSocket(in InetDiagSocket socket)
        {
            if (socket.Family == InetDiag.AF_INET6) V6++;
            else V4++;
        }
    }

    [Fact]
    public void Enobufs_on_the_IPv4_dump_leaves_the_IPv6_dump_whole_and_the_result_marked_incomplete()
    {
        Support.RequireRoot();
        using var ns = new TestNetns("enobufs");
        var sockets = new List<Socket>();
        try
        {
            // Enough IPv4 sockets that the first dump message outgrows the smallest receive buffer (SOCK_MIN_RCVBUF).
            ns.Inside(() =>
            {
                for (int i = 0; i < 300; i++) sockets.Add(Listen(IPAddress.Loopback));
                for (int i = 0; i < 40; i++) sockets.Add(Listen(IPAddress.IPv6Loopback));
                return 0;
            });
            int ssV4 = ns.Ss("-tanH -4").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            int ssV6 = ns.Ss("-tanH -6").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.Equal(300, ssV4);
            Assert.Equal(40, ssV6);

            // How the kernel comes to drop dump messages: the receive queue holds the first dump message, over the
            // tiny receive buffer, when another message for this socket arrives (here the ACK of an NLMSG_NOOP):
            // netlink_attachskb() refuses it and netlink_overrun() sets ENOBUFS, which the next recv returns while
            // the IPv4 dump is still running in the kernel.
            var counter = new FamilyCounter();
            var outcome = ns.Inside(() => SockDiagDump.DumpTcp(ref counter, InetDiag.AllStates, 0, null, null,
                new DumpProbe(PerFamily: true, ReceiveBufferBytes: 1, AfterRequest: (nl, family) =>
                {
                    if (family == InetDiag.AF_INET) Assert.Equal(0, nl.Send(NoopWithAck()));
                })));

            Assert.Equal(ssV6, counter.V6);
            Assert.True(counter.V4 < ssV4, $"IPv4 counted {counter.V4} of {ssV4}: the kernel did not drop the IPv4 dump, so the test proves nothing");
            Assert.False(outcome.Complete);
            Assert.Contains("AF_INET receive: ENOBUFS", outcome.Problem, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var s in sockets) s.Dispose();
        }
    }

    private static Socket Listen(IPAddress address)
    {
        var s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(address, 0));
        s.Listen(1);
        return s;
    }

    /// <summary>struct nlmsghdr { len 16, type NLMSG_NOOP (1), flags NLM_F_REQUEST | NLM_F_ACK (5), seq 9, pid 0 }.</summary>
    private static byte[] NoopWithAck()
    {
        var b = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b, 16);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), 1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), 5);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), 9);
        return b;
    }
}
