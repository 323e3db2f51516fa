using System.Text;
using System.Text.Json;
using SockDoc.Cli;
using SockDoc.Cli.Explain;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Explain;
using SockDoc.Diagnosis.Rules;
using SockDoc.Kernel.Procfs;
using SockDoc.Model;

namespace SockDoc.Tests.Explain;

/// <summary>
/// `sockdoc explain` on real pastes: public tickets (fixtures/explain/public-*.txt) and pastes made on the
/// project VM by reproducing each failure (vm-*.txt). See fixtures/explain/SOURCE.md.
/// </summary>
public class ExplainTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 13, 0, 0, TimeSpan.Zero);

    /// <summary>VM captures in fixtures/explain; public pastes in the corpus (Explain/corpus).</summary>
    private static string Paste(string name) =>
        File.ReadAllText(File.Exists(Fixtures.Dir("explain", name)) ? Fixtures.Dir("explain", name) : Path.Combine(CorpusTests.Dir, name));

    /// <summary>The command's own pipeline (kernel classifier at the Cli edge, then the pure explainer).</summary>
    private static ExplainResult Explain(string text, long? pageSize = null)
    {
        var lines = PasteText.Clean(text, PasteInput.Stamp(TimeProvider.System));
        var (kernelLines, summary) = PasteInput.KernelLog(lines, TimeProvider.System);
        var evidence = PasteReader.Read(lines, kernelLines.Keys.ToHashSet());
        return Explainer.Explain(lines, evidence, summary, kernelLines, At, pageSize);
    }

    private static (int Exit, string Out, string Err) Run(string? stdin, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var io = new CliIo(o, e, outputIsTerminal: false, noColor: true, width: 160) { In = new StringReader(stdin ?? "") };
        var exit = Program.Run(args, io);
        return (exit, o.ToString(), e.ToString());
    }

    private static Finding Finding(ExplainResult r, string id) => r.Report.Findings.Single(f => f.Id == id);

    private static CheckResult Check(ExplainResult r, string id) => r.Report.Checks.Single(c => c.Id == id);

    // ---- recognisers, one real paste each ----

    [Fact]
    public void Sockstat_and_bare_cat_values_give_the_orphans_finding_of_the_doctor()
    {
        var r = Explain(Paste("public-orphans-sockstat.txt"));
        var f = Finding(r, "orphans");
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Contains("65,738 orphans exceed tcp_max_orphans 65,536", f.Title, StringComparison.Ordinal);
        Assert.Equal("21180 28243 42360", r.Snapshot.Sysctls.Raw(SysctlNames.TcpMem));
        Assert.Equal(Kinds("sysctl-value", "/proc/net/sockstat", "sysctl-value"), r.Blocks.Select(b => b.Kind).ToList());
        Assert.Equal((4, 9), (r.Blocks[1].FirstLine, r.Blocks[1].LastLine));
        // tcp_mem is below its pressure threshold: the paste clears it, so orphans are the one cause.
        Assert.Equal(CheckStatus.Ok, Check(r, "tcp_mem").Status);
        Assert.Contains(r.Missing, m => m.CheckId == "tcp_mem" && m.Input == "page size");
    }

    [Fact]
    public void Explain_gives_the_same_findings_as_the_doctor_on_the_kernel_readers_parse()
    {
        // The doctor's path: the Kernel readers parse the same text into a Snapshot.
        var sockstat = SockStatReader.Parse(Encoding.UTF8.GetBytes("sockets: used 39845\nTCP: inuse 125217 orphan 65738 tw 103758 alloc 121429 mem 22016\nUDP: inuse 12 mem 6\nUDPLITE: inuse 0\nRAW: inuse 1\nFRAG: inuse 0 memory 0\n"));
        var doctorSnapshot = new Snapshot
        {
            TakenAt = At,
            SockStat = sockstat,
            Sysctls = new Sysctls { Values = new Dictionary<string, string> { [SysctlNames.TcpMem] = "21180 28243 42360", [SysctlNames.TcpMaxOrphans] = "65536" } },
        };
        var doctor = All.Engine().Run(new SnapshotPair(doctorSnapshot, null));
        var explain = Explain(Paste("public-orphans-sockstat.txt")).Report;
        Assert.NotEmpty(doctor.Findings);
        Assert.Equal(JsonSerializer.Serialize(doctor.Findings), JsonSerializer.Serialize(explain.Findings));
    }

    [Fact]
    public void Kernel_lines_with_a_cut_first_line_and_a_rate_limit_notice_point_at_orphans_and_ask_for_sockstat()
    {
        var r = Explain(Paste("public-orphans-dmesg.txt"));
        Assert.Equal(10, r.LinesRecognised);
        var incident = Assert.Single(r.Snapshot.KernelLog!.Incidents);
        Assert.Equal("orphans", LogKinds.FindingId(incident.Kind));
        Assert.Equal(9, incident.Count);
        Assert.Equal(280, incident.SuppressedUpTo);
        // The kernel's own line is a finding (issue 18): likely, and recent against the paste's own latest timestamp (its "now").
        Assert.Equal(CheckStatus.Critical, Check(r, "orphans").Status);
        Assert.Equal(When.Recent, Check(r, "orphans").Finding!.When);
        Assert.Equal(Confidence.Likely, Check(r, "orphans").Finding!.Confidence);
        Assert.Contains(r.Missing, m => m.CheckId == "orphans" && m.Primary && m.Paste == "`cat /proc/net/sockstat`");
        Assert.Contains(r.Missing, m => m.CheckId == "orphans" && m.Paste.StartsWith("`sysctl net.ipv4.tcp_max_orphans", StringComparison.Ordinal));
    }

    [Fact]
    public void Ss_s_gives_orphans_and_timewait_and_clears_the_orphan_check()
    {
        var r = Explain(Paste("public-ss-s-orphans.txt"));
        Assert.Equal(40, r.Snapshot.SockStat!.TcpOrphan);
        Assert.Equal(39, r.Snapshot.SockStat.TcpTw);
        Assert.Equal(1024, r.Snapshot.Sysctls.Long(SysctlNames.TcpMaxOrphans));
        Assert.Equal(CheckStatus.Ok, Check(r, "orphans").Status);
        Assert.Equal(0, r.UnrecognisedCount);
        Assert.Empty(r.Report.Findings);
    }

    [Fact]
    public void Netstat_s_sentences_map_to_their_counters_and_give_listen_overflow()
    {
        var r = Explain(Paste("public-netstat-s-listen.txt"));
        var ns = r.Snapshot.NetStat!;
        Assert.Equal(5191585, ns.Get("TcpExt", "ListenOverflows"));
        Assert.Equal(5191585, ns.Get("TcpExt", "ListenDrops"));
        Assert.Equal(3764018530, ns.Get("Tcp", "ActiveOpens"));
        Assert.Equal(191055808, ns.Get("Tcp", "RetransSegs"));
        Assert.Equal(175757, ns.Get("TcpExt", "TCPAbortOnTimeout"));
        var f = Finding(r, "listen_overflow");
        Assert.Equal(Severity.Warning, f.Severity);
        Assert.Equal(When.SinceBoot, f.When);
    }

    [Fact]
    public void Netstat_s_fast_timer_is_TW_per_net_tools_and_a_stray_line_does_not_break_the_block()
    {
        var r = Explain(Paste("public-netstat-s-tw.txt"));
        var ns = r.Snapshot.NetStat!;
        // net-tools statistics.c: {"TW", "...finished time wait in fast timer"}, {"TWKilled", "...in slow timer"}.
        Assert.Equal(2022698730, ns.Get("TcpExt", "TW"));
        Assert.Null(ns.Get("TcpExt", "TWKilled"));
        Assert.Equal(6350, ns.Get("TcpExt", "ListenDrops"));
        Assert.Equal(8939459, ns.Get("TcpExt", "DelayedACKLost"));
        Assert.Equal(11394, ns.Get("TcpExt", "SyncookiesSent"));
        // Old net-tools print no TCPReqQFullDoCookies; "SYN cookies sent" alone says the SYN queue was full too.
        Assert.Equal(["listen_overflow", "syn_flood"], r.Report.Findings.Select(f => f.Id).Order().ToArray());
    }

    [Fact]
    public void A_udp_queue_the_kernel_stopped_just_below_the_buffer_is_full()
    {
        // Made on the VM: the kernel refused the 93rd datagram (UdpRcvbufErrors 308) with the queue at 211,968 of 212,992.
        // The same socket in ss and netstat is one row; the :5141 socket, 23,040 bytes in, is not full.
        var r = Explain(Paste("vm-udp-recvq-full.txt"));
        var udp = r.Snapshot.Census!.Udp!;
        Assert.Equal(3, udp.Sockets);
        var f = Assert.Single(r.Report.Findings);
        Assert.Equal("udp_rcvbuf", f.Id);
        Assert.Equal(211968, f.Evidence.Single(e => e.Name.Contains("Recv-Q", StringComparison.Ordinal)).Value);
        Assert.DoesNotContain(f.Evidence, e => e.Name.Contains(":5141", StringComparison.Ordinal));
    }

    [Fact]
    public void Netstat_s_captured_on_the_vm_reads_tcp_and_udp_counters()
    {
        var r = Explain(Paste("vm-netstat-s.txt"));
        Assert.Equal(4915608, r.Snapshot.NetStat!.Get("Tcp", "ActiveOpens"));
        Assert.Equal(171, r.Snapshot.NetStat.Get("Udp", "InDatagrams"));
        Assert.Equal(150, r.Snapshot.NetStat.Get("TcpExt", "PruneCalled"));
        Assert.True(r.UnrecognisedCount == 0, string.Join("\n", r.Unrecognised));
    }

    [Fact]
    public void Nstat_lines_split_group_and_name()
    {
        var r = Explain(Paste("public-nstat-reqqfull.txt"));
        Assert.Equal(0, r.Snapshot.NetStat!.Get("TcpExt", "TCPReqQFullDrop"));
        Assert.Equal(CheckStatus.Ok, Check(r, "syn_flood").Status);

        var vm = Explain(Paste("vm-nstat-az.txt"));
        Assert.Equal(0, vm.Snapshot.NetStat!.Get("TcpExt", "ListenOverflows"));
        Assert.NotNull(vm.Snapshot.NetStat.Get("Tcp", "ActiveOpens"));
        Assert.NotNull(vm.Snapshot.NetStat.Get("IpExt", "InOctets"));
        Assert.Equal(CheckStatus.Ok, Check(vm, "listen_overflow").Status);
    }

    [Fact]
    public void Raw_proc_net_netstat_and_snmp_pairs_match_the_kernel_reader()
    {
        var text = Paste("vm-proc-netstat-snmp.txt");
        var r = Explain(text);
        var reader = NetStatReader.Parse(Encoding.UTF8.GetBytes(string.Join('\n', text.Split('\n').Where(l => !l.StartsWith('$')))));
        Assert.Equal(reader.Groups.Keys.Order(StringComparer.Ordinal), r.Snapshot.NetStat!.Groups.Keys.Order(StringComparer.Ordinal));
        foreach (var (group, values) in reader.Groups)
            Assert.Equal(values.OrderBy(kv => kv.Key, StringComparer.Ordinal), r.Snapshot.NetStat.Groups[group].OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Empty(r.Damage);
    }

    [Fact]
    public void Wrapped_raw_netstat_keeps_only_the_certain_counters_and_says_so()
    {
        var text = Paste("vm-proc-netstat-snmp.txt").Split('\n');
        var names = text.First(l => l.StartsWith("TcpExt: S", StringComparison.Ordinal));
        var values = text.First(l => l.StartsWith("TcpExt: 0", StringComparison.Ordinal) || (l.StartsWith("TcpExt: ", StringComparison.Ordinal) && char.IsAsciiDigit(l[8])));
        // A terminal wrapped the names line in the middle of a word.
        var wrapped = names[..120] + "\n" + names[120..] + "\n" + values + "\n";
        var r = Explain(wrapped);
        Assert.Single(r.Damage);
        int firstLine = names[..120].Split(' ', StringSplitOptions.RemoveEmptyEntries).Length - 1; // "TcpExt:" is not a name
        Assert.True(r.Snapshot.NetStat!.Groups["TcpExt"].Count < firstLine);
        Assert.Equal(0, r.Snapshot.NetStat.Get("TcpExt", "SyncookiesSent"));
    }

    [Fact]
    public void Sockstat6_sysctl_lines_and_getconf_are_read()
    {
        var r = Explain(Paste("vm-sockstat-sysctl.txt"));
        Assert.NotNull(r.Snapshot.SockStat6?.Tcp6InUse);
        Assert.NotNull(r.Snapshot.SockStat!.TcpMemPages);
        Assert.Equal(4096, r.Snapshot.PageSize);
        Assert.NotNull(r.Snapshot.Sysctls.Vector(SysctlNames.FileNr, 3));
        Assert.NotNull(r.Snapshot.Sysctls.Vector(SysctlNames.IpLocalPortRange, 2));
        Assert.Equal(CheckStatus.Ok, Check(r, "tcp_mem").Status);
        Assert.Equal(CheckStatus.Ok, Check(r, "fd_system").Status);
        Assert.DoesNotContain(r.Missing, m => m.Input == "page size");
        Assert.Equal(0, r.UnrecognisedCount);
    }

    [Fact]
    public void File_nr_ulimit_limits_free_meminfo_and_vmstat_are_read()
    {
        var r = Explain(Paste("vm-limits-memory.txt"));
        var e = PasteReader.Read(PasteText.Clean(Paste("vm-limits-memory.txt")));
        Assert.NotNull(r.Snapshot.Sysctls.Vector(SysctlNames.FileNr, 3));
        Assert.NotNull(e.NoFileSoft);
        Assert.NotNull(e.NoFileHard);
        Assert.NotNull(r.Snapshot.MemInfo?.Kb("SUnreclaim"));
        Assert.NotNull(r.Snapshot.MemInfo?.Kb("MemAvailable"));
        Assert.NotNull(r.Snapshot.VmStat?.OomKill);
        Assert.Contains(r.Blocks, b => b.Kind == "free");
        Assert.Contains(r.Blocks, b => b.Kind == "/proc/PID/limits");
        Assert.Contains(r.Blocks, b => b.Kind == "ulimit");
        // The VM had seen two OOM kills when this was captured: the doctor's since-boot warning.
        Assert.Equal(When.SinceBoot, Finding(r, "oom_kill").When);
        Assert.True(r.UnrecognisedCount == 0, string.Join("\n", r.Unrecognised));
    }

    [Fact]
    public void Free_h_units_become_kB()
    {
        var e = PasteReader.Read(PasteText.Clean("$ free -h\n               total        used        free      shared  buff/cache   available\nMem:            23Gi       1.5Gi        20Gi       1.0Mi       1.8Gi        21Gi\nSwap:             0B          0B          0B\n"));
        Assert.Equal(23L * 1024 * 1024, e.MemInfoKb["MemTotal"]);
        Assert.Equal(21L * 1024 * 1024, e.MemInfoKb["MemAvailable"]);
        Assert.Equal(0, e.MemInfoKb["SwapTotal"]);
    }

    [Fact]
    public void Ss_tan_and_ss_tm_lines_are_counted()
    {
        var r = Explain(Paste("vm-ss.txt"));
        var e = PasteReader.Read(PasteText.Clean(Paste("vm-ss.txt")));
        Assert.NotNull(e.Sockets);
        Assert.True(e.Sockets!.States.Values.Sum() > 0);
        Assert.True(e.Sockets.WithSkmem > 0);
        Assert.Contains(r.Observations, o => o.Name.StartsWith("sockets with skmem", StringComparison.Ordinal));
        Assert.Contains(r.Blocks, b => b.Kind == "ss -s");
    }

    [Fact]
    public void Sysctl_cannot_stat_marks_a_child_namespace_and_asks_for_the_hosts_value()
    {
        var r = Explain(Paste("vm-container-sysctl.txt"));
        Assert.False(r.Snapshot.Host.InitialNetNs);
        Assert.Equal(131072, r.Snapshot.Sysctls.Long(SysctlNames.TcpMaxTwBuckets));
        Assert.Equal(CheckStatus.Ok, Check(r, "tw_buckets").Status);
        Assert.Contains(r.Missing, m => m.CheckId == "orphans" && m.Paste.Contains("on the host", StringComparison.Ordinal));
        Assert.Contains(r.Missing, m => m.CheckId == "tcp_mem" && m.Paste.Contains("on the host", StringComparison.Ordinal));
        Assert.Equal(0, r.UnrecognisedCount);
    }

    // ---- reproductions on this VM: the failure, then its evidence ----

    [Fact]
    public void Port_exhaustion_reproduced_in_a_namespace_is_the_doctors_port_finding()
    {
        var r = Explain(Paste("vm-port-exhaustion.txt"));
        var err = Assert.Single(r.Extra);
        Assert.Equal(("EADDRNOTAVAIL", "python", "connect"), (err.Errno, err.Runtime, err.Call));
        var f = Finding(r, "port_exhaustion");
        // Warning from sockstat tw alone; critical once the rule reads the pasted rows as a census (8 of 8 ports to one destination).
        Assert.True(f.Severity >= Severity.Warning);
        Assert.Contains(r.Observations, o => o.Value.StartsWith("127.0.0.1:8080 from 127.0.0.1: 8 sockets, 8 in TIME-WAIT of 8 ports", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Traps, t => t.Id == "bind_eaddrnotavail");
        // The paste has no conntrack sysctl: that says nothing about the host, so conntrack is not "ok".
        Assert.Equal(CheckStatus.Unknown, Check(r, "conntrack").Status);
    }

    [Fact]
    public void Bind_to_a_missing_address_is_not_port_exhaustion()
    {
        var r = Explain(Paste("vm-bind-eaddrnotavail.txt"));
        Assert.Equal("bind", Assert.Single(r.Extra).Call);
        var trap = Assert.Single(r.Traps);
        Assert.Equal("bind_eaddrnotavail", trap.Id);
        Assert.Equal([5], trap.Lines);
        Assert.Empty(r.Report.Findings);
        Assert.DoesNotContain(r.Missing, m => m.CheckId == "port_exhaustion" && m.Primary);

        var java = Explain(Paste("public-java-bind.txt"));
        Assert.Contains(java.Traps, t => t.Id == "bind_eaddrnotavail");
        Assert.Equal("java", java.Extra[0].Runtime);

        var nodeObject = Explain(Paste("public-node-error-object.txt"));
        var one = Assert.Single(nodeObject.Extra);
        Assert.Equal(("node", "bind", 1L), (one.Runtime, one.Call, one.Count));
        Assert.Contains(nodeObject.Traps, t => t.Id == "bind_eaddrnotavail");

        var node = Explain(Paste("public-node-listen.txt"));
        Assert.Equal(("node", "bind"), (node.Extra[0].Runtime, node.Extra[0].Call));
        Assert.Contains(node.Traps, t => t.Id == "bind_eaddrnotavail");
    }

    [Fact]
    public void Connect_eaddrnotavail_from_php_and_node_asks_for_the_port_range()
    {
        foreach (var name in new[] { "public-php-connect.txt", "public-node-connect.txt" })
        {
            var r = Explain(Paste(name));
            Assert.Equal("connect", r.Extra[0].Call);
            Assert.Contains(r.Missing, m => m.CheckId == "port_exhaustion" && m.Primary && m.Paste == "`sysctl net.ipv4.ip_local_port_range`");
            Assert.Empty(r.Traps);
        }
    }

    [Fact]
    public void C_programs_nginx_messages_name_the_call()
    {
        var upstream = Explain(Paste("public-nginx-upstream.txt"));
        Assert.Equal(("EADDRNOTAVAIL", "nginx", "connect"), (upstream.Extra[0].Errno, upstream.Extra[0].Runtime, upstream.Extra[0].Call));
        Assert.Contains(upstream.Missing, m => m.CheckId == "port_exhaustion" && m.Primary);

        var mixed = Explain(Paste("public-nginx-ipv6-refused.txt"));
        Assert.Equal([("ECONNREFUSED", "go", "connect"), ("EADDRNOTAVAIL", "nginx", "connect")], mixed.Extra.Select(x => (x.Errno, x.Runtime, x.Call)).ToList());
        Assert.Contains("nothing listens", mixed.Extra[0].Explanation, StringComparison.Ordinal);
        Assert.Contains("IPv6", mixed.Extra[1].Explanation, StringComparison.Ordinal);

        // Wrapped: the errno text is on the line after "bind() ... failed (98:".
        var wrapped = Explain(Paste("public-nginx-bind-wrapped.txt"));
        var inUse = Assert.Single(wrapped.Extra);
        Assert.Equal(("EADDRINUSE", "bind", 2L), (inUse.Errno, inUse.Call, inUse.Count));
        Assert.Equal([2, 4], inUse.Lines);
    }

    [Fact]
    public void Dotnet_socket_exception_made_here_is_recognised()
    {
        string text;
        using (var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        {
            // 10.123.45.67 is not an address of this host (nor of CI's): bind() fails with EADDRNOTAVAIL.
            var e = Assert.Throws<System.Net.Sockets.SocketException>(() => s.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Parse("10.123.45.67"), 0)));
            text = "Unhandled exception. " + e + "\n";
        }
        Assert.StartsWith("Unhandled exception. System.Net.Sockets.SocketException (99): Cannot assign requested address", text, StringComparison.Ordinal);
        var r = Explain(text);
        var err = Assert.Single(r.Extra);
        Assert.Equal((".net", "bind"), (err.Runtime, err.Call));
        Assert.Contains(r.Traps, t => t.Id == "bind_eaddrnotavail");
    }

    [Fact]
    public void Eaddrnotavail_without_the_call_names_both_causes()
    {
        var r = Explain("OSError: [Errno 99] Cannot assign requested address\n");
        var a = Assert.Single(r.Ambiguities);
        Assert.Contains("port_exhaustion", a.Candidates);
        Assert.Contains("bind", a.Candidates[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Emfile_with_file_nr_far_below_file_max_is_the_process_limit()
    {
        var r = Explain(Paste("vm-emfile.txt"));
        Assert.All(r.Extra, x => Assert.Equal("EMFILE", x.Errno));
        // Lines 3 and 7; the traceback's `File ".../emfile.py"` is not an EMFILE.
        Assert.Equal([3, 7], r.Extra.SelectMany(x => x.Lines).Order().ToList());
        var trap = Assert.Single(r.Traps);
        Assert.Equal("emfile_is_process_limit", trap.Id);
        Assert.Contains("far from fs.file-max", trap.Text, StringComparison.Ordinal);
        Assert.Contains("soft limit is 256", trap.Text, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Ok, Check(r, "fd_system").Status);
    }

    [Fact]
    public void Go_accept4_emfile_is_recognised_and_asks_for_file_nr()
    {
        var r = Explain(Paste("public-go-emfile.txt"));
        var err = Assert.Single(r.Extra);
        Assert.Equal(("EMFILE", "go", "accept", 3L), (err.Errno, err.Runtime, err.Call, err.Count));
        Assert.Contains(r.Traps, t => t.Id == "emfile_is_process_limit");
        Assert.Contains(r.Missing, m => m.CheckId == "fd_system" && m.Paste.StartsWith("`sysctl fs.file-nr", StringComparison.Ordinal));
    }

    [Fact]
    public void Expectation_table_full_is_not_the_conntrack_table()
    {
        var r = Explain(Paste("public-expectation-table.txt"));
        var trap = Assert.Single(r.Traps);
        Assert.Equal("expectation_table", trap.Id);
        Assert.Equal(6, trap.Lines.Count);
        Assert.DoesNotContain(r.Report.Findings, f => f.Id == "conntrack");
        Assert.Equal(7, r.LinesRecognised);
    }

    [Fact]
    public void Wrapped_conntrack_lines_still_give_the_conntrack_finding()
    {
        var r = Explain(Paste("public-conntrack-wrapped.txt"));
        Assert.Equal("conntrack", Assert.Single(r.Report.Findings).Id);
        Assert.Equal(4, r.Snapshot.KernelLog!.Incidents.Single().Count);
        // The wrapped "dropping packet" halves between kernel lines sit inside the kernel-log block; the last one is left over.
        Assert.Equal(7, Assert.Single(r.Unrecognised).Number);
        Assert.Equal((1, 6), (r.Blocks.Single().FirstLine, r.Blocks.Single().LastLine));
    }

    [Fact]
    public void Out_of_socket_memory_alone_names_both_orphans_and_tcp_mem()
    {
        // The pre-3.3 wording (tcp_out_of_resources()); same shape as the other pasted kernel lines.
        var r = Explain("[1234567.123456] Out of socket memory\n[1234567.223456] Out of socket memory\n");
        Assert.Contains(r.Traps, t => t.Id == "out_of_socket_memory" && t.Lines.SequenceEqual([1, 2]));
        // The rules name both causes as possible (issue 18), each with what would decide it.
        foreach (var id in new[] { "orphans", "tcp_mem" })
        {
            var f = Check(r, id).Finding!;
            Assert.Equal(Confidence.Possible, f.Confidence);
            Assert.NotEmpty(f.ToConfirm);
            Assert.Contains(r.Missing, m => m.CheckId == id && m.Primary);
        }
    }

    [Fact]
    public void Abort_on_memory_counter_without_sockstat_is_ambiguous_but_with_sockstat_it_is_decided()
    {
        var counterOnly = Explain("TcpExt:\n    812 connections aborted due to memory pressure\n");
        Assert.Equal(812, counterOnly.Snapshot.NetStat!.Get("TcpExt", "TCPAbortOnMemory"));
        Assert.Contains(counterOnly.Ambiguities, a => a.Candidates.SequenceEqual(["orphans", "tcp_mem"]));

        var decided = Explain(Paste("public-orphans-sockstat.txt") + "TcpExt:\n    812 connections aborted due to memory pressure\n");
        Assert.Empty(decided.Ambiguities);
        Assert.Equal(Severity.Critical, Finding(decided, "orphans").Severity);
    }

    // ---- mixed, prompts, numbering, damage ----

    [Fact]
    public void A_mixed_paste_in_any_order_with_line_numbers_gives_the_same_result()
    {
        var mixed = Paste("public-go-emfile.txt") + Paste("public-orphans-sockstat.txt") + Paste("public-netstat-s-listen.txt") + Paste("public-orphans-dmesg.txt");
        var plain = Explain(mixed);
        var numbered = Explain(string.Join('\n', mixed.Split('\n').Select((l, i) => $"{i + 1,6}\t{l}")));
        var grepN = Explain(string.Join('\n', mixed.Split('\n').Select((l, i) => $"{i + 1}:{l}")));
        // Go's "accept4: too many open files" is EMFILE: fd_process, likely (issue 18).
        Assert.Equal(["orphans", "fd_process", "listen_overflow"], plain.Report.Findings.Select(f => f.Id).ToList());
        foreach (var other in new[] { numbered, grepN })
        {
            Assert.Equal(JsonSerializer.Serialize(plain.Report.Findings), JsonSerializer.Serialize(other.Report.Findings));
            Assert.Equal(plain.Blocks.Select(b => (b.Kind, b.FirstLine)), other.Blocks.Select(b => (b.Kind, b.FirstLine)));
        }
        Assert.Contains(plain.Traps, t => t.Id == "emfile_is_process_limit");
        Assert.Equal(9, plain.Snapshot.KernelLog!.Incidents.Single(i => LogKinds.FindingId(i.Kind) == "orphans").Count);
    }

    [Theory]
    [InlineData("user@web-01:~$ cat /proc/sys/net/ipv4/tcp_max_orphans")]
    [InlineData("[root@web-01 ~]# cat /proc/sys/net/ipv4/tcp_max_orphans")]
    [InlineData("$ cat /proc/sys/net/ipv4/tcp_max_orphans")]
    [InlineData("# cat /proc/sys/net/ipv4/tcp_max_orphans")]
    [InlineData("#cat /proc/sys/net/ipv4/tcp_max_orphans")]
    [InlineData("~# cat /proc/sys/net/ipv4/tcp_max_orphans")]
    public void Prompts_are_recognised_before_a_bare_value(string prompt)
    {
        var r = Explain(prompt + "\n65536\n");
        Assert.Equal(65536, r.Snapshot.Sysctls.Long(SysctlNames.TcpMaxOrphans));
    }

    [Fact]
    public void A_bare_number_without_a_prompt_is_not_taken_for_a_line_number_or_a_value()
    {
        var r = Explain("65536\n");
        Assert.True(r.NothingRecognised);
        Assert.Equal(1, r.UnrecognisedCount);
    }

    [Fact]
    public void A_truncated_paste_reads_what_is_whole()
    {
        var text = Paste("public-orphans-sockstat.txt");
        var cut = text[..text.IndexOf("alloc", StringComparison.Ordinal)]; // "TCP: inuse 125217 orphan 65738 tw 103758 " then EOF
        var r = Explain(cut);
        Assert.Equal(65738, r.Snapshot.SockStat!.TcpOrphan);
        Assert.Null(r.Snapshot.SockStat.TcpMemPages);
        Assert.Equal(CheckStatus.Unknown, Check(r, "orphans").Status); // tcp_max_orphans was after the cut
    }

    [Fact]
    public void Nothing_recognised_says_so_and_lists_what_it_reads()
    {
        var (exit, output, _) = Run("hello\nthis is not a paste of anything we know\n", "explain", "-");
        Assert.Equal(3, exit);
        Assert.Contains("Nothing in this paste was recognised", output, StringComparison.Ordinal);
        Assert.Contains("netstat -s", output, StringComparison.Ordinal);
        Assert.Contains("2 line(s) not recognised", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_input_is_refused_with_one_line_and_exit_3()
    {
        var path = Path.Combine(Path.GetTempPath(), "sockdoc-explain-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, File.ReadAllBytes(typeof(ExplainTests).Assembly.Location).Take(100_000).ToArray());
        try
        {
            var (exit, output, err) = Run(null, "explain", path);
            Assert.Equal(3, exit);
            Assert.Equal("", output);
            Assert.Single(err.TrimEnd().Split('\n'));
            Assert.Contains("binary", err, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
        var noise = new byte[4096];
        new Random(7).NextBytes(noise);
        for (int i = 0; i < noise.Length; i++) if (noise[i] == 0) noise[i] = 1;
        var (_, error) = PasteInput.Decode(noise, "noise");
        Assert.Contains("not text", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Huge_input_is_refused()
    {
        var (text, error) = PasteInput.Read(new MemoryStream(new byte[PasteInput.MaxBytes + 10].Select(_ => (byte)'a').ToArray()), "big");
        Assert.Null(text);
        Assert.Contains("larger than 16 MiB", error, StringComparison.Ordinal);
        var (t2, e2) = PasteInput.Decode(Encoding.ASCII.GetBytes(new string('\n', PasteInput.MaxLines + 1)), "lines");
        Assert.Null(t2);
        Assert.Contains("more than", e2, StringComparison.Ordinal);
        var (exit, _, err) = Run(new string('x', PasteInput.MaxBytes + 1), "explain", "-");
        Assert.Equal(3, exit);
        Assert.Contains("larger than", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_one_line_and_exit_3()
    {
        var (exit, _, err) = Run(null, "explain", "/nonexistent/paste.txt");
        Assert.Equal(3, exit);
        Assert.StartsWith("sockdoc: explain: cannot read", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Damaged_inputs_never_crash()
    {
        foreach (var name in Directory.GetFiles(Fixtures.Dir("explain"), "*.txt"))
        {
            foreach (var bytes in Fixtures.Damaged(File.ReadAllBytes(name)))
            {
                var (text, _) = PasteInput.Decode(bytes, "damaged");
                if (text is null) continue;
                var r = Explain(text);
                Assert.NotNull(r.Report);
            }
        }
    }

    // ---- the command ----

    [Fact]
    public void Text_output_and_exit_code_follow_the_severity()
    {
        var (exit, output, err) = Run(null, "explain", Path.Combine(CorpusTests.Dir, "public-orphans-sockstat.txt"));
        Assert.True(exit == 2, err + output);
        Assert.Contains("orphans: critical:", output, StringComparison.Ordinal); // the doctor's finding block, one severity vocabulary
        Assert.Contains("lines 4-9: /proc/net/sockstat", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", output, StringComparison.Ordinal);

        var (exit1, output1, _) = Run(Paste("public-netstat-s-listen.txt"), "explain", "-");
        Assert.Equal(1, exit1);
        Assert.Contains("listen_overflow: warning:", output1, StringComparison.Ordinal);

        var (exit0, output0, _) = Run(Paste("vm-bind-eaddrnotavail.txt"), "explain", "-");
        Assert.Equal(0, exit0);
        Assert.Contains("bind_eaddrnotavail", output0, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_has_the_doctor_report_shape_plus_the_explain_parts()
    {
        var (exit, output, _) = Run(Paste("public-orphans-dmesg.txt") + Paste("public-go-emfile.txt"), "explain", "-", "--json");
        Assert.Equal(2, exit); // the orphan lines are a likely finding, recent against the paste's latest timestamp: critical
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("schema_version").GetInt32());
        Assert.Equal("critical", root.GetProperty("severity").GetString());
        var report = root.GetProperty("report");
        Assert.Equal(All.Ids.Count, report.GetProperty("checks").GetArrayLength());
        Assert.Equal("paste", report.GetProperty("origin").GetString());
        var ex = root.GetProperty("explain");
        Assert.False(ex.GetProperty("nothing_recognised").GetBoolean());
        var block = ex.GetProperty("recognised")[0];
        Assert.Equal("kernel-log", block.GetProperty("kind").GetString());
        Assert.Equal(1, block.GetProperty("first_line").GetInt32());
        Assert.Equal(10, block.GetProperty("last_line").GetInt32());
        Assert.Contains(ex.GetProperty("missing_to_be_sure").EnumerateArray(), m => m.GetProperty("check_id").GetString() == "orphans" && m.GetProperty("primary").GetBoolean());
        Assert.Contains(ex.GetProperty("traps").EnumerateArray(), t => t.GetProperty("id").GetString() == "emfile_is_process_limit");
        Assert.Equal("EMFILE", ex.GetProperty("other_evidence")[0].GetProperty("errno").GetString());
        Assert.Equal(JsonValueKind.Array, ex.GetProperty("ambiguities").ValueKind);
    }

    [Fact]
    public void Every_recogniser_is_covered_by_a_fixture()
    {
        var kinds = Directory.GetFiles(Fixtures.Dir("explain"), "*.txt").Concat(Directory.GetFiles(CorpusTests.Dir, "*.txt"))
            .SelectMany(f => Explain(File.ReadAllText(f)).Blocks.Select(b => b.Kind))
            .ToHashSet(StringComparer.Ordinal);
        string[] expected =
        [
            "kernel-log", "netstat -s", "nstat", "/proc/net/netstat", "/proc/net/sockstat", "/proc/net/sockstat6", "ss -s", "ss",
            "sysctl", "sysctl-value", "ulimit", "/proc/PID/limits", "free", "/proc/meminfo", "/proc/vmstat", "app-error", "getconf",
        ];
        Assert.Empty(expected.Except(kinds));
        var sources = File.ReadAllText(Fixtures.Dir("explain", "SOURCE.md"));
        foreach (var f in Directory.GetFiles(Fixtures.Dir("explain"), "*.txt"))
            Assert.Contains(Path.GetFileName(f), sources, StringComparison.Ordinal);
    }

    private static List<string> Kinds(params string[] k) => [.. k];
}
