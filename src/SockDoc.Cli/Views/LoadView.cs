using System.Globalization;
using System.Text.Json.Serialization;
using SockDoc.Load;
using SockDoc.Load.Scenarios;
using SockDoc.Cli.Output;
using SockDoc.Diagnosis.Text;

namespace SockDoc.Cli.Views;

/// <summary>One client or server run in this process, as data (for --json and the table).</summary>
public sealed record LoadRunSummary
{
    public required string Role { get; init; }
    public string? Mode { get; init; }
    public double Seconds { get; init; }
    public long Attempted { get; init; }
    public long Established { get; init; }
    public long Accepted { get; init; }
    public long Open { get; init; }
    public long Failed { get; init; }
    public long Requests { get; init; }
    public long Replies { get; init; }
    public long Delayed { get; init; }
    public long PeerClosed { get; init; }
    public double? EstablishSeconds { get; init; }
    public IReadOnlyDictionary<string, long> Errors { get; init; } = new Dictionary<string, long>();
    public long? ConnectP50Micros { get; init; }
    public long? ConnectP99Micros { get; init; }
    public long? ConnectMaxMicros { get; init; }
    public long? RequestP50Micros { get; init; }
    public long? RequestP99Micros { get; init; }
    public long? RequestMaxMicros { get; init; }
    /// <summary>This process's RSS growth during the run divided by the connections it held (user space per connection).</summary>
    public double? UserBytesPerConnection { get; init; }

    public static LoadRunSummary From(string role, string? mode, LoadStats s, double seconds, double? userBytesPerConnection) => new()
    {
        Role = role, Mode = mode, Seconds = seconds, Attempted = s.Attempted, Established = s.Established, Accepted = s.Accepted,
        Open = s.Open, Failed = s.Failed, Requests = s.Requests, Replies = s.Replies, Delayed = s.Delayed, PeerClosed = s.PeerClosed,
        EstablishSeconds = s.EstablishSeconds > 0 ? s.EstablishSeconds : null,
        Errors = s.ErrorsByName().ToDictionary(kv => kv.Key, kv => kv.Value),
        ConnectP50Micros = s.ConnectLatency.Percentile(50), ConnectP99Micros = s.ConnectLatency.Percentile(99),
        ConnectMaxMicros = s.ConnectLatency.Count > 0 ? s.ConnectLatency.MaxMicros : null,
        RequestP50Micros = s.RequestLatency.Percentile(50), RequestP99Micros = s.RequestLatency.Percentile(99),
        RequestMaxMicros = s.RequestLatency.Count > 0 ? s.RequestLatency.MaxMicros : null,
        UserBytesPerConnection = userBytesPerConnection,
    };
}

/// <summary>`sockdoc load` results as plain text (TextDoc: numbers and commands never broken); the command writes them.</summary>
public static class LoadView
{
    private static readonly CultureInfo Ic = CultureInfo.InvariantCulture;

    public static string N(long v) => Quantities.Count(v);
    public static string Micros(long? us) => us is not { } v ? "-" : v < 1000 ? $"{v} µs" : v < 1_000_000 ? $"{(v / 1000.0).ToString("0.##", Ic)} ms" : $"{(v / 1e6).ToString("0.##", Ic)} s";
    private static string Bytes(double? b) => b is null ? "-" : Quantities.Bytes(b.Value);
    private static string Errs(IReadOnlyDictionary<string, long> e) => e.Count == 0 ? "none" : string.Join(", ", e.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {N(kv.Value)}"));

    /// <summary>The one severity vocabulary: a limit that stops the run is critical.</summary>
    public static string Word(CheckStatus s) => s switch
    {
        CheckStatus.Ok => "ok",
        CheckStatus.Warn => "warning",
        CheckStatus.Fail => "critical",
        _ => "unknown",
    };

    private static Tone ToneOf(CheckStatus s) => s switch
    {
        CheckStatus.Ok => Tone.Plain,
        CheckStatus.Warn => Tone.Warning,
        CheckStatus.Fail => Tone.Critical,
        _ => Tone.Dim,
    };

    public static void Checks(TextDoc doc, IReadOnlyList<LimitCheck> checks)
    {
        ArgumentNullException.ThrowIfNull(doc);
        doc.Heading("Limits checked before starting (critical: stops the run)");
        doc.Table(["limit", "status", "this host", "needed", "fix"],
            checks.Select(c => (new[] { c.Limit, Word(c.Status), c.Have, c.Need, c.Fix ?? "" }, ToneOf(c.Status))), indent: 2);
    }

    public static TextDoc C1m(C1mResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var doc = new TextDoc();
        doc.Prose("SockDoc load c1m", tone: Tone.Bold);
        doc.Prose($"{N(r.Planned)} connections over {r.ClientWorkers} client and {r.ServerWorkers} server workers, " +
                  $"{r.ListenPorts} ports, {r.SourceAddresses} source addresses (both ends on this machine)", tone: Tone.Dim);
        doc.Blank();
        Checks(doc, r.Checks);
        doc.Blank();
        if (r.Refused && r.Checks.All(c => c.Status != CheckStatus.Fail))
        {
            doc.Prose("Every limit fits; nothing was started (--check-only).", tone: Tone.Ok);
            return doc;
        }
        if (r.Refused)
        {
            foreach (var c in r.Checks.Where(c => c.Status == CheckStatus.Fail))
                doc.Prose($"Stopped before starting: {c.Limit} is {c.Have}, needs {c.Need}. Fix: {c.Fix ?? "-"}", tone: Tone.Critical, hanging: 2);
            return doc;
        }
        doc.Heading("Result");
        var rows = new List<string[]>
        {
            new[] { "connections held", N(r.Held), $"of {N(r.Planned)} planned; server side open {N(r.ServerOpen)}" },
            new[] { "time to establish", r.EstablishSeconds is { } e ? e.ToString("0.00", Ic) + " s" : "-", $"from go (workers ready after {r.StartupSeconds.ToString("0.0", Ic)} s of start-up)" },
            new[] { "connects per second", r.ConnectsPerSecond is { } cps ? Quantities.Count(Math.Round(cps)) : "-", "" },
            new[] { "connect latency p50 / p99 / max", $"{Micros(r.ConnectP50Micros)} / {Micros(r.ConnectP99Micros)} / {Micros(r.ConnectMaxMicros)}", "fixed-bucket histogram, ±3 %" },
            new[] { "errors", N(r.Failed), Errs(r.Errors) },
            new[] { "memory per connection", "", "both ends live here: one connection = two sockets" },
            new[] { "  kernel socket structures (slab)", Bytes(r.SlabPerConnection), string.Join(", ", r.Slab.Where(s => s.Objects != 0).Select(s => $"{s.Cache} {N(s.Objects)} × {Quantities.Bytes(s.ObjectSize)}")) },
            new[] { "  kernel buffer pages (sockstat mem)", Bytes(r.BufferPerConnection), "idle connections queue nothing" },
            new[] { "  user space, all workers (RSS)", Bytes(r.UserTotalPerConnection), $"client {Quantities.Bytes(r.UserRssClientBytes)} + server {Quantities.Bytes(r.UserRssServerBytes)}, mostly the runtimes" },
            new[] { "  user space, all workers (PSS)", Bytes(r.UserPssPerConnection), $"client {Quantities.Bytes(r.UserPssClientBytes)} + server {Quantities.Bytes(r.UserPssServerBytes)}: shared pages counted once (target ≤ 600 B)" },
            new[] { "  user space per idle connection, client side", Bytes(r.UserClientDeltaPerConnection), "RSS growth from ready to holding (target ≤ 256 B)" },
            new[] { "  user space per idle connection, server side", Bytes(r.UserServerDeltaPerConnection), "RSS growth from ready to holding (target ≤ 256 B)" },
            new[] { "  total", Bytes(r.TotalPerConnection), $"kernel floor {Bytes(r.KernelFloorPerConnection)} (2 × slab objects of an idle socket with epoll)" },
        };
        doc.Table(["measure", "value", "note"], rows.Select(x => (x, Tone.Plain)), indent: 2);
        if (r.StoppedBy is not null)
        {
            doc.Blank();
            doc.Prose("stopped: " + r.StoppedBy, tone: Tone.Warning, hanging: 2);
        }
        return doc;
    }

    public static TextDoc Run(LoadRunSummary s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var doc = new TextDoc();
        doc.Prose($"SockDoc load {s.Role}{(s.Mode is null ? "" : " " + s.Mode)}  {s.Seconds.ToString("0.0", Ic)} s", tone: Tone.Bold);
        var rows = new List<string[]>();
        if (s.Role == "server")
        {
            rows.Add(["connections accepted", N(s.Accepted)]);
            rows.Add(["open at the end", N(s.Open)]);
        }
        else
        {
            rows.Add(["connections created", N(s.Attempted)]);
            rows.Add(["established", N(s.Established)]);
            rows.Add(["open at the end", N(s.Open)]);
            if (s.Mode != "long")
            {
                rows.Add(["requests / replies", $"{N(s.Requests)} / {N(s.Replies)}"]);
                rows.Add(["requests delayed (all slots busy)", N(s.Delayed)]);
                rows.Add(["request latency p50 / p99 / max", $"{Micros(s.RequestP50Micros)} / {Micros(s.RequestP99Micros)} / {Micros(s.RequestMaxMicros)}"]);
            }
            rows.Add(["connect latency p50 / p99 / max", $"{Micros(s.ConnectP50Micros)} / {Micros(s.ConnectP99Micros)} / {Micros(s.ConnectMaxMicros)}"]);
            if (s.EstablishSeconds is { } e) rows.Add(["time to establish all", e.ToString("0.000", Ic) + " s"]);
        }
        rows.Add(["errors", $"{N(s.Failed)}: {Errs(s.Errors)}"]);
        if (s.UserBytesPerConnection is { } u) rows.Add(["user space per connection (RSS growth)", Bytes(u)]);
        doc.Table(["measure", "value"], rows.Select(x => (x, Tone.Plain)), indent: 2);
        return doc;
    }

    public static TextDoc Storm(StormResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = r.Options;
        var doc = new TextDoc();
        doc.Prose($"Short connections vs a keep-alive pool  {Quantities.Count(o.Rate)} requests/s for {o.Seconds.ToString("0.#", Ic)} s" +
                  (o.PortLow is { } lo ? $", ports {lo}-{o.PortHigh}" : ""), tone: Tone.Bold);
        var rows = new List<string[]>();
        void Row(string name, Func<StormSide, string> f) => rows.Add([name, f(r.Short), f(r.Pool)]);
        Row("connections created", s => N(s.ConnectionsCreated));
        Row("requests / replies", s => $"{N(s.Requests)} / {N(s.Replies)}");
        Row("TIME_WAIT left at the client", s => s.TimeWaitLeft < 0 ? "?" : N(s.TimeWaitLeft));
        Row("errors", s => s.Failed == 0 ? "none" : $"{N(s.Failed)}: {Errs(s.Errors)}");
        Row("requests delayed", s => N(s.Delayed));
        Row("latency p50", s => Micros(s.P50Micros));
        Row("latency p99", s => Micros(s.P99Micros));
        Row("latency max", s => Micros(s.MaxMicros));
        doc.Table(["", $"short (≤ {o.Concurrency} in flight)", $"pool of {o.Pool}"], rows.Select(x => (x, Tone.Plain)), indent: 2);
        doc.Prose("Each side ran in its own namespace sdk-load-*, removed afterwards. The client closes first, so TIME_WAIT lands on it (60 s each, kernel-facts §4).", tone: Tone.Dim);
        return doc;
    }

    public static string ProgressLine(C1mProgress p)
    {
        var errs = p.Errors.Count == 0 ? "" : "  " + string.Join(" ", p.Errors.Select(kv => $"{kv.Key}={N(kv.Value)}"));
        return $"{p.Phase} {p.ElapsedSeconds.ToString("0.0", Ic)} s  online {N(p.Online)} / {N(p.Planned)}  server {N(p.ServerOpen)}  " +
               $"{Quantities.Count(Math.Round(p.ConnectsPerSecond))} connects/s  errors {N(p.Failed)}{errs}";
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true,
    Converters = [typeof(Output.LowerCaseEnum<SockDoc.Load.Client.ClientMode>), typeof(Output.LowerCaseEnum<SockDoc.Load.Scenarios.CheckStatus>)])]
[JsonSerializable(typeof(C1mResult))]
[JsonSerializable(typeof(LoadRunSummary))]
[JsonSerializable(typeof(StormResult))]
internal sealed partial class LoadJsonContext : JsonSerializerContext;
