namespace SockDoc.Load.Scenarios;

/// <summary>Slab growth of one cache between "before" and "while holding".</summary>
public sealed record SlabDelta(string Cache, long ObjectSize, long Objects, long Bytes);

/// <summary>The C1M result table as data (the CLI renders it and writes it as JSON).</summary>
public sealed record C1mResult
{
    public long Planned { get; init; }
    public int ClientWorkers { get; init; }
    public int ServerWorkers { get; init; }
    public int ListenPorts { get; init; }
    public int SourceAddresses { get; init; }
    public IReadOnlyList<LimitCheck> Checks { get; init; } = [];
    /// <summary>True when a check failed and nothing was started.</summary>
    public bool Refused { get; init; }

    /// <summary>Client connections open at the hold measurement.</summary>
    public long Held { get; init; }
    /// <summary>Server connections accepted and open at the hold measurement.</summary>
    public long ServerOpen { get; init; }
    public long Established { get; init; }
    public long Failed { get; init; }
    public IReadOnlyDictionary<string, long> Errors { get; init; } = new Dictionary<string, long>();
    /// <summary>Seconds from "go" to the last client worker finishing its connects.</summary>
    public double? EstablishSeconds { get; init; }
    public double? ConnectsPerSecond { get; init; }
    /// <summary>Seconds from the first worker start to every worker ready (runtime start-up, not part of the rate).</summary>
    public double StartupSeconds { get; init; }
    public long? ConnectP50Micros { get; init; }
    public long? ConnectP99Micros { get; init; }
    public long? ConnectMaxMicros { get; init; }

    public IReadOnlyList<SlabDelta> Slab { get; init; } = [];
    /// <summary>Sum of the socket caches' growth, bytes; null without /proc/slabinfo.</summary>
    public long? KernelSlabBytes { get; init; }
    /// <summary>sockstat TCP mem growth × page size (buffer pages charged to tcp_mem).</summary>
    public long? KernelBufferBytes { get; init; }
    public long UserRssClientBytes { get; init; }
    public long UserRssServerBytes { get; init; }
    /// <summary>RSS growth of the client (server) workers from ready to holding: the harness's own per-connection state.</summary>
    public long UserRssClientDeltaBytes { get; init; }
    public long UserRssServerDeltaBytes { get; init; }
    /// <summary>Proportional set size of the client (server) workers while holding: shared pages (the binary, libc)
    /// divided among the processes that map them, so the sum is the memory the workers really take.</summary>
    public long UserPssClientBytes { get; init; }
    public long UserPssServerBytes { get; init; }
    /// <summary>Kernel floor per connection with both ends here: 2 × slab objects of one idle socket end.</summary>
    public long KernelFloorPerConnection { get; init; }
    public string? StoppedBy { get; init; }

    private double? Per(long? bytes) => bytes is { } b && Held > 0 ? (double)b / Held : null;
    public double? SlabPerConnection => Per(KernelSlabBytes);
    public double? BufferPerConnection => Per(KernelBufferBytes);
    public double? UserClientDeltaPerConnection => Per(UserRssClientDeltaBytes);
    public double? UserServerDeltaPerConnection => Per(UserRssServerDeltaBytes);
    public double? UserTotalPerConnection => Per(UserRssClientBytes + UserRssServerBytes);
    /// <summary>All workers' memory per held connection (PSS: each shared page counted once across the workers).</summary>
    public double? UserPssPerConnection => Per(UserPssClientBytes + UserPssServerBytes);
    public double? TotalPerConnection => Per((KernelSlabBytes ?? 0) + (KernelBufferBytes ?? 0) + UserRssClientBytes + UserRssServerBytes);
}

/// <summary>A progress sample for the live line.</summary>
public sealed record C1mProgress(string Phase, long Online, long Planned, long ServerOpen, long Failed, double ConnectsPerSecond,
    IReadOnlyDictionary<string, long> Errors, double ElapsedSeconds);
