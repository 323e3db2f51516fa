using System.Globalization;

namespace SockDoc.Diagnosis.Engine;

/// <summary>
/// One thing `sockdoc record` history saw: a counter that rose between two of its samples, or a check it found
/// critical, at a time. Given to the engine (doctor --history), it turns trouble that is over now into "recent".
/// </summary>
public sealed record HistoryEvidence(string FindingId, DateTimeOffset LastSeen, string What, string Source);

/// <summary>
/// Applies record history to a check's result: inside the --recent window, a check that is fine now or shows only
/// history becomes a recent, critical finding with the history's evidence. The rules stay pure: they see one
/// snapshot pair; the time series is the engine's.
/// </summary>
public static class HistoryRecency
{
    public static CheckResult Apply(CheckResult result, RuleDescriptor d, IReadOnlyList<HistoryEvidence> history, DateTimeOffset now, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(history);
        if (window <= TimeSpan.Zero || result.Status is CheckStatus.Error) return result;
        var seen = history.Where(h => h.FindingId == d.Id && now - h.LastSeen <= window && h.LastSeen <= now + TimeSpan.FromMinutes(1))
            .OrderByDescending(h => h.LastSeen).ToList();
        if (seen.Count == 0) return result;
        var evidence = seen.Take(5).Select(h => new Evidence("record history", $"{h.What}, {Ago(now - h.LastSeen)} before this sample", h.Source)).ToList();
        var f = result.Finding;
        if (f is { When: When.Now })
            return result with { Finding = f with { Evidence = [.. f.Evidence, .. evidence] } };
        Finding recent = f is not null
            ? f with { Severity = Severity.Critical, When = When.Recent, Evidence = [.. f.Evidence, .. evidence] }
            : new Finding
            {
                Id = d.Id,
                Severity = Severity.Critical,
                When = When.Recent,
                Title = $"{d.Title}: hit {Ago(now - seen[0].LastSeen)} ago (record history); not during this sample",
                Evidence = evidence,
                Explanation = $"The history `sockdoc record` keeps shows this limit being hit inside the recent window; the sample now is below it, so the burst is over or paused. Kernel rule: {d.KernelMechanism}.",
                Fix = [new FixLine("Size on the episode's peak: `sockdoc report` draws the history; `sockdoc doctor` during the next burst gives the values", "", "A value sized on today's quiet sample would be too small for the peak that just happened.")],
            };
        return result with
        {
            Status = CheckStatus.Critical,
            Summary = recent.Title,
            Finding = recent,
        };
    }

    private static string Ago(TimeSpan t) => t.TotalSeconds < 120
        ? Math.Max(0, Math.Round(t.TotalSeconds)).ToString("0", CultureInfo.InvariantCulture) + " s"
        : Math.Round(t.TotalMinutes).ToString("0", CultureInfo.InvariantCulture) + " min";
}
