using SockDoc.Load;
using SockDoc.Load.Worker;

namespace SockDoc.Tests.Load;

public class Endpoint4Tests
{
    [Fact]
    public void Host_with_ports_and_ranges()
    {
        var list = Endpoint4.ParseList("127.0.0.1:7000,7002-7004", "--target");
        Assert.Equal(new ushort[] { 7000, 7002, 7003, 7004 }, list.Select(e => e.Port));
        Assert.All(list, e => Assert.Equal(0x7F000001u, e.Address));
        Assert.True(list[0].IsLoopback);
        Assert.Equal("127.0.0.1:7000", list[0].ToString());
        Assert.Equal("127.0.0.1:80", Endpoint4.ParseList("localhost:80", "--target")[0].ToString());
    }

    [Theory]
    [InlineData("127.0.0.1", "expected HOST:PORT")]
    [InlineData("127.0.0.1:", "expected HOST:PORT")]
    [InlineData("nohost:80", "not an IPv4 address")]
    [InlineData("::1:80", "not an IPv4 address")]
    [InlineData("10.0.0.1:0", "not a port")]
    [InlineData("10.0.0.1:70000", "not a port")]
    [InlineData("10.0.0.1:9-3", "port range")]
    public void Bad_input_is_one_clear_line(string text, string expected)
    {
        var e = Assert.Throws<LoadException>(() => Endpoint4.ParseList(text, "--target"));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("--target", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Worker_arguments_round_trip()
    {
        var a = new WorkerArgs
        {
            Role = "client", Endpoints = Endpoint4.ParseList("127.0.0.1:20000-20003", "x"), Sources = [0x7F010005],
            Connections = 1234, Concurrency = 64, Rate = 2.5, HeartbeatSeconds = 3, DurationSeconds = 42.5, ParentPid = 77, Tag = "t1",
        };
        var b = WorkerArgs.Parse(a.ToArgs());
        Assert.Equal(a.Endpoints, b.Endpoints);
        Assert.Equal(a.Sources, b.Sources);
        Assert.Equal(a with { Endpoints = b.Endpoints, Sources = b.Sources }, b);
        Assert.Throws<LoadException>(() => WorkerArgs.Parse(["--role", "nobody"]));
        Assert.Throws<LoadException>(() => WorkerArgs.Parse(["--role", "client", "--bogus", "1"]));
    }
}
