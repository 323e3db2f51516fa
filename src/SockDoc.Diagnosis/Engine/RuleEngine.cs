using SockDoc.Model;

namespace SockDoc.Diagnosis.Engine;

/// <summary>
/// Runs every rule over a snapshot pair. A rule that throws is reported as an error for its id
/// and the others go on (node_exporter: one failing collector never fails the scrape).
/// </summary>
public sealed class RuleEngine(IReadOnlyList<IRule> rules)
{
    public IReadOnlyList<IRule> Rules { get; } = rules;

    public Report Run(SnapshotPair pair, IReadOnlyCollection<string>? only = null, IReadOnlyCollection<string>? skip = null, RuleOptions? options = null)
    {
        options ??= new RuleOptions();
        var context = new RuleContext(pair, options);
        var checks = new List<CheckResult>(Rules.Count);
        foreach (var rule in Rules)
        {
            var id = rule.Descriptor.Id;
            if (only is { Count: > 0 } && !only.Contains(id)) continue;
            if (skip is not null && skip.Contains(id)) continue;
            CheckResult result;
            try
            {
                result = rule.Evaluate(context);
            }
#pragma warning disable CA1031 // a failing rule must not take the others down
            catch (Exception e)
#pragma warning restore CA1031
            {
                result = new CheckResult
                {
                    Id = id,
                    Title = rule.Descriptor.Title,
                    Status = CheckStatus.Error,
                    Summary = $"rule failed: {e.GetType().Name}: {e.Message}",
                };
            }
            result = TraceLines.Attach(result);
            if (options.History.Count > 0)
                result = HistoryRecency.Apply(result, rule.Descriptor, options.History, pair.Now.TakenAt, options.RecentWindow);
            checks.Add(result);
        }

        var findings = checks
            .Select(c => c.Finding)
            .OfType<Finding>()
            .Where(f => f.Severity > Severity.Ok)
            .OrderByDescending(f => f.Severity)
            .ThenBy(f => f.When) // what happens now, then recently, then risks, then history
            .ThenBy(f => f.Id, StringComparer.Ordinal)
            .ToList();

        var now = pair.Now;
        return new Report
        {
            TakenAt = now.TakenAt,
            Hostname = now.Host.Hostname,
            KernelRelease = now.Host.KernelRelease,
            Origin = now.Origin,
            IntervalSeconds = pair.IntervalSeconds,
            RecentWindowSeconds = options.RecentWindow.TotalSeconds,
            InitialNetNs = now.Host.InitialNetNs,
            NetNsInode = now.Host.NetNsInode,
            Checks = checks,
            Findings = findings,
            Unreadable = now.Problems,
            SocketSlab = SocketSlab.Summarise(now),
            Severity = findings.Count == 0 ? Severity.Ok : findings.Max(f => f.Severity),
        };
    }
}
