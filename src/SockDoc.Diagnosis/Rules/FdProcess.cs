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
        [Inputs.ProcessFds, Inputs.ProcessLimits, Inputs.NrOpen, Inputs.AppErrors]);

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var procs = c.Now.Processes;
        if (procs is null || procs.Count == 0) return Unknown(d, "/proc/PID/fd and /proc/PID/limits");
        var ranked = procs
            .Where(p => p.SoftLimit is > 0)
            .Select(p => (p, use: (double)p.OpenFds / p.SoftLimit!.Value))
            .OrderByDescending(x => x.use)
            .ThenByDescending(x => x.p.OpenFds)
            .ToList();
        if (ranked.Count == 0) return Unknown(d, "limits of any process");
        var worst = ranked[0];
        var nrOpen = c.Now.Sysctls.Long(SysctlNames.NrOpen);

        var evidence = new List<Evidence>();
        foreach (var (p, use) in ranked.Take(5))
            evidence.Add(new($"{p.Command} (pid {p.Pid})", $"{N(p.OpenFds)} open of {N(p.SoftLimit!.Value)} ({Pct(use)})" + (p.Sockets is { } s ? $", {N(s)} sockets" : "") + (p.HardLimit is { } h ? $", hard {N(h)}" : ""), $"/proc/{p.Pid}/fd, /proc/{p.Pid}/limits"));
        if (nrOpen is { } nr) evidence.Add(new("fs.nr_open (ceiling for any hard limit)", N(nr), Sys(SysctlNames.NrOpen)));

        var atLimit = ranked.Where(x => x.use >= 1.0).ToList();
        var near = ranked.Where(x => x.use > NearLimit).ToList();
        Severity severity;
        When when; string title;
        if (atLimit.Count > 0)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"{worst.p.Command} (pid {worst.p.Pid}) is at its open-file limit: {N(worst.p.OpenFds)} of {N(worst.p.SoftLimit!.Value)}; open(), socket() and accept() fail with EMFILE";
        }
        else if (near.Count > 0)
        {
            severity = Severity.Warning; when = When.Risk;
            title = $"{worst.p.Command} (pid {worst.p.Pid}) uses {Pct(worst.use)} of its open-file limit ({N(worst.p.OpenFds)} of {N(worst.p.SoftLimit!.Value)})";
        }
        else
        {
            return Ok(d, $"highest: {worst.p.Command} {N(worst.p.OpenFds)} of {N(worst.p.SoftLimit!.Value)}");
        }

        long want = RoundUpNice(Math.Max(worst.p.OpenFds * 2, 1024));
        if (nrOpen is { } ceiling && want > ceiling) want = ceiling;
        string limit = want.ToString(CultureInfo.InvariantCulture);
        bool hardBlocks = worst.p.HardLimit is { } hard && hard < want;
        var fix = new List<FixLine>
        {
            new("LimitNOFILE", limit, $"2 × {N(worst.p.OpenFds)} open files, rounded up" + (nrOpen is { } n2 ? $", at most fs.nr_open {N(n2)}" : "") + ". In the service's unit file, then `systemctl daemon-reload` and a restart.")
            { Command = $"[Service]\nLimitNOFILE={limit}" },
            new("nofile", limit, "For processes started from a login session (pam_limits), in /etc/security/limits.d/90-sockdoc.conf.")
            { Command = $"*  soft  nofile  {limit}\n*  hard  nofile  {limit}" },
        };
        if (hardBlocks)
            fix.Add(Action($"The hard limit {N(worst.p.HardLimit!.Value)} is below {limit}", "Raising a hard limit needs CAP_SYS_RESOURCE (root, or the service manager); the process itself can only raise its soft limit up to the hard one."));
        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "Every socket, including each accepted connection, is one file descriptor. When a process holds as many as its soft " +
                "RLIMIT_NOFILE, socket(), accept() and open() fail with EMFILE (\"Too many open files\"). A server failing accept() this way " +
                "leaves connections in the accept queue, which then overflows too.",
            Fix = fix,
            Caveats =
            [
                "The limit is per process; fs.file-max (system-wide) is a separate check.",
                "Processes whose /proc/PID/fd could not be read (not root) are not counted.",
            ],
        }, title);
    }
}
