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

    [Fact]
    public void A_long_mode_data_word_gives_back_its_slot_and_the_connect_time_at_the_end_of_a_day()
    {
        // Long mode keeps the connect's start time in the epoll data word (no start-time array per connection).
        long start = LoadClient.Micros(Ticks(TimeSpan.FromHours(24)), MicrosPerTick);
        ulong data = LoadClient.LongData(LoadClient.MaxLongConnections - 1, start);
        Assert.Equal(LoadClient.MaxLongConnections - 1, LoadClient.LongSlot(data));
        Assert.Equal(5_000, LoadClient.LongConnectMicros(data, start + 5_000));
        Assert.Equal(0, LoadClient.LongSlot(LoadClient.LongData(0, start)));
    }

    [Fact]
    public void A_long_mode_connect_that_spans_the_38_bit_wrap_still_measures_its_time()
    {
        // 2^38 µs (76 h) wraps the stored start; the difference is taken modulo the same width.
        long start = (1L << 38) - 2_000;
        ulong data = LoadClient.LongData(12_345, start);
        Assert.Equal(12_345, LoadClient.LongSlot(data));
        Assert.Equal(7_000, LoadClient.LongConnectMicros(data, start + 7_000));
    }
}
