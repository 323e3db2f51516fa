using System.Text.Json;
using SockDoc.Cli;
using SockDoc.Model;

namespace SockDoc.Tests.Capacity;

/// <summary>`sockdoc plan` in-process, on a snapshot file (--from), so it does not depend on the machine running the tests.</summary>
public class PlanCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sockdoc-plan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string SnapshotFile()
    {
        var path = Path.Combine(_dir, "host.json");
        File.WriteAllText(path, SnapshotJson.Serialize(PlanHosts.Snapshot()));
        return path;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.Run(args, new CliIo(o, e, false, true, 200));
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Json_output_has_the_plan_and_the_three_files()
    {
        var (code, output, err) = Run("plan", "--from", SnapshotFile(), "--connections", "1024000", "--buffers-in-use", "4k/4k", "--app-bytes-per-conn", "3700", "--ram", "64G", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var plan = doc.RootElement.GetProperty("plan");
        Assert.Equal(1048576, plan.GetProperty("nofile").GetInt64());
        Assert.Equal(3808, plan.GetProperty("kernel_bytes_per_conn").GetDouble());
        Assert.Contains("net.ipv4.tcp_mem = 1536000 2048000 3072000", doc.RootElement.GetProperty("sysctl_drop_in").GetString(), StringComparison.Ordinal);
        Assert.Contains("LimitNOFILE=1048576", doc.RootElement.GetProperty("systemd_drop_in").GetString(), StringComparison.Ordinal);
        Assert.Equal("measured", plan.GetProperty("sections")[0].GetProperty("numbers")[0].GetProperty("origin").GetString()!.ToLowerInvariant());
    }

    [Fact]
    public void Text_output_names_the_origin_of_numbers_and_write_creates_three_files()
    {
        var target = Path.Combine(_dir, "99-sockdoc.conf");
        var (code, output, err) = Run("plan", "--from", SnapshotFile(), "--role", "client", "--rate", "20000/s", "--destinations", "3", "--lifetime", "200ms", "--write", target);
        // One port range is not enough for 20,000/s to 3 destinations: a warning, so exit 1, and the file says it.
        Assert.True(code == 1, err);
        Assert.Contains("# WARNING: one port range is not enough", File.ReadAllText(target), StringComparison.Ordinal);
        Assert.Contains("Ephemeral ports", output, StringComparison.Ordinal);
        Assert.Contains("input", output, StringComparison.Ordinal);
        Assert.Contains("host", output, StringComparison.Ordinal);
        Assert.Contains("default", output, StringComparison.Ordinal);
        // The doctor's port range (one advice table): 10000-65535.
        Assert.Contains("net.ipv4.ip_local_port_range = 10000 65535", File.ReadAllText(target), StringComparison.Ordinal);
        Assert.Contains("net.ipv4.tcp_tw_reuse = 1", File.ReadAllText(target), StringComparison.Ordinal);
        Assert.Contains("nofile", File.ReadAllText(Path.Combine(_dir, "99-sockdoc.limits.conf")), StringComparison.Ordinal);
        Assert.Contains("LimitNOFILE=", File.ReadAllText(Path.Combine(_dir, "99-sockdoc.service.conf")), StringComparison.Ordinal);
    }

    [Fact]
    public void Assume_plans_with_another_hosts_settings_and_shows_them_as_inputs()
    {
        var (code, output, err) = Run("plan", "--from", SnapshotFile(), "--connections", "300000", "--buffers-in-use", "128k/16k", "--ram", "62G",
            "--assume", "net.ipv4.tcp_mem=8605956 11474609 11474609", "--json");
        // 300,000 connections busy at 144 KiB do not fit a quarter of 62 GiB: exit 1 with the warning first.
        Assert.True(code == 1, err);
        using var doc = JsonDocument.Parse(output);
        var plan = doc.RootElement.GetProperty("plan");
        Assert.Equal(318739, Math.Floor(plan.GetProperty("max_conns_before_hard_limit").GetDouble()));
        Assert.Contains("--assume net.ipv4.tcp_mem", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--connections", "1000", "--assume", "tcp_mem")]
    [InlineData("--connections", "1000", "--assume", "net.ipv4.tcp_mme=1 2 3")]
    [InlineData("--connections", "1000", "--assume", "net.ipv4.tcp_mem=1 2")]
    [InlineData("--connections", "1000", "--assume", "net.core.somaxconn=lots")]
    [InlineData("--connections", "1000", "--buffers-in-use", "lots")]
    [InlineData("--connections", "1000", "--ram", "big")]
    [InlineData("--rate", "fast")]
    [InlineData("--role", "server")]
    [InlineData("--connections", "-5")]
    [InlineData("--connections", "99999999999999")]
    [InlineData("--connections", "10", "--rate", "1e300/s")]
    [InlineData("--connections", "10", "--buffers-in-use", "9T/9T")]
    public void Bad_arguments_give_one_line_and_exit_3(params string[] args)
    {
        var (code, _, err) = Run(["plan", "--from", SnapshotFile(), .. args]);
        Assert.Equal(3, code);
        Assert.StartsWith("sockdoc: ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_file_that_is_not_one_is_a_clear_error()
    {
        var bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(bad, "{\"hello\": 1}");
        var (code, _, err) = Run("plan", "--from", bad, "--connections", "10");
        Assert.Equal(3, code);
        Assert.Contains("bad.json", err, StringComparison.Ordinal);
    }
}
