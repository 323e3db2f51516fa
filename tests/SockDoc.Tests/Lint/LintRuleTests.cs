using SockDoc.Diagnosis.Engine;
using static SockDoc.Tests.Lint.LintFixtures;

namespace SockDoc.Tests.Lint;

/// <summary>One test per lint rule, each on its own configuration tree under fixtures/lint.</summary>
public class LintRuleTests
{
    [Fact]
    public void Clean_tree_has_no_findings()
    {
        var r = Fixture("clean");
        Assert.True(r.RunningCompared);
        Assert.Empty(r.Findings);
        Assert.Equal(Severity.Ok, r.Worst);
    }

    [Fact]
    public void Keys_this_kernel_does_not_have()
    {
        var r = Fixture("unknown_key");
        const string f = "10-old-tuning.conf";
        Assert.Contains("4.12", One(r, "removed_key", f, 2).Message, StringComparison.Ordinal);
        Assert.Contains("vendor", One(r, "vendor_key", f, 3).Message, StringComparison.Ordinal);
        Assert.Contains("nf_conntrack_max", One(r, "removed_key", f, 4).Message, StringComparison.Ordinal);
        Assert.Equal(Severity.Warning, One(r, "unknown_key", f, 5).Severity);
        var dashed = One(r, "unknown_key", f, 6);
        Assert.Equal(Severity.Info, dashed.Severity);
        Assert.Contains("\"-\" prefix", dashed.Message, StringComparison.Ordinal);
        Assert.Contains("nf_conntrack module is not loaded", One(r, "module_key", f, 7).Message, StringComparison.Ordinal);
        Assert.Contains("interface is not present", One(r, "module_key", f, 8).Message, StringComparison.Ordinal);
        Assert.Equal(Severity.Warning, r.Worst);
    }

    [Fact]
    public void Values_in_the_wrong_unit_and_beyond_physical_memory()
    {
        var r = Fixture("wrong_unit");
        const string f = "70-buffers.conf";
        var unit = One(r, "wrong_unit", f, 2);
        Assert.Equal(Severity.Critical, unit.Severity);
        Assert.Contains("786432 1048576 1572864", unit.Fix, StringComparison.Ordinal); // bytes / 4096
        One(r, "beyond_ram", f, 3);
        One(r, "beyond_ram", f, 4);
    }

    [Fact]
    public void Triples_out_of_order_and_malformed_vectors()
    {
        var r = Fixture("triple_order");
        const string f = "70-triples.conf";
        Assert.Equal(Severity.Critical, One(r, "triple_order", f, 1).Severity);
        Assert.Contains("min <= default <= max", One(r, "triple_order", f, 2).Message, StringComparison.Ordinal);
        Assert.Contains("expected 3", One(r, "bad_vector", f, 3).Message, StringComparison.Ordinal);
        Assert.Contains("parity", One(r, "port_range", f, 4).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_value_differs_from_running_value()
    {
        var r = Fixture("not_applied");
        var f = One(r, "not_applied", "90-not-applied.conf", 1);
        Assert.Contains("65535", f.Message, StringComparison.Ordinal);
        Assert.Contains("4096", f.Message, StringComparison.Ordinal);
        // tcp_mem matches (tabs in /proc vs spaces in the file are the same value).
        Assert.DoesNotContain(r.Findings, x => x.Line == 2);
        Assert.Equal(Severity.Warning, r.Worst);
    }

    [Fact]
    public void Known_traps()
    {
        var r = Fixture("traps");
        const string f = "80-folklore.conf";
        Assert.Contains("means 8", One(r, "trap_orphan_retries", f, 1).Message, StringComparison.Ordinal);
        Assert.Equal(Severity.Warning, One(r, "trap_panic_on_oom", f, 2).Severity);
        Assert.Contains("does not shorten TIME_WAIT", One(r, "trap_fin_timeout", f, 3).Message, StringComparison.Ordinal);
        Assert.Contains("only when tcp_syncookies = 0", One(r, "trap_syn_backlog", f, 4).Message, StringComparison.Ordinal);
        One(r, "trap_somaxconn", f, 5);
    }

    [Fact]
    public void Tw_recycle_on_a_kernel_that_still_has_it_breaks_nat_clients()
    {
        var r = Fixture("tw_recycle_old_kernel");
        var f = One(r, "trap_tw_recycle", "10-recycle.conf", 1);
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Contains("NAT", f.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(r.Findings, x => x.Id == "removed_key");
    }

    [Fact]
    public void Limits_against_nr_open_and_soft_above_hard()
    {
        var r = Fixture("limits");
        var softOnly = One(r, "nofile_above_nr_open", "limits.conf", 3);
        Assert.Equal(Severity.Warning, softOnly.Severity);
        Assert.Contains("1,048,576", softOnly.Message, StringComparison.Ordinal);
        var hard = One(r, "nofile_above_nr_open", "limits.conf", 5);
        Assert.Equal(Severity.Critical, hard.Severity);
        Assert.Contains("PAM_PERM_DENIED", hard.Message, StringComparison.Ordinal);
        Assert.Contains("limits.conf:3", One(r, "soft_above_hard", "limits.conf", 4).Message, StringComparison.Ordinal);
        One(r, "nofile_unlimited", "90-root.conf", 1);
        // app.service: the drop-in (applied after the unit) wins, and its soft is above its hard.
        Assert.Contains("app.service", One(r, "unit_soft_above_hard", "override.conf", 2).Message, StringComparison.Ordinal);
        Assert.DoesNotContain(r.Findings, x => x.File.EndsWith("app.service", StringComparison.Ordinal));
        Assert.Contains("big.service", One(r, "unit_nofile_above_nr_open", "big.service", 3).Message, StringComparison.Ordinal);
        Assert.DoesNotContain(r.Findings, x => x.File.EndsWith("ok.service", StringComparison.Ordinal));
        Assert.Equal(Severity.Critical, r.Worst);
    }

    [Fact]
    public void Nr_open_set_in_the_configuration_is_what_limits_are_checked_against()
    {
        using var t = new TempTree();
        t.Write("etc/sysctl.d/60-fd.conf", "fs.nr_open = 4194304\n");
        t.Write("etc/security/limits.conf", "* - nofile 2000000\n");
        var r = Run(t.Root);
        Assert.DoesNotContain(r.Findings, f => f.Id == "nofile_above_nr_open");
        Assert.False(r.RunningCompared);
    }
}
