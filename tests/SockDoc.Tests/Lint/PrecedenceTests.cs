using SockDoc.Kernel.Config;
using static SockDoc.Tests.Lint.LintFixtures;

namespace SockDoc.Tests.Lint;

/// <summary>systemd-sysctl / sysctl --system ordering: by file name across directories, same-name masking, sysctl.conf last.</summary>
public class PrecedenceTests
{
    [Fact]
    public void Files_apply_in_name_order_across_directories_and_sysctl_conf_last()
    {
        var root = Root("shadowed");
        var c = SysctlConfigReader.Read(root);
        var names = c.Files.Select(f => Path.GetRelativePath(root, f)).ToList();
        Assert.Equal(
        [
            "usr/lib/sysctl.d/50-vendor.conf",
            "etc/sysctl.d/60-local.conf",
            "run/sysctl.d/65-runtime.conf",
            "etc/sysctl.d/70-masked.conf",
            "etc/sysctl.d/80-disabled.conf",
            "etc/sysctl.conf",
        ], names);
        Assert.Contains(c.Masked, m => m.File.EndsWith("usr/lib/sysctl.d/70-masked.conf", StringComparison.Ordinal));
        Assert.Contains(c.Masked, m => m.File.EndsWith("usr/lib/sysctl.d/80-disabled.conf", StringComparison.Ordinal));
    }

    [Fact]
    public void A_setting_shadowed_by_a_later_file_is_reported_where_it_is_written()
    {
        var r = Fixture("shadowed");
        Assert.Contains("200000", One(r, "shadowed", "50-vendor.conf", 1).Message, StringComparison.Ordinal);
        Assert.Contains("65-runtime.conf", One(r, "shadowed", "60-local.conf", 1).Message, StringComparison.Ordinal);
        Assert.Contains("sysctl.conf", One(r, "shadowed", "65-runtime.conf", 1).Message, StringComparison.Ordinal);
        var eff = Assert.Single(r.Effective, e => e.Key == "net.ipv4.tcp_max_tw_buckets");
        Assert.Equal("250000", eff.Value);
        Assert.EndsWith("etc/sysctl.conf", eff.File, StringComparison.Ordinal);
        // The masked vendor files apply nothing: no fin_timeout trap, no panic_on_oom trap.
        Assert.DoesNotContain(r.Findings, f => f.Id is "trap_fin_timeout" or "trap_panic_on_oom");
        Assert.Equal(2, r.Findings.Count(f => f.Id == "masked_file"));
    }

    [Fact]
    public void A_symlink_to_dev_null_masks_and_sysctl_conf_linked_into_sysctl_d_is_read_once()
    {
        using var t = new TempTree();
        t.Write("usr/lib/sysctl.d/50-x.conf", "vm.panic_on_oom = 1\n");
        Directory.CreateDirectory(t.Path_("etc/sysctl.d"));
        File.CreateSymbolicLink(t.Path_("etc/sysctl.d/50-x.conf"), "/dev/null");
        t.Write("etc/sysctl.conf", "net.core.somaxconn = 8192\n");
        // Debian's layout: 99-sysctl.conf -> ../sysctl.conf.
        File.CreateSymbolicLink(t.Path_("etc/sysctl.d/99-sysctl.conf"), "../sysctl.conf");
        var c = SysctlConfigReader.Read(t.Root);
        Assert.Single(c.Assignments);
        Assert.Equal("net.core.somaxconn", c.Assignments[0].Key);
        Assert.Contains(c.Masked, m => m.MaskedBy.Contains("/dev/null", StringComparison.Ordinal));
    }

    [Fact]
    public void Lib_linked_to_usr_lib_is_one_directory_not_a_mask()
    {
        using var t = new TempTree();
        t.Write("usr/lib/sysctl.d/50-pid-max.conf", "kernel.pid_max = 4194304\n");
        Directory.CreateSymbolicLink(t.Path_("lib"), "usr/lib");
        var c = SysctlConfigReader.Read(t.Root);
        Assert.Single(c.Files);
        Assert.Empty(c.Masked);
    }

    [Theory]
    [InlineData("net.ipv4.tcp_mem", "net/ipv4/tcp_mem", "net.ipv4.tcp_mem")]
    [InlineData("net/ipv4/tcp_mem", "net/ipv4/tcp_mem", "net.ipv4.tcp_mem")]
    [InlineData("net.ipv4.conf.enp3s0/200.forwarding", "net/ipv4/conf/enp3s0.200/forwarding", "net.ipv4.conf.enp3s0/200.forwarding")]
    [InlineData("net/ipv4/conf/enp3s0.200/forwarding", "net/ipv4/conf/enp3s0.200/forwarding", "net.ipv4.conf.enp3s0/200.forwarding")]
    public void Key_separators_follow_sysctl_d(string key, string procPath, string dotted)
    {
        Assert.Equal(procPath, SysctlConfigReader.ProcPathOf(key));
        Assert.Equal(dotted, SysctlConfigReader.DottedName(procPath));
    }
}
