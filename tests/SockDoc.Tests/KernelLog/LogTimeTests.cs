using SockDoc.Kernel.KernelLog;

namespace SockDoc.Tests.KernelLog;

public class LogTimeTests
{
    private static readonly DateTimeOffset Boot = DateTimeOffset.FromUnixTimeSeconds(1795522145);
    private static readonly LogTimeContext Relative = new() { Reference = new DateTimeOffset(2026, 11, 24, 13, 0, 0, TimeSpan.Zero) };
    private static readonly LogTimeContext WithBoot = Relative with { BootTime = Boot };

    private const string Msg = "TCP: too many orphaned sockets";

    [Fact]
    public void Kernel_uptime_stays_relative_without_boot_time()
    {
        var c = KernelLogClassifier.Classify("[  585.069104] " + Msg, Relative);
        Assert.Equal(LogTimeForm.KernelUptime, c.Time.Form);
        Assert.Equal(585.069104, c.Time.Uptime!.Value, 6);
        Assert.Null(c.Time.Wall);
        Assert.Equal(Msg, c.Message);
    }

    [Fact]
    public void Kernel_uptime_becomes_wall_time_with_boot_time()
    {
        var c = KernelLogClassifier.Classify("[  585.069104] " + Msg, WithBoot);
        Assert.Equal(Boot.AddSeconds(585.069104), c.Time.Wall);
    }

    [Fact]
    public void Dmesg_raw_priority_is_skipped()
    {
        var c = KernelLogClassifier.Classify("<6>[  585.069104] " + Msg, Relative);
        Assert.Equal(LogTimeForm.KernelUptime, c.Time.Form);
        Assert.Equal(Msg, c.Message);
    }

    [Fact]
    public void Kmsg_record_gives_microseconds_since_boot()
    {
        var c = KernelLogClassifier.Classify("6,431,585069104,-;" + Msg, WithBoot);
        Assert.Equal(LogTimeForm.Kmsg, c.Time.Form);
        Assert.Equal(585.069104, c.Time.Uptime!.Value, 6);
        Assert.Equal(Boot.AddTicks(585069104L * 10), c.Time.Wall);
        Assert.Equal(Msg, c.Message);
    }

    [Fact]
    public void Dmesg_T_is_a_wall_time()
    {
        var c = KernelLogClassifier.Classify("[Tue Nov 24 12:18:50 2026] " + Msg, Relative);
        Assert.Equal(LogTimeForm.DmesgCtime, c.Time.Form);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 12, 18, 50, TimeSpan.Zero), c.Time.Wall);
        Assert.Equal(Msg, c.Message);
    }

    [Fact]
    public void Syslog_takes_the_year_from_the_reference_and_keeps_the_embedded_uptime()
    {
        var c = KernelLogClassifier.Classify("Nov 24 12:18:50 sockdoc-vm kernel: [  585.069104] " + Msg, Relative);
        Assert.Equal(LogTimeForm.Syslog, c.Time.Form);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 12, 18, 50, TimeSpan.Zero), c.Time.Wall);
        Assert.Equal(585.069104, c.Time.Uptime!.Value, 6);
        Assert.Equal("sockdoc-vm", c.Host);
        Assert.Equal(Msg, c.Message);
    }

    [Fact]
    public void Syslog_date_after_the_reference_is_last_year()
    {
        var c = KernelLogClassifier.Classify("Dec 31 23:59:59 h kernel: " + Msg, Relative);
        Assert.Equal(2025, c.Time.Wall!.Value.Year);
    }

    [Fact]
    public void Journalctl_short_precise_keeps_microseconds()
    {
        var c = KernelLogClassifier.Classify("Nov 24 12:18:50.069104 sockdoc-vm kernel: " + Msg, Relative);
        Assert.Equal(LogTimeForm.Syslog, c.Time.Form);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 12, 18, 50, TimeSpan.Zero).AddTicks(691_040), c.Time.Wall);
    }

    [Theory]
    [InlineData("2026-11-24T12:18:50+0000 sockdoc-vm kernel: ", 0)]
    [InlineData("2026-11-24T13:18:50.069104+01:00 sockdoc-vm kernel: ", 691_040)]
    [InlineData("2026-11-24T12:18:50.069104Z sockdoc-vm kernel: ", 691_040)]
    [InlineData("2026-11-24 12:18:50 sockdoc-vm kernel: ", 0)]
    [InlineData("2026-11-24T12:18:50.069104123Z stdout F ", 691_041)]
    public void Iso_8601_forms(string head, long extraTicks)
    {
        var c = KernelLogClassifier.Classify(head + Msg, Relative);
        Assert.Equal(LogTimeForm.Iso8601, c.Time.Form);
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 12, 18, 50, TimeSpan.Zero).AddTicks(extraTicks), c.Time.Wall);
        Assert.Equal(Msg, c.Message);
    }

    [Fact]
    public void Journal_json_uses_realtime_and_source_monotonic()
    {
        const string line = """{ "__REALTIME_TIMESTAMP" : "1795522730069104", "_SOURCE_MONOTONIC_TIMESTAMP" : "585069104", "_HOSTNAME" : "vm", "MESSAGE" : "TCP: too many orphaned sockets" }""";
        var c = KernelLogClassifier.Classify(line, Relative);
        Assert.Equal(LogTimeForm.JournalJson, c.Time.Form);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795522730).AddTicks(691_040), c.Time.Wall);
        Assert.Equal(585.069104, c.Time.Uptime!.Value, 6);
        Assert.Equal(LogLineKind.TooManyOrphans, c.Kind);
        Assert.Equal("vm", c.Host);
    }

    [Fact]
    public void Journal_json_message_as_byte_array()
    {
        var bytes = string.Join(",", System.Text.Encoding.UTF8.GetBytes(Msg).Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var line = "{ \"__REALTIME_TIMESTAMP\" : \"1795522730000000\", \"MESSAGE\" : [" + bytes + "] }";
        var c = KernelLogClassifier.Classify(line, Relative);
        Assert.Equal(Msg, c.Message);
    }

    [Theory]
    [InlineData("node-7 | [  585.069104] ", "node-7")]
    [InlineData("[pod/node-debugger-worker-2/debugger] [  585.069104] ", "pod/node-debugger-worker-2/debugger")]
    [InlineData("web1.myhost.com Nov 24 12:18:50 web1 kernel: ", "web1.myhost.com")]
    public void Container_and_node_prefixes(string head, string prefix)
    {
        var c = KernelLogClassifier.Classify(head + Msg, Relative);
        Assert.Equal(prefix, c.Prefix);
        Assert.NotEqual(LogTimeForm.None, c.Time.Form);
        Assert.Equal(Msg, c.Message);
    }

    [Fact]
    public void No_timestamp_is_none()
    {
        var c = KernelLogClassifier.Classify("kernel: " + Msg, Relative);
        Assert.Equal(LogTimeForm.None, c.Time.Form);
        Assert.Equal(LogLineKind.TooManyOrphans, c.Kind);
    }
}
