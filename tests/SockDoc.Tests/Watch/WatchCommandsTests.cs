using SockDoc.Cli;
using SockDoc.Cli.History;

namespace SockDoc.Tests.Watch;

/// <summary>watch, record, report and exporter run in-process on the captured VM /proc tree.</summary>
public sealed class WatchCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sockdoc-cmds-").FullName;
    private static readonly string Vm = Fixtures.Dir("hosts", "debian12-6.18-vm");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.Run(args, new CliIo(o, e, outputIsTerminal: false, noColor: true, width: 140));
        return (code, o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData("4096", 101 * 4096)]
    [InlineData("64K", 101 * 65536)]
    public void Exporter_once_prints_the_fixture_in_bytes_for_the_given_page_size(string page, long bytes)
    {
        var (code, output, err) = Run("exporter", "--once", "--proc-root", Vm, "--page-size", page);
        Assert.True(code == 0, err);
        var m = ExporterMetricsTests.Parse(output);
        // The fixture's /proc/net/sockstat says "TCP: inuse 1 orphan 0 tw 0 alloc 1 mem 101".
        Assert.Equal(bytes, m["sockdoc_sockstat_tcp_mem_bytes"]);
        Assert.Equal(1, m["sockdoc_sockstat_tcp_inuse"]);
        Assert.Equal(131072, m["sockdoc_tcp_max_orphans"]);
        Assert.Equal(0, m["sockdoc_census_up"]); // no census of a copied tree
    }

    [Fact]
    public void Watch_without_a_terminal_prints_one_plain_frame_per_sample_and_stops_at_count()
    {
        // --count, not a time window: how many frames fit in a second depends on the machine's load.
        var (code, output, err) = Run("watch", "--proc-root", Vm, "--page-size", "4096", "--interval", "100ms", "--count", "3", "--duration", "5m");
        Assert.True(code == 0, err);
        var frames = output.Split("TCP buffer memory").Length - 1;
        Assert.Equal(3, frames);
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal); // no cursor movement or colour
        Assert.Contains("max 131,072, /2 65,536, /4 32,768", output, StringComparison.Ordinal);
        Assert.Contains("n/a (no census)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Watch_json_streams_one_sample_per_line()
    {
        var (code, output, err) = Run("watch", "--json", "--proc-root", Vm, "--page-size", "4096", "--interval", "100ms", "-n", "4");
        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        foreach (var line in lines)
        {
            var sample = SampleJson.Parse(line);
            Assert.NotNull(sample);
            Assert.Equal(101, sample!.TcpMemPages);
            Assert.Equal(131_072, sample.TcpMaxOrphans);
            Assert.Contains("\"tcp_mem_bytes\":413696", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Record_then_report_writes_a_history_and_a_page()
    {
        var db = Path.Combine(_dir, "h.db");
        var html = Path.Combine(_dir, "r.html");
        var rec = Run("record", "--proc-root", Vm, "--page-size", "4096", "--interval", "20ms", "--count", "4", "--db", db);
        Assert.True(rec.Code == 0, rec.Err);
        Assert.Equal(4, rec.Out.Split('\n').Count(l => l.EndsWith("committed", StringComparison.Ordinal)));
        var again = Run("record", "--proc-root", Vm, "--interval", "20ms", "--count", "2", "--db", db);
        Assert.Contains("resuming", again.Err, StringComparison.Ordinal);
        using (var h = SqliteHistory.Open(db, create: false))
        {
            var samples = h.Read();
            Assert.Equal(6, samples.Count);
            Assert.Equal(101L * 4096, samples[0].TcpMemBytes);
            Assert.Null(samples[^1].PageSize); // second run without --page-size: unknown, not guessed
        }
        var rep = Run("report", "--db", db, "-o", html);
        Assert.True(rep.Code == 0, rep.Err);
        Assert.Contains("<svg id=\"chart-tcpmem\"", File.ReadAllText(html), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("record", "--interval", "fast")]
    [InlineData("record", "--retention", "forever")]
    [InlineData("watch", "--duration", "0")]
    [InlineData("exporter", "--listen", "nowhere")]
    [InlineData("exporter", "--census-interval", "10ms")]
    [InlineData("watch", "--count", "0")]
    [InlineData("watch", "--count", "many")]
    [InlineData("watch", "--proc-root", "/nonexistent/proc")]
    [InlineData("report", "--db", "/nonexistent/h.db")]
    public void Bad_arguments_give_one_line_and_exit_code_3(params string[] args)
    {
        var (code, output, err) = Run(args);
        Assert.Equal(3, code);
        Assert.Equal("", output);
        Assert.Single(err.Trim().Split('\n'));
        Assert.StartsWith("sockdoc: ", err, StringComparison.Ordinal);
    }
}
