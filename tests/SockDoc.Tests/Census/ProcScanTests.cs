using System.Text;
using SockDoc.Kernel;
using SockDoc.Kernel.Census;

namespace SockDoc.Tests.Census;

public sealed class ProcScanTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sockdoc-census-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Owner_scan_maps_socket_inodes_to_the_first_pid_and_reads_comm()
    {
        // A /proc-shaped tree: fd links are dangling symlinks whose target text is what the kernel prints.
        Proc(100, "nginx", ("3", "socket:[5001]"), ("4", "socket:[5002]"), ("5", "/var/log/x.log"), ("6", "anon_inode:[eventpoll]"));
        Proc(200, "worker", ("7", "socket:[5002]"), ("8", "pipe:[77]"));
        Directory.CreateDirectory(Path.Combine(_dir, "self"));
        File.WriteAllText(Path.Combine(_dir, "uptime"), "1 1\n");

        var owners = SocketOwners.Scan(new ProcRoot(_dir));
        Assert.Null(owners.Problem);
        Assert.Equal(2, owners.Processes);
        Assert.Equal(6, owners.Fds);
        Assert.Equal(3, owners.SocketFds);
        Assert.True(owners.TryGetPid(5001, out int p1));
        Assert.Equal(100, p1);
        Assert.True(owners.TryGetPid(5002, out _));
        Assert.False(owners.TryGetPid(77, out _));
        Assert.Equal("nginx", owners.Command(100));
        Assert.Equal("?", owners.Command(999));
    }

    [Fact]
    public void Owner_scan_of_a_missing_root_says_so()
    {
        var owners = SocketOwners.Scan(new ProcRoot(Path.Combine(_dir, "nope")));
        Assert.Contains("No such file", owners.Problem, StringComparison.Ordinal);
        Assert.Equal(0, owners.Count);
    }

    [Theory]
    [InlineData("socket:[12345]", true, 12345u)]
    [InlineData("socket:[4294967295]", true, 4294967295u)]
    [InlineData("socket:[4294967296]", false, 0u)]
    [InlineData("socket:[]", false, 0u)]
    [InlineData("socket:[12a]", false, 0u)]
    [InlineData("pipe:[12]", false, 0u)]
    [InlineData("socket:[12", false, 0u)]
    public void Socket_link_targets_parse(string link, bool ok, uint inode)
    {
        Assert.Equal(ok, SocketOwners.TryParseSocketLink(Encoding.ASCII.GetBytes(link), out uint got));
        Assert.Equal(inode, got);
    }

    [Theory]
    [InlineData("44 0x3 0x7f00aa 0x100000 0x0 0x0 0x0 0x7ffc 0x7f01\n", true, 44, 3)]
    [InlineData("1 0x1a 0x55 0x10 0x0 0x0 0x0 0x7ffc 0x7f01\n", true, 1, 26)]
    [InlineData("running\n", false, -1, -1)]
    [InlineData("-1 0x7ffc 0x7f01\n", false, -1, -1)]
    [InlineData("", false, -1, -1)]
    public void Syscall_lines_parse(string text, bool ok, int nr, int fd)
    {
        Assert.Equal(ok, BlockedSenderSampler.TryParseSyscall(Encoding.ASCII.GetBytes(text), out int n, out int f));
        Assert.Equal(nr, n);
        Assert.Equal(fd, f);
    }

    [Theory]
    [InlineData("32768\t60999\n", 32768, 60999)]
    [InlineData("1024 65535", 1024, 65535)]
    public void Port_range_parses(string text, int low, int high) =>
        Assert.Equal((low, high), SocketCensusCollector.ParsePortRange(Encoding.ASCII.GetBytes(text)));

    [Theory]
    [InlineData("")]
    [InlineData("32768")]
    [InlineData("0 70000")]
    public void A_bad_port_range_is_a_parse_error(string text) =>
        Assert.Throws<ProcParseException>(() => SocketCensusCollector.ParsePortRange(Encoding.ASCII.GetBytes(text)));

    private void Proc(int pid, string comm, params (string Fd, string Target)[] fds)
    {
        var fdDir = Path.Combine(_dir, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "fd");
        Directory.CreateDirectory(fdDir);
        File.WriteAllText(Path.Combine(_dir, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "comm"), comm + "\n");
        foreach (var (fd, target) in fds) File.CreateSymbolicLink(Path.Combine(fdDir, fd), target);
    }
}
