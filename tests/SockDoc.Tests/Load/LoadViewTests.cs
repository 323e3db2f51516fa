using SockDoc.Cli;
using SockDoc.Cli.Views;
using SockDoc.Load;
using SockDoc.Load.Scenarios;

namespace SockDoc.Tests.Load;

public class LoadViewTests
{
    private static string Render(SockDoc.Cli.Output.TextDoc doc)
    {
        var w = new StringWriter();
        new CliIo(w, TextWriter.Null, outputIsTerminal: false, noColor: true, width: 200).Write(doc);
        return w.ToString();
    }

    [Fact]
    public void Progress_line_reads_like_the_issue()
    {
        var line = LoadView.ProgressLine(new C1mProgress("connecting", 523_114, 1_000_000, 523_000, 2, 41_250,
            new Dictionary<string, long> { ["client EADDRNOTAVAIL"] = 2 }, 12.5));
        Assert.Contains("online 523,114 / 1,000,000", line, StringComparison.Ordinal);
        Assert.Contains("41,250 connects/s", line, StringComparison.Ordinal);
        Assert.Contains("client EADDRNOTAVAIL=2", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_run_names_the_limit_and_the_fix()
    {
        var r = new C1mResult
        {
            Planned = 1000, Refused = true,
            Checks = [new LimitCheck("fs.epoll.max_user_watches", CheckStatus.Fail, "100", "2,000", "sysctl -w fs.epoll.max_user_watches=4000")],
        };
        var text = Render(LoadView.C1m(r));
        Assert.Matches(@"fs\.epoll\.max_user_watches\s+critical\s+100", text); // one severity vocabulary: a limit that stops the run is critical
        Assert.Contains("Stopped before starting: fs.epoll.max_user_watches is 100, needs 2,000. Fix: sysctl -w fs.epoll.max_user_watches=4000", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Result", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_result_table_splits_memory_per_connection()
    {
        var r = new C1mResult
        {
            Planned = 1000, Held = 1000, ServerOpen = 1000, Established = 1000, EstablishSeconds = 0.5, ConnectsPerSecond = 2000,
            ConnectP50Micros = 150, ConnectP99Micros = 2500, ConnectMaxMicros = 1_500_000,
            KernelSlabBytes = 7_700_000, KernelBufferBytes = 0, UserRssClientBytes = 30_000_000, UserRssServerBytes = 30_000_000,
            UserRssClientDeltaBytes = 100_000, UserRssServerDeltaBytes = 64_000, KernelFloorPerConnection = 7616,
            Slab = [new SlabDelta("TCP", 2368, 2000, 4_736_000)],
        };
        var text = Render(LoadView.C1m(r));
        Assert.Contains("7.5 KiB", text, StringComparison.Ordinal);      // slab per connection (7,700 B, one byte format everywhere)
        Assert.Contains("100 B", text, StringComparison.Ordinal);        // client user space per connection
        Assert.Contains("64 B", text, StringComparison.Ordinal);         // server user space per connection
        Assert.Contains("150 µs / 2.5 ms / 1.5 s", text, StringComparison.Ordinal);
        Assert.Contains("TCP 2,000 × 2.3 KiB", text, StringComparison.Ordinal);
        Assert.Contains("kernel floor 7.4 KiB", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_client_arguments_exit_3_with_one_line()
    {
        var err = new StringWriter();
        var io = new CliIo(TextWriter.Null, err, false, true);
        int code = Program.Run(["load", "client", "--target", "nohost:1", "--mode", "short", "--rate", "10"], io);
        Assert.Equal(3, code);
        Assert.Equal("sockdoc: load client: --target 'nohost:1': 'nohost' is not an IPv4 address", err.ToString().Trim());

        err.GetStringBuilder().Clear();
        Assert.Equal(3, Program.Run(["load", "client", "--target", "127.0.0.1:1", "--mode", "short"], io));
        Assert.Contains("need --rate or --requests", err.ToString(), StringComparison.Ordinal);

        err.GetStringBuilder().Clear();
        Assert.Equal(3, Program.Run(["load", "c1m", "--connections", "0"], io));
        Assert.Contains("--connections must be", err.ToString(), StringComparison.Ordinal);
    }
}
