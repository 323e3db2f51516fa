using System.Globalization;
using System.Text.Json.Serialization;
using SockDoc.Load;
using SockDoc.Load.Scenarios;
using Spectre.Console;
using Spectre.Console.Rendering;

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

/// <summary>`sockdoc load` results as Spectre renderables; the command writes them, the view never touches a console.</summary>
public static class LoadView
{
    private static readonly CultureInfo Ic = CultureInfo.InvariantCulture;

    public static string N(long v) => v.ToString("N0", Ic);
    public static string Micros(long? us) => us is not { } v ? "-" : v < 1000 ? $"{v} µs" : v < 1_000_000 ? $"{(v / 1000.0).ToString("0.##", Ic)} ms" : $"{(v / 1e6).ToString("0.##", Ic)} s";
    private static string Bytes(double? b) => b is null ? "-" : Diagnosis.Text.Quantities.Bytes(b.Value);
    private static string Errs(IReadOnlyDictionary<string, long> e) => e.Count == 0 ? "none" : string.Join(", ", e.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {N(kv.Value)}"));

    public static IRenderable Checks(IReadOnlyList<LimitCheck> checks)
    {
        var t = new Table().Title("[bold]Limits checked before starting[/]").AddColumn("limit").AddColumn("status").AddColumn("this host").AddColumn("needed").AddColumn("fix");
        foreach (var c in checks)
        {
            var st = c.Status switch
            {
                CheckStatus.Ok => "[green]ok[/]",
                CheckStatus.Warn => "[yellow]warn[/]",
                CheckStatus.Fail => "[red]STOPS THE RUN[/]",
                _ => "[grey]unknown[/]",
            };
            t.AddRow(Markup.Escape(c.Limit), st, Markup.Escape(c.Have), Markup.Escape(c.Need), Markup.Escape(c.Fix ?? ""));
        }
        return t;
    }

    public static IRenderable C1m(C1mResult r)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]SockDoc load c1m[/]  {N(r.Planned)} connections over {r.ClientWorkers} client and {r.ServerWorkers} server workers, " +
                       $"{r.ListenPorts} ports, {r.SourceAddresses} source addresses (both ends on this machine)"),
            Checks(r.Checks),
        };
        if (r.Refused && r.Checks.All(c => c.Status != CheckStatus.Fail))
        {
            rows.Add(new Markup("[green]every limit fits;[/] nothing was started (--check-only)."));
            return new Rows(rows);
        }
        if (r.Refused)
        {
            foreach (var c in r.Checks.Where(c => c.Status == CheckStatus.Fail))
                rows.Add(new Markup($"[red]stopped before starting:[/] {Markup.Escape(c.Limit)} is {Markup.Escape(c.Have)}, needs {Markup.Escape(c.Need)}. Fix: {Markup.Escape(c.Fix ?? "-")}"));
            return new Rows(rows);
        }
        var t = new Table().Title("[bold]Result[/]").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned()).AddColumn("note");
        t.AddRow("connections held", N(r.Held), $"of {N(r.Planned)} planned; server side open {N(r.ServerOpen)}");
        t.AddRow("time to establish", r.EstablishSeconds is { } e ? e.ToString("0.00", Ic) + " s" : "-", $"from go (workers ready after {r.StartupSeconds.ToString("0.0", Ic)} s of start-up)");
        t.AddRow("connects per second", r.ConnectsPerSecond is { } cps ? cps.ToString("N0", Ic) : "-", "");
        t.AddRow("connect latency p50 / p99 / max", $"{Micros(r.ConnectP50Micros)} / {Micros(r.ConnectP99Micros)} / {Micros(r.ConnectMaxMicros)}", "fixed-bucket histogram, ±3%");
        t.AddRow("errors", N(r.Failed), Markup.Escape(Errs(r.Errors)));
        t.AddRow("[bold]memory per connection[/]", "", "both ends live here: one connection = two sockets");
        t.AddRow("  kernel socket structures (slab)", Bytes(r.SlabPerConnection), Markup.Escape(string.Join(", ", r.Slab.Where(s => s.Objects != 0).Select(s => $"{s.Cache} {N(s.Objects)}×{s.ObjectSize}"))));
        t.AddRow("  kernel buffer pages (sockstat mem)", Bytes(r.BufferPerConnection), "idle connections queue nothing");
        t.AddRow("  user space, all workers (RSS)", Bytes(r.UserTotalPerConnection), $"client {N(r.UserRssClientBytes / 1048576)} MiB + server {N(r.UserRssServerBytes / 1048576)} MiB, mostly the runtimes");
        t.AddRow("  user space, all workers (PSS)", Bytes(r.UserPssPerConnection), $"client {N(r.UserPssClientBytes / 1048576)} MiB + server {N(r.UserPssServerBytes / 1048576)} MiB: shared pages counted once (target ≤ 600 B)");
        t.AddRow("  user space per idle connection, client side", Bytes(r.UserClientDeltaPerConnection), "RSS growth from ready to holding (target ≤ 256 B)");
        t.AddRow("  user space per idle connection, server side", Bytes(r.UserServerDeltaPerConnection), "RSS growth from ready to holding (target ≤ 256 B)");
        t.AddRow("  total", Bytes(r.TotalPerConnection), $"kernel floor {Bytes(r.KernelFloorPerConnection)} (2 × slab objects of an idle socket with epoll)");
        rows.Add(t);
        if (r.StoppedBy is not null) rows.Add(new Markup($"[yellow]stopped:[/] {Markup.Escape(r.StoppedBy)}"));
        return new Rows(rows);
    }

    public static IRenderable Run(LoadRunSummary s)
    {
        var t = new Table().Title($"[bold]SockDoc load {Markup.Escape(s.Role)}{(s.Mode is null ? "" : " " + Markup.Escape(s.Mode))}[/]  {s.Seconds.ToString("0.0", Ic)} s")
            .AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        if (s.Role == "server")
        {
            t.AddRow("connections accepted", N(s.Accepted));
            t.AddRow("open at the end", N(s.Open));
        }
        else
        {
            t.AddRow("connections created", N(s.Attempted));
            t.AddRow("established", N(s.Established));
            t.AddRow("open at the end", N(s.Open));
            if (s.Mode != "long")
            {
                t.AddRow("requests / replies", $"{N(s.Requests)} / {N(s.Replies)}");
                t.AddRow("requests delayed (all slots busy)", N(s.Delayed));
                t.AddRow("request latency p50 / p99 / max", $"{Micros(s.RequestP50Micros)} / {Micros(s.RequestP99Micros)} / {Micros(s.RequestMaxMicros)}");
            }
            t.AddRow("connect latency p50 / p99 / max", $"{Micros(s.ConnectP50Micros)} / {Micros(s.ConnectP99Micros)} / {Micros(s.ConnectMaxMicros)}");
            if (s.EstablishSeconds is { } e) t.AddRow("time to establish all", e.ToString("0.000", Ic) + " s");
        }
        t.AddRow("errors", Markup.Escape($"{N(s.Failed)}: {Errs(s.Errors)}"));
        if (s.UserBytesPerConnection is { } u) t.AddRow("user space per connection (RSS growth)", Bytes(u));
        return t;
    }

    public static IRenderable Storm(StormResult r)
    {
        var o = r.Options;
        var t = new Table()
            .Title($"[bold]Short connections vs a keep-alive pool[/]  {o.Rate.ToString("N0", Ic)} requests/s for {o.Seconds.ToString("0.#", Ic)} s" +
                   (o.PortLow is { } lo ? $", ports {lo}-{o.PortHigh}" : ""))
            .AddColumn("").AddColumn(new TableColumn($"short (≤ {o.Concurrency} in flight)").RightAligned()).AddColumn(new TableColumn($"pool of {o.Pool}").RightAligned());
        void Row(string name, Func<StormSide, string> f) => t.AddRow(name, Markup.Escape(f(r.Short)), Markup.Escape(f(r.Pool)));
        Row("connections created", s => N(s.ConnectionsCreated));
        Row("requests / replies", s => $"{N(s.Requests)} / {N(s.Replies)}");
        Row("TIME_WAIT left at the client", s => s.TimeWaitLeft < 0 ? "?" : N(s.TimeWaitLeft));
        Row("errors", s => s.Failed == 0 ? "none" : $"{N(s.Failed)}: {Errs(s.Errors)}");
        Row("requests delayed", s => N(s.Delayed));
        Row("latency p50", s => Micros(s.P50Micros));
        Row("latency p99", s => Micros(s.P99Micros));
        Row("latency max", s => Micros(s.MaxMicros));
        return new Rows(t, new Markup("[grey]Each side ran in its own namespace sdk-load-*, removed afterwards. The client closes first, so TIME_WAIT lands on it (60 s each, kernel-facts §4).[/]"));
    }

    public static string ProgressLine(C1mProgress p)
    {
        var errs = p.Errors.Count == 0 ? "" : "  " + string.Join(" ", p.Errors.Select(kv => $"{kv.Key}={N(kv.Value)}"));
        return $"{p.Phase} {p.ElapsedSeconds.ToString("0.0", Ic)}s  online {N(p.Online)} / {N(p.Planned)}  server {N(p.ServerOpen)}  " +
               $"{p.ConnectsPerSecond.ToString("N0", Ic)} connects/s  errors {N(p.Failed)}{errs}";
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true,
    Converters = [typeof(Output.LowerCaseEnum<SockDoc.Load.Client.ClientMode>), typeof(Output.LowerCaseEnum<SockDoc.Load.Scenarios.CheckStatus>)])]
[JsonSerializable(typeof(C1mResult))]
[JsonSerializable(typeof(LoadRunSummary))]
[JsonSerializable(typeof(StormResult))]
internal sealed partial class LoadJsonContext : JsonSerializerContext;
