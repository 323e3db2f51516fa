using SockDoc.Kernel.Interop;
using SockDoc.Load;

namespace SockDoc.Tests.Load;

public class LoadStatsTests
{
    [Fact]
    public void A_stats_line_round_trips_with_errors_by_errno_and_histograms()
    {
        var s = new LoadStats { Attempted = 10, Established = 7, Open = 6, Requests = 5, Replies = 4, Delayed = 2, EstablishSeconds = 1.25 };
        s.CountError(Errno.EADDRNOTAVAIL);
        s.CountError(Errno.EADDRNOTAVAIL);
        s.CountError(Errno.ECONNREFUSED);
        s.CountError(LoadStats.Eof);
        s.ConnectLatency.Record(120);
        s.RequestLatency.Record(4000);

        var line = s.ToLine(withHistograms: true);
        Assert.Contains("err=EOF:1;EADDRNOTAVAIL:2;ECONNREFUSED:1", line, StringComparison.Ordinal);
        var back = LoadStats.Parse(line);
        Assert.Equal(10, back.Attempted);
        Assert.Equal(7, back.Established);
        Assert.Equal(4, back.Failed);
        Assert.Equal(2, back.Errors[Errno.EADDRNOTAVAIL]);
        Assert.Equal(1.25, back.EstablishSeconds);
        Assert.Equal(1, back.ConnectLatency.Count);
        Assert.Equal(4000, back.RequestLatency.MaxMicros);
        Assert.Equal(new[] { "EOF", "EADDRNOTAVAIL", "ECONNREFUSED" }, back.ErrorsByName().Select(kv => kv.Key));
    }

    [Fact]
    public void Merge_adds_counts_and_keeps_the_longest_establish_time()
    {
        var a = new LoadStats { Established = 3, EstablishSeconds = 2 };
        var b = new LoadStats { Established = 4, EstablishSeconds = 5 };
        b.CountError(Errno.EMFILE);
        a.Merge(b);
        Assert.Equal(7, a.Established);
        Assert.Equal(5, a.EstablishSeconds);
        Assert.Equal(1, a.Errors[Errno.EMFILE]);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("stats att")]
    [InlineData("stats att=x")]
    [InlineData("stats err=ENOTANERRNO:3")]
    public void Anything_else_is_a_format_error(string line) =>
        Assert.ThrowsAny<FormatException>(() => LoadStats.Parse(line));

    [Fact]
    public void Errno_names_round_trip()
    {
        foreach (var e in new[] { Errno.EADDRNOTAVAIL, Errno.EMFILE, Errno.ECONNREFUSED, Errno.ETIMEDOUT, 77 })
            Assert.Equal(e, Errno.Parse(Errno.Name(e)));
        Assert.Equal("EADDRNOTAVAIL", Errno.Name(99));
    }
}
