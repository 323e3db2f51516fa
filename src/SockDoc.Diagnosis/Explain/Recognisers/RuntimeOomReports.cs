using System.Text.RegularExpressions;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// What container runtimes and service managers record when the kernel's OOM killer killed a process in their cgroup
/// (memory.events oom_kill, or the cgroup v1 OOM eventfd): Kubernetes' container status "Reason: OOMKilled" (kubectl
/// describe, pod YAML, the STATUS column of kubectl get pods; early kubelet's "reason": "OOM Killed"), its node event "OOMKilling", Docker's
/// "OOMKilled": true (docker inspect), kubelet's node event "System OOM encountered, victim process: X, pid: N" and systemd's "Failed with result 'oom-kill'" / "(Result: oom-kill)" / "killed by the OOM killer".
/// Slurm's "Detected 1 oom-kill event(s) in StepId=...".
/// gunicorn's "was sent SIGKILL! Perhaps out of memory?" is its guess, read as words (possible). bcc's oomkill tool traces
/// oom_kill_process() itself: "Triggered by PID 3297 ("ntpd"), OOM kill of PID 22516 ("perl"), 3850642 pages".
/// Each is the runtime's record of the kernel event, not someone's reading of it: read as a reported OOM kill.
/// "OOMKilled": false is the field saying no.
/// </summary>
public sealed partial class RuntimeOomReports : IPasteRecogniser
{
    private const string Description = "OOM kills reported by a container runtime, systemd, Slurm, gunicorn or a tracer";

    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var text = line.Scanned;
        // gunicorn's arbiter reaps a worker that died of SIGKILL with "Worker (pid:21) was sent SIGKILL! Perhaps out of
        // memory?" (arbiter.py reap_workers()). Someone else sent it, most often the OOM killer, unless the arbiter did
        // itself after "WORKER TIMEOUT (pid:21)" (murder_workers() escalates to SIGKILL): a guess, so only words.
        if (GunicornSigkillRegex().Match(text) is { Success: true } g)
        {
            var timeout = $"WORKER TIMEOUT (pid:{g.Groups["pid"].Value})";
            if (lines.Any(l => l.Scanned.Contains(timeout, StringComparison.Ordinal))) return 0;
            into.State(StatedConditions.OomKill, line.Number, text);
            into.Claim("runtime-oom", line.Number, Description);
            return 1;
        }
        var m = ReportRegex().Match(text);
        if (!m.Success) return 0;
        string reporter = m.Groups["docker"].Success ? "Docker" : m.Groups["systemd"].Success ? "systemd" : m.Groups["runc"].Success ? "runc" : m.Groups["tracer"].Success ? "bcc oomkill" : m.Groups["slurm"].Success ? "Slurm" : "Kubernetes";
        into.State(StatedConditions.OomKill, line.Number, text, reporter);
        into.Claim("runtime-oom", line.Number, Description);
        return 1;
    }

    [GeneratedRegex(@"\bWorker \(pid:(?<pid>\d+)\) was sent SIGKILL! Perhaps out of memory\?", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex GunicornSigkillRegex();

    [GeneratedRegex(@"(?<docker>""OOMKilled""\s*:\s*true\b)|(?<![\w-])OOMKill(?:ed|ing)\b(?!""?\s*[:=]\s*false)" +
                    // systemctl status: "Active: failed (Result: oom-kill) since ...".
                    @"|(?<systemd>Failed with result '?oom-kill'?|\(Result: oom-kill\)|\bprocess of this unit has been killed by the OOM killer)" +
                    // Early kubelet (2014, Docker 1.4) wrote the container's termination reason with a space: "reason": "OOM Killed".
                    @"|""reason""\s*:\s*""OOM Killed""" +
                    // kubelet's node event from the kernel's OOM kill line it reads in /dev/kmsg (oom_watcher_linux.go):
                    // "SystemOOM ... System OOM encountered, victim process: iptables, pid: 13778".
                    @"|\bSystem OOM encountered\b" +
                    // runc, when the memory cgroup's OOM killer took the container's init while it started:
                    // "unable to start container process: container init was OOM-killed (memory limit too low?)".
                    @"|(?<runc>\bcontainer init was OOM-killed\b)" +
                    // Slurm's task/cgroup plugin reads the step's memory cgroup (memory.events oom_kill, or v1's memory.oom_control
                    // eventfd) when the step ends: "Detected 1959 oom_kill events in StepId=45226719.batch. Some of the step
                    // tasks have been OOM Killed." (21.08 on); before, "Detected 1 oom-kill event(s) in step 123.batch cgroup".
                    @"|(?<slurm>\bDetected [1-9]\d* oom[-_]kill events?(?:\(s\))? in )" +
                    // bcc's oomkill (a kprobe on oom_kill_process()): one line per kill the kernel made. bpftrace's oomkill.bt
                    // may name the memory cgroup between ("CGROUP 45172 ("unified:/oom-test"), OOM kill of PID 224943").
                    @"|(?<tracer>\bTriggered by PID \d+ \(""[^""]*""\),(?: [^,]{1,160},)? OOM kill of PID \d+\b)",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ReportRegex();
}
