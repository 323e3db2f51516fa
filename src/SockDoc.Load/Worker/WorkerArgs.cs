using System.Globalization;
using SockDoc.Load.Client;

namespace SockDoc.Load.Worker;

/// <summary>What one worker process does; turned into and out of the hidden `load worker` command line.</summary>
public sealed record WorkerArgs
{
    public required string Role { get; init; }  // "server" or "client"
    public IReadOnlyList<Endpoint4> Endpoints { get; init; } = [];
    public IReadOnlyList<uint> Sources { get; init; } = [];
    public int Connections { get; init; }
    public int Concurrency { get; init; } = 256;
    public double Rate { get; init; }
    public double HeartbeatSeconds { get; init; }
    public double DurationSeconds { get; init; } = 60;
    /// <summary>The parent's pid: if it is already gone when we start, PR_SET_PDEATHSIG came too late, so exit.</summary>
    public int ParentPid { get; init; }
    /// <summary>Free-form tag in the command line, so a test can find every process of one run in /proc.</summary>
    public string Tag { get; init; } = "";

    public IReadOnlyList<string> ToArgs()
    {
        var ic = CultureInfo.InvariantCulture;
        var a = new List<string>
        {
            "--role", Role,
            "--endpoints", string.Join(",", Endpoints.Select(e => e.ToString())),
            "--connections", Connections.ToString(ic),
            "--concurrency", Concurrency.ToString(ic),
            "--rate", Rate.ToString("R", ic),
            "--heartbeat", HeartbeatSeconds.ToString("R", ic),
            "--duration", DurationSeconds.ToString("R", ic),
            "--parent", ParentPid.ToString(ic),
        };
        if (Sources.Count > 0) { a.Add("--sources"); a.Add(string.Join(",", Sources.Select(Endpoint4.FormatAddress))); }
        if (Tag.Length > 0) { a.Add("--tag"); a.Add(Tag); }
        return a;
    }

    /// <summary>Parses the worker's own arguments (the part after `load worker`).</summary>
    public static WorkerArgs Parse(IReadOnlyList<string> args)
    {
        var ic = CultureInfo.InvariantCulture;
        string role = "";
        var endpoints = new List<Endpoint4>();
        var sources = new List<uint>();
        int conns = 0, conc = 256, parent = 0;
        double rate = 0, hb = 0, dur = 60;
        string tag = "";
        for (int i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new LoadException($"worker: {args[i]} needs a value");
            switch (args[i])
            {
                case "--role": role = Next(); break;
                case "--endpoints":
                    foreach (var e in Next().Split(',', StringSplitOptions.RemoveEmptyEntries)) endpoints.AddRange(Endpoint4.ParseList(e, "--endpoints"));
                    break;
                case "--sources":
                    foreach (var s in Next().Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (!Endpoint4.TryParseAddress(s, out var a)) throw new LoadException($"worker: '{s}' is not an IPv4 address");
                        sources.Add(a);
                    }
                    break;
                case "--connections": conns = int.Parse(Next(), ic); break;
                case "--concurrency": conc = int.Parse(Next(), ic); break;
                case "--rate": rate = double.Parse(Next(), ic); break;
                case "--heartbeat": hb = double.Parse(Next(), ic); break;
                case "--duration": dur = double.Parse(Next(), ic); break;
                case "--parent": parent = int.Parse(Next(), ic); break;
                case "--tag": tag = Next(); break;
                default: throw new LoadException($"worker: unknown argument '{args[i]}'");
            }
        }
        if (role is not ("server" or "client")) throw new LoadException("worker: --role must be server or client");
        return new WorkerArgs
        {
            Role = role, Endpoints = endpoints, Sources = sources, Connections = conns, Concurrency = conc, Rate = rate,
            HeartbeatSeconds = hb, DurationSeconds = dur, ParentPid = parent, Tag = tag,
        };
    }

    public ClientOptions ToClientOptions() => new()
    {
        Targets = Endpoints, Mode = ClientMode.Long, Connections = Connections, Concurrency = Concurrency,
        Rate = Rate, HeartbeatSeconds = HeartbeatSeconds, Sources = Sources,
    };
}
