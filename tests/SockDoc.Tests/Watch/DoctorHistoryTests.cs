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

    /// <summary>Two samples 5 s apart ending at <paramref name="end"/>, the second changed by <paramref name="rise"/>.</summary>
    private void RecordRise(DateTimeOffset end, Func<Sample, Sample> flat, Func<Sample, Sample> rise)
    {
        using var h = SqliteHistory.Open(Db, create: true);
        h.BeginSession(end.AddSeconds(-5), TimeSpan.FromSeconds(5), "web-1");
        h.Append(flat(Sample.From(WatchSnapshots.Busy(end.AddSeconds(-5), census: false, log: false), [])));
        h.Append(rise(flat(Sample.From(WatchSnapshots.Busy(end, census: false, log: false), []))));
    }

    public static TheoryData<string, string> FailureCounters() => new()
    {
        { "ListenDrops", "syn_flood" }, { "TCPReqQFullDrop", "syn_flood" }, { "TCPReqQFullDoCookies", "syn_flood" },
        { "TCPMemoryPressures", "tcp_mem" }, { "Udp MemErrors", "udp_mem" },
        { "nf_conntrack drop", "conntrack" }, { "nf_conntrack early_drop", "conntrack" },
    };

    [Theory]
    [MemberData(nameof(FailureCounters))]
    public void Growth_of_every_failure_counter_a_rule_reads_is_recent_evidence_for_its_finding(string counter, string id)
    {
        var now = WatchSnapshots.T0.AddHours(1);
        static Sample Flat(Sample x) => x with
        {
            ListenOverflows = 7, ListenDrops = 7, TcpReqQFullDrop = 0, TcpReqQFullDoCookies = 0, TcpMemoryPressures = 3, UdpMemErrors = 0,
            TcpAbortOnMemory = 0, TcpTimeWaitOverflow = 0, ConntrackDrop = 11, ConntrackEarlyDrop = 0,
        };
        Func<Sample, Sample> rise = counter switch
        {
            "ListenDrops" => x => x with { ListenDrops = x.ListenDrops + 25 }, // beyond ListenOverflows: the SYN side's drops
            "TCPReqQFullDrop" => x => x with { TcpReqQFullDrop = 25 },
            "TCPReqQFullDoCookies" => x => x with { TcpReqQFullDoCookies = 25 },
            "TCPMemoryPressures" => x => x with { TcpMemoryPressures = 4 },
            "nf_conntrack drop" => x => x with { ConntrackDrop = 40 },
            "nf_conntrack early_drop" => x => x with { ConntrackEarlyDrop = 3 },
            _ => x => x with { UdpMemErrors = 25 },
        };
        RecordRise(now.AddMinutes(-2), Flat, rise);
        using var db = SqliteHistory.Open(Db, create: false);
        var e = Assert.Single(RecentHistory.Read(db, now, TimeSpan.FromMinutes(15)));
        Assert.Equal(id, e.FindingId);
        Assert.Contains(counter == "ListenDrops" ? "ListenDrops beyond ListenOverflows" : counter, e.What, StringComparison.Ordinal);
    }

    [Fact]
    public void ListenDrops_rising_with_ListenOverflows_is_the_accept_queue_not_the_syn_queue()
    {
        var now = WatchSnapshots.T0.AddHours(1);
        RecordRise(now.AddMinutes(-2), x => x with { ListenOverflows = 7, ListenDrops = 7 }, x => x with { ListenOverflows = 30, ListenDrops = 30 });
        using var db = SqliteHistory.Open(Db, create: false);
        Assert.Equal(["listen_overflow"], RecentHistory.Read(db, now, TimeSpan.FromMinutes(15)).Select(h => h.FindingId));
    }

    [Fact]
    public void A_file_written_before_the_new_counters_is_read_and_a_writer_adds_them()
    {
        var now = WatchSnapshots.T0.AddHours(1);
        Record(now.AddMinutes(-2));
        // What a file from before looks like: the sample columns without the later counters.
        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Db};Pooling=False"))
        {
            raw.Open();
            foreach (var c in new[] { "listen_drops", "tcp_req_q_full_drop", "tcp_req_q_full_do_cookies", "tcp_memory_pressures", "udp_mem_errors", "conntrack_drop", "conntrack_early_drop" })
            {
                using var cmd = raw.CreateCommand();
                cmd.CommandText = $"ALTER TABLE samples DROP COLUMN {c}";
                cmd.ExecuteNonQuery();
            }
        }
        using (var reader = SqliteHistory.Open(Db, create: false))
        {
            var samples = reader.Read();
            Assert.Equal(2, samples.Count);
            Assert.All(samples, x => Assert.Null(x.TcpMemoryPressures));
            Assert.Equal("tw_buckets", Assert.Single(RecentHistory.Read(reader, now, TimeSpan.FromMinutes(15))).FindingId);
        }
        using (var writer = SqliteHistory.Open(Db, create: true))
        {
            writer.BeginSession(now.AddMinutes(-1), TimeSpan.FromSeconds(5), "web-1");
            writer.Append(Sample.From(WatchSnapshots.Busy(now.AddMinutes(-1), census: false, log: false), []) with { TcpMemoryPressures = 9 });
        }
        using var again = SqliteHistory.Open(Db, create: false);
        Assert.Equal(9, again.Read().Last().TcpMemoryPressures);
    }
}
