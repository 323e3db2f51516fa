namespace SockDoc.Model.Config;

/// <summary>Something in a configuration file that could not be read as the tool that applies it would read it.</summary>
public sealed record ConfigProblem(string File, int? Line, string Message);

/// <summary>
/// One "key = value" line of a sysctl.d file or /etc/sysctl.conf. Key is the dotted name, ProcPath the
/// file under /proc/sys it writes (sysctl.d(5): if the first separator is "/", the rest is kept as is;
/// if it is ".", dots and slashes swap). IgnoreFailure is the "-" prefix: a failed write is only logged.
/// </summary>
public sealed record SysctlAssignment(string Key, string ProcPath, string Value, string File, int Line, bool IgnoreFailure, bool IsGlob);

/// <summary>A sysctl.d file that is not applied because a file of the same name in an earlier directory masks it.</summary>
public sealed record MaskedFile(string File, string MaskedBy);

/// <summary>
/// The sysctl configuration of a host in the order systemd-sysctl and `sysctl --system` apply it:
/// Files in apply order, Assignments in apply order (the last one for a key wins).
/// </summary>
public sealed record SysctlConfig
{
    public IReadOnlyList<string> Files { get; init; } = [];
    public IReadOnlyList<MaskedFile> Masked { get; init; } = [];
    public IReadOnlyList<SysctlAssignment> Assignments { get; init; } = [];
    public IReadOnlyList<ConfigProblem> Problems { get; init; } = [];
}

/// <summary>One line of limits.conf / limits.d: domain type item value (limits.conf(5)). Number is null for unlimited/infinity.</summary>
public sealed record LimitEntry(string Domain, string Type, string Item, string Value, long? Number, string File, int Line)
{
    public bool Unlimited => Number is null;
}

public sealed record LimitsConfig
{
    public IReadOnlyList<string> Files { get; init; } = [];
    public IReadOnlyList<LimitEntry> Entries { get; init; } = [];
    public IReadOnlyList<ConfigProblem> Problems { get; init; } = [];
}

/// <summary>
/// The LimitNOFILE= in effect for one unit (or DefaultLimitNOFILE= of the manager, Unit "system.conf"):
/// the last assignment after the unit file and its drop-ins. Soft/Hard null means infinity.
/// </summary>
public sealed record UnitNofile(string Unit, string Value, long? Soft, long? Hard, string File, int Line);

public sealed record SystemdConfig
{
    public IReadOnlyList<UnitNofile> Limits { get; init; } = [];
    public IReadOnlyList<ConfigProblem> Problems { get; init; } = [];
    public int UnitFilesRead { get; init; }
}

/// <summary>The configuration files of one host (a live root or a copied tree).</summary>
public sealed record HostConfig
{
    public required string Root { get; init; }
    public SysctlConfig Sysctl { get; init; } = new();
    public LimitsConfig Limits { get; init; } = new();
    public SystemdConfig Systemd { get; init; } = new();
}

/// <summary>
/// What the running kernel says about the keys a configuration sets. Available is false when there is
/// no /proc/sys to compare with (a copied tree without proc/), and every comparison is then skipped.
/// </summary>
public sealed record RunningKernel
{
    public bool Available { get; init; }
    public string? Reason { get; init; }
    /// <summary>The /proc/sys directory compared with.</summary>
    public string? ProcSys { get; init; }
    /// <summary>ProcPath (relative to /proc/sys) → value as read, whitespace normalised. Absent: the file does not exist.</summary>
    public IReadOnlyDictionary<string, string> Values { get; init; } = new Dictionary<string, string>();
    /// <summary>ProcPaths whose file exists but could not be read (write-only, permission).</summary>
    public IReadOnlySet<string> Unreadable { get; init; } = new HashSet<string>();
    /// <summary>ProcPaths whose parent directory does not exist (module not loaded, interface absent).</summary>
    public IReadOnlySet<string> ParentMissing { get; init; } = new HashSet<string>();
    public long? MemTotalBytes { get; init; }
    public long? PageSize { get; init; }
    public string? KernelRelease { get; init; }
}
