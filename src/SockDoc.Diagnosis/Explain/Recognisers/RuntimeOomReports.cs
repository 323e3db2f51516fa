using System.Text.RegularExpressions;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// What container runtimes and service managers record when the kernel's OOM killer killed a process in their cgroup
/// (memory.events oom_kill, or the cgroup v1 OOM eventfd): Kubernetes' container status "Reason: OOMKilled" (kubectl
/// describe, pod YAML, the STATUS column of kubectl get pods; early kubelet's "reason": "OOM Killed"), its node event "OOMKilling", Docker's
/// "OOMKilled": true (docker inspect), kubelet's node event "System OOM encountered, victim process: X, pid: N" and systemd's "Failed with result 'oom-kill'" / "killed by the OOM killer".
/// Each is the runtime's record of the kernel event, not someone's reading of it: read as a reported OOM kill.
/// "OOMKilled": false is the field saying no.
/// </summary>
public sealed partial class RuntimeOomReports : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var text = line.Scanned;
        var m = ReportRegex().Match(text);
        if (!m.Success) return 0;
        string reporter = m.Groups["docker"].Success ? "Docker" : m.Groups["systemd"].Success ? "systemd" : "Kubernetes";
        into.State(StatedConditions.OomKill, line.Number, text, reporter);
        into.Claim("runtime-oom", line.Number, "OOM kills reported by a container runtime or systemd");
        return 1;
    }

    [GeneratedRegex(@"(?<docker>""OOMKilled""\s*:\s*true\b)|(?<![\w-])OOMKill(?:ed|ing)\b(?!""?\s*[:=]\s*false)" +
                    @"|(?<systemd>Failed with result '?oom-kill'?|\bprocess of this unit has been killed by the OOM killer)" +
                    // Early kubelet (2014, Docker 1.4) wrote the container's termination reason with a space: "reason": "OOM Killed".
                    @"|""reason""\s*:\s*""OOM Killed""" +
                    // kubelet's node event from the kernel's OOM kill line it reads in /dev/kmsg (oom_watcher_linux.go):
                    // "SystemOOM ... System OOM encountered, victim process: iptables, pid: 13778".
                    @"|\bSystem OOM encountered\b",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ReportRegex();
}
