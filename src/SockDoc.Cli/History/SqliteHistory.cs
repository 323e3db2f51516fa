using System.Globalization;
using Microsoft.Data.Sqlite;
using SockDoc.Diagnosis.Engine;

namespace SockDoc.Cli.History;

/// <summary>
/// The history database written by `record` and read by `report` (schema: docs/history-schema.md).
/// WAL journal, one transaction per sample: a process killed at any moment leaves every committed
/// sample readable and the file consistent (SQLite's atomic commit; the WAL is replayed on open).
/// </summary>
public sealed class SqliteHistory : IDisposable
{
    /// <summary>Bumped on incompatible schema changes; an older sockdoc refuses a newer file.</summary>
    public const int SchemaVersion = 1;

    private readonly SqliteConnection _connection;

    /// <summary>Columns of the samples table after id and session, in insert order, with the value each takes.</summary>
    private static readonly (string Name, string Type, Func<Sample, object?> Get)[] Columns =
    [
        ("taken_at_ms", "INTEGER NOT NULL", s => s.TakenAt.ToUnixTimeMilliseconds()),
        ("hostname", "TEXT", s => s.Hostname),
        ("page_size", "INTEGER", s => s.PageSize),
        ("sockets_used", "INTEGER", s => s.SocketsUsed),
        ("tcp_inuse", "INTEGER", s => s.TcpInUse),
        ("tcp_orphan", "INTEGER", s => s.TcpOrphan),
        ("tcp_tw", "INTEGER", s => s.TcpTw),
        ("tcp_alloc", "INTEGER", s => s.TcpAlloc),
        ("tcp_mem_pages", "INTEGER", s => s.TcpMemPages),
        ("udp_mem_pages", "INTEGER", s => s.UdpMemPages),
        ("tcp_mem_min_pages", "INTEGER", s => s.TcpMemMinPages),
        ("tcp_mem_pressure_pages", "INTEGER", s => s.TcpMemPressurePages),
        ("tcp_mem_max_pages", "INTEGER", s => s.TcpMemMaxPages),
        ("tcp_max_orphans", "INTEGER", s => s.TcpMaxOrphans),
        ("tcp_max_tw_buckets", "INTEGER", s => s.TcpMaxTwBuckets),
        ("local_port_range_size", "INTEGER", s => s.LocalPortRangeSize),
        ("busiest_destination_connections", "INTEGER", s => s.BusiestDestinationConnections),
        ("busiest_destination", "TEXT", s => s.BusiestDestination),
        ("conntrack_count", "INTEGER", s => s.ConntrackCount),
        ("conntrack_max", "INTEGER", s => s.ConntrackMax),
        ("files_allocated", "INTEGER", s => s.FilesAllocated),
        ("file_max", "INTEGER", s => s.FileMax),
        ("top_fd_pid", "INTEGER", s => s.TopFdPid),
        ("top_fd_command", "TEXT", s => s.TopFdCommand),
        ("top_fd_open", "INTEGER", s => s.TopFdOpen),
        ("top_fd_soft_limit", "INTEGER", s => s.TopFdSoftLimit),
        ("listen_overflows", "INTEGER", s => s.ListenOverflows),
        ("tcp_abort_on_memory", "INTEGER", s => s.TcpAbortOnMemory),
        ("tcp_time_wait_overflow", "INTEGER", s => s.TcpTimeWaitOverflow),
        // Added after schema 1 shipped: a file written before has no such columns. A writer adds them
        // (ALTER TABLE ... ADD COLUMN, additive, so older sockdoc still reads the file); a reader takes them as absent.
        ("listen_drops", "INTEGER", s => s.ListenDrops),
        ("tcp_req_q_full_drop", "INTEGER", s => s.TcpReqQFullDrop),
        ("tcp_req_q_full_do_cookies", "INTEGER", s => s.TcpReqQFullDoCookies),
        ("tcp_memory_pressures", "INTEGER", s => s.TcpMemoryPressures),
        ("udp_mem_errors", "INTEGER", s => s.UdpMemErrors),
        ("conntrack_drop", "INTEGER", s => s.ConntrackDrop),
        ("conntrack_early_drop", "INTEGER", s => s.ConntrackEarlyDrop),
    ];

    /// <summary>The sample columns this file has (all of <see cref="Columns"/> once a writer has opened it).</summary>
    private HashSet<string> _present = new(StringComparer.Ordinal);

    private SqliteHistory(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
    }

    public string Path { get; }

    /// <summary>The id of this writer's row in `sessions` (0 when opened read-only).</summary>
    public long Session { get; private set; }

    /// <summary>Opens (creating when asked) a history file. Throws HistoryException with one clear sentence.</summary>
    public static SqliteHistory Open(string path, bool create)
    {
        if (!create && !File.Exists(path)) throw new HistoryException($"{path}: no such history database (write one with `sockdoc record --db {path}`)");
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 10,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            var history = new SqliteHistory(connection, path);
            history.Prepare(create);
            return history;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new HistoryException($"{path}: not a usable SockDoc history database ({FirstLine(e.Message)})");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Prepare(bool create)
    {
        // WAL: readers (report) never block the writer, and a commit is one append to the -wal file.
        // synchronous=NORMAL in WAL mode loses nothing when the process dies (only on power loss,
        // the last commits may roll back; the file stays consistent either way).
        Exec("PRAGMA journal_mode=WAL;");
        Exec("PRAGMA synchronous=NORMAL;");
        Exec("PRAGMA foreign_keys=ON;");
        var hasMeta = Scalar("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'") is long n && n > 0;
        if (!hasMeta)
        {
            if (!create) throw new HistoryException($"{Path}: not a SockDoc history database (no meta table)");
            CreateSchema();
            ReadPresentColumns();
            return;
        }
        var version = Scalar("SELECT value FROM meta WHERE key='schema_version'") as string;
        if (!int.TryParse(version, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
            throw new HistoryException($"{Path}: not a SockDoc history database (no schema_version)");
        if (v > SchemaVersion)
            throw new HistoryException($"{Path}: history schema {v} is newer than this sockdoc understands ({SchemaVersion})");
        ReadPresentColumns();
        if (!create) return;
        foreach (var (name, type, _) in Columns.Where(c => !_present.Contains(c.Name)))
            Exec($"ALTER TABLE samples ADD COLUMN {name} {type};");
        ReadPresentColumns();
    }

    private void ReadPresentColumns()
    {
        _present = new HashSet<string>(StringComparer.Ordinal);
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT name FROM pragma_table_info('samples')";
        using var r = cmd.ExecuteReader();
        while (r.Read()) _present.Add(r.GetString(0));
    }

    private void CreateSchema()
    {
        var columns = string.Join(",\n  ", Columns.Select(c => $"{c.Name} {c.Type}"));
        using var tx = _connection.BeginTransaction();
        Exec($"""
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE sessions(
              id INTEGER PRIMARY KEY,
              started_at_ms INTEGER NOT NULL,
              interval_ms INTEGER NOT NULL,
              hostname TEXT
            );
            CREATE TABLE samples(
              id INTEGER PRIMARY KEY,
              session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
              {columns}
            );
            CREATE INDEX samples_taken_at ON samples(taken_at_ms);
            CREATE TABLE socket_states(
              sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
              state TEXT NOT NULL,
              count INTEGER NOT NULL,
              PRIMARY KEY(sample_id, state)
            ) WITHOUT ROWID;
            CREATE TABLE findings(
              sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
              finding_id TEXT NOT NULL,
              severity INTEGER NOT NULL,
              title TEXT NOT NULL,
              PRIMARY KEY(sample_id, finding_id)
            ) WITHOUT ROWID;
            CREATE TABLE incidents(
              sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
              kind TEXT NOT NULL,
              finding_id TEXT NOT NULL,
              description TEXT NOT NULL,
              count INTEGER NOT NULL,
              first_wall_ms INTEGER,
              last_wall_ms INTEGER
            );
            CREATE INDEX incidents_sample ON incidents(sample_id);
            INSERT INTO meta(key, value) VALUES ('schema_version', '{SchemaVersion.ToString(CultureInfo.InvariantCulture)}');
            """, tx);
        tx.Commit();
    }

    /// <summary>Starts a writer session (one per `record` run) so a restart shows as a new session, not a gap in one.</summary>
    public long BeginSession(DateTimeOffset startedAt, TimeSpan interval, string? hostname)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "INSERT INTO sessions(started_at_ms, interval_ms, hostname) VALUES ($t, $i, $h) RETURNING id";
        cmd.Parameters.AddWithValue("$t", startedAt.ToUnixTimeMilliseconds());
        cmd.Parameters.AddWithValue("$i", (long)interval.TotalMilliseconds);
        cmd.Parameters.AddWithValue("$h", (object?)hostname ?? DBNull.Value);
        Session = (long)cmd.ExecuteScalar()!;
        return Session;
    }

    /// <summary>Writes one sample with its states, findings and incidents in one transaction; returns its id.</summary>
    public long Append(Sample sample)
    {
        if (Session == 0) throw new InvalidOperationException("BeginSession first");
        using var tx = _connection.BeginTransaction();
        long id;
        using (var cmd = _connection.CreateCommand())
        {
            cmd.Transaction = tx;
            var names = string.Join(", ", Columns.Select(c => c.Name));
            var values = string.Join(", ", Columns.Select((_, i) => "$p" + i.ToString(CultureInfo.InvariantCulture)));
            cmd.CommandText = $"INSERT INTO samples(session_id, {names}) VALUES ($session, {values}) RETURNING id";
            cmd.Parameters.AddWithValue("$session", Session);
            for (int i = 0; i < Columns.Length; i++)
                cmd.Parameters.AddWithValue("$p" + i.ToString(CultureInfo.InvariantCulture), Columns[i].Get(sample) ?? DBNull.Value);
            id = (long)cmd.ExecuteScalar()!;
        }
        if (sample.States is { } states)
        {
            foreach (var (state, count) in states)
                Exec("INSERT INTO socket_states(sample_id, state, count) VALUES ($s, $a, $b)", tx, id, state, count);
        }
        foreach (var f in sample.Findings)
            Exec("INSERT OR REPLACE INTO findings(sample_id, finding_id, severity, title) VALUES ($s, $a, $b, $c)", tx, id, f.Id, (long)f.Severity, f.Title);
        foreach (var i in sample.Incidents)
        {
            Exec("INSERT INTO incidents(sample_id, kind, finding_id, description, count, first_wall_ms, last_wall_ms) VALUES ($s, $a, $b, $c, $d, $e, $f)",
                tx, id, i.Kind, i.FindingId, i.Description, i.Count, i.FirstWall?.ToUnixTimeMilliseconds(), i.LastWall?.ToUnixTimeMilliseconds());
        }
        tx.Commit();
        return id;
    }

    /// <summary>Deletes samples (and their states, findings, incidents) taken before the cutoff; returns how many.</summary>
    public long Prune(DateTimeOffset before)
    {
        using var tx = _connection.BeginTransaction();
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "DELETE FROM samples WHERE taken_at_ms < $t";
        cmd.Parameters.AddWithValue("$t", before.ToUnixTimeMilliseconds());
        long deleted = cmd.ExecuteNonQuery();
        Exec("DELETE FROM sessions WHERE id <> $s AND NOT EXISTS (SELECT 1 FROM samples WHERE session_id = sessions.id)", tx, Session);
        tx.Commit();
        return deleted;
    }

    public long Count() => (long)Scalar("SELECT count(*) FROM samples")!;

    /// <summary>Reads samples in time order, optionally from a time on.</summary>
    public IReadOnlyList<Sample> Read(DateTimeOffset? from = null)
    {
        var byId = new Dictionary<long, int>();
        var rows = new List<(long Id, Sample Sample)>();
        using (var cmd = _connection.CreateCommand())
        {
            cmd.CommandText = $"SELECT id, {string.Join(", ", Columns.Select(c => _present.Contains(c.Name) ? c.Name : "NULL AS " + c.Name))} FROM samples WHERE taken_at_ms >= $t ORDER BY taken_at_ms, id";
            cmd.Parameters.AddWithValue("$t", from?.ToUnixTimeMilliseconds() ?? long.MinValue);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                long? L(string name) { var o = r.GetOrdinal(name); return r.IsDBNull(o) ? null : r.GetInt64(o); }
                string? S(string name) { var o = r.GetOrdinal(name); return r.IsDBNull(o) ? null : r.GetString(o); }
                var sample = new Sample
                {
                    TakenAt = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(r.GetOrdinal("taken_at_ms"))),
                    Hostname = S("hostname"),
                    PageSize = L("page_size"),
                    SocketsUsed = L("sockets_used"),
                    TcpInUse = L("tcp_inuse"),
                    TcpOrphan = L("tcp_orphan"),
                    TcpTw = L("tcp_tw"),
                    TcpAlloc = L("tcp_alloc"),
                    TcpMemPages = L("tcp_mem_pages"),
                    UdpMemPages = L("udp_mem_pages"),
                    TcpMemMinPages = L("tcp_mem_min_pages"),
                    TcpMemPressurePages = L("tcp_mem_pressure_pages"),
                    TcpMemMaxPages = L("tcp_mem_max_pages"),
                    TcpMaxOrphans = L("tcp_max_orphans"),
                    TcpMaxTwBuckets = L("tcp_max_tw_buckets"),
                    LocalPortRangeSize = L("local_port_range_size"),
                    BusiestDestinationConnections = L("busiest_destination_connections"),
                    BusiestDestination = S("busiest_destination"),
                    ConntrackCount = L("conntrack_count"),
                    ConntrackMax = L("conntrack_max"),
                    FilesAllocated = L("files_allocated"),
                    FileMax = L("file_max"),
                    TopFdPid = L("top_fd_pid") is { } pid ? (int)pid : null,
                    TopFdCommand = S("top_fd_command"),
                    TopFdOpen = L("top_fd_open"),
                    TopFdSoftLimit = L("top_fd_soft_limit"),
                    ListenOverflows = L("listen_overflows"),
                    TcpAbortOnMemory = L("tcp_abort_on_memory"),
                    TcpTimeWaitOverflow = L("tcp_time_wait_overflow"),
                    ListenDrops = L("listen_drops"),
                    TcpReqQFullDrop = L("tcp_req_q_full_drop"),
                    TcpReqQFullDoCookies = L("tcp_req_q_full_do_cookies"),
                    TcpMemoryPressures = L("tcp_memory_pressures"),
                    UdpMemErrors = L("udp_mem_errors"),
                    ConntrackDrop = L("conntrack_drop"),
                    ConntrackEarlyDrop = L("conntrack_early_drop"),
                };
                byId[r.GetInt64(0)] = rows.Count;
                rows.Add((r.GetInt64(0), sample));
            }
        }
        if (rows.Count == 0) return [];
        var minId = rows.Min(x => x.Id);
        var states = new Dictionary<long, Dictionary<string, long>>();
        ForEach("SELECT sample_id, state, count FROM socket_states WHERE sample_id >= $m", minId, r =>
        {
            var id = r.GetInt64(0);
            if (!byId.ContainsKey(id)) return;
            if (!states.TryGetValue(id, out var d)) states[id] = d = new Dictionary<string, long>(StringComparer.Ordinal);
            d[r.GetString(1)] = r.GetInt64(2);
        });
        var findings = new Dictionary<long, List<SampleFinding>>();
        ForEach("SELECT sample_id, finding_id, severity, title FROM findings WHERE sample_id >= $m", minId, r =>
        {
            var id = r.GetInt64(0);
            if (!byId.ContainsKey(id)) return;
            if (!findings.TryGetValue(id, out var l)) findings[id] = l = [];
            l.Add(new SampleFinding(r.GetString(1), (Severity)r.GetInt64(2), r.GetString(3)));
        });
        var incidents = new Dictionary<long, List<SampleIncident>>();
        ForEach("SELECT sample_id, kind, finding_id, description, count, first_wall_ms, last_wall_ms FROM incidents WHERE sample_id >= $m", minId, r =>
        {
            var id = r.GetInt64(0);
            if (!byId.ContainsKey(id)) return;
            if (!incidents.TryGetValue(id, out var l)) incidents[id] = l = [];
            DateTimeOffset? W(int o) => r.IsDBNull(o) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(o));
            l.Add(new SampleIncident(r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), W(5), W(6)));
        });
        return rows.Select(x => x.Sample with
        {
            States = states.GetValueOrDefault(x.Id),
            Findings = findings.GetValueOrDefault(x.Id) ?? (IReadOnlyList<SampleFinding>)[],
            Incidents = incidents.GetValueOrDefault(x.Id) ?? (IReadOnlyList<SampleIncident>)[],
        }).ToList();
    }

    private void ForEach(string sql, long minId, Action<SqliteDataReader> row)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$m", minId);
        using var r = cmd.ExecuteReader();
        while (r.Read()) row(r);
    }

    private object? Scalar(string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private void Exec(string sql, SqliteTransaction? tx = null, params object?[] args)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        string[] names = ["$s", "$a", "$b", "$c", "$d", "$e", "$f"];
        for (int i = 0; i < args.Length; i++) cmd.Parameters.AddWithValue(names[i], args[i] ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }

    private static string FirstLine(string message)
    {
        var nl = message.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? message : message[..nl];
    }

    public void Dispose() => _connection.Dispose();
}

/// <summary>A history file that cannot be used, with one sentence saying why.</summary>
public sealed class HistoryException(string message) : Exception(message);
