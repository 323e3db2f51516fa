using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;
using SockDoc.Model.Census;

namespace SockDoc.Tests.Rules;

public class UdpRcvbufTests
{
    private static readonly UdpRcvbuf Rule = new();

    private static Snapshot Udp(Snapshot s, params UdpSocketRow[] rows) => s with
    {
        Census = new SocketCensus { TakenAt = s.TakenAt, Udp = new UdpCensus { Sockets = rows.Length, Drops = rows.Sum(r => r.Drops), Top = rows } },
    };

    private static (CheckStatus, When?, Confidence?) Outcome(SnapshotPair p)
    {
        var r = Snap.Run(Rule, p);
        return (r.Status, r.Finding?.When, r.Finding?.Confidence);
    }

    [Fact]
    public void Rcvbuf_errors_rising_are_critical_now_and_above_zero_a_warning_since_boot()
    {
        var b = Snap.Base().Counter("Udp", "RcvbufErrors", 10);
        Assert.Equal((CheckStatus.Critical, When.Now, Confidence.Confirmed), Outcome(Snap.Pair(b, b.Counter("Udp", "RcvbufErrors", 510))));
        Assert.Equal((CheckStatus.Warning, When.SinceBoot, Confidence.Confirmed), Outcome(Snap.Pair(b, b)));
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(Snap.Base().Counter("Udp", "RcvbufErrors", 0))).Status);
    }

    [Fact]
    public void Without_the_counter_or_the_udp_census_the_check_is_unknown()
    {
        var r = Snap.Run(Rule, Snap.One(Snap.Base() with { NetStat = null, Census = null }));
        Assert.Equal(CheckStatus.Unknown, r.Status);
    }

    [Fact]
    public void A_socket_holding_its_whole_buffer_is_named_and_drops_alone_are_since_boot()
    {
        var s = Udp(Snap.Base().Counter("Udp", "RcvbufErrors", 0),
            new UdpSocketRow("0.0.0.0:514", "*:*", 212_000, 0, 213_248, 212_992, 0),
            new UdpSocketRow("0.0.0.0:8125", "*:*", 0, 0, 0, 212_992, 40));
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal((CheckStatus.Warning, When.Now), (r.Status, r.Finding!.When));
        Assert.Contains("0.0.0.0:514", r.Finding.Title, StringComparison.Ordinal);
        Assert.Contains(r.Finding.Evidence, e => e.Name == "UDP socket 0.0.0.0:8125" && e.Value == 40);
        var dropsOnly = Udp(Snap.Base(), new UdpSocketRow("0.0.0.0:8125", "*:*", 0, 0, 0, 212_992, 40));
        Assert.Equal((CheckStatus.Warning, When.SinceBoot, Confidence.Confirmed), Outcome(Snap.One(dropsOnly)));
    }

    [Fact]
    public void The_fix_raises_rmem_max_to_16_MiB_and_never_lowers_it()
    {
        var low = Snap.Base().Counter("Udp", "RcvbufErrors", 5).Sysctl(SysctlNames.RmemMax, "212992");
        var fix = Snap.Run(Rule, Snap.One(low)).Finding!.Fix;
        Assert.Equal("16777216", fix.Single(f => f.Setting == SysctlNames.RmemMax).Value);
        var high = Snap.Base().Counter("Udp", "RcvbufErrors", 5).Sysctl(SysctlNames.RmemMax, "67108864");
        Assert.DoesNotContain(Snap.Run(Rule, Snap.One(high)).Finding!.Fix, f => f.Setting == SysctlNames.RmemMax);
    }

    [Fact]
    public void Mem_errors_are_udp_mem_not_this()
    {
        // __udp_enqueue_schedule_skb(): -ENOBUFS (udp_mem) counts MemErrors; only -ENOMEM (sk_rcvbuf) counts RcvbufErrors.
        var s = Snap.Base().Counter("Udp", "RcvbufErrors", 0).Counter("Udp", "MemErrors", 9000);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(s)).Status);
    }

    [Fact]
    public void Receive_errors_alone_from_old_net_tools_are_possible()
    {
        // "packet receive errors" (InErrors) without RcvbufErrors/MemErrors: full buffers, udp_mem or checksums.
        var empty = Snap.Base() with { NetStat = new NetStatCounters { Groups = new Dictionary<string, IReadOnlyDictionary<string, long>>() }, Census = null };
        Assert.Equal((CheckStatus.Warning, When.SinceBoot, Confidence.Possible), Outcome(Snap.One(empty.Counter("Udp", "InErrors", 38491))));
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(empty.Counter("Udp", "InErrors", 0))).Status);
        // With MemErrors known, InErrors without RcvbufErrors is not read as full buffers.
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(empty.Counter("Udp", "InErrors", 5).Counter("Udp", "MemErrors", 5))).Status);
    }
}
