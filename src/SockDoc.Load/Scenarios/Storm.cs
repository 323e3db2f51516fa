using SockDoc.Load.Client;
using SockDoc.Load.Lab;
using SockDoc.Load.Server;

namespace SockDoc.Load.Scenarios;

public sealed record StormOptions
{
    public double Rate { get; init; } = 2000;
    public double Seconds { get; init; } = 5;
    public int Concurrency { get; init; } = 64;
    public int Pool { get; init; } = 8;
    /// <summary>Optional narrow ip_local_port_range inside the namespaces, e.g. 40000-40009, to provoke EADDRNOTAVAIL.</summary>
    public int? PortLow { get; init; }
    public int? PortHigh { get; init; }
    public string Suffix { get; init; } = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One side of the short-versus-pool comparison.</summary>
public sealed record StormSide
{
    public required string Mode { get; init; }
    public long ConnectionsCreated { get; init; }
    public long Requests { get; init; }
    public long Replies { get; init; }
    public long Failed { get; init; }
    public long Delayed { get; init; }
    public IReadOnlyDictionary<string, long> Errors { get; init; } = new Dictionary<string, long>();
    /// <summary>TIME_WAIT sockets left in the client's namespace right after the run.</summary>
    public long TimeWaitLeft { get; init; }
    public long? P50Micros { get; init; }
    public long? P99Micros { get; init; }
    public long? MaxMicros { get; init; }
    public double Seconds { get; init; }
}

public sealed record StormResult(StormOptions Options, StormSide Short, StormSide Pool);

/// <summary>
/// Short connections versus a keep-alive pool at the same request rate, each in a fresh namespace sdk-load-*
/// (so its TIME_WAIT count is its own), removed at the end.
/// </summary>
public static class Storm
{
    public static StormResult Run(StormOptions o, CancellationToken ct)
    {
        var s = RunSide(ClientMode.Short, o, ct);
        if (ct.IsCancellationRequested) throw new LoadException("interrupted; the namespaces were removed");
        var p = RunSide(ClientMode.Pool, o, ct);
        if (ct.IsCancellationRequested) throw new LoadException("interrupted; the namespaces were removed");
        return new StormResult(o, s, p);
    }

    public static StormSide RunSide(ClientMode mode, StormOptions o, CancellationToken ct)
    {
        using var ns = NetNamespace.Create($"{o.Suffix}-{mode.ToString().ToLowerInvariant()}");
        if (o.PortLow is { } lo && o.PortHigh is { } hi) ns.SetSysctl("net.ipv4.ip_local_port_range", $"{lo} {hi}");
        var ep = new Endpoint4(0x7F000001, 7000);
        var serverControl = new RunControl(TimeSpan.FromSeconds(o.Seconds + 30));
        using var reg = ct.Register(serverControl.RequestStop);
        LoadServer? server = null;
        using var listening = new ManualResetEventSlim();
        Exception? serverFailure = null;
        var serverThread = new Thread(() =>
        {
            try
            {
                ns.EnterOnThisThread();
                server = new LoadServer(new ServerOptions { Listen = [ep], ReusePort = false });
                listening.Set();
                server.Run(serverControl, null);
            }
#pragma warning disable CA1031 // reported on the caller's thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                serverFailure = e;
                listening.Set();
            }
            finally
            {
                server?.Dispose();
            }
        }) { IsBackground = true, Name = "storm server" };
        serverThread.Start();
        listening.Wait(ct);
        if (serverFailure is not null) throw new LoadException($"storm server: {serverFailure.Message}", serverFailure);

        long requests = (long)Math.Max(1, o.Rate * o.Seconds);
        var client = new LoadClient(new ClientOptions
        {
            Targets = [ep], Mode = mode, Rate = o.Rate, Requests = requests, Concurrency = o.Concurrency, Pool = o.Pool,
        });
        var clientControl = new RunControl(TimeSpan.FromSeconds(o.Seconds + 10));
        using var reg2 = ct.Register(clientControl.RequestStop);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long tw = -1;
        try
        {
            ns.RunInside(() =>
            {
                try
                {
                    client.Run(clientControl, null);
                }
                finally
                {
                    client.Dispose();
                }
            });
            // Counted after the client closed everything it holds: what a pool or a storm leaves behind.
            tw = ns.TimeWait();
        }
        finally
        {
            serverControl.RequestStop();
            serverThread.Join();
        }
        var st = client.Stats;
        return new StormSide
        {
            Mode = mode.ToString().ToLowerInvariant(),
            ConnectionsCreated = st.Attempted,
            Requests = mode == ClientMode.Short ? st.Attempted : st.Requests,
            Replies = st.Replies,
            Failed = st.Failed,
            Delayed = st.Delayed,
            Errors = st.ErrorsByName().ToDictionary(kv => kv.Key, kv => kv.Value),
            TimeWaitLeft = tw,
            P50Micros = st.RequestLatency.Percentile(50),
            P99Micros = st.RequestLatency.Percentile(99),
            MaxMicros = st.RequestLatency.Count > 0 ? st.RequestLatency.MaxMicros : null,
            Seconds = sw.Elapsed.TotalSeconds,
        };
    }
}
