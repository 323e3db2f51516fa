namespace SockDoc.Diagnosis.Capacity;

public enum PlanRole
{
    Server,
    Client,
}

/// <summary>Where a number in the plan comes from; the output says it next to every value.</summary>
public enum Origin
{
    /// <summary>Given on the command line.</summary>
    Input,
    /// <summary>Read from this host (or the --from snapshot): /proc/sys, /proc/meminfo, /proc/slabinfo.</summary>
    Measured,
    /// <summary>The kernel's default or a measured constant (KernelConstants), used because the host did not say.</summary>
    KernelDefault,
    /// <summary>Computed from the others.</summary>
    Derived,
    /// <summary>A setting the plan proposes.</summary>
    Recommended,
    /// <summary>A choice of the plan (headroom, reserve), not a kernel number.</summary>
    Assumption,
}

/// <summary>The workload, as the operator describes it.</summary>
public sealed record PlanInputs
{
    public long Connections { get; init; }
    public PlanRole Role { get; init; } = PlanRole.Server;
    /// <summary>Buffer bytes a busy connection holds (receive, send), as truesize; null: the host's tcp_rmem[1]/tcp_wmem[1].</summary>
    public long? BufferRxBytes { get; init; }
    public long? BufferTxBytes { get; init; }
    public long AppBytesPerConn { get; init; }
    /// <summary>New connections per second (opened by this host as client, accepted as server).</summary>
    public double? RatePerSecond { get; init; }
    public int Destinations { get; init; } = 1;
    /// <summary>How long a connection lives; null: long-lived (only matters with a rate).</summary>
    public double? LifetimeSeconds { get; init; }
    public long? RamBytes { get; init; }
    /// <summary>Sockets are in an epoll set (adds an epitem and a wait-queue entry each).</summary>
    public bool Epoll { get; init; } = true;
    public bool Ipv6 { get; init; }
    /// <summary>
    /// Sysctl values to assume instead of the host's (--assume net.ipv4.tcp_mem="..."): planning for a
    /// host configured differently from the one the facts come from. Shown as inputs.
    /// </summary>
    public IReadOnlyDictionary<string, string> AssumedSysctls { get; init; } = new Dictionary<string, string>();
}

/// <summary>One number with its unit, origin and the reason or source.</summary>
public sealed record PlanNumber(string Name, double Value, string Unit, Origin Origin, string Source);

/// <summary>A sysctl the plan proposes, with the current value and the arithmetic behind it.</summary>
public sealed record PlanSetting(string Key, string Value, string? Current, string Why);

public sealed record PlanSection(string Title, IReadOnlyList<PlanNumber> Numbers);

/// <summary>The result of `sockdoc plan`: sections of numbers, proposed settings and the files to write.</summary>
public sealed record CapacityPlan
{
    public required PlanInputs Inputs { get; init; }
    public required IReadOnlyList<PlanSection> Sections { get; init; }
    public required IReadOnlyList<PlanSetting> Sysctls { get; init; }
    /// <summary>The nofile limit to give the process (soft = hard).</summary>
    public required long Nofile { get; init; }
    public required string NofileWhy { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public IReadOnlyList<string> Assumptions { get; init; } = [];

    // Headline numbers, also in Sections, kept as fields for scripts and tests.
    public double KernelBytesPerConn { get; init; }
    public double BufferBytesPerConnIdle { get; init; }
    public double BufferBytesPerConnBusy { get; init; }
    public double TotalBytesPerConnIdle { get; init; }
    public double TotalBytesPerConnBusy { get; init; }
    public double? MaxConnsBeforePressure { get; init; }
    public double? MaxConnsBeforeHardLimit { get; init; }
    public long[]? RecommendedTcpMem { get; init; }
    /// <summary>Set when the workload does not fit this host: how many connections do (busy at once when buffers are the limit).</summary>
    public long? FitConnections { get; init; }
    /// <summary>True when the plan warns: the command exits 1 and the written files carry the warnings.</summary>
    public bool HasWarnings => Warnings.Count > 0;
    public double? MaxRatePerDestination { get; init; }
    public long? SourceAddressesPerDestination { get; init; }

    public PlanNumber? Find(string name)
    {
        foreach (var s in Sections)
        {
            foreach (var n in s.Numbers)
            {
                if (n.Name == name) return n;
            }
        }
        return null;
    }
}
