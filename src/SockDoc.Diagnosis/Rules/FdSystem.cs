using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// System-wide open files against fs.file-max (kernel-facts §8). alloc_empty_file() (fs/file_table.c)
/// fails with ENFILE when nr_files >= file-max for callers without CAP_SYS_ADMIN, and logs
/// "VFS: file-max limit N reached" once per new high-water mark.
/// </summary>
public sealed class FdSystem : IRule
{
    public RuleDescriptor Descriptor { get; } = new(
        "fd_system",
        "Open files on the whole system against fs.file-max",
        "alloc_empty_file(): ENFILE when nr_files >= file-max (not for CAP_SYS_ADMIN)",
        [Inputs.FileNr, Inputs.FileMax, Inputs.KernelLog, Inputs.AppErrors]);

    /// <summary>Below this share of fs.file-max, a pasted fs.file-nr rules file-max out as the cause of an application's ENFILE.</summary>
    public const double FarBelow = 0.1;

    private const string Explanation =
        "fs.file-max caps struct file objects for the whole machine (every socket is one). Past it, processes without " +
        "CAP_SYS_ADMIN get ENFILE (\"Too many open files in system\"); root is not limited. The kernel's default is about one file " +
        "per 10 KiB of RAM; systemd sets it to LONG_MAX on many hosts, where it cannot be reached.";

    private static readonly string[] BaseCaveats =
    [
        "fs.file-nr's first field is an approximate per-CPU counter read.",
        "Processes with CAP_SYS_ADMIN bypass fs.file-max.",
        "\"VFS: file-max limit N reached\" is printed once per new high-water mark, not per failure.",
    ];

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var nr = c.Now.Sysctls.Vector(SysctlNames.FileNr, 3);
        var max = c.Now.Sysctls.Long(SysctlNames.FileMax);
        var log = Log(c, d.Id);
        // ENFILE comes from alloc_empty_file() only (and pipe/inotify user limits' look-alike texts, which the paste
        // reader keeps apart): the application's line alone makes this likely.
        var errors = AppErrors(c, "ENFILE");
        var app = AppTiming(c, errors);
        if (nr is null)
        {
            if (log.Any || errors.Count > 0) return FromLogOrErrors(c, log, errors, app, max);
            return Unknown(d, SysctlNames.FileNr);
        }
        long allocated = Math.Max(nr[0], 0);
        long limit = max ?? nr[2];
        bool unlimited = Unlimited(limit);

        var evidence = new List<Evidence>
        {
            Count("files allocated", allocated, N(allocated), Sys(SysctlNames.FileNr)),
            Count("fs.file-max", limit, N(limit) + (unlimited ? " (LONG_MAX or near: no limit in practice)" : ""), Sys(SysctlNames.FileMax)),
            limit > 0 ? Ratio("use", Share(allocated, limit), "computed") : new("use", "n/a", "computed"),
        };
        evidence.AddRange(LogEvidence(c, d.Id));
        evidence.AddRange(errors.Select(AppErrorEvidence));

        Severity severity;
        When when; string title;
        var confidence = Confidence.Confirmed;
        if (limit > 0 && allocated >= limit)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"The system is out of file handles: {N(allocated)} of fs.file-max {N(limit)}; non-root opens fail with ENFILE";
        }
        else if (!log.Any && errors.Count > 0 && limit > 0 && allocated < FarBelow * limit)
        {
            // The paste shows fs.file-nr far from fs.file-max beside the application's ENFILE: alloc_empty_file() did not
            // refuse. Runtimes report their own tables with the same errno: Erlang's {error, enfile} from gen_tcp:accept is its
            // port table full (ERL_MAX_PORTS / +Q) on older OTP releases, lwIP's errno 23 its LWIP_MAX_SOCKETS.
            return Ok(d, $"ENFILE from applications ({N(app.Count)}) while fs.file-nr shows {N(allocated)} of {N(limit)} ({Pct(Share(allocated, limit))}): " +
                         "not fs.file-max; a runtime's own table (Erlang's port limit ERL_MAX_PORTS / +Q, an embedded stack's socket table) gives ENFILE too");
        }
        else if (!unlimited && (log.Recent || app.Recent))
        {
            severity = Severity.Critical; when = When.Recent; confidence = Confidence.Likely;
            title = log.Recent
                ? $"The kernel logged that fs.file-max was reached: {LogWhen(c, log)}; {N(allocated)} of {N(limit)} now"
                : $"Applications failed with ENFILE {N(app.Count)} times: fs.file-max was reached; {N(allocated)} of {N(limit)} now";
        }
        else if (limit > 0 && allocated > NearLimit * limit)
        {
            severity = Severity.Warning; when = When.Risk;
            title = $"{Pct(Share(allocated, limit))} of fs.file-max is in use ({N(allocated)} of {N(limit)})";
        }
        else if (log.Any || errors.Count > 0)
        {
            severity = Severity.Warning; when = When.SinceBoot; confidence = Confidence.Likely;
            title = unlimited
                ? $"fs.file-max was reached earlier ({(log.Any ? "kernel log" : "ENFILE from applications")}); it is {N(limit)} now, so it has been raised since"
                : log.Any ? $"The kernel log reports that fs.file-max was reached: {LogWhen(c, log)}" : $"Applications failed with ENFILE {N(app.Count)} times";
        }
        else
        {
            return Ok(d, $"{N(allocated)} of {N(limit)}");
        }

        long memTotal = c.Now.MemInfo?.MemTotalBytes ?? 0;
        bool pastOnly = when is When.SinceBoot or When.Recent && limit > 0 && allocated < PastPeakOnly * limit;
        IReadOnlyList<FixLine> fix;
        if (unlimited)
            fix = [Action($"Keep fs.file-max ({N(limit)})", "It cannot be reached; if files ran out, it was lower then. Check what lowered or raised it (sysctl.d, systemd's fs.file-max at boot).")];
        else if (pastOnly)
            fix = [SizeOnThePeak(SysctlNames.FileMax, $"{N(allocated)} of {N(limit)} files", "fs.file-max ≥ 2 × the peak of fs.file-nr's first field; each file costs ~1 KiB of slab")];
        else
        {
            long proposed = NiceUp(Math.Max(Mul(allocated, 2), Add(limit, 1)));
            fix = [Sysctl(SysctlNames.FileMax, proposed.ToString(CultureInfo.InvariantCulture),
                $"2 × {N(allocated)} allocated, rounded up, above today's {N(limit)}; each open file costs ~1 KiB of slab (filp + dentry + inode share)" +
                (memTotal > 0 ? $", {Bytes(Mul(proposed, 1024))} at most of {Bytes(memTotal)} RAM." : "."))];
        }
        return Conclude(d, c, severity, when, confidence, title, evidence, Explanation, fix,
            BaseCaveats);
    }

    /// <summary>The kernel's "file-max limit reached" line or ENFILE without fs.file-nr: likely; critical when recent.</summary>
    private CheckResult FromLogOrErrors(RuleContext c, LogState log, IReadOnlyList<AppErrorReport> errors, AppState app, long? max)
    {
        var d = Descriptor;
        var (severity, when) = Timing(log, app);
        var evidence = LogEvidence(c, d.Id).Concat(errors.Select(AppErrorEvidence)).ToList();
        if (max is { } m) evidence.Insert(0, Count("fs.file-max", m, N(m), Sys(SysctlNames.FileMax)));
        string title = log.Any
            ? $"The kernel logged that fs.file-max was reached: {LogWhen(c, log)}"
            : $"Applications failed with ENFILE {N(app.Count)} times ({app.LastText}): fs.file-max was reached";
        return Conclude(d, c, severity, when, Confidence.Likely, title, evidence, Explanation,
            [SizeOnThePeak(SysctlNames.FileMax, "unknown (fs.file-nr was not given)", "fs.file-max ≥ 2 × the peak of fs.file-nr's first field; each file costs ~1 KiB of slab")],
            BaseCaveats);
    }
}
