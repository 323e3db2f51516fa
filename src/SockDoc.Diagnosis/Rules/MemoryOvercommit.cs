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
        [Inputs.OvercommitMemory, Inputs.MemInfo, Inputs.OvercommitRatio, Inputs.OvercommitKbytes, Inputs.PanicOnOom, Inputs.KernelLog]);

    public CheckResult Evaluate(RuleContext c)
    {
        var d = Descriptor;
        var mode = c.Now.Sysctls.Long(SysctlNames.OvercommitMemory);
        var mi = c.Now.MemInfo;
        if (mode is null || mi?.CommittedAsBytes is null || mi.CommitLimitBytes is null || mi.MemTotalBytes is null)
            return Unknown(d, mode is null ? SysctlNames.OvercommitMemory : "/proc/meminfo");
        long committed = mi.CommittedAsBytes.Value, limit = mi.CommitLimitBytes.Value, total = mi.MemTotalBytes.Value;
        long? available = mi.MemAvailableBytes;
        var socketBytes = SocketMemory.Bytes(c.Now);
        var panic = c.Now.Sysctls.Long(SysctlNames.PanicOnOom);

        var evidence = new List<Evidence>
        {
            new("vm.overcommit_memory", mode switch { 0 => "0 (heuristic)", 1 => "1 (always allow)", 2 => "2 (strict: CommitLimit enforced)", _ => mode.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Sys(SysctlNames.OvercommitMemory)),
            new("Committed_AS / CommitLimit", $"{Bytes(committed)} / {Bytes(limit)} ({Pct((double)committed / Math.Max(limit, 1))})", MemInfoSrc),
        };
        if (available is { } av) evidence.Add(new("MemAvailable", $"{Bytes(av)} of {Bytes(total)} ({Pct((double)av / total)})", MemInfoSrc));
        if (socketBytes is { } sb) evidence.Add(new("socket kernel memory (not in Committed_AS)", $"{Bytes(sb)} ({Pct((double)sb / total)} of RAM)", SockStatSrc + ", " + SlabSrc));
        if (panic is { } p) evidence.Add(new("vm.panic_on_oom", p == 0 ? "0 (kill a process)" : $"{p} (panic the machine)", Sys(SysctlNames.PanicOnOom)));
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
            severity = Severity.Warning; when = When.Risk;
            title = $"{Pct((double)committed / limit)} of the commit limit is used (strict overcommit)";
        }
        else if (lowAvail && socketHeavy)
        {
            severity = Severity.Warning; when = When.Risk;
            title = $"Memory is low ({Bytes(available!.Value)} available) and sockets hold {Bytes(socketBytes!.Value)} of unswappable kernel memory";
        }
        else if (HasLog(c, d.Id))
        {
            severity = Severity.Warning; when = When.SinceBoot;
            title = "The kernel log shows allocations refused for lack of commit memory";
        }
        else if (panic is > 0 && lowAvail)
        {
            severity = Severity.Warning; when = When.Risk;
            title = "Memory is low and vm.panic_on_oom is set: an OOM will panic the machine";
        }
        else
        {
            return Ok(d, $"mode {mode}, committed {Pct((double)committed / Math.Max(limit, 1))} of CommitLimit");
        }

        var fix = new List<FixLine>();
        if (socketHeavy)
            fix.Add(Action("Cap socket buffers (see tcp_mem) rather than process memory", "Socket memory is kernel memory: overcommit settings do not see it."));
        if (mode == 2)
            fix.Add(Sysctl(SysctlNames.OvercommitRatio, "80", "In mode 2 CommitLimit = RAM × ratio/100 + swap; the default 50 leaves half the RAM unusable for commits."));
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
            Explanation =
                "With vm.overcommit_memory=2 the kernel refuses allocations once Committed_AS reaches CommitLimit; in modes 0 and 1 it " +
                "allows them and relies on the OOM killer. Socket buffers and socket structures are unswappable kernel memory outside " +
                "Committed_AS, so they can exhaust RAM while the commit accounting looks healthy.",
            Fix = fix,
            Caveats = ["CommitLimit is shown in every mode but enforced only in mode 2."],
        }, title);
    }
}
