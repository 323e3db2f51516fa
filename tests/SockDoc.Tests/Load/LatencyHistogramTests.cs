using SockDoc.Load;

namespace SockDoc.Tests.Load;

public class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_are_within_the_bucket_error_of_the_exact_values()
    {
        var h = new LatencyHistogram();
        var values = Enumerable.Range(1, 100_000).Select(i => (long)i * 37 % 250_000 + 1).ToArray();
        foreach (var v in values) h.Record(v);
        Array.Sort(values);
        foreach (var p in new[] { 50.0, 90.0, 99.0, 99.9 })
        {
            long exact = values[(int)Math.Ceiling(p / 100 * values.Length) - 1];
            long got = h.Percentile(p)!.Value;
            Assert.InRange(got, exact, (long)(exact * 1.035) + 1); // never under-reports, at most ~3% over
        }
        Assert.Equal(values[^1], h.MaxMicros);
        Assert.Equal(values[^1], h.Percentile(100));
    }

    [Fact]
    public void Small_values_are_exact_and_empty_has_no_percentile()
    {
        var h = new LatencyHistogram();
        Assert.Null(h.Percentile(50));
        h.Record(3); h.Record(5); h.Record(7);
        Assert.Equal(5, h.Percentile(50));
        Assert.Equal(3, h.Count);
    }

    [Fact]
    public void Bucket_bounds_cover_every_value_once_in_order()
    {
        long prevUpper = -1;
        for (int i = 0; i < LatencyHistogram.BucketCount - 1; i++)
        {
            long upper = LatencyHistogram.UpperBound(i);
            Assert.True(upper > prevUpper, $"bucket {i}");
            Assert.Equal(i, LatencyHistogram.Index(prevUpper + 1));
            Assert.Equal(i, LatencyHistogram.Index(upper));
            prevUpper = upper;
        }
    }

    [Fact]
    public void Text_form_round_trips_and_merges()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        for (int i = 0; i < 1000; i++) { a.Record(i * 10); b.Record(i * 1000); }
        var sb = new System.Text.StringBuilder();
        a.AppendTo(sb);
        var back = LatencyHistogram.Parse(sb.ToString());
        Assert.Equal(a.Count, back.Count);
        Assert.Equal(a.MaxMicros, back.MaxMicros);
        Assert.Equal(a.Percentile(99), back.Percentile(99));
        back.Merge(b);
        Assert.Equal(2000, back.Count);
        Assert.Equal(999_000, back.MaxMicros);
    }

    [Theory]
    [InlineData("12;x:1")]
    [InlineData("12;5")]
    [InlineData("12;99999:1")]
    public void Damaged_text_is_a_format_error(string text) =>
        Assert.ThrowsAny<FormatException>(() => LatencyHistogram.Parse(text));
}
