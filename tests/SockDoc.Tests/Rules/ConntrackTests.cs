using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;
using SockDoc.Model.KernelLog;

namespace SockDoc.Tests.Rules;

public class ConntrackTests
{
    private static readonly Conntrack Rule = new();
    private static Snapshot With(long count, long max) => Snap.Base()
        .Sysctl(SysctlNames.NfConntrackCount, count.ToString(CultureInfo.InvariantCulture))
        .Sysctl(SysctlNames.NfConntrackMax, max.ToString(CultureInfo.InvariantCulture));

    [Fact]
    public void Full_table_is_critical_and_80_percent_warns()
    {
        Assert.Equal(CheckStatus.Critical, Snap.Run(Rule, Snap.One(With(1000, 1000))).Status);
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.One(With(801, 1000))).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(800, 1000))).Status);
    }

    [Fact]
    public void Drops_rising_with_the_table_near_full_are_table_full()
    {
        var before = With(950, 1000).Stat(drop: 1);
        var r = Snap.Run(Rule, Snap.Pair(before, before.Stat(drop: 7)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal(When.Now, r.Finding!.When);
        Assert.Contains(r.Finding.Fix, f => f.Setting == SysctlNames.NfConntrackMax && f.Value == "2048");
        SnapEvidence.AssertNumeric(r.Finding, "entries", "nf_conntrack_max", "use", "packets dropped by conntrack (any cause)");
    }

    [Fact]
    public void Drops_rising_with_insert_failed_and_an_empty_table_are_the_clash_race_not_a_full_table()
    {
        // Issue 14 #3: 10 of 1000 entries, drop and insert_failed rising together: the UDP/DNS clash race.
        var before = With(10, 1000).Stat(drop: 1, insertFailed: 1);
        var r = Snap.Run(Rule, Snap.Pair(before, before.Stat(drop: 7, insertFailed: 7)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal(7, r.Finding!.Evidence.Single(e => e.Name == "insert_failed (clash races)").Value);
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting == SysctlNames.NfConntrackMax);
        Assert.DoesNotContain(r.Finding.Fix, f => f.Command.Contains("nf_conntrack_max", StringComparison.Ordinal));
    }

    [Fact]
    public void Early_drops_rising_mean_the_table_is_full_even_below_90_percent()
    {
        var before = With(500, 1000).Stat(drop: 1, earlyDrop: 0);
        var r = Snap.Run(Rule, Snap.Pair(before, before.Stat(drop: 9, earlyDrop: 40)));
        Assert.Contains(r.Finding!.Fix, f => f.Setting == SysctlNames.NfConntrackMax && f.Value.Length > 0);
    }

    [Fact]
    public void A_table_full_line_in_the_window_makes_low_count_drops_table_full()
    {
        var before = With(10, 1000).Stat(drop: 1);
        var now = before.Stat(drop: 5).Log("conntrack_table_full", 20, 10);
        var r = Snap.Run(Rule, Snap.Pair(before, now));
        Assert.Equal(When.Now, r.Finding!.When);
        Assert.DoesNotContain(r.Finding.Fix, f => f.Setting.StartsWith("Keep nf_conntrack_max as it is", StringComparison.Ordinal));
    }

    [Fact]
    public void The_table_full_line_alone_is_likely_and_recent()
    {
        var r = SnapEvidence.Run(Rule, SnapEvidence.Empty().Log("conntrack_table_full", 40, 60, suppressed: 120));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal((When.Recent, Confidence.Likely), (r.Finding!.When, r.Finding.Confidence));
        Assert.Contains(r.Finding.ToConfirm, i => i == Inputs.NfConntrackMax);
    }

    [Fact]
    public void Module_not_loaded_is_ok_not_unknown()
    {
        var s = Snap.Base().Sysctl(SysctlNames.NfConntrackCount, null).Sysctl(SysctlNames.NfConntrackMax, null) with { ConntrackStat = null };
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal(CheckStatus.Ok, r.Status);
    }

    [Fact]
    public void Missing_max_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(With(1, 2).Sysctl(SysctlNames.NfConntrackMax, null))).Status);
    }

    [Fact]
    public void Drops_since_boot_with_an_empty_table_size_on_the_peak()
    {
        var b = With(0, 1000).Stat(drop: 4);
        PastPeak.AssertKeeps(Snap.Run(Rule, Snap.Pair(b, b)), SysctlNames.NfConntrackMax);
    }

    [Fact]
    public void Table_full_lines_from_other_namespaces_are_named_as_such()
    {
        var log = new KernelLogSummary
        {
            Source = "/dev/kmsg",
            Incidents =
            [
                new KernelLogIncident
                {
                    Kind = "conntrack_table_full", Description = "conntrack table full", Count = 16,
                    Details = ["netns 4026532246 x12", "netns 4026531833 x4"],
                },
            ],
        };
        // The captured VM is net:[4026531833]; 4026532246 is another namespace.
        var s = With(0, 1000) with { KernelLog = log };
        var r = Snap.Run(Rule, Snap.One(s));
        Assert.Equal(CheckStatus.Warning, r.Status);
        var caveat = Assert.Single(r.Finding!.Caveats, x => x.Contains("4026532246", StringComparison.Ordinal));
        Assert.DoesNotContain("4026531833", caveat, StringComparison.Ordinal);
    }
}
