using SockDoc.Diagnosis.Engine;
using SockDoc.Kernel.KernelLog;

namespace SockDoc.Tests.KernelLog;

public class KernelLogClassifierTests
{
    private static readonly LogTimeContext Ctx = new() { Reference = new DateTimeOffset(2026, 11, 24, 13, 0, 0, TimeSpan.Zero) };

    private static KernelLogLine C(string line) => KernelLogClassifier.Classify(line, Ctx);

    [Theory]
    // Real 6.18 lines (kmsg-6.18.txt) and older wordings (public-old-kernels.log, see SOURCE.md).
    [InlineData("[  585.069104] TCP: too many orphaned sockets", LogLineKind.TooManyOrphans, "orphans")]
    // Before 3.3 tcp_close()'s text, for either cause (efcdbf24fd5d split it): like "Out of socket memory".
    [InlineData("TCP: too many of orphaned sockets", LogLineKind.OutOfSocketMemory, "orphans")]
    [InlineData("Feb 25 08:23:42 foo kernel: [3077014.450011] Out of socket memory", LogLineKind.OutOfSocketMemory, "orphans")]
    [InlineData("[  590.187289] TCP: out of memory -- consider tuning tcp_mem", LogLineKind.TcpOutOfMemory, "tcp_mem")]
    [InlineData("[2814258.430156] TCP: time wait bucket table overflow (CT101) ", LogLineKind.TimeWaitOverflow, "tw_buckets")]
    [InlineData("[  597.776402] nf_conntrack: nf_conntrack: table full in netns 4026532246, dropping packet", LogLineKind.ConntrackFull, "conntrack")]
    [InlineData("kernel: nf_conntrack: nf_conntrack: table full, dropping packet", LogLineKind.ConntrackFull, "conntrack")]
    [InlineData("[1737157.969928] nf_conntrack: table full, dropping packet", LogLineKind.ConntrackFull, "conntrack")]
    [InlineData("ip_conntrack: table full, dropping packet.", LogLineKind.ConntrackFull, "conntrack")]
    [InlineData("[  566.650224] TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:8080. Sending cookies.", LogLineKind.SynFlood, "syn_flood")]
    [InlineData("[ 4711.000001] VFS: file-max limit 2466170 reached", LogLineKind.FileMax, "fd_system")]
    // 2.6 tcp_ipv4.c syn_flood_warning(): lower case, no "TCP:" prefix (serverfault.com/questions/299871, /236927).
    [InlineData("[1697692.076962] possible SYN flooding on port 80. Sending cookies.", LogLineKind.SynFlood, "syn_flood")]
    [InlineData("Feb 17 18:58:04 localhost kernel: possible SYN flooding on port 80. Sending cookies.", LogLineKind.SynFlood, "syn_flood")]
    // 2.2 tcp_ipv4.c syn_flood_warning() names source and listener (held-out 172, a 1998 beowulf master), also when a
    // mail wrapped it after "from".
    [InlineData("Jul 21 20:47:58 isrec-insect kernel: Warning: possible SYN flood from 192.168.1.12 on 192.168.1.1:20817. Sending cookies.", LogLineKind.SynFlood, "syn_flood")]
    [InlineData("Jul 21 20:47:58 isrec-insect kernel: Warning: possible SYN flood from", LogLineKind.SynFlood, "syn_flood")]
    [InlineData("Apr 20 22:02:55 kernel: TCP: time wait bucket table overflow", LogLineKind.TimeWaitOverflow, "tw_buckets")]
    [InlineData("Wed Mar 27 02:55:10 2019 kern.info kernel: [240560.532035] VFS: file-max limit 51200 reached", LogLineKind.FileMax, "fd_system")]
    [InlineData("[  553.712274] python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0", LogLineKind.OomInvoked, "oom_kill")]
    [InlineData("[  553.715204] Memory cgroup out of memory: Killed process 7408 (python3) total-vm:42268kB, anon-rss:32384kB, file-rss:6216kB, shmem-rss:0kB, UID:0 pgtables:124kB oom_score_adj:0", LogLineKind.OomKilled, "oom_kill")]
    [InlineData("May 07 21:43:54 doom kernel: Out of memory: Kill process 27438 (R) score 31 or sacrifice child", LogLineKind.OomKillSelected, "oom_kill")]
    // Held-out 111: the same line cut after its verb (SONiC's log as a page shows it).
    [InlineData("Apr 28 10:03:13.279219 vlab-01 ERR kernel: [ 2046.202714] Out of memory: Kill process", LogLineKind.OomKillSelected, "oom_kill")]
    [InlineData("[ 4712.000002] __vm_enough_memory: pid: 4242, comm: java, bytes: 8589934592 not enough memory for the allocation", LogLineKind.MemoryOvercommit, "memory_overcommit")]
    // Held-out sets 4 and 5 (corpus/HELDOUT4-SOURCE.md, HELDOUT5-SOURCE.md): OpenVZ's per-container conntrack line,
    // 2.4/2.6's SYN-queue line without syncookies, and the OOM report's task-table header (dump_tasks()).
    [InlineData("host kernel: ip_conntrack: VPS 101 table full, dropping packet.", LogLineKind.ConntrackFull, "conntrack")]
    // 2.4 kernels (ip_conntrack_core.c init_conntrack()); held-out set 15.
    [InlineData("Feb 18 23:05:50 rhino kernel: ip_conntrack: maximum limit of 8184 entries exceeded", LogLineKind.ConntrackFull, "conntrack")]
    [InlineData("Feb 28 09:27:37 nap1 kernel: TCP: drop open request from 80.222.46.192/3755", LogLineKind.SynFlood, "syn_flood")]
    [InlineData("[1742446.361087] [ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name", LogLineKind.OomTaskDump, "oom_kill")]
    [InlineData("[  553.713843] [  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name", LogLineKind.OomTaskDump, "oom_kill")]
    // A page that glued syslog lines together: the socket line wins over the rate-limit notice beside it.
    [InlineData("Jul 5 15:40:37 mail kernel: printk: 272 messages suppressed. jul 5 15:40:37 mail kernel: TCP: time wait bucket table overflowJul 5 15:40:37", LogLineKind.TimeWaitOverflow, "tw_buckets")]
    // mm/util.c __vm_enough_memory() as a page cut it after "not enough memory" (held-out 141, an Arch user's dmesg on 6.18).
    [InlineData("__vm_enough_memory: pid: 2564294, comm: waybar, bytes: 4096 not enough memory", LogLineKind.MemoryOvercommit, "memory_overcommit")]
    // A memory cgroup's OOM report without its kill line (held-out 189: a Docker scope's report cut after its stats).
    [InlineData("[14462.000738] memory: usage 10516404kB, limit 10516404kB, failcnt 24139", LogLineKind.OomMemcgUsage, "oom_kill")]
    public void Each_message_maps_to_its_kind_and_finding(string line, LogLineKind kind, string findingId)
    {
        var c = C(line);
        Assert.Equal(kind, c.Kind);
        Assert.Equal(findingId, LogKinds.FindingId(c.Info.Kind));
        Assert.True(c.IsIncident);
    }

    // Retyped by people or set by web pages (held-out set 2: shadowsocks-libev and a blog title with an em dash).
    [Theory]
    [InlineData("Linux kernel print keeps printing \"TCP:Too many of orphaned sockets\".", LogLineKind.OutOfSocketMemory)]
    [InlineData("[TCP: out of memory \u2014 consider tuning tcp_mem](https://blog.example/)", LogLineKind.TcpOutOfMemory)]
    [InlineData("NF_CONNTRACK: TABLE FULL, DROPPING PACKET", LogLineKind.ConntrackFull)]
    [InlineData("masscan: nf_conntrack table full", LogLineKind.ConntrackFull)]
    [InlineData("TCP: out of memory - considering tuning tcpmem", LogLineKind.TcpOutOfMemory)]
    [InlineData("Ip_conntrack:table full, dropping packet", LogLineKind.ConntrackFull)]
    [InlineData("In `/var/log/kern.log` there were errors \u201cTCP: out of memory\u201d.", LogLineKind.TcpOutOfMemory)]
    [InlineData("Gateway can cause Linux Kernel \"TCP: Out of Memory\" issue", LogLineKind.TcpOutOfMemory)]
    public void Retyped_lines_get_the_kernels_phrases_back(string line, LogLineKind kind)
    {
        Assert.Equal(LogLineKind.None, C(line).Kind);
        Assert.Equal(kind, C(KernelLogClassifier.Retyped(line)).Kind);
    }

    // Held-out 64: advice names the event without it having happened; a paraphrase there is not put back as the kernel's
    // line. The kernel's own wording is never held back.
    [Theory]
    [InlineData("To avoid timewait bucket overflow, you can increase net.ipv4.tcp_max_tw_buckets")]
    [InlineData("correctly, there is a kernel log when timewait bucket overflow occurs.")]
    [InlineData("If you ever see TCP: out of memory, raise tcp_mem")]
    public void A_paraphrase_in_a_condition_or_precaution_is_not_retold(string line) =>
        Assert.Equal(LogLineKind.None, C(KernelLogClassifier.Retyped(line)).Kind);

    // dump_task() rows from four kernel generations, as pasted (corpus h56 3.10 nr_ptes, h123 pgtables_bytes behind a
    // syslog head, h83 6.x with rss_anon/rss_file/rss_shmem behind a caller id, h126 4.19 behind a dmesg stamp).
    [Theory]
    [InlineData("[ 9074]     0  9074   644243   340026    1226        0             0 node", true)]
    [InlineData("Apr 18 09:34:21 sb-nomad09 kernel: [17586]    33 17586    56908     7763   221184        0             0 runc:[2:INIT]", true)]
    [InlineData("[781751.932755] [   T2243] [3341721]  1000 3341721 10847241  4359142  4359022      120         0 86327296  6341200           100 cargo-acl", true)]
    [InlineData("[40526.379438] [   5323]     1  5323   120510    58957   720896        0             0 php-fpm", true)]
    // Not rows: the header itself, a ps line, a stack frame, a bracketed counter table with too few columns.
    [InlineData("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name", false)]
    [InlineData("root      5323  0.0  1.2 120510 58957 ?        S    10:00   0:00 php-fpm", false)]
    [InlineData("[40526.379438]  oom_kill_process.cold+0x8/0x10", false)]
    [InlineData("[ 1]   44   12   7 eth0", false)]
    public void A_row_of_the_oom_reports_task_table_is_known(string line, bool row) =>
        Assert.Equal(row, KernelLogClassifier.IsOomTaskRow(line, Ctx));

    [Theory]
    [InlineData("If you have a lot of clients that open connections at the same time, eg. after a restart, you may see", "\"kernel: Possible SYN flooding on port 5671\" in the syslog.", true)]
    [InlineData("# 作用：针对 TIME-WAIT，配置其上限。如果降低这个值，可以显著的发现 TIME-WAIT 的数量减少，但系统日志中可能出现如下记录：", "# kernel: TCP: time wait bucket table overflow", true)]
    // An incident write-up: "you might see" with no condition shows what it saw (corpus h62).
    [InlineData("Observing logs, you might see the following in kernel logs:", "> kernel: nf_conntrack: table full, dropping packet.", false)]
    // A report: the line before says what happened, or ends a sentence.
    [InlineData("This morning dmesg showed:", "[ 123.456] TCP: time wait bucket table overflow", false)]
    [InlineData("You may see this in the syslog.", "\"kernel: Possible SYN flooding on port 80\" was logged 40 times today", false)]
    // Held-out 180/181: a sample by no one in particular, a heading that names samples, a second person's "if you encounter".
    [InlineData("When the kernel invokes the OOM killer, it logs detailed messages. A typical OOM kill log entry looks like:", "[12345.678901] Out of memory: Kill process 1234 (application_name) score 987", true)]
    [InlineData("Typical Error Messages", "Too many open files", true)]
    [InlineData("+If you encounter the following error:", "    Caused by: java.io.IOException: Too many open files", true)]
    [InlineData("The error in our kernel log looks like this:", "nf_conntrack: table full, dropping packet", false)]
    public void A_line_introduced_as_what_one_may_see_is_an_example(string previous, string line, bool example) =>
        Assert.Equal(example, SockDoc.Model.Introductions.AsPossible(previous, line));

    [Fact]
    public void The_kernels_own_words_are_read_whatever_the_clause()
    {
        Assert.Equal(LogLineKind.TimeWaitOverflow, C(KernelLogClassifier.Retyped("Every night we got Time wait bucket overflow")).Kind);
        Assert.Equal(LogLineKind.TimeWaitOverflow, C(KernelLogClassifier.Retyped("when it happens: TCP: time wait bucket table overflow")).Kind);
    }

    [Theory]
    [InlineData("Oct  4 16:26:06 host-260 kernel: Neighbour table overflow.")]
    [InlineData("[ 4714.000004] nf_conntrack: nf_conntrack: expectation table full")]
    public void Look_alikes_are_not_ours(string line)
    {
        var c = C(line);
        Assert.Equal(LogLineKind.LookAlike, c.Kind);
        Assert.False(c.IsIncident);
        Assert.False(c.Info.Incident);
    }

    [Theory]
    [InlineData("TCP: request_sock_TCP: some unrelated message")]
    [InlineData("[  553.715168] [   7408]     0  7408    10567     9650     8096     1554         0   126976        0             0 python3")]
    [InlineData("bash: Killed process group")]
    [InlineData("tcp: TOO MANY ORPHANED SOCKETS")]
    // The same report's other counters, printed beside it, are not counted again.
    [InlineData("[14462.000740] swap: usage 714084kB, limit 10015624kB, failcnt 0")]
    [InlineData("[   37.110840] memory+swap: usage 0kB, limit 9007199254740988kB, failcnt 0")]
    [InlineData("")]
    public void Other_lines_are_none(string line) => Assert.Equal(LogLineKind.None, C(line).Kind);

    [Theory]
    [InlineData("[  566.650224] TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:8080. Sending cookies.", 8080, "0.0.0.0", "TCP", "Sending cookies")]
    [InlineData("[  567.242543] TCP: request_sock_TCPv6: Possible SYN flooding on port [::]:8081. Sending cookies.", 8081, "[::]", "TCPv6", "Sending cookies")]
    [InlineData("[  567.911151] TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:8082. Dropping request.", 8082, "0.0.0.0", "TCP", "Dropping request")]
    [InlineData("kern.info kernel: [31617.809376] TCP: request_sock_TCP: Possible SYN flooding on port 5000. Sending cookies.  Check SNMP counters.", 5000, null, "TCP", "Sending cookies")]
    [InlineData("Feb 29 19:54:23 kernel: TCP: TCP: Possible SYN flooding on port 4646. Dropping request.  Check SNMP counters.", 4646, null, null, "Dropping request")]
    public void Syn_flood_gives_port_address_and_action(string line, int port, string? address, string? proto, string action)
    {
        var c = C(line);
        Assert.Equal(LogLineKind.SynFlood, c.Kind);
        Assert.Equal(port, c.Port);
        Assert.Equal(address, c.Address);
        Assert.Equal(proto, c.Proto);
        Assert.Equal(action, c.Action);
    }

    [Fact]
    public void Oom_lines_give_pid_name_rss_and_cgroup()
    {
        var constraint = C("[  553.715179] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/sdk-klog-oom,task_memcg=/sdk-klog-oom,task=python3,pid=7408,uid=0");
        Assert.Equal(LogLineKind.OomConstraint, constraint.Kind);
        Assert.Equal("CONSTRAINT_MEMCG", constraint.Constraint);
        Assert.Equal("/sdk-klog-oom", constraint.Cgroup);
        Assert.Equal("/sdk-klog-oom", constraint.OomMemcg);
        Assert.Equal(7408, constraint.Pid);
        Assert.Equal("python3", constraint.Name);

        var killed = C("[  553.715204] Memory cgroup out of memory: Killed process 7408 (python3) total-vm:42268kB, anon-rss:32384kB, file-rss:6216kB, shmem-rss:0kB, UID:0 pgtables:124kB oom_score_adj:0");
        Assert.Equal(7408, killed.Pid);
        Assert.Equal("python3", killed.Name);
        Assert.Equal(32384, killed.AnonRssKb);
        Assert.Equal(42268, killed.TotalVmKb);
        Assert.Equal("Memory cgroup out of memory", killed.Action);

        var invoked = C("[  553.712274] python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0");
        Assert.Equal("python3", invoked.Name);
    }

    [Theory]
    [InlineData("Nov 29 01:00:04 localhost kernel: Killed process 21578, UID 503, (redis-server) total-vm:9100804kB, anon-rss:9066596kB, file-rss:64kB", 21578, "redis-server", 9066596)]
    [InlineData("Aug 16 20:29:54 h kernel: Killed process 42453 (memcg_test_1), UID 0, total-vm:7296kB, anon-rss:96kB, file-rss:164kB, shmem-rss:0kB", 42453, "memcg_test_1", 96)]
    [InlineData("May 15 23:09:30 u kernel: [  518.061172] Out of memory: Killed process 15925 ((resolved)) total-vm:168424kB, anon-rss:4064kB, file-rss:3584kB, shmem-rss:0kB", 15925, "(resolved)", 4064)]
    public void Old_killed_process_forms_parse(string line, long pid, string name, long anonRss)
    {
        var c = C(line);
        Assert.Equal(LogLineKind.OomKilled, c.Kind);
        Assert.Equal(pid, c.Pid);
        Assert.Equal(name, c.Name);
        Assert.Equal(anonRss, c.AnonRssKb);
    }

    [Theory]
    [InlineData("[  590.187285] net_ratelimit: 90 callbacks suppressed", 90, "net_ratelimit")]
    [InlineData("[1737162.214084] __ratelimit: 83 callbacks suppressed", 83, "__ratelimit")]
    [InlineData("Apr 17 15:22:42 uma kernel: [12562.867554] printk: 87 messages suppressed.", 87, "printk")]
    [InlineData("[ 4713.000003] __vm_enough_memory: 7 callbacks suppressed", 7, "__vm_enough_memory")]
    [InlineData("systemd-journald[312]: 1234 output lines suppressed due to ratelimiting", 1234, "systemd-journald[312]")]
    public void Rate_limit_notices_give_their_count(string line, long n, string limiter)
    {
        var c = C(line);
        Assert.Equal(LogLineKind.RateLimitNotice, c.Kind);
        Assert.Equal(n, c.Number);
        Assert.Equal(limiter, c.Limiter);
        Assert.False(c.IsIncident);
    }

    [Fact]
    public void Conntrack_and_file_max_details()
    {
        Assert.Equal(4026532246, C("nf_conntrack: nf_conntrack: table full in netns 4026532246, dropping packet").Netns);
        Assert.Equal(2466170, C("VFS: file-max limit 2466170 reached").Number);
        var oc = C("__vm_enough_memory: pid: 4242, comm: java, bytes: 8589934592 not enough memory for the allocation");
        Assert.Equal(4242, oc.Pid);
        Assert.Equal("java", oc.Name);
        Assert.Equal(8589934592, oc.Number);
    }

    [Fact]
    public void Bytes_and_string_entry_points_agree_on_every_fixture_line()
    {
        foreach (var file in Directory.GetFiles(Fixtures.Dir("kernellog"), "*.txt").Concat(Directory.GetFiles(Fixtures.Dir("kernellog"), "*.log")))
        {
            foreach (var line in File.ReadLines(file))
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(line);
                var fromBytes = KernelLogClassifier.TryClassify(bytes, Ctx);
                var kind = KernelLogClassifier.DetectKind(bytes);
                Assert.Equal(kind, fromBytes?.Kind ?? LogLineKind.None);
                // The chunk scanner only looks at lines holding an anchor: every classified line must hold one.
                if (kind != LogLineKind.None)
                    Assert.Contains(KernelLogClassifier.AnchorBytes, a => bytes.AsSpan().IndexOf(a) >= 0);
            }
        }
    }

    [Fact]
    public void The_2_6_syn_flood_line_gives_its_port_and_action()
    {
        var c = C("[1697692.076962] possible SYN flooding on port 80. Sending cookies.");
        Assert.Equal(80, c.Port);
        Assert.Equal("Sending cookies", c.Action);
    }

    [Fact]
    public void The_2_2_syn_flood_line_gives_the_listener_and_its_port()
    {
        var c = C("Jul 21 20:53:13 isrec-insect kernel: Warning: possible SYN flood from 192.168.1.7 on 192.168.1.1:20860. Sending cookies.");
        Assert.Equal(20860, c.Port);
        Assert.Equal("192.168.1.1", c.Address);
        Assert.Equal("Sending cookies", c.Action);
    }

    // Held-out 180/181: the pattern of a search, a how-to's title, a quote in a config file's comment, a sample's placeholders.
    [Theory]
    [InlineData("  • 补充验证:dmesg -T | tail -20 | grep -i \"nf_conntrack: table full\",有这条日志就实锤了", true)]
    [InlineData("Resolving nf_conntrack: table full Packet Drops", true)]
    [InlineData("+\t# \"TCP: out of memory -- consider tuning tcp_mem\" problem.", true)]
    [InlineData("[12345.678901] Out of memory: Killed process 12345 (java) total-vm:4096000kB", true)]
    [InlineData("Killed process 1234 (application_name) total-vm:204800k, anon-rss:102400k", true)]
    [InlineData("[  566.650224] TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:8080. Sending cookies.", false)]
    [InlineData("$ dmesg | grep conntrack ; nf_conntrack: table full, dropping packet", false)]
    [InlineData("Killed process 12345 (java) total-vm:8097536kB, anon-rss:6217640kB, file-rss:0kB", false)]
    [InlineData("[ 1234.512345] TCP: too many orphaned sockets", false)]
    public void A_kernel_line_a_page_searches_for_titles_comments_or_samples_is_a_mention(string line, bool mentioned) =>
        Assert.Equal(mentioned, KernelLogClassifier.Mentioned(line));

    [Fact]
    public void A_kernel_phrase_quoted_as_a_search_that_came_back_empty_is_a_mention()
    {
        Assert.True(KernelLogClassifier.QuotedAndDenied("kernel 'nf_conntrack: table full' events: (no table-full event logged)"));
        Assert.True(KernelLogClassifier.QuotedAndDenied("grep \"Out of socket memory\" /var/log/messages found nothing"));
        // Quoted as what the kernel printed, or denied without a quote: the line stays.
        Assert.False(KernelLogClassifier.QuotedAndDenied("Linux kernel keeps printing \"TCP: too many orphaned sockets\"."));
        Assert.False(KernelLogClassifier.QuotedAndDenied("kernel: nf_conntrack: table full, dropping packet (no idea why)"));
    }

    [Fact]
    public void A_kernel_phrase_in_a_sentence_that_supposes_it_is_a_mention()
    {
        // Held-out 87 (coturn's advice): "if ... like nf_conntrack: table full, dropping packet".
        Assert.True(KernelLogClassifier.Supposed("if your getting a lot of errors in /var/log/syslog like nf_conntrack: table full, dropping packet"));
        Assert.True(KernelLogClassifier.Supposed("To avoid TCP: too many orphaned sockets, raise tcp_max_orphans"));
        // The kernel's own line, and one reported with "when": the line stays.
        Assert.False(KernelLogClassifier.Supposed("Jan  1 00:00:01 host kernel: nf_conntrack: table full, dropping packet"));
        Assert.False(KernelLogClassifier.Supposed("when the test runs, dmesg prints TCP: too many orphaned sockets"));
        // A supposition in an earlier sentence does not reach it.
        Assert.False(KernelLogClassifier.Supposed("If in doubt, look. kernel: nf_conntrack: table full, dropping packet"));
    }
}
