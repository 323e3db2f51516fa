using System.Diagnostics;
using SockDoc.Load.Client;

namespace SockDoc.Tests.Load;

public class LoadClientClockTests
{
    private static readonly double MicrosPerTick = 1_000_000.0 / Stopwatch.Frequency;

    private static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    [Fact]
    public void A_five_millisecond_request_after_72_minutes_still_measures_five_milliseconds()
    {
        // 2^32 µs is 71.6 minutes: a 32-bit microsecond clock saturates there and every later latency reads 0.
        var start = Ticks(TimeSpan.FromMinutes(72));
        var end = start + Ticks(TimeSpan.FromMilliseconds(5));
        long latency = LoadClient.Micros(end, MicrosPerTick) - LoadClient.Micros(start, MicrosPerTick);
        Assert.InRange(latency, 4_999, 5_001);
    }

    [Fact]
    public void The_clock_covers_the_longest_duration_allowed()
    {
        // --duration allows 24 h.
        var day = Ticks(TimeSpan.FromHours(24));
        Assert.InRange(LoadClient.Micros(day, MicrosPerTick), 86_400_000_000 - 1, 86_400_000_000 + 1);
    }
}
