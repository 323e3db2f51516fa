using System.Text.RegularExpressions;
using SockDoc.Cli.History;
using SockDoc.Cli.HtmlReporting;
using SockDoc.Diagnosis.Engine;

namespace SockDoc.Tests.Watch;

public sealed partial class HtmlReportTests
{
    private static List<Sample> Samples()
    {
        var list = new List<Sample>();
        for (int i = 0; i < 30; i++)
        {
            IReadOnlyList<Finding> findings = i is >= 10 and < 20
                ? [new Finding { Id = "orphans", Severity = i < 15 ? Severity.Warning : Severity.Critical, Title = "Orphans <near> the limit", When = When.Now, Explanation = "e" }]
                : [];
            list.Add(Sample.From(WatchSnapshots.Busy(WatchSnapshots.T0.AddSeconds(5 * i), orphans: 1000 * i, census: i % 7 != 3, log: i > 20), findings));
        }
        return list;
    }

    [Fact]
    public void The_page_is_self_contained_with_one_chart_per_topic()
    {
        var html = HtmlReport.Render(Samples(), WatchSnapshots.T0.AddHours(1));
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        foreach (var id in new[] { "chart-limits", "chart-states", "chart-orphans", "chart-tcpmem", "chart-tw", "chart-conntrack", "chart-files", "chart-timeline" })
            Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
        // No script, no external resource: only the SVG namespace URI may name a host.
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        var urls = UrlPattern().Matches(html).Select(m => m.Value).Distinct().ToList();
        Assert.Equal(["http://www.w3.org/2000/svg"], urls);
        // Text is escaped.
        Assert.Contains("Orphans &lt;near&gt; the limit", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<near>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_are_drawn_with_gaps_where_a_source_was_missing()
    {
        var html = HtmlReport.Render(Samples(), WatchSnapshots.T0);
        var states = Regex.Match(html, "<svg id=\"chart-states\".*?</svg>", RegexOptions.Singleline).Value;
        // Four states, each broken at the samples without a census (3, 10, 17, 24): 5 pieces per line.
        var paths = PathPattern().Matches(states).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(4, paths.Count);
        Assert.All(paths, d => Assert.Equal(5, d.Count(c => c == 'M')));
        // The orphan limit lines are there: max, max/2, max/4.
        var orphans = Regex.Match(html, "<svg id=\"chart-orphans\".*?</svg>", RegexOptions.Singleline).Value;
        Assert.Equal(4, PathPattern().Matches(orphans).Count);
    }

    [Fact]
    public void The_timeline_shows_finding_spans_by_severity_and_log_incidents()
    {
        var html = HtmlReport.Render(Samples(), WatchSnapshots.T0);
        var timeline = Regex.Match(html, "<svg id=\"chart-timeline\".*?</svg>", RegexOptions.Singleline).Value;
        Assert.Contains("finding orphans", timeline, StringComparison.Ordinal);
        Assert.Contains("log tcp_too_many_orphans", timeline, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(timeline, "fill=\"#ff7f0e\"")); // one warning span
        Assert.Single(Regex.Matches(timeline, "fill=\"#d62728\"")); // then one critical span
        Assert.Contains("12 lines seen", timeline, StringComparison.Ordinal);
    }

    [Fact]
    public void One_sample_still_renders()
    {
        var html = HtmlReport.Render([Samples()[0]], WatchSnapshots.T0);
        Assert.Contains("<circle", html, StringComparison.Ordinal);
        Assert.Contains("no findings and no kernel-log incidents", html, StringComparison.Ordinal);
    }

    [GeneratedRegex("https?://[^\"' <>]+")]
    private static partial Regex UrlPattern();

    [GeneratedRegex("<path class=\"series\" d=\"([^\"]*)\"")]
    private static partial Regex PathPattern();
}
