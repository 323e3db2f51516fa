using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SockDoc.Cli.History;

namespace SockDoc.RealKernel.Tests.Watch;

/// <summary>`record` killed with SIGKILL while it writes: the database stays consistent and keeps every committed sample.</summary>
public sealed class RecordKillTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sockdoc-record-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task SIGKILL_at_random_moments_loses_no_committed_sample_and_the_file_stays_intact()
    {
        var db = Path.Combine(_dir, "h.db");
        var committed = new List<long>();
        var random = new Random(20261124);
        const int Rounds = 5;
        for (int round = 0; round < Rounds; round++)
        {
            // 10 ms between samples: the recorder is busy collecting and writing nearly all the time,
            // so a kill at a random moment lands anywhere in the collect/insert/commit cycle.
            using var p = Tools.Start(Tools.Sockdoc, ["record", "--interval", "10ms", "--db", db, "--no-log", "--retention", "1d"]);
            var seen = new List<long>();
            var target = 5 + random.Next(20);
            var errors = p.StandardError.ReadToEndAsync();
            var reader = Task.Run(async () =>
            {
                while (await p.StandardOutput.ReadLineAsync() is { } line)
                {
                    // "sample ID UNIXMS committed": printed after tx.Commit() returned.
                    var parts = line.Split(' ');
                    if (parts is ["sample", var id, _, "committed"]) lock (seen) seen.Add(long.Parse(id, CultureInfo.InvariantCulture));
                }
            });
            var sw = Stopwatch.StartNew();
            while (true)
            {
                lock (seen) if (seen.Count >= target) break;
                if (p.HasExited) Assert.Fail($"record exited early ({p.ExitCode}): {await errors}");
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), "record wrote too few samples in 60 s");
                await Task.Delay(5);
            }
            await Task.Delay(random.Next(0, 15));
            p.Kill(); // SIGKILL on Linux: no handler, no flush, no checkpoint
            await p.WaitForExitAsync();
            await reader;
            await errors;
            Assert.Equal(128 + 9, p.ExitCode); // killed by SIGKILL, not exited on its own
            lock (seen) committed.AddRange(seen);
        }

        // Open with plain SQLite first: the WAL left by the killed writer is recovered on open.
        using (var c = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", cmd.ExecuteScalar());
            cmd.CommandText = "PRAGMA foreign_key_check";
            using (var r = cmd.ExecuteReader()) Assert.False(r.Read(), "foreign key violations after the kill");
            cmd.CommandText = "SELECT id FROM samples";
            var present = new HashSet<long>();
            using (var r = cmd.ExecuteReader()) while (r.Read()) present.Add(r.GetInt64(0));
            var missing = committed.Where(id => !present.Contains(id)).ToList();
            Assert.True(missing.Count == 0, $"committed samples lost: {string.Join(", ", missing)}");
            // Every run resumed the same file in its own session.
            cmd.CommandText = "SELECT count(*) FROM sessions";
            Assert.Equal((long)Rounds, cmd.ExecuteScalar());
            // A sample is written whole or not at all: no sample lacks the columns every live read fills.
            cmd.CommandText = "SELECT count(*) FROM samples WHERE tcp_inuse IS NULL OR page_size IS NULL";
            Assert.Equal(0L, cmd.ExecuteScalar());
        }
        using var history = SqliteHistory.Open(db, create: false);
        var samples = history.Read();
        Assert.True(samples.Count >= committed.Count, $"{samples.Count} samples read, {committed.Count} reported committed");
        Assert.All(samples, s => Assert.NotNull(s.TcpMaxOrphans));
    }
}
