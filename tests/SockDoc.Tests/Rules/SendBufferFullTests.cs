using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;
using SockDoc.Model.Census;

namespace SockDoc.Tests.Rules;

public class SendBufferFullTests
{
    private static readonly SendBufferFull Rule = new();

    private static SendBufferFullSocket Sock(long w, long tb, bool zeroWindow = false, long? busy = null, long? rwnd = null, long? sndbuf = null) =>
        new("127.0.0.1:5000", "127.0.0.1:6000", "ESTABLISHED", w, tb, w / 2, zeroWindow, 99, "sender", w, rwnd, sndbuf, busy);

    private static Snapshot With(IReadOnlyList<SendBufferFullSocket> sockets, IReadOnlyList<BlockedSender>? blocked = null, Snapshot? baseSnap = null) =>
        (baseSnap ?? Snap.Base()) with
        {
            Census = new SocketCensus
            {
                TakenAt = DateTimeOffset.UnixEpoch,
                SendBufferFull = sockets,
                SendBufferFullCount = sockets.Count,
                SendBufferAtLimitCount = sockets.Count(s => s.WmemQueued >= s.SndBuf),
                BlockedSenders = blocked ?? [],
            },
        };

    [Fact]
    public void A_blocked_writer_to_a_zero_window_peer_is_critical_and_the_peer_is_named()
    {
        var blocked = new BlockedSender(99, 100, "sender", 5, "127.0.0.1:5000", "127.0.0.1:6000", 3_847_872, 4_194_304, 0.3);
        var r = Snap.Run(Rule, Snap.One(With([Sock(4_194_304, 4_194_304, zeroWindow: true)], [blocked])));
        Assert.Equal((CheckStatus.Critical, When.Now, Confidence.Confirmed), (r.Status, r.Finding!.When, r.Finding.Confidence));
        Assert.Contains(r.Finding.Fix, f => f.Setting.StartsWith("Find and fix the slow receiver", StringComparison.Ordinal));
    }

    [Fact]
    public void A_full_buffer_with_a_zero_window_peer_warns()
    {
        var r = Snap.Run(Rule, Snap.One(With([Sock(4_194_304, 4_194_304, zeroWindow: true)])));
        Assert.Equal(CheckStatus.Warning, r.Status);
        var e = r.Finding!.Evidence.Single(x => x.Name == "sockets with a full send buffer (w ≥ tb)");
        Assert.Equal(1, e.Value);
    }

    [Fact]
    public void A_healthy_bulk_sender_draining_above_two_thirds_does_not_warn()
    {
        // w = 0.7·tb: above the 2/3 wake-up mark, below the buffer: the writer is not blocked.
        var r = Snap.Run(Rule, Snap.One(With([Sock(2_936_013, 4_194_304, busy: 1_000_000, rwnd: 0, sndbuf: 0)])));
        Assert.Equal(CheckStatus.Ok, r.Status);
    }

    [Fact]
    public void A_bulk_sender_at_its_buffer_paced_by_the_network_is_information()
    {
        var r = Snap.Run(Rule, Snap.One(With([Sock(4_194_304, 4_194_304, busy: 1_000_000, rwnd: 10_000, sndbuf: 20_000)])));
        Assert.Equal(CheckStatus.Info, r.Status);
    }

    [Fact]
    public void Sndbuf_limited_is_the_buffer_size_not_the_peer()
    {
        var r = Snap.Run(Rule, Snap.One(With([Sock(4_194_304, 4_194_304, busy: 1_000_000, rwnd: 0, sndbuf: 900_000)])));
        Assert.Equal(CheckStatus.Info, r.Status);
        Assert.DoesNotContain(r.Finding!.Fix, f => f.Setting.StartsWith("Find and fix the slow receiver", StringComparison.Ordinal));
        Assert.Contains(r.Finding.Fix, f => f.Setting.Contains("tcp_wmem[2]", StringComparison.Ordinal));
    }

    [Fact]
    public void A_buffer_shrunk_by_tcp_mem_over_its_limit_is_global_memory_not_a_slow_receiver()
    {
        // Over tcp_mem[2] sk_stream_moderate_sndbuf() left tb = 8 KiB (tcp_wmem[1] is 16 KiB) and w ≈ 2·tb; the peer's window is open.
        var host = Snap.Base().Sockstat(s => s with { TcpMemPages = 1600 }).Sysctl(SysctlNames.TcpMem, "750 1000 1500");
        var blocked = new BlockedSender(99, 100, "sender", 5, "127.0.0.1:5000", "127.0.0.1:6000", 16_384, 8_192, 2, PeerWindowZero: false);
        var r = Snap.Run(Rule, Snap.One(With([Sock(16_384, 8_192)], [blocked], host)));
        Assert.Equal((CheckStatus.Critical, When.Now), (r.Status, r.Finding!.When));
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting.StartsWith("Find and fix the slow receiver", StringComparison.Ordinal));
        Assert.Contains(r.Finding.Fix, f => f.Setting.Contains("tcp_mem", StringComparison.Ordinal));
        Assert.Equal(16_384, r.Finding.Evidence.Single(e => e.Name.StartsWith("tcp_wmem[1]", StringComparison.Ordinal)).Value);
    }

    [Fact]
    public void A_shrunk_buffer_after_a_recent_tcp_mem_line_is_still_global_memory()
    {
        // Memory has recovered (use low) but the kernel refused TCP memory a minute ago: the small tb is its trace.
        var host = Snap.Base().Sockstat(s => s with { TcpMemPages = 10 }).Logged("tcp_out_of_memory", 12, agoSeconds: 60);
        var r = Snap.Run(Rule, Snap.One(With([Sock(16_384, 8_192)], baseSnap: host)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.DoesNotContain(r.Finding!.Fix, f => f.Setting.StartsWith("Find and fix the slow receiver", StringComparison.Ordinal));
    }

    [Fact]
    public void A_writer_blocked_with_little_queued_and_no_memory_trouble_is_named_as_notsent_lowat()
    {
        var blocked = new BlockedSender(99, 100, "sender", 5, "127.0.0.1:5000", "127.0.0.1:6000", 65_536, 4_194_304, 3);
        var r = Snap.Run(Rule, Snap.One(With([], [blocked])));
        Assert.Equal(CheckStatus.Warning, r.Status);
        Assert.Contains(r.Finding!.Fix, f => f.Setting.Contains("TCP_NOTSENT_LOWAT", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_stacks_the_finding_says_notsent_lowat_writers_are_not_seen()
    {
        var s = With([Sock(4_194_304, 4_194_304, zeroWindow: true)]);
        s = s with { Census = s.Census! with { BlockedSenders = null } };
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Contains(r.Finding!.Caveats, c => c.Contains("TCP_NOTSENT_LOWAT", StringComparison.Ordinal));
    }

    [Fact]
    public void Full_buffers_without_tcp_info_are_possible()
    {
        var r = Snap.Run(Rule, Snap.One(With([Sock(4_194_304, 4_194_304)])));
        Assert.Equal((CheckStatus.Warning, Confidence.Possible), (r.Status, r.Finding!.Confidence));
    }

    [Fact]
    public void No_census_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(Snap.Base() with { Census = null })).Status);
    }

    [Fact]
    public void Extreme_values_do_not_overflow()
    {
        var s = With([Sock(long.MaxValue, long.MaxValue, busy: long.MaxValue, rwnd: long.MaxValue, sndbuf: 0), Sock(0, 0)],
            baseSnap: Snap.Base().Sysctl(SysctlNames.TcpWmem, $"{long.MaxValue} {long.MaxValue} {long.MaxValue}"));
        Assert.NotEqual(CheckStatus.Error, Snap.Run(Rule, Snap.One(s)).Status);
    }
}
