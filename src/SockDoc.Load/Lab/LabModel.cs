namespace SockDoc.Load.Lab;

/// <summary>One piece of the kernel's own evidence, as it appeared during a scenario.</summary>
/// <param name="Kind">log (a kernel log line), counter (a netstat/snmp delta), sockstat, errno (what the load got), setting, note.</param>
public sealed record LabEvidence(string Kind, string Text);

/// <summary>A finding the doctor gave: id, severity, when (now / since_boot / risk) and its evidence lines.</summary>
public sealed record LabFinding(string Id, string Severity, string When, IReadOnlyList<string> Evidence);

/// <summary>The outcome of one scenario run.</summary>
public sealed record LabResult
{
    public required string Name { get; init; }
    public required string Symptom { get; init; }
    public required IReadOnlyList<string> Expected { get; init; }
    /// <summary>Every finding the doctor gave for the expected ids (it runs with --only them).</summary>
    public IReadOnlyList<LabFinding> Found { get; init; } = [];
    public IReadOnlyList<LabEvidence> Evidence { get; init; } = [];
    /// <summary>The failure really happened in this run (errno seen, counter rose, log line printed).</summary>
    public bool Reproduced { get; init; }
    /// <summary>"fix works" mode: --with settings were applied and the expected finding must be absent.</summary>
    public bool FixMode { get; init; }
    public IReadOnlyList<string> With { get; init; } = [];
    public bool Pass { get; init; }
    public double Seconds { get; init; }
    public string? Netns { get; init; }
    /// <summary>Why the scenario could not run (then Pass is false).</summary>
    public string? Error { get; init; }
    public IReadOnlyList<string> Restored { get; init; } = [];
    /// <summary>With LabOptions.Trace: what `sockdoc trace` attributed, against the generator (null when not traced).</summary>
    public TraceAttribution? Trace { get; init; }
}

/// <summary>What `lab run` was asked: the command line that runs this very binary, proposed settings, a time bound.</summary>
public sealed record LabOptions
{
    /// <summary>argv prefix that runs sockdoc itself (["/path/sockdoc"] or ["dotnet", "/path/sockdoc.dll"]).</summary>
    public required IReadOnlyList<string> SelfCommand { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> With { get; init; } = [];
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Where the restore journal lives (tests may use their own directory).</summary>
    public string? JournalDirectory { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>Run `sockdoc trace --what` (the scenario's) beside the load and check its attribution (issue 12).</summary>
    public bool Trace { get; init; }
}
