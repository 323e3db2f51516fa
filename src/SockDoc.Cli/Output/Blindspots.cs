using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;

namespace SockDoc.Cli.Output;

/// <summary>
/// Unknown is not ok: a check that came out ok while one of its sources could not be read (the kernel log, unprivileged)
/// is unknown, with the reason in its own row, in the text and the JSON alike.
/// </summary>
public static class Blindspots
{
    public static Report Apply(Report report, Snapshot now)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(now);
        // Only a log that was tried and failed: --no-log and a copied /proc tree leave it out on purpose (said in the header).
        var logProblem = report.Unreadable.FirstOrDefault(u => IsKernelLog(u.Source));
        if (logProblem is null || now.KernelLog is not null) return report;
        var needsLog = All.Rules.Where(r => r.Descriptor.Inputs.Contains(Inputs.KernelLog)).Select(r => r.Descriptor.Id).ToHashSet(StringComparer.Ordinal);
        var checks = report.Checks.Select(c => c.Status == CheckStatus.Ok && needsLog.Contains(c.Id)
            ? c with
            {
                Status = CheckStatus.Unknown,
                Summary = $"unknown: {c.Summary}, but the kernel log could not be read ({logProblem.Source}: {logProblem.Reason}{(logProblem.NeedsRoot ? "; run as root" : "")})",
                MissingInputs = [.. c.MissingInputs, Inputs.KernelLog.Name],
            }
            : c).ToList();
        return report with { Checks = checks };
    }

    public static bool IsKernelLog(string source) =>
        source.Contains("kmsg", StringComparison.Ordinal) || source.Contains("kernel log", StringComparison.OrdinalIgnoreCase)
        || source.Contains("journal", StringComparison.Ordinal) || source.Contains("syslog", StringComparison.Ordinal);
}
