using System.Net;
using System.Net.Sockets;
using SockDoc.Kernel.Sysctl;
using SockDoc.Load.Lab.Recipes;

namespace SockDoc.RealKernel.Tests.Doctor;

/// <summary>
/// Each failure is made to happen on the running kernel, then the built doctor must name it.
/// Global settings are changed only under the global lock, through a restore journal, and are
/// compared before and after every test.
/// </summary>
public sealed class DoctorRealKernelTests : IDisposable
{
    private readonly Dictionary<string, string> _globalsBefore;

    public DoctorRealKernelTests()
    {
        Support.RequireRoot();
        RestoreJournal.ReplayLeftovers();
        _globalsBefore = Support.ReadGlobals();
    }

    public void Dispose()
    {
        Assert.Equal(_globalsBefore, Support.ReadGlobals());
    }

    [Fact]
    public void Orphans_over_a_lowered_tcp_max_orphans_are_reported()
    {
        const int orphans = 40;
        using var lockHeld = GlobalLock.Acquire(TimeSpan.FromSeconds(120));
        using var journal = RestoreJournal.Open();
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.ReceiveBufferSize = 4096;
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(orphans * 2);
        var accepted = new List<Socket>();
        try
        {
            var ep = (IPEndPoint)listener.LocalEndPoint!;
            for (int i = 0; i < orphans; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 65536 };
                client.Connect(ep);
                accepted.Add(listener.Accept()); // the receiver never reads: its window closes
                // Fill the send buffer until the kernel refuses more, then close with the data unsent:
                // the socket becomes an orphan in FIN_WAIT1 (kernel-facts §1.1).
                LabSockets.Fill(client, 16 * 1024 * 1024);
                client.Close();
            }
            var orphanNow = ReadSockstat("orphan");
            Assert.True(orphanNow >= orphans, $"expected ≥ {orphans} orphans, sockstat says {orphanNow}");

            // 40 orphans against max 100: over max/4 = 25, under max/2 = 50 → warning.
            journal.Set("net.ipv4.tcp_max_orphans", "100");
            var run = Support.Sockdoc(null, "doctor", "--json", "--interval", "0", "--only", "orphans");
            var findings = Support.Findings(run);
            Support.AssertAtLeastWarning(findings, "orphans", run);
            Assert.Contains("25", run.Stdout, StringComparison.Ordinal); // the max/4 limit is named
        }
        finally
        {
            journal.RestoreAll();
            foreach (var s in accepted) s.Dispose(); // the peers go away: the orphans end with a reset
        }
    }

    [Fact]
    public void Tw_bucket_overflow_in_a_namespace_is_reported()
    {
        using var ns = new TestNetns();
        ns.Sysctl("net.ipv4.tcp_max_tw_buckets", "8");
        int made = ns.Inside(() => LabSockets.ShortConnections(60, CancellationToken.None));
        Assert.Equal(60, made);
        var nstat = Support.Sh($"ip netns exec {ns.Name} cat /proc/net/netstat");
        Assert.Contains("TCPTimeWaitOverflow", nstat, StringComparison.Ordinal);

        var run = Support.Sockdoc(ns.Name, "doctor", "--json", "--interval", "0", "--only", "tw_buckets");
        Support.AssertAtLeastWarning(Support.Findings(run), "tw_buckets", run);
    }

    [Fact]
    public void Exhausted_port_range_in_a_namespace_is_reported()
    {
        using var ns = new TestNetns();
        ns.Sysctl("net.ipv4.ip_local_port_range", "40000 40009");
        ns.Sysctl("net.ipv4.tcp_tw_reuse", "0");
        var (made, lastError) = ns.Inside(() => LabSockets.ConnectUntilRefused(8080, 12));
        Assert.Equal(10, made);
        Assert.Equal(SocketError.AddressNotAvailable, lastError); // EADDRNOTAVAIL, "Cannot assign requested address"

        var run = Support.Sockdoc(ns.Name, "doctor", "--json", "--interval", "0", "--only", "port_exhaustion");
        Support.AssertAtLeastWarning(Support.Findings(run), "port_exhaustion", run);
    }

    [Fact]
    public void Udp_datagrams_dropped_on_a_full_receive_buffer_in_a_namespace_are_reported()
    {
        using var ns = new TestNetns();
        // A receiver with the smallest buffer that never reads, and 400 datagrams of 1,000 bytes sent to it: the buffer
        // holds a few, __udp_enqueue_schedule_skb() drops the rest with -ENOMEM (Udp RcvbufErrors).
        var receiver = ns.Inside(() =>
        {
            var r = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 1024 };
            r.Bind(new IPEndPoint(IPAddress.Loopback, 9514));
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var payload = new byte[1000];
            for (int i = 0; i < 400; i++) s.SendTo(payload, new IPEndPoint(IPAddress.Loopback, 9514));
            return r;
        });
        try
        {
            var snmp = Support.Sh($"ip netns exec {ns.Name} cat /proc/net/snmp").Split('\n').Where(l => l.StartsWith("Udp: ", StringComparison.Ordinal)).ToList();
            var names = snmp[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = snmp[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long rcvbufErrors = long.Parse(values[Array.IndexOf(names, "RcvbufErrors")], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(rcvbufErrors, 300, 400);

            var run = Support.Sockdoc(ns.Name, "doctor", "--json", "--interval", "0", "--no-log", "--only", "udp_rcvbuf");
            Support.AssertAtLeastWarning(Support.Findings(run), "udp_rcvbuf", run);
            using var doc = System.Text.Json.JsonDocument.Parse(run.Stdout);
            var finding = doc.RootElement.GetProperty("report").GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "udp_rcvbuf");
            var counted = finding.GetProperty("evidence").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "Udp RcvbufErrors");
            Assert.Equal(rcvbufErrors, counted.GetProperty("value").GetInt64()); // the kernel's own count, as /proc/net/snmp gives it
        }
        finally
        {
            receiver.Dispose();
        }
    }

    [Fact]
    public void A_process_near_its_open_file_limit_is_reported()
    {
        // A shell with a 64-file limit that opens 56 files and waits.
        using var p = System.Diagnostics.Process.Start("bash", ["-c", "ulimit -n 64; for i in $(seq 8 63); do eval \"exec $i</dev/null\"; done; sleep 30"])!;
        try
        {
            var fdDir = $"/proc/{p.Id}/fd";
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline && (!Directory.Exists(fdDir) || Directory.GetFileSystemEntries(fdDir).Length < 56)) Thread.Sleep(50);
            var run = Support.Sockdoc(null, "doctor", "--json", "--interval", "0", "--only", "fd_process");
            Support.AssertAtLeastWarning(Support.Findings(run), "fd_process", run);
            Assert.Contains($"pid {p.Id}", run.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            p.Kill();
            p.WaitForExit();
        }
    }

    [Fact]
    public void Killed_run_leaves_a_journal_that_the_next_start_replays()
    {
        using var lockHeld = GlobalLock.Acquire(TimeSpan.FromSeconds(120));
        var dir = Path.Combine(Path.GetTempPath(), "sockdoc-journal-" + Guid.NewGuid().ToString("N"));
        var before = RestoreJournal.Read("net.ipv4.tcp_max_orphans");
        // A journal as a killed process (pid that no longer exists) would have left it.
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "journal-999999999.restore"), $"-\tnet.ipv4.tcp_max_orphans\t{before}\n");
        RestoreJournal.Write("net.ipv4.tcp_max_orphans", "77");
        try
        {
            Assert.Equal(1, RestoreJournal.ReplayLeftovers(dir));
            Assert.Equal(before, RestoreJournal.Read("net.ipv4.tcp_max_orphans"));
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally
        {
            RestoreJournal.Write("net.ipv4.tcp_max_orphans", before);
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_sender_blocked_on_a_receiver_that_stopped_reading_is_reported()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect((IPEndPoint)listener.LocalEndPoint!);
        using var receiver = listener.Accept(); // never reads
        var sender = new Thread(() =>
        {
            // A blocking send of 64 MiB: fills the peer's receive buffer and our send buffer, then sleeps in
            // sk_stream_wait_memory() until the receiver goes away.
            try { client.Send(new byte[64 * 1024 * 1024]); } catch (SocketException) { } catch (ObjectDisposedException) { }
        }) { IsBackground = true };
        sender.Start();
        try
        {
            Thread.Sleep(1000);
            var run = Support.Sockdoc(null, "doctor", "--json", "--interval", "0", "--no-log", "--only", "send_buffer_full");
            var findings = Support.Findings(run);
            Assert.True(findings.TryGetValue("send_buffer_full", out var severity), run.Stdout + run.Stderr);
            Assert.True(severity == "critical", run.Stdout); // the thread is blocked now (root reads its kernel stack)
            Assert.Contains($"pid {Environment.ProcessId}", run.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            client.Shutdown(SocketShutdown.Both);
            receiver.Close();
            client.Close();
            sender.Join(TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public void An_overflowing_accept_queue_in_a_namespace_is_reported()
    {
        using var ns = new TestNetns();
        var held = ns.Inside(() =>
        {
            var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            l.Bind(new IPEndPoint(IPAddress.Loopback, 9000));
            l.Listen(1); // holds backlog + 1 = 2 children; nobody accepts
            var clients = new List<Socket> { l };
            for (int i = 0; i < 6; i++)
            {
                var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
                try { c.Connect(new IPEndPoint(IPAddress.Loopback, 9000)); }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock) { }
                clients.Add(c);
            }
            Thread.Sleep(1500); // SYN-ACK retransmits meet the full queue: ListenOverflows rises
            return clients;
        });
        try
        {
            var nstat = Support.Sh($"ip netns exec {ns.Name} nstat -az TcpExtListenOverflows");
            Assert.Matches(@"TcpExtListenOverflows\s+[1-9]", nstat);
            var run = Support.Sockdoc(ns.Name, "doctor", "--json", "--interval", "0", "--no-log", "--only", "listen_overflow");
            var findings = Support.Findings(run);
            Support.AssertAtLeastWarning(findings, "listen_overflow", run);
            Assert.Equal("critical", findings["listen_overflow"]); // the census sees the full queue on 127.0.0.1:9000
            Assert.Contains("127.0.0.1:9000", run.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var s in held) s.Dispose();
        }
    }

    [Fact]
    public void Unprivileged_run_says_what_it_could_not_read()
    {
        var psi = new System.Diagnostics.ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", Support.SockdocDll, "doctor", "--json", "--interval", "0", "--no-log" })
            psi.ArgumentList.Add(a);
        psi.Environment["HOME"] = "/tmp";
        psi.Environment["DOTNET_CLI_HOME"] = "/tmp";
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode is >= 0 and <= 2, $"exit {p.ExitCode}: {stderr}");
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var unreadable = doc.RootElement.GetProperty("report").GetProperty("unreadable").EnumerateArray()
            .Select(u => (u.GetProperty("source").GetString()!, u.TryGetProperty("needs_root", out var nr) && nr.GetBoolean())).ToList();
        Assert.Contains(unreadable, u => u.Item1 == "/proc/slabinfo" && u.Item2);
        Assert.Contains(unreadable, u => u.Item1.EndsWith("PID/fd", StringComparison.Ordinal) && u.Item2);
    }

    [Fact]
    public void Inside_a_child_namespace_the_doctor_says_which_values_are_the_hosts()
    {
        using var ns = new TestNetns();
        var run = Support.Sockdoc(ns.Name, "doctor", "--json", "--interval", "0", "--no-log");
        Assert.True(run.Exit is >= 0 and <= 2, run.Stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(run.Stdout);
        var report = doc.RootElement.GetProperty("report");
        Assert.False(report.GetProperty("initial_net_ns").GetBoolean());
        var orphans = report.GetProperty("checks").EnumerateArray().First(c => c.GetProperty("id").GetString() == "orphans");
        Assert.Equal("unknown", orphans.GetProperty("status").GetString());
        Assert.Contains("not visible inside this network namespace", orphans.GetProperty("summary").GetString(), StringComparison.Ordinal);
        var text = Support.Sockdoc(ns.Name, "doctor", "--interval", "0", "--no-log");
        Assert.Contains("child network namespace", text.Stdout, StringComparison.Ordinal);
    }

    private static long ReadSockstat(string field)
    {
        var line = File.ReadAllLines("/proc/net/sockstat").First(l => l.StartsWith("TCP:", StringComparison.Ordinal));
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(parts[Array.IndexOf(parts, field) + 1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
