using SockDoc.Model.Config;

namespace SockDoc.Diagnosis.Lint;

/// <summary>Runs every lint rule over one host's configuration; the entry point for `sockdoc lint`.</summary>
public static class ConfigLint
{
    public static LintReport Run(HostConfig config, RunningKernel running)
    {
        var effective = new List<EffectiveSetting>();
        var findings = SysctlLint.Check(config.Sysctl, running, effective);

        // fs.nr_open as it will be after boot: the configured value if any, else the running one, else the kernel default.
        long? nrOpen;
        string source;
        var configured = config.Sysctl.Assignments.LastOrDefault(a => a.ProcPath == "fs/nr_open");
        if (configured is not null && SysctlLint.ParseLongs(configured.Value) is { Length: 1 } c)
        {
            nrOpen = c[0];
            source = $"set in {configured.File}:{configured.Line}";
        }
        else if (running.Available && running.Values.TryGetValue("fs/nr_open", out var r) && SysctlLint.ParseLongs(r) is { Length: 1 } rv)
        {
            nrOpen = rv[0];
            source = "running kernel";
        }
        else
        {
            nrOpen = SysctlLint.DefaultNrOpen;
            source = "kernel default, not measured";
        }
        findings.AddRange(LimitsLint.Check(config.Limits, config.Systemd, nrOpen, source));

        var files = new List<string>(config.Sysctl.Files);
        files.AddRange(config.Limits.Files);
        return new LintReport
        {
            Root = config.Root,
            RunningCompared = running.Available,
            RunningNote = running.Available ? null : $"comparisons with the running kernel skipped: {running.Reason}",
            KernelRelease = running.KernelRelease,
            FilesRead = files,
            Findings = findings
                .OrderByDescending(f => f.Severity)
                .ThenBy(f => f.File, StringComparer.Ordinal)
                .ThenBy(f => f.Line ?? 0)
                .ToList(),
            Effective = effective,
        };
    }
}
