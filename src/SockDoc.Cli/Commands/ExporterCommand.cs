using System.CommandLine;
using System.Globalization;
using System.Net;
using Prometheus;
using SockDoc.Cli.Exporter;
using SockDoc.Cli.History;
using SockDoc.Kernel;

namespace SockDoc.Cli.Commands;

/// <summary>`sockdoc exporter`: Prometheus metrics of this host's socket resources.</summary>
public static class ExporterCommand
{
    public sealed record Args(string Listen, string? ProcRoot, TimeSpan Refresh, bool Once, string? PageSize = null, int TopContainers = 10);

    public static Command Create(CliIo io)
    {
        var listen = new Option<string>("--listen") { Description = "Address and port to serve /metrics on (loopback unless told otherwise).", DefaultValueFactory = _ => "127.0.0.1:9477" };
        var procRoot = CommonOptions.ProcRoot();
        var pageSize = CommonOptions.PageSize();
        var refresh = new Option<string>("--census-interval") { Description = "How often the background loop refreshes the socket census and process scan (e.g. 15s).", DefaultValueFactory = _ => "15s" };
        var once = new Option<bool>("--once") { Description = "Print the metrics once to stdout and exit (no server)." };
        var top = new Option<int>("--top-containers")
        {
            Description = "Network namespaces (containers, pods, ip netns) with their own sockdoc_container_* series, the most sockets first; the rest are summed in one \"other\" series. 0 = none. Needs root (setns).",
            DefaultValueFactory = _ => 10,
        };
        var cmd = new Command("exporter", "Serve Prometheus metrics: every gauge and counter the doctor reads, in base units, plus one metric per finding.")
        {
            listen, procRoot, pageSize, refresh, once, top,
        };
        cmd.SetAction((parse, cancel) =>
        {
            if (!DurationText.TryParse(parse.GetValue(refresh), out var r) || r < TimeSpan.FromSeconds(1))
                return Task.FromResult(io.Fail($"--census-interval: expected a duration of at least 1s such as 15s, got '{parse.GetValue(refresh)}'"));
            if (parse.GetValue(top) is < 0 or > 1000) return Task.FromResult(io.Fail($"--top-containers: expected 0 to 1000, got {parse.GetValue(top)}"));
            return RunAsync(new Args(parse.GetValue(listen)!, parse.GetValue(procRoot), r, parse.GetValue(once), parse.GetValue(pageSize), parse.GetValue(top)), io, cancel);
        });
        return cmd;
    }

    /// <summary>Splits "127.0.0.1:9477", "[::1]:9477", "localhost:9477" or "0.0.0.0:9477".</summary>
    public static bool TryParseListen(string text, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) return false;
        host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535) return false;
        return host.Length > 0 && (host == "localhost" || IPAddress.TryParse(host, out _));
    }

    public static async Task<int> RunAsync(Args args, CliIo io, CancellationToken cancel)
    {
        if (!TryParseListen(args.Listen, out var host, out var port))
            return io.Fail($"--listen: expected HOST:PORT such as 127.0.0.1:9477, got '{args.Listen}'");
        if (!LiveCollect.TryRoot(args.ProcRoot, out var root, out var rootError)) return io.Fail(rootError);
        if (!LiveCollect.TryPageSize(args.PageSize, out var page, out var pageError)) return io.Fail(pageError);
        var source = LiveSource.Create(root, LiveCollect.Options(root, census: true, processes: true, pageSize: page), io.Time);
        // Other namespaces are entered with setns (root); a copied /proc tree has none to enter.
        int top = root.IsLive && Environment.IsPrivilegedProcess ? args.TopContainers : 0;
        using var server = new ExporterServer(source, io.Time, top);
        if (args.Once)
        {
            server.Containers?.Refresh();
            // One scrape, collecting everything in this thread.
            await io.Out.WriteAsync(await server.Metrics.ExportTextAsync(cancel).ConfigureAwait(false)).ConfigureAwait(false);
            return (int)ExitCode.Ok;
        }
        // HttpListener wants "+" for every address; IPv6 literals go in brackets.
        var prefixHost = host is "0.0.0.0" or "::" ? "+" : host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        var metricServer = new MetricServer(prefixHost, port, "metrics/", server.Metrics.Registry);
        try
        {
            metricServer.Start();
        }
        catch (HttpListenerException e)
        {
            return io.Fail($"--listen {args.Listen}: cannot listen ({e.Message})");
        }
        catch (ArgumentNullException)
        {
            // .NET's managed HttpListener (Linux) accepts a connection that arrived between listen() and its first
            // accept inside its constructor, before its connection table exists (dotnet/corefx#35191): Start() throws and
            // the half-built listener keeps the port. Only a new process recovers; the systemd unit restarts it.
            return io.Fail($"--listen {args.Listen}: a client connected while the listener was starting (a known race in .NET's HttpListener); start the exporter again");
        }
        source.Start(args.Refresh);
        server.StartContainers(args.Refresh);
        io.Err.WriteLine($"sockdoc exporter: serving http://{args.Listen}/metrics (census refreshed every {DurationText.Format(args.Refresh)}); Ctrl+C stops");
        io.Err.WriteLine($"sockdoc exporter: not read: {string.Join("; ", LiveCollect.LeftOut(census: true))}");
        if (args.TopContainers > 0 && top == 0) io.Err.WriteLine("sockdoc exporter: per-container series off: entering other network namespaces needs root and the live /proc");
        try
        {
            await Task.Delay(Timeout.Infinite, cancel).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await metricServer.StopAsync().ConfigureAwait(false);
        return (int)ExitCode.Ok;
    }
}
