using Microsoft.Data.Sqlite;
using SockDoc.Cli.History;
using SockDoc.Diagnosis.Engine;

namespace SockDoc.Tests.Watch;

public sealed class HistoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sockdoc-history-").FullName;
    private string Db => Path.Combine(_dir, "h.db");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Sample SampleAt(int seconds, bool census = true) =>
        Sample.From(WatchSnapshots.Busy(WatchSnapshots.T0.AddSeconds(seconds), census: census, log: true),
        [
            new Finding { Id = "orphans", Severity = Severity.Warning, Title = "orphans near max/4", When = When.Risk, Explanation = "x" },
        ]);

    [Fact]
    public void A_sample_reads_back_with_its_states_findings_and_incidents()
    {
        using (var h = SqliteHistory.Open(Db, create: true))
        {
            h.BeginSession(WatchSnapshots.T0, TimeSpan.FromSeconds(5), "web-1");
            h.Append(SampleAt(0));
            h.Append(SampleAt(5, census: false));
        }
        using var r = SqliteHistory.Open(Db, create: false);
        var all = r.Read();
        Assert.Equal(2, all.Count);
        var first = all[0];
        var expected = SampleAt(0);
        Assert.Equal(expected.TakenAt, first.TakenAt);
        Assert.Equal(300_000, first.TcpMemPages);
        Assert.Equal(300_000L * 4096, first.TcpMemBytes);
        Assert.Equal(575_814, first.TcpMemMaxPages);
        Assert.Equal(131_072, first.TcpMaxOrphans);
        Assert.Equal(28_232, first.LocalPortRangeSize);
        Assert.Equal(25_000, first.BusiestDestinationConnections);
        Assert.Equal("10.0.0.1 → 10.0.0.9:5432", first.BusiestDestination);
        Assert.Equal(61_000, first.FilesAllocated);
        Assert.Equal("nginx", first.TopFdCommand);
        Assert.Equal(65_536, first.TopFdSoftLimit);
        Assert.Equal(17, first.ListenOverflows);
        Assert.Equal(150_000, first.States!["TIME_WAIT"]);
        Assert.Equal(4, first.States.Count);
        var f = Assert.Single(first.Findings);
        Assert.Equal(("orphans", Severity.Warning), (f.Id, f.Severity));
        var i = Assert.Single(first.Incidents);
        Assert.Equal(12, i.Count);
        Assert.Equal(WatchSnapshots.T0.AddSeconds(-30), i.FirstWall);
        // Without a census the states are absent, not zero.
        Assert.Null(all[1].States);
        Assert.Null(all[1].BusiestDestinationConnections);
    }

    [Fact]
    public void Reopening_resumes_in_a_new_session_and_keeps_every_sample()
    {
        using (var h = SqliteHistory.Open(Db, create: true))
        {
            Assert.Equal(1, h.BeginSession(WatchSnapshots.T0, TimeSpan.FromSeconds(5), null));
            h.Append(SampleAt(0));
        }
        using (var h = SqliteHistory.Open(Db, create: true))
        {
            Assert.Equal(2, h.BeginSession(WatchSnapshots.T0.AddSeconds(60), TimeSpan.FromSeconds(5), null));
            h.Append(SampleAt(60));
            Assert.Equal(2, h.Count());
        }
        using var c = new SqliteConnection($"Data Source={Db}");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar());
        cmd.CommandText = "SELECT group_concat(session_id) FROM samples ORDER BY id";
        Assert.Equal("1,2", cmd.ExecuteScalar());
    }

    [Fact]
    public void Prune_removes_old_samples_and_their_rows()
    {
        using var h = SqliteHistory.Open(Db, create: true);
        h.BeginSession(WatchSnapshots.T0, TimeSpan.FromSeconds(5), null);
        for (int s = 0; s < 10; s++) h.Append(SampleAt(s * 60));
        Assert.Equal(4, h.Prune(WatchSnapshots.T0.AddMinutes(4)));
        var left = h.Read();
        Assert.Equal(6, left.Count);
        Assert.Equal(WatchSnapshots.T0.AddMinutes(4), left[0].TakenAt);
        Assert.All(left, x => Assert.Single(x.Findings));
    }

    [Fact]
    public void A_file_that_is_not_a_history_gives_one_clear_sentence()
    {
        File.WriteAllText(Db, "this is not sqlite at all, just text that is long enough to be a header............");
        var e = Assert.Throws<HistoryException>(() => SqliteHistory.Open(Db, create: false));
        Assert.Contains("h.db", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", e.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<HistoryException>(() => SqliteHistory.Open(Path.Combine(_dir, "none.db"), create: false));
        Assert.Contains("no such history database", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_newer_schema_is_refused()
    {
        using (var h = SqliteHistory.Open(Db, create: true)) { }
        using (var c = new SqliteConnection($"Data Source={Db};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "UPDATE meta SET value = '99' WHERE key = 'schema_version'";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<HistoryException>(() => SqliteHistory.Open(Db, create: false));
        Assert.Contains("schema 99 is newer", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("5s", 5)]
    [InlineData("500ms", 0.5)]
    [InlineData("10m", 600)]
    [InlineData("2h", 7200)]
    [InlineData("7d", 604800)]
    [InlineData("3", 3)]
    public void Durations_parse_as_operators_type_them(string text, double seconds)
    {
        Assert.True(DurationText.TryParse(text, out var v));
        Assert.Equal(seconds, v.TotalSeconds, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("five")]
    [InlineData("-5s")]
    [InlineData("5y")]
    public void Bad_durations_are_rejected(string text) => Assert.False(DurationText.TryParse(text, out _));
}
