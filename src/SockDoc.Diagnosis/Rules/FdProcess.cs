using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// Per-process open files against RLIMIT_NOFILE (kernel-facts §8). alloc_fd() (fs/file.c) fails
/// with EMFILE ("Too many open files") once the lowest free fd reaches the soft limit; the hard
/// limit can be raised only up to fs.nr_open and only with CAP_SYS_RESOURCE.
/// </summary>
public sealed class FdProcess : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "fd_process",
        "Open files per process against its limit (RLIMIT_NOFILE)",
        "alloc_fd(): EMFILE when the next fd would reach RLIMIT_NOFILE",
        [Inputs.ProcessFds, Inputs.ProcessLimits, Inputs.NrOpen, Inputs.AppErrors, Inputs.Stated]);

    private const string Explanation =
        "Every socket, including each accepted connection, is one file descriptor. When a process holds as many as its soft " +
        "RLIMIT_NOFILE, socket(), accept() and open() fail with EMFILE (\"Too many open files\"). A server failing accept() this way " +
        "leaves connections in the accept queue, which then overflows too.";

    private static readonly string[] BaseCaveats =
    [
        "The limit is per process; fs.file-max (system-wide) is a separate check (ENFILE, \"Too many open files in system\").",
        "Processes whose /proc/PID/fd could not be read (not root) are not counted.",
    ];

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        // EMFILE is alloc_fd()'s error and nothing else's: the application's line alone makes this likely. inotify's
        // "Too many open files" is a look-alike the paste reader must not report as EMFILE.
        var errors = AppErrors(c, "EMFILE");
        var app = AppTiming(c, errors);
        var procs = c.Now.Processes;
        var ranked = (procs ?? [])
            .Where(p => p.SoftLimit is > 0)
            .Select(p => (p, use: Share(p.OpenFds, p.SoftLimit!.Value)))
            .OrderByDescending(x => x.use)
            .ThenByDescending(x => x.p.OpenFds)
            .ToList();
        if (ranked.Count == 0)
        {
            if (errors.Count > 0) return FromErrors(c, errors, app);
            var stated = Stated(c, StatedConditions.FileDescriptorsExhausted);
            if (stated.Count > 0)
                return FromStatement(d, c, stated, "The paste says a process ran out of file descriptors", Explanation,
                    Fixes(null, null, c.Now.Sysctls.Long(SysctlNames.NrOpen)), BaseCaveats);
            return procs is null || procs.Count == 0 ? Unknown(d, "/proc/PID/fd and /proc/PID/limits") : Unknown(d, "limits of any process");
        }
        var worst = ranked[0];
        var nrOpen = c.Now.Sysctls.Long(SysctlNames.NrOpen);

        var evidence = new List<Evidence>();
        foreach (var (p, use) in ranked.Take(5))
            evidence.Add(Count(Who(p), p.OpenFds, $"{N(p.OpenFds)} open of {N(p.SoftLimit!.Value)} ({Pct(use)})" + (p.Sockets is { } s ? $", {N(s)} sockets" : "") + (p.HardLimit is { } h ? $", hard {N(h)}" : ""),
                p.Pid > 0 ? $"/proc/{p.Pid}/fd, /proc/{p.Pid}/limits" : "pasted count of open descriptors and soft limit"));
        if (nrOpen is { } nr) evidence.Add(Count("fs.nr_open (ceiling for any hard limit)", nr, N(nr), Sys(SysctlNames.NrOpen)));
        evidence.AddRange(errors.Select(AppErrorEvidence));

        var atLimit = ranked.Where(x => x.use >= 1.0).ToList();
        var near = ranked.Where(x => x.use > NearLimit).ToList();
        Severity severity;
        When when; string title;
        if (atLimit.Count > 0)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"{Who(worst.p)} is at its open-file limit: {N(worst.p.OpenFds)} of {N(worst.p.SoftLimit!.Value)}; open(), socket() and accept() fail with EMFILE";
        }
        else if (near.Count > 0)
        {
            severity = app.Recent ? Severity.Critical : Severity.Warning; when = app.Recent ? When.Recent : When.Risk;
            title = $"{Who(worst.p)} uses {Pct(worst.use)} of its open-file limit ({N(worst.p.OpenFds)} of {N(worst.p.SoftLimit!.Value)})" +
                (app.Any ? $"; the application reported EMFILE {N(app.Count)} times" : "");
        }
        else if (errors.Count > 0)
        {
            // The sampled processes are fine; the one that failed may be another, or it has closed files since.
            return FromErrors(c, errors, app, evidence);
        }
        else
        {
            return Ok(d, $"highest: {worst.p.Command} {N(worst.p.OpenFds)} of {N(worst.p.SoftLimit!.Value)}");
        }

        // A count someone pasted (ls /proc/PID/fd | wc -l beside a limit they read separately) is likely: the two may come
        // from different moments or, when no pid ties them, different processes; the live sample confirms.
        return Conclude(d, c, severity, when, FromPaste(c.Now) ? Confidence.Likely : Confidence.Confirmed, title, evidence, Explanation, Fixes(worst.p.OpenFds, worst.p.HardLimit, nrOpen),
            BaseCaveats);
    }

    /// <summary>The process by name and pid; a pasted count without a pid by its name alone.</summary>
    private static string Who(ProcessFiles p) => p.Pid > 0 ? $"{p.Command} (pid {p.Pid})" : p.Command;

    private static List<FixLine> Fixes(long? openFds, long? hardLimit, long? nrOpen)
    {
        long want = NiceUp(Math.Max(Mul(openFds ?? 0, 2), 1024));
        if (nrOpen is { } ceiling && ceiling > 0 && want > ceiling) want = ceiling;
        string limit = want.ToString(CultureInfo.InvariantCulture);
        string basis = openFds is { } o ? $"2 × {N(o)} open files, rounded up" : "at least 1024 and 2 × the process's peak open files (read `ls /proc/PID/fd | wc -l` at the peak)";
        var fix = new List<FixLine>
        {
            new("LimitNOFILE", limit, basis + (nrOpen is { } n2 ? $", at most fs.nr_open {N(n2)}" : "") + ". In the service's unit file, then `systemctl daemon-reload` and a restart.")
            { Command = $"[Service]\nLimitNOFILE={limit}" },
            new("nofile", limit, "For processes started from a login session (pam_limits), in /etc/security/limits.d/90-sockdoc.conf.")
            { Command = $"*  soft  nofile  {limit}\n*  hard  nofile  {limit}" },
        };
        if (hardLimit is { } hard && hard < want)
            fix.Add(Action($"The hard limit {N(hard)} is below {limit}", "Raising a hard limit needs CAP_SYS_RESOURCE (root, or the service manager); the process itself can only raise its soft limit up to the hard one."));
        return fix;
    }

    /// <summary>EMFILE from the application without a sampled process at its limit: likely, critical when recent.</summary>
    private CheckResult FromErrors(RuleContext c, IReadOnlyList<AppErrorReport> errors, AppState app, List<Evidence>? evidence = null)
    {
        var d = Descriptor;
        var (severity, when) = app.Timing;
        var calls = string.Join(", ", errors.Select(e => e.Call).Where(x => x != "unknown").Distinct().Select(x => x + "()"));
        string title = $"A process hit its open-file limit: EMFILE {N(app.Count)} times{(calls.Length > 0 ? " from " + calls : "")} ({app.LastText})" +
            (c.Now.Processes is { Count: > 0 } ? "; no sampled process is at its limit now" : "");
        var fix = Fixes(null, null, c.Now.Sysctls.Long(SysctlNames.NrOpen));
        var caveats = new List<string>(BaseCaveats);
        if (errors.Any(e => e.Call == "accept"))
            caveats.Add("accept() failing with EMFILE leaves the connection in the accept queue: expect ListenOverflows too (listen_overflow).");
        return Conclude(d, c, severity, when, Confidence.Likely, title, evidence ?? errors.Select(AppErrorEvidence).ToList(), Explanation, fix, caveats);
    }
}
