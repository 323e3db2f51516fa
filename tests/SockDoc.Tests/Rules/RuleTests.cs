using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

// One class per rule: a snapshot that triggers it, one just below its threshold, and one with an input missing.

public class TwBucketsRuleTests
{
    private static readonly TwBuckets Rule = new();
    private static Snapshot With(long tw, long max) => Snap.Base().Sockstat(s => s with { TcpTw = tw }).Sysctl(SysctlNames.TcpMaxTwBuckets, max.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Overflow_counter_rising_is_critical()
    {
        var before = With(100, 100).Counter("TcpExt", "TCPTimeWaitOverflow", 0);
        var r = Snap.Run(Rule, Snap.Pair(before, before.Counter("TcpExt", "TCPTimeWaitOverflow", 50)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Contains(r.Finding!.Fix, f => f.Setting == SysctlNames.TcpMaxTwBuckets);
    }

    [Fact]
    public void Past_80_percent_warns_and_at_80_is_ok()
    {
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.One(With(801, 1000))).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(800, 1000).Counter("TcpExt", "TCPTimeWaitOverflow", 0))).Status);
    }

    [Fact]
    public void Missing_limit_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(With(1, 10).Sysctl(SysctlNames.TcpMaxTwBuckets, null))).Status);
    }
}

public class PortExhaustionRuleTests
{
    private static readonly PortExhaustion Rule = new();
    private static Snapshot With(long tw, string range) => Snap.Base().Sockstat(s => s with { TcpTw = tw }).Sysctl(SysctlNames.IpLocalPortRange, range);

    [Fact]
    public void Tw_at_the_range_size_warns()
    {
        var r = Snap.Run(Rule, Snap.One(With(10, "40000 40009")));
        Assert.Equal(CheckStatus.Warning, r.Status);
        Assert.Contains(r.Finding!.Evidence, e => e.Text.StartsWith("10 (40000–40009", StringComparison.Ordinal));
    }

    [Fact]
    public void Default_range_gives_470_per_second_per_destination()
    {
        var r = Snap.Run(Rule, Snap.One(With(28000, "32768 60999")));
        Assert.Contains(r.Finding!.Evidence, e => e.Text.Contains("28,232 ports / 60 s TIME_WAIT = 470.5/s", StringComparison.Ordinal));
    }

    [Fact]
    public void Below_80_percent_is_ok()
    {
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(8, "40000 40009"))).Status);
    }

    [Fact]
    public void Census_per_destination_decides_when_present()
    {
        var census = new Model.Census.SocketCensus
        {
            TakenAt = DateTimeOffset.UnixEpoch,
            Destinations = [new("127.0.0.1", "127.0.0.2", 80, 10, 9)],
        };
        var r = Snap.Run(Rule, Snap.One(With(0, "40000 40009") with { Census = census }));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Contains("127.0.0.2:80", r.Finding!.Title, StringComparison.Ordinal);
    }

    [Fact]
    public void Reserved_ports_are_subtracted()
    {
        Assert.Equal(3, PortExhaustion.CountReserved("40000-40001,40005,9", 40000, 40009));
        Assert.Equal(0, PortExhaustion.CountReserved("", 1, 2));
    }

    [Fact]
    public void Missing_range_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(With(0, "x").Sysctl(SysctlNames.IpLocalPortRange, null))).Status);
    }
}

public class TwBucketsDemandTests
{
    [Fact]
    public void Refused_buckets_count_in_the_demand_for_the_new_limit()
    {
        // 8 buckets full; in 1 s TW rose by 0 and TCPTimeWaitOverflow by 20: demand 20/s × 60 s = 1,200 → ×1.5 → 2048.
        var before = Snap.Base().Sockstat(s => s with { TcpTw = 8 }).Sysctl(SysctlNames.TcpMaxTwBuckets, "8")
            .Counter("TcpExt", "TCPTimeWaitOverflow", 8).Counter("TcpExt", "TW", 100);
        var now = before.Counter("TcpExt", "TCPTimeWaitOverflow", 28);
        var r = Snap.Run(new TwBuckets(), Snap.Pair(before, now));
        Assert.Equal("2048", r.Finding!.Fix.First(f => f.Setting == SysctlNames.TcpMaxTwBuckets).Value);
    }
}
