using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using static SockDoc.Diagnosis.Rules.RuleKit;

namespace SockDoc.Diagnosis.Rules;

/// <summary>
/// Overcommit and unswappable socket memory (kernel-facts §10.3). __vm_enough_memory() (mm/util.c)
/// enforces CommitLimit only in mode 2 (ENOMEM from mmap/brk/fork); socket memory is never in
/// Committed_AS, so a host can run out with every process inside its commit.
/// </summary>
public sealed class MemoryOvercommit : IRule
{
    public const double LowAvailable = 0.10;

    public RuleDescriptor Descriptor { get; } = new(
        "memory_overcommit",
        "Memory commit and unswappable socket memory",
        "__vm_enough_memory(): mode 2 refuses past CommitLimit; socket memory is outside Committed_AS",
        [Inputs.OvercommitMemory, Inputs.MemInfo, Inputs.OvercommitRatio, Inputs.OvercommitKbytes, Inputs.PanicOnOom, Inputs.KernelLog, Inputs.AppErrors]);

    /// <summary>vm.overcommit_memory with what the mode does.</summary>
    private static string ModeText(long mode) => mode switch
    {
        0 => "0 (heuristic)", 1 => "1 (always allow)", 2 => "2 (strict: CommitLimit enforced)",
        _ => mode.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The calls that start a child (copy_process()): they charge its private memory again, and take a PID.</summary>
    private static bool StartsChild(string call) => call is "fork" or "vfork" or "clone" or "clone3";

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var mode = c.Now.Sysctls.Long(SysctlNames.OvercommitMemory);
        var mi = c.Now.MemInfo;
        var log = Log(c, d.Id);
        // ENOMEM from the calls that charge commit (fork(), clone(), mmap(), brk()): __vm_enough_memory() refusing is the
        // usual cause, but memory really running out or a cgroup gives the same errno: possible.
        var refused = AppErrors(c, "ENOMEM", call => StartsChild(call) || call is "mmap" or "mmap2" or "brk");
        // fork() and clone() failed with ENOMEM when alloc_pid() found no free PID until Linux 4.18 (copy_process() set
        // -ENOMEM before it; fixed by 35f71bc0a09a, "fork: report pid reservation failure properly"): a paste that shows the
        // PID limit (kernel.pid_max, kernel.threads-max) fits PID exhaustion as well as commit, so it decides nothing alone.
        if (mode is null && mi?.CommittedAsBytes is null && !log.Any && refused.Count > 0 && refused.All(e => StartsChild(e.Call)) &&
            (c.Now.Sysctls.Raw(SysctlNames.PidMax) is not null || c.Now.Sysctls.Raw(SysctlNames.ThreadsMax) is not null))
            return Unknown(d, SysctlNames.OvercommitMemory, "/proc/meminfo");
        if (mode is null && mi?.CommittedAsBytes is null && !log.Any && refused.Count > 0)
        {
            var calls = string.Join(", ", refused.Select(e => e.Call + "()").Distinct());
            return Conclude(d, c, Severity.Warning, When.Recent, Confidence.Possible,
                $"{calls} failed with ENOMEM {N(refused.Sum(e => e.Count))} times: most often the kernel's overcommit accounting refusing the commit charge (__vm_enough_memory())",
                refused.Select(AppErrorEvidence).ToList(), Explanation,
                [Action("Read the commit charge and its limit: `grep -E 'Commit|MemTotal|SwapTotal' /proc/meminfo` and `sysctl vm.overcommit_memory vm.overcommit_ratio`",
                    "Mode 2 refuses past CommitLimit; mode 0 refuses one request larger than RAM + swap (a 4 GiB mmap on a smaller host). A big process's fork() charges its whole private memory again (Redis's background save).")],
                ["ENOMEM also comes when memory truly runs out or from a memory cgroup; the kernel's __vm_enough_memory line, when printed, settles it."]);
        }
        if (mode is null || mi?.CommittedAsBytes is null || mi.CommitLimitBytes is null || mi.MemTotalBytes is null || mi.MemTotalBytes <= 0)
        {
            // Strict overcommit, pasted or said, beside ENOMEM: in mode 2 __vm_enough_memory() charges every private
            // writable mapping, fork() and brk() against CommitLimit, so ENOMEM there is that refusal unless the meminfo
            // shows room. From the calls that charge commit it is likely; from a call not named, possible.
            var said = mode is null ? Stated(c, StatedConditions.StrictOvercommit) : [];
            var any = (mode == 2 || said.Count > 0) && !log.Any ? AppErrors(c, "ENOMEM", _ => true) : [];
            if (any.Count > 0)
            {
                var ev = any.Select(AppErrorEvidence).ToList();
                ev.Insert(0, mode == 2
                    ? CountEv("vm.overcommit_memory", ModeText(2), Sys(SysctlNames.OvercommitMemory), 2)
                    : new Evidence($"stated: {said[0].Condition}", $"line {said[0].Line}: \"{said[0].Sample}\"", StatedSrc));
                return Conclude(d, c, Severity.Warning, When.Recent, refused.Count > 0 ? Confidence.Likely : Confidence.Possible,
                    $"Allocations fail with ENOMEM {N(any.Sum(e => e.Count))} times under strict overcommit (vm.overcommit_memory = 2): the commit charge reached CommitLimit",
                    ev, Explanation,
                    [Action("Read the commit charge and its limit: `grep -E 'Commit|MemTotal|SwapTotal|Hugetlb' /proc/meminfo` and `sysctl vm.overcommit_ratio vm.overcommit_kbytes`",
                        "CommitLimit is swap + overcommit_ratio % of RAM (default 50 %): on a small host without swap it is half its RAM, less than the programs reserve. Raise overcommit_ratio or overcommit_kbytes, add swap, or return to mode 0.")],
                    ["ENOMEM also comes from a memory cgroup or memory truly running out; Committed_AS near CommitLimit in /proc/meminfo settles it."]);
            }
            if (log.Any)
                // __vm_enough_memory() refuses in mode 2 past CommitLimit and in mode 0 a single request larger than RAM + swap;
                // the line does not say which, the mode and /proc/meminfo do.
                return FromLog(d, c, $"The kernel refused allocations for lack of commit memory (__vm_enough_memory(): past CommitLimit with vm.overcommit_memory=2, or one request larger than RAM + swap with 0): {LogWhen(c, log)}",
                    Explanation, [Action("Read the commit charge and its limit: `grep -E 'Commit|MemTotal|SwapTotal|Hugetlb' /proc/meminfo` and `sysctl vm.overcommit_memory vm.overcommit_ratio vm.overcommit_kbytes`",
                        "A new limit is computed from the commit charge and both sysctls; without them any value is a guess.")]);
            return Unknown(d, mode is null ? SysctlNames.OvercommitMemory : "/proc/meminfo");
        }
        long committed = mi.CommittedAsBytes.Value, limit = mi.CommitLimitBytes.Value, total = mi.MemTotalBytes.Value;
        long? available = mi.MemAvailableBytes;
        var socketBytes = SocketMemory.Bytes(c.Now);
        var panic = c.Now.Sysctls.Long(SysctlNames.PanicOnOom);

        var evidence = new List<Evidence>
        {
            CountEv("vm.overcommit_memory", ModeText(mode.Value), Sys(SysctlNames.OvercommitMemory), mode),
            RatioEv("Committed_AS / CommitLimit", $"{Bytes(committed)} / {Bytes(limit)} ({Pct((double)committed / Math.Max(limit, 1))})", MemInfoSrc, (double)committed / Math.Max(limit, 1)),
        };
        if (available is { } av) evidence.Add(BytesEv("MemAvailable", $"{Bytes(av)} of {Bytes(total)} ({Pct((double)av / total)})", MemInfoSrc, av));
        if (socketBytes is { } sb) evidence.Add(BytesEv("socket kernel memory (not in Committed_AS)", $"{Bytes(sb)} ({Pct((double)sb / total)} of RAM)", SockStatSrc + ", " + SlabSrc, sb));
        if (panic is { } p) evidence.Add(CountEv("vm.panic_on_oom", p == 0 ? "0 (kill a process)" : $"{p} (panic the machine)", Sys(SysctlNames.PanicOnOom), p));
        evidence.AddRange(LogEvidence(c, d.Id));

        Severity severity;
        When when; string title;
        bool lowAvail = available is { } a && (double)a / total < LowAvailable;
        bool socketHeavy = socketBytes is { } s && (double)s / total > LowAvailable;
        if (mode == 2 && committed >= limit)
        {
            severity = Severity.Critical; when = When.Now;
            title = $"Commit limit reached: {Bytes(committed)} of {Bytes(limit)}; new allocations and fork() fail with ENOMEM";
        }
        else if (mode == 2 && committed > NearLimit * limit)
        {
            (severity, when) = WithLog(Severity.Warning, When.Risk, log);
            title = $"{Pct((double)committed / limit)} of the commit limit is used (strict overcommit)" + (log.Recent ? $"; the kernel refused allocations recently ({LogWhen(c, log)})" : "");
        }
        else if (lowAvail && socketHeavy)
        {
            (severity, when) = WithLog(Severity.Warning, When.Risk, log);
            title = $"Memory is low ({Bytes(available!.Value)} available) and sockets hold {Bytes(socketBytes!.Value)} of unswappable kernel memory";
        }
        else if (log.Any)
        {
            (severity, when) = LogTiming(log);
            title = $"The kernel refused allocations for lack of commit memory: {LogWhen(c, log)}";
        }
        else if (panic is > 0 && lowAvail)
        {
            (severity, when) = WithLog(Severity.Warning, When.Risk, log);
            title = "Memory is low and vm.panic_on_oom is set: an OOM will panic the machine";
        }
        else
        {
            return Ok(d, $"mode {mode}, committed {Pct((double)committed / Math.Max(limit, 1))} of CommitLimit");
        }

        var fix = new List<FixLine>();
        if (socketHeavy)
            fix.Add(Action("Cap socket buffers (see tcp_mem) rather than process memory", "Socket memory is kernel memory: overcommit settings do not see it."));
        if (mode == 2 && (committed > NearLimit * limit || log.Any))
            fix.Add(CommitFix(c, committed, limit, total));
        if (panic is > 0)
            fix.Add(Sysctl(SysctlNames.PanicOnOom, "0", "Let the OOM killer kill one process instead of panicking the host (unless a cluster manager relies on the panic)."));
        if (fix.Count == 0)
            fix.Add(Action("Find what holds memory: `sockdoc sockets --by process`, slabtop, `ps aux --sort=-rss`", "Low memory with small sockets is an application matter."));
        return Found(d, new Finding
        {
            Id = d.Id,
            Severity = severity,
            When = when,
            Title = title,
            Evidence = evidence,
            Explanation = Explanation,
            Fix = fix,
            Caveats = ["CommitLimit is shown in every mode but enforced only in mode 2."],
        }, title);
    }

    /// <summary>
    /// A commit limit that puts today's commit charge at 80 %, from vm_commit_limit(): (RAM − hugetlb) × ratio / 100 + swap,
    /// or overcommit_kbytes + swap when that is not 0 (it replaces the ratio). Never a lower limit than today's.
    /// </summary>
    private static FixLine CommitFix(RuleContext c, long committed, long limit, long total)
    {
        var mi = c.Now.MemInfo!;
        long swap = mi.SwapTotalBytes ?? 0;
        long hugetlb = mi.Bytes("Hugetlb") ?? (mi.Kb("HugePages_Total") is { } n && mi.Kb("Hugepagesize") is { } sz ? Mul(Mul(n, sz), 1024) : 0);
        long target = Math.Max(limit, DivCeil(Mul(committed, 5), 4)); // committed at 80 % of the new limit
        long kbytes = c.Now.Sysctls.Long(SysctlNames.OvercommitKbytes) ?? 0;
        if (kbytes > 0)
        {
            long newKb = Math.Max(kbytes, DivCeil(Math.Max(0, target - swap), 1024));
            return Sysctl(SysctlNames.OvercommitKbytes, newKb.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"vm.overcommit_kbytes is set ({N(kbytes)} kB), so it replaces the ratio in vm_commit_limit(): CommitLimit = kbytes + swap. " +
                $"Committed_AS {Bytes(committed)} at 80 % needs {Bytes(target)}; minus swap {Bytes(swap)} = {N(newKb)} kB (never below today's).");
        }
        long ratio = c.Now.Sysctls.Long(SysctlNames.OvercommitRatio) ?? 50;
        long usable = total - hugetlb;
        long newRatio = usable > 0 ? Math.Max(ratio, DivCeil(Mul(Math.Max(0, target - swap), 100), usable)) : ratio;
        if (newRatio > 100)
            return Action("Add RAM or swap, or find what commits so much (`ps aux --sort=-vsz`): the commit charge needs more than RAM + swap",
                $"Committed_AS {Bytes(committed)} at 80 % needs a limit of {Bytes(target)}: ratio {N(newRatio)} of {Bytes(usable)} RAM (without hugetlb) + {Bytes(swap)} swap. " +
                "A ratio above 100 promises memory the host does not have, which is what mode 2 exists to prevent.");
        return Sysctl(SysctlNames.OvercommitRatio, newRatio.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"In mode 2 CommitLimit = (RAM − hugetlb) × ratio/100 + swap = ({Bytes(usable)}) × ratio/100 + {Bytes(swap)}; Committed_AS {Bytes(committed)} at 80 % needs {Bytes(target)}, " +
            $"so ratio = {N(newRatio)} (today {N(ratio)}; never lower).");
    }

    private const string Explanation =
                "With vm.overcommit_memory=2 the kernel refuses allocations once Committed_AS reaches CommitLimit; in modes 0 and 1 it " +
                "allows them and relies on the OOM killer. Socket buffers and socket structures are unswappable kernel memory outside " +
                "Committed_AS, so they can exhaust RAM while the commit accounting looks healthy.";
}
