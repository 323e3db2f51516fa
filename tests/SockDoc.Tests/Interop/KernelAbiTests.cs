using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SockDoc.Kernel.Interop;

namespace SockDoc.Tests.Interop;

/// <summary>
/// Every kernel ABI value and struct the interop hands to the kernel, checked against the C headers of each
/// architecture SockDoc ships for: the values are written as C11 static assertions and compiled with the
/// real compiler of that architecture (gcc for x86_64, Debian's aarch64-linux-gnu-gcc cross compiler and
/// libc6-dev-arm64-cross for arm64; scripts/ensure-deps installs them). A wrong value is a compile error
/// naming the value.
/// </summary>
public class KernelAbiTests
{
    private static readonly string[] Headers =
    [
        "fcntl.h", "errno.h", "sched.h", "signal.h", "stddef.h", "sys/epoll.h", "sys/socket.h", "sys/resource.h",
        "sys/prctl.h", "netinet/in.h", "netinet/tcp.h", "linux/netlink.h", "linux/sock_diag.h",
    ];

    /// <summary>(C expression, the value SockDoc uses on that architecture).</summary>
    private static List<(string C, long Value)> Expected(KernelAbi abi) =>
    [
        // Differ by architecture (KernelAbi).
        ("O_DIRECTORY", abi.ODirectory),
        ("sizeof(struct epoll_event)", abi.EpollEventSize),
        ("offsetof(struct epoll_event, data)", abi.EpollDataOffset),
        // Shared by x86_64 and arm64 (asm-generic headers); checked on both so a shared value stays shared.
        ("O_RDONLY", Libc.O_RDONLY), ("O_CLOEXEC", Libc.O_CLOEXEC), ("AT_FDCWD", Libc.AT_FDCWD),
        ("EPOLL_CLOEXEC", Libc.EPOLL_CLOEXEC), ("EPOLL_CTL_ADD", Libc.EPOLL_CTL_ADD), ("EPOLL_CTL_DEL", Libc.EPOLL_CTL_DEL),
        ("EPOLL_CTL_MOD", Libc.EPOLL_CTL_MOD), ("EPOLLIN", Libc.EPOLLIN), ("EPOLLOUT", Libc.EPOLLOUT),
        ("EPOLLERR", Libc.EPOLLERR), ("EPOLLHUP", Libc.EPOLLHUP), ("EPOLLRDHUP", Libc.EPOLLRDHUP), ("EPOLLET", Libc.EPOLLET),
        ("AF_NETLINK", Libc.AF_NETLINK), ("AF_INET", Libc.AF_INET), ("SOCK_RAW", Libc.SOCK_RAW),
        ("SOCK_STREAM", Libc.SOCK_STREAM), ("SOCK_CLOEXEC", Libc.SOCK_CLOEXEC), ("SOCK_NONBLOCK", Libc.SOCK_NONBLOCK),
        ("NETLINK_SOCK_DIAG", Libc.NETLINK_SOCK_DIAG), ("SOL_SOCKET", Libc.SOL_SOCKET), ("SOL_NETLINK", Libc.SOL_NETLINK),
        ("SO_RCVBUF", Libc.SO_RCVBUF), ("SO_RCVBUFFORCE", Libc.SO_RCVBUFFORCE), ("SO_REUSEADDR", Libc.SO_REUSEADDR),
        ("SO_ERROR", Libc.SO_ERROR), ("SO_SNDBUF", Libc.SO_SNDBUF), ("SO_LINGER", Libc.SO_LINGER),
        ("SO_REUSEPORT", Libc.SO_REUSEPORT), ("IPPROTO_IP", Libc.IPPROTO_IP), ("IPPROTO_TCP", Libc.IPPROTO_TCP),
        ("IP_BIND_ADDRESS_NO_PORT", Libc.IP_BIND_ADDRESS_NO_PORT), ("TCP_NODELAY", Libc.TCP_NODELAY),
        ("MSG_TRUNC", Libc.MSG_TRUNC), ("MSG_DONTWAIT", Libc.MSG_DONTWAIT), ("MSG_NOSIGNAL", Libc.MSG_NOSIGNAL),
        ("SHUT_WR", Libc.SHUT_WR), ("RLIMIT_NOFILE", Libc.RLIMIT_NOFILE), ("PR_SET_PDEATHSIG", Libc.PR_SET_PDEATHSIG),
        ("SIGKILL", Libc.SIGKILL), ("SIGTERM", Libc.SIGTERM), ("CLONE_NEWNET", Libc.CLONE_NEWNET),
        ("sizeof(struct sockaddr_in)", Unsafe.SizeOf<SockAddrIn>()), ("sizeof(struct linger)", Unsafe.SizeOf<Linger>()),
        ("sizeof(struct rlimit)", Unsafe.SizeOf<RLimit>()), ("sizeof(struct sockaddr_nl)", 12),
    ];

    [Fact]
    public void The_managed_epoll_layouts_have_the_sizes_the_table_names()
    {
        Assert.Equal(KernelAbi.X64.EpollEventSize, Unsafe.SizeOf<EpollEvent>());
        Assert.Equal(KernelAbi.Arm64.EpollEventSize, Unsafe.SizeOf<EpollEventAligned>());
        Assert.Equal(KernelAbi.X64.EpollDataOffset, (int)Marshal.OffsetOf<EpollEvent>(nameof(EpollEvent.Data)));
        Assert.Equal(KernelAbi.Arm64.EpollDataOffset, (int)Marshal.OffsetOf<EpollEventAligned>(nameof(EpollEventAligned.Data)));
        Assert.Same(KernelAbi.For(RuntimeInformation.ProcessArchitecture), KernelAbi.Current);
        Assert.Null(KernelAbi.For(Architecture.S390x));
    }

    [Theory]
    [InlineData("x64", "cc")]
    [InlineData("arm64", "aarch64-linux-gnu-gcc")]
    public void Every_value_matches_the_C_headers_of_the_architecture(string arch, string compiler)
    {
        var abi = arch == "x64" ? KernelAbi.X64 : KernelAbi.Arm64;
        var c = new System.Text.StringBuilder("#define _GNU_SOURCE\n");
        foreach (var h in Headers) c.Append("#include <").Append(h).Append(">\n");
        foreach (var (expr, value) in Expected(abi))
            c.Append("_Static_assert((long)(").Append(expr).Append(") == ").Append(value)
             .Append("L, \"").Append(arch).Append(": ").Append(expr).Append(" is not ").Append(value).Append("\");\n");
        // Proof the check can fail: the other architecture's O_DIRECTORY must not compile here.
        var other = arch == "x64" ? KernelAbi.Arm64 : KernelAbi.X64;
        var wrong = c + $"_Static_assert(O_DIRECTORY == {other.ODirectory}, \"wrong\");\n";

        var (ok, err) = Compile(compiler, c.ToString());
        Assert.True(ok, err);
        var (wrongOk, _) = Compile(compiler, wrong);
        Assert.False(wrongOk, $"{compiler} accepted the other architecture's O_DIRECTORY");
    }

    private static (bool Ok, string Err) Compile(string compiler, string source)
    {
        var file = Path.Combine(Path.GetTempPath(), $"sockdoc-abi-{Guid.NewGuid():N}.c");
        File.WriteAllText(file, source);
        try
        {
            var psi = new ProcessStartInfo(compiler) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "-std=c11", "-fsyntax-only", file }) psi.ArgumentList.Add(a);
            Process p;
            try { p = Process.Start(psi)!; }
            catch (System.ComponentModel.Win32Exception e)
            {
                return (false, $"{compiler} not found ({e.Message}): run scripts/ensure-deps (gcc, gcc-aarch64-linux-gnu, libc6-dev-arm64-cross)");
            }
            using (p)
            {
                var err = p.StandardError.ReadToEnd();
                p.WaitForExit();
                return (p.ExitCode == 0, err);
            }
        }
        finally { File.Delete(file); }
    }
}
