using SockDoc.Cli;
using SockDoc.Cli.History;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Tests.Watch;

/// <summary>Issue 18 item 2: counter growth seen in `record` history within --recent makes a check recent and critical.</summary>
public sealed class DoctorHistoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sockdoc-dochist-").FullName;
    private string Db => Path.Combine(_dir, "h.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Two recorded samples 5 s apart with TCPTimeWaitOverflow rising by 40 between them, ending at <paramref name="end"/>.</summary>
    private void Record(DateTimeOffset end)
    {
        using var h = SqliteHistory.Open(Db, create: true);
        h.BeginSession(end.AddSeconds(-5), TimeSpan.FromSeconds(5), "web-1");
        var a = Sample.From(WatchSnapshots.Busy(end.AddSeconds(-5), census: false, log: false), []);
        var b = Sample.From(WatchSnapshots.Busy(end, census: false, log: false), []);
        h.Append(a with { TcpTimeWaitOverflow = 100 });
        h.Append(b with { TcpTimeWaitOverflow = 140 });
    }

    private static Report Doctor(DateTimeOffset now, IReadOnlyList<HistoryEvidence> history, TimeSpan window)
    {
        // Healthy now: few TIME_WAIT sockets, the overflow counter flat.
        var s = WatchSnapshots.Busy(now, census: false, log: false);
        return All.Engine().Run(new SnapshotPair(s, s with { TakenAt = now.AddSeconds(-1) }), ["tw_buckets"], null,
            new RuleOptions { RecentWindow = window, History = history });
    }

    [Fact]
    public void Overflow_recorded_two_minutes_ago_is_recent_and_critical()
    {
        var now = WatchSnapshots.T0.AddHours(1);
        Record(now.AddMinutes(-2));
        using var db = SqliteHistory.Open(Db, create: false);
        var history = RecentHistory.Read(db, now, TimeSpan.FromMinutes(15));
        var e = Assert.Single(history);
        Assert.Equal("tw_buckets", e.FindingId);
        Assert.Contains("+40", e.What, StringComparison.Ordinal);

        var report = Doctor(now, history, TimeSpan.FromMinutes(15));
        var f = Assert.Single(report.Findings);
        Assert.Equal("tw_buckets", f.Id);
        Assert.Equal(When.Recent, f.When);
        Assert.Equal(Severity.Critical, f.Severity);
        Assert.Contains(f.Evidence, x => x.Name == "record history" && x.Source == Db);
    }

    [Fact]
    public void The_same_history_outside_the_window_changes_nothing()
    {
        var now = WatchSnapshots.T0.AddHours(1);
        Record(now.AddMinutes(-20));
        using var db = SqliteHistory.Open(Db, create: false);
        var window = TimeSpan.FromMinutes(15);
        Assert.Empty(RecentHistory.Read(db, now, window));
        Assert.DoesNotContain(Doctor(now, RecentHistory.Read(db, now, TimeSpan.FromHours(1)), TimeSpan.Zero).Findings, f => f.When == When.Recent);
    }

    [Fact]
    public void Doctor_history_option_rejects_a_missing_database_with_one_line()
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        var code = Program.Run(["doctor", "--history", Path.Combine(_dir, "none.db"), "--proc-root", Fixtures.Dir("hosts", "debian12-6.18-vm"), "--page-size", "4096"], new CliIo(o, e, outputIsTerminal: false, noColor: true, width: 120));
        Assert.Equal(3, code);
        Assert.Single(e.ToString().Trim().Split('\n'));
        Assert.Contains("none.db", e.ToString(), StringComparison.Ordinal);
    }
}
