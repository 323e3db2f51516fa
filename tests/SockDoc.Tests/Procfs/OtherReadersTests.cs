using SockDoc.Kernel;
using SockDoc.Kernel.Procfs;
using SockDoc.Kernel.Sysctl;
using SockDoc.Model;

namespace SockDoc.Tests.Procfs;

public class OtherReadersTests
{
    [Fact]
    public void Meminfo_keeps_kb_and_converts()
    {
        var r = MeminfoReader.Read(Fixtures.Vm);
        Assert.True(r.Ok, r.Reason);
        var m = r.Value!;
        Assert.True(m.MemTotalBytes > 20L * 1024 * 1024 * 1024); // the 24 GiB VM
        Assert.Equal(m.Kb("MemTotal") * 1024, m.MemTotalBytes);
        Assert.NotNull(m.Kb("HugePages_Total")); // a count without a unit
        Assert.NotNull(m.CommitLimitBytes);
    }

    [Fact]
    public void Meminfo_without_MemTotal_is_not_meminfo()
    {
        Assert.Throws<ProcParseException>(() => MeminfoReader.Parse("Foo: 1 kB\n"u8));
        Assert.Throws<ProcParseException>(() => MeminfoReader.Parse("MemTotal: 1 MB\n"u8));
    }

    [Fact]
    public void Slabinfo_has_the_socket_caches_of_the_vm()
    {
        var r = SlabInfoReader.Read(Fixtures.Vm);
        Assert.True(r.Ok, r.Reason);
        var s = r.Value!;
        Assert.StartsWith("2.", s.Version, StringComparison.Ordinal);
        // kernel-facts §3.4: TCP 2368 B, TCPv6 2496 B on the 6.18 host.
        Assert.Equal(2368, s.Find("TCP")!.ObjectSize);
        Assert.Equal(2496, s.Find("TCPv6")!.ObjectSize);
        Assert.NotNull(s.Find("sock_inode_cache"));
    }

    [Fact]
    public void Slabinfo_rejects_other_versions_and_truncation()
    {
        Assert.Throws<ProcParseException>(() => SlabInfoReader.Parse("slabinfo - version: 1.1\n"u8));
        Assert.Throws<ProcParseException>(() => SlabInfoReader.Parse("slabinfo - version: 2.1\nTCP 1 2\n"u8));
        Assert.Throws<ProcParseException>(() => SlabInfoReader.Parse("hello\n"u8));
    }

    [Fact]
    public void Vmstat_has_oom_kill()
    {
        var r = VmStatReader.Read(Fixtures.Vm);
        Assert.True(r.Ok, r.Reason);
        Assert.NotNull(r.Value!.OomKill);
    }

    [Fact]
    public void Conntrack_stat_sums_hex_rows_and_takes_entries_once()
    {
        var text = "entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n" +
                   "0000000a  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 0000000f 00000001 00000000  00000000 00000000 00000000 00000000\n" +
                   "0000000a  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000001 00000000 00000000  00000000 00000000 00000000 00000000\n";
        var c = ConntrackStatReader.Parse(Fixtures.Text(text));
        Assert.Equal(10, c.Get("entries"));
        Assert.Equal(16, c.Drop);
        Assert.Equal(1, c.EarlyDrop);
        var vm = ConntrackStatReader.Read(Fixtures.Vm);
        Assert.True(vm.Ok, vm.Reason);
        Assert.Equal(0, vm.Value!.Drop);
    }

    [Fact]
    public void Limits_reads_max_open_files()
    {
        var l = ProcLimitsReader.Parse(Fixtures.Text(
            "Limit                     Soft Limit           Hard Limit           Units     \n" +
            "Max open files            20000                20000                files     \n"));
        Assert.Equal(20000, l.MaxOpenFilesSoft);
        Assert.Equal(20000, l.MaxOpenFilesHard);
        var u = ProcLimitsReader.Parse("Max open files            unlimited            unlimited            files\n"u8);
        Assert.Null(u.MaxOpenFilesSoft);
        Assert.Throws<ProcParseException>(() => ProcLimitsReader.Parse("Max cpu time unlimited unlimited seconds\n"u8));
    }

    [Fact]
    public void Sysctls_of_the_vm_tree()
    {
        var problems = new List<SourceProblem>();
        var s = SysctlReader.Read(Fixtures.Vm, problems);
        // As captured on this VM (the kernel-facts host printed 287898 383867 575796: same formula, slightly different RAM).
        Assert.Equal([287901, 383868, 575802], s.Vector(SysctlNames.TcpMem, 3)!);
        Assert.Equal(131072, s.Long(SysctlNames.TcpMaxOrphans));
        Assert.Equal([32768, 60999], s.Vector(SysctlNames.IpLocalPortRange, 2)!);
        Assert.Equal(3, s.Vector(SysctlNames.FileNr, 3)!.Length);
        Assert.NotNull(s.Long(SysctlNames.OvercommitMemory));
        Assert.Null(s.Raw("net.ipv4.tcp_tw_recycle")); // removed in 4.12: absent
    }

    [Fact]
    public void Host_identity_from_the_vm_tree()
    {
        var problems = new List<SourceProblem>();
        var s = SysctlReader.Read(Fixtures.Vm, problems);
        var h = HostReader.Read(Fixtures.Vm, s, pageSizeOverride: 4096, problems);
        Assert.Equal("6.18.44-fc-v657", h.KernelRelease);
        Assert.True(h.InitialNetNs);
        Assert.Equal(4026531833, h.NetNsInode);
        Assert.NotNull(h.BootTimeUnix);
        Assert.Equal(2, h.CpuCount);
    }

    [Fact]
    public void Copied_tree_without_page_size_says_so()
    {
        var problems = new List<SourceProblem>();
        var h = HostReader.Read(Fixtures.Vm, new Sysctls(), pageSizeOverride: null, problems);
        Assert.Null(h.PageSize);
        Assert.Contains(problems, p => p.Source == "page size");
    }

    [Fact]
    public void Process_scan_counts_fds_and_reads_limits_of_this_process()
    {
        var me = ProcessFilesReader.ReadOne(ProcRoot.Live, Environment.ProcessId, out var status);
        Assert.Equal(ReadStatus.Ok, status);
        Assert.NotNull(me);
        var expected = Directory.GetFileSystemEntries($"/proc/{Environment.ProcessId}/fd").Length;
        Assert.InRange(me!.OpenFds, expected - 5, expected + 5);
        Assert.NotNull(me.SoftLimit);
    }
}

public class ProcessFilesFixtureTests
{
    [Fact]
    public void Counts_fds_and_sockets_of_a_fixture_process()
    {
        var p = ProcessFilesReader.ReadOne(Fixtures.Vm, 4242, out var status);
        Assert.Equal(ReadStatus.Ok, status);
        Assert.Equal("nginx", p!.Command);
        Assert.Equal(14, p.OpenFds);
        Assert.Equal(10, p.Sockets);
        Assert.Equal(20000, p.SoftLimit);
    }

    [Fact]
    public void Scan_finds_the_fixture_process_only()
    {
        var scan = ProcessFilesReader.Scan(Fixtures.Vm);
        Assert.Single(scan.Processes);
        Assert.Equal(4242, scan.Processes[0].Pid);
    }
}
