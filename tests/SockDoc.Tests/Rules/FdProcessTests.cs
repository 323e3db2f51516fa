using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Rules;

public class FdProcessTests
{
    private static readonly FdProcess Rule = new();
    private static Snapshot With(long open, long soft) => Snap.Base() with
    {
        Processes = [new ProcessFiles { Pid = 7, Command = "proxy", OpenFds = open, SoftLimit = soft, HardLimit = soft }, new ProcessFiles { Pid = 8, Command = "idle", OpenFds = 3, SoftLimit = 1024 }],
    };

    [Fact]
    public void At_the_limit_is_critical_with_a_LimitNOFILE_line()
    {
        var r = Snap.Run(Rule, Snap.One(With(1024, 1024)));
        Assert.Equal((CheckStatus.Critical, When.Now, Confidence.Confirmed), (r.Status, r.Finding!.When, r.Finding.Confidence));
        Assert.Equal(1024, r.Finding.Evidence.Single(e => e.Name == "proxy (pid 7)").Value);
        Assert.Contains(r.Finding.Fix, f => f.Setting == "LimitNOFILE" && f.Value == "5000");
    }

    [Fact]
    public void Past_80_percent_warns_at_80_ok()
    {
        Assert.Equal(CheckStatus.Warning, Snap.Run(Rule, Snap.One(With(820, 1024))).Status);
        Assert.Equal(CheckStatus.Ok, Snap.Run(Rule, Snap.One(With(800, 1000))).Status);
    }

    [Fact]
    public void No_processes_is_unknown()
    {
        Assert.Equal(CheckStatus.Unknown, Snap.Run(Rule, Snap.One(Snap.Base() with { Processes = null })).Status);
    }

    [Fact]
    public void Emfile_alone_is_a_likely_finding()
    {
        var r = SnapEvidence.Run(Rule, SnapEvidence.Empty().AppError("EMFILE", "accept", 40));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.Equal((When.Recent, Confidence.Likely), (r.Finding!.When, r.Finding.Confidence));
        Assert.Equal(40, r.Finding.Evidence.Single().Value);
        Assert.Contains(r.Finding.ToConfirm, i => i == Inputs.ProcessFds);
    }

    [Fact]
    public void Emfile_with_every_sampled_process_fine_is_still_reported()
    {
        var r = Snap.Run(Rule, Snap.One(With(10, 1024).AppError("EMFILE", "socket", 2, lastAgeSeconds: 20)));
        Assert.Equal((Severity.Critical, Confidence.Likely), (r.Finding!.Severity, r.Finding.Confidence));
    }

    [Fact]
    public void Enfile_is_not_this_rule()
    {
        Assert.Equal(CheckStatus.Unknown, SnapEvidence.Run(Rule, SnapEvidence.Empty().AppError("ENFILE", "open", 4)).Status);
    }

    [Fact]
    public void Extreme_counts_do_not_overflow()
    {
        var r = Snap.Run(Rule, Snap.One(With(long.MaxValue, long.MaxValue)));
        Assert.Equal(CheckStatus.Critical, r.Status);
        Assert.All(r.Finding!.Fix.Where(f => f.Setting == "LimitNOFILE"), f => Assert.True(long.Parse(f.Value, System.Globalization.CultureInfo.InvariantCulture) > 0));
    }
}
