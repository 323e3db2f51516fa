using System.Text.Json;
using SockDoc.Cli;
using SockDoc.Cli.Commands;
using SockDoc.Cli.Views;
using SockDoc.Kernel.Census;
using SockDoc.Model.Census;

namespace SockDoc.Tests.Census;

public class SocketsCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int exit = Program.Run(args, new CliIo(o, e, outputIsTerminal: false, noColor: true, width: 160));
        return (exit, o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData("--by", "color", "--by color: expected state, port")]
    [InlineData("--state", "SLEEPING", "--state SLEEPING: expected a TCP state name")]
    [InlineData("--top", "0", "--top 0: expected 1 to 100000")]
    [InlineData("--port", "70000", "--port 70000: \"70000\" is not a port (0 to 65535)")]
    [InlineData("--proc-root", "/nonexistent/proc", "--proc-root /nonexistent/proc: no such directory")]
    public void Bad_arguments_give_one_clear_line_and_exit_3(string option, string value, string message)
    {
        var (exit, _, err) = Run("sockets", option, value);
        Assert.Equal(3, exit);
        Assert.Contains(message, err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--port", "80,443" }, new[] { 80, 443 })]
    [InlineData(new[] { "--port", "443", "--port", "80" }, new[] { 80, 443 })]
    [InlineData(new[] { "--port", "8000-8003,22", "--port", "8001" }, new[] { 22, 8000, 8001, 8002, 8003 })]
    [InlineData(new[] { "--port", " 443 " }, new[] { 443 })]
    public void Ports_are_a_list_repeated_or_a_range(string[] args, int[] expected)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var io = new CliIo(o, e, outputIsTerminal: false, noColor: true);
        var parse = SockDoc.Cli.Program.BuildRoot(io).Parse(["sockets", .. args]);
        Assert.Empty(parse.Errors);
        var a = SocketsCommand.Check(io, null, 20, null, parse.GetValue<string[]>("--port"), false, null, null, out var fail);
        Assert.True(a is not null, e.ToString());
        Assert.Equal(expected, a.Ports);
        Assert.Equal(0, fail);
    }

    [Fact]
    public void A_port_list_filters_the_live_census_and_the_view_names_it()
    {
        // sock_diag needs no privilege: the filter runs over this machine's own table.
        var (exit, output, err) = Run("sockets", "--by", "state", "--port", "1,2-3", "--json");
        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal([1, 2, 3], doc.RootElement.GetProperty("port_filter").EnumerateArray().Select(p => p.GetInt32()));
        var (_, text, _) = Run("sockets", "--by", "state", "--port", "1,2-3", "--port", "9");
        Assert.Contains("filter: ports 1-3, 9", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_of_this_host_is_a_census()
    {
        // sock_diag needs no privilege; this runs against the test machine's own namespace.
        var (exit, output, err) = Run("sockets", "--by", "state,port", "--json");
        Assert.True(exit == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("total_sockets").GetInt64() >= 0);
        Assert.Equal(JsonValueKind.Object, root.GetProperty("by_state").ValueKind);
        Assert.Contains(root.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("owners: not scanned", StringComparison.Ordinal));
    }

    [Fact]
    public void The_view_shows_states_the_full_listener_and_notes()
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "netlink", "census-mixed.bin"));
        var (census, _) = SocketCensusCollector.FromCapture(bytes, 20, (32768, 60999), DateTimeOffset.UnixEpoch);
        census = census with { Notes = ["owners: not scanned"], BlockedSenders = [] };
        var o = new StringWriter();
        var io = new CliIo(o, new StringWriter(), outputIsTerminal: false, noColor: true, width: 160);
        io.Write(SocketsView.Render(census, SocketsSections.Default | SocketsSections.Peer));
        var text = o.ToString();
        Assert.Contains("25 TCP sockets (20 IPv4, 5 IPv6)", text, StringComparison.Ordinal);
        // Not a terminal: no box drawing, columns apart by spaces (README "Conventions").
        Assert.DoesNotContain("│", text, StringComparison.Ordinal);
        Assert.Matches(@"ESTABLISHED\s+12", text);
        Assert.Matches(@"127\.0\.0\.1:7001\s+3\s+2\s+FULL", text);
        Assert.Contains("[::1]:7002", text, StringComparison.Ordinal);
        Assert.Contains("No thread is blocked in sk_stream_wait_memory.", text, StringComparison.Ordinal);
        Assert.Contains("note: owners: not scanned", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_census_round_trips_through_the_snapshot_json_context()
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "netlink", "census-mixed.bin"));
        var (census, _) = SocketCensusCollector.FromCapture(bytes, 20, (32768, 60999), DateTimeOffset.UnixEpoch);
        var json = JsonSerializer.Serialize(census, SockDoc.Model.SnapshotJsonContext.Default.SocketCensus);
        var back = JsonSerializer.Deserialize(json, SockDoc.Model.SnapshotJsonContext.Default.SocketCensus)!;
        Assert.Equal(census.ByState, back.ByState);
        Assert.Equal(census.Listeners, back.Listeners);
        Assert.Equal(28232, back.LocalPortRangeSize);
    }
}
