using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using SockDoc.Kernel.Sysctl;

namespace SockDoc.RealKernel.Tests.Doctor;

/// <summary>
/// Issue 14 defect 13 on this VM's cgroup v1 memory controller: a test cgroup gets a 64 KiB
/// memory.kmem.tcp.limit_in_bytes (which also turns its TCP accounting on: memcg_update_tcp_max()), a bash
/// /dev/tcp loopback sender started inside it writes to a listener that never reads, and its charges are refused
/// (memcg1_charge_skmem()) while the host's tcp_mem is far away. `sockdoc doctor` must name the cgroup in tcp_mem
/// and point the fix at its kmem.tcp limit. The cgroup is removed afterwards, also on failure.
/// </summary>
public sealed class MemcgRealKernelTests
{
    private const string Root = "/sys/fs/cgroup/memory";

    [Fact]
    public void A_v1_cgroup_at_its_tcp_limit_is_named_by_the_doctor()
    {
        Support.RequireRoot();
        Assert.True(File.Exists(Path.Combine(Root, "memory.kmem.tcp.limit_in_bytes")),
            $"this test needs the cgroup v1 memory controller with TCP accounting at {Root} (this VM has it; a v2-only host does not)");
        foreach (var old in Directory.EnumerateDirectories(Root, "sdk-memcg-*").Where(d => RestoreJournal.OwnerGone(Path.GetFileName(d))))
        {
            try { Directory.Delete(old); } catch (IOException) { }
        }
        string name = "sdk-memcg-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        string cg = Path.Combine(Root, name);
        Directory.CreateDirectory(cg);
        Process? sender = null;
        try
        {
            File.WriteAllText(Path.Combine(cg, "memory.kmem.tcp.limit_in_bytes"), "65536");
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(4);
            int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            // The shell joins the cgroup before it opens the socket: sockets are attached to a memcg when made.
            var psi = new ProcessStartInfo("bash") { RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add($"echo $$ > {cg}/cgroup.procs && exec 3<>/dev/tcp/127.0.0.1/{port} && exec timeout 30 head -c 256M /dev/zero >&3");
            sender = Process.Start(psi)!;
            using var accepted = listener.Accept(); // never read: the sender's queue stays queued
            long Read(string f) => long.Parse(File.ReadAllText(Path.Combine(cg, f)).Trim(), CultureInfo.InvariantCulture);
            bool refused = Support.WaitUntil(() => Read("memory.kmem.tcp.max_usage_in_bytes") > 65536 && Read("memory.kmem.tcp.usage_in_bytes") >= 65536 - 8192, TimeSpan.FromSeconds(15));
            Assert.True(refused, $"the kernel never refused: usage {Read("memory.kmem.tcp.usage_in_bytes")}, max_usage {Read("memory.kmem.tcp.max_usage_in_bytes")}, failcnt {Read("memory.kmem.tcp.failcnt")}");

            var run = Support.Sockdoc(null, "doctor", "--json", "--interval", "0", "--all-namespaces", "false", "--no-log", "--only", "tcp_mem,send_buffer_full");
            Assert.True(run.Exit is >= 0 and <= 2, $"doctor exit {run.Exit}: {run.Stderr}");
            using var doc = JsonDocument.Parse(run.Stdout);
            var tcpMem = doc.RootElement.GetProperty("report").GetProperty("findings").EnumerateArray()
                .FirstOrDefault(f => f.GetProperty("id").GetString() == "tcp_mem");
            Assert.True(tcpMem.ValueKind == JsonValueKind.Object, $"no tcp_mem finding:\n{run.Stdout}");
            var title = tcpMem.GetProperty("title").GetString()!;
            Assert.True(tcpMem.GetProperty("severity").GetString() == "critical",
                $"{title}; cgroup now: usage {Read("memory.kmem.tcp.usage_in_bytes")}, max_usage {Read("memory.kmem.tcp.max_usage_in_bytes")}");
            Assert.Contains("/" + name, title, StringComparison.Ordinal);
            Assert.Contains("of its limit 64 KiB", title, StringComparison.Ordinal);
            var firstFix = tcpMem.GetProperty("fix")[0].GetProperty("setting").GetString();
            Assert.Equal(Path.Combine(cg, "memory.kmem.tcp.limit_in_bytes"), firstFix);
        }
        finally
        {
            if (sender is { HasExited: false })
            {
                sender.Kill(entireProcessTree: true);
                sender.WaitForExit(5000);
            }
            sender?.Dispose();
            // rmdir once the killed processes have left the group.
            Support.WaitUntil(() =>
            {
                try { Directory.Delete(cg); return true; }
                catch (IOException) { return false; }
            }, TimeSpan.FromSeconds(10));
        }
        Assert.False(Directory.Exists(cg), $"{cg} was not removed");
    }
}
