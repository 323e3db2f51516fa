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

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var nr = c.Now.Sysctls.Vector(SysctlNames.FileNr, 3);
        var max = c.Now.Sysctls.Long(SysctlNames.FileMax);
        if (nr is null) return Unknown(d, SysctlNames.FileNr);
        long allocated = nr[0];
        long limit = max ?? nr[2];
        bool logged = HasLog(c, d.Id);

        var evidence = new List<Evidence>
        {
            new("files allocated", N(allocated), Sys(SysctlNames.FileNr)),
            new("fs.file-max", N(limit), Sys(SysctlNames.FileMax)),
            new("use", limit > 0 ? Pct((double)allocated / limit) : "n/a", "computed"),
        };
        evidence.AddRange(LogEvidence(c, d.Id));

        Severity severity;
        When when; string title;
        if (limit > 0 && allocated >= limit)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"The system is out of file handles: {N(allocated)} of fs.file-max {N(limit)}; non-root opens fail with ENFILE";
        }
        else if (limit > 0 && allocated > NearLimit * limit)
        {
            severity = Severity.Warning; when = When.Risk;
            title = $"{Pct((double)allocated / limit)} of fs.file-max is in use ({N(allocated)} of {N(limit)})";
        }
        else if (logged)
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = "The kernel log reports that fs.file-max was reached";
        }
        else
        {
            return Ok(d, $"{N(allocated)} of {N(limit)}");
        }

        long proposed = RoundUpNice(Math.Max(allocated * 2, limit + 1));
        long memTotal = c.Now.MemInfo?.MemTotalBytes ?? 0;
        bool pastOnly = when == When.SinceBoot && limit > 0 && allocated < PastPeakOnly * limit;
        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation =
                "fs.file-max caps struct file objects for the whole machine (every socket is one). Past it, processes without " +
                "CAP_SYS_ADMIN get ENFILE (\"Too many open files in system\"); root is not limited. The kernel's default is about one file " +
                "per 10 KiB of RAM.",
            Fix = pastOnly
            ?
            [
                SizeOnThePeak(SysctlNames.FileMax, $"{N(allocated)} of {N(limit)} files", "fs.file-max ≥ 2 × the peak of fs.file-nr's first field; each file costs ~1 KiB of slab"),
            ]
            :
            [
                Sysctl(SysctlNames.FileMax, proposed.ToString(CultureInfo.InvariantCulture),
                    $"2 × {N(allocated)} allocated, rounded up; each open file costs ~1 KiB of slab (filp + dentry + inode share)" +
                    (memTotal > 0 ? $", {Bytes(proposed * 1024)} at most of {Bytes(memTotal)} RAM." : ".")),
            ],
            Caveats = ["fs.file-nr's first field is an approximate per-CPU counter read.", "Processes with CAP_SYS_ADMIN bypass fs.file-max."],
        }, title);
    }
}
