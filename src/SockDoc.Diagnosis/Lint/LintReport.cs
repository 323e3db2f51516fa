using SockDoc.Diagnosis.Engine;

namespace SockDoc.Diagnosis.Lint;

/// <summary>
/// One lint finding, tied to a file and line. Id is a stable contract for scripts: damaged_file,
/// masked_file, unknown_key, removed_key, vendor_key, module_key, wrong_unit, beyond_ram, bad_vector,
/// triple_order, port_range, shadowed, not_applied, trap_tw_recycle, trap_orphan_retries,
/// trap_panic_on_oom, trap_fin_timeout, trap_syn_backlog, trap_somaxconn, nofile_above_nr_open,
/// nofile_unlimited, soft_above_hard, unit_nofile_above_nr_open, unit_soft_above_hard.
/// </summary>
public sealed record LintFinding(string Id, Severity Severity, string File, int? Line, string? Key, string Message)
{
    /// <summary>What to do about it; empty when the message says it.</summary>
    public string Fix { get; init; } = "";
    public string Where => Line is { } l ? $"{File}:{l}" : File;
}

/// <summary>The value a key ends up with after every file is applied, and what the kernel has now.</summary>
public sealed record EffectiveSetting(string Key, string Value, string File, int Line, string? Running);

public sealed record LintReport
{
    public required string Root { get; init; }
    public required bool RunningCompared { get; init; }
    /// <summary>Why comparisons with the running kernel were skipped, when they were.</summary>
    public string? RunningNote { get; init; }
    public string? KernelRelease { get; init; }
    public IReadOnlyList<string> FilesRead { get; init; } = [];
    public IReadOnlyList<LintFinding> Findings { get; init; } = [];
    public IReadOnlyList<EffectiveSetting> Effective { get; init; } = [];

    public Severity Worst => Findings.Count == 0 ? Severity.Ok : Findings.Max(f => f.Severity);
}
