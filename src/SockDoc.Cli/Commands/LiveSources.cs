using SockDoc.Kernel;
using SockDoc.Kernel.Census;
using SockDoc.Kernel.KernelLog;
using SockDoc.Model;
using SockDoc.Model.Census;
using SockDoc.Model.KernelLog;

namespace SockDoc.Cli.Commands;

/// <summary>
/// The live-only sources the doctor adds to a snapshot: the netlink socket census and the kernel log.
/// Wired here so the snapshot collector stays free of them. Both are bounded in time.
/// </summary>
public static class LiveSources
{
    /// <summary>Time the doctor gives the kernel log (/dev/kmsg holds at most the ring buffer).</summary>
    public static readonly TimeSpan KernelLogBudget = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The doctor's census: every TCP socket with its memory (skmem) and blocked senders (root), but no owner
    /// scan — a readlink per open fd costs seconds at 400,000 sockets; `sockdoc sockets --by process` has it —
    /// and no tcp_info, which triples the bytes the kernel sends and which no doctor rule needs.
    /// </summary>
    public static Func<List<SourceProblem>, SocketCensus?> Census(TimeProvider time) => problems =>
    {
        var r = SocketCensusCollector.Collect(new CensusOptions
        {
            Owners = false,
            TcpInfo = false,
            BlockedSenders = true,
            BlockedSamples = 2,
            BlockedInterval = TimeSpan.FromMilliseconds(50),
            Time = time,
        });
        if (!r.Ok)
        {
            problems.Add(new SourceProblem(SocketCensusCollector.Source, r.Reason ?? r.Status.ToString(), r.Status == ReadStatus.Denied));
            return null;
        }
        if (r.Value!.Partial) problems.Add(new SourceProblem(SocketCensusCollector.Source, "partial: " + r.Value.PartialReason));
        return r.Value;
    };

    /// <summary>
    /// The kernel log copied next to a /proc tree (sosreport: var/log/messages, kern.log, sos_commands/kernel/dmesg,
    /// dmesg): the one that was read is the summary's source; the others found are named in a note.
    /// </summary>
    public static Func<List<SourceProblem>, KernelLogSummary?> CopiedKernelLog(ProcRoot root, TimeProvider time) => problems =>
    {
        var (r, found) = KernelLogReader.ReadCopiedTree(root, time);
        if (!r.Ok)
        {
            problems.Add(new SourceProblem(r.Path, r.Reason ?? r.Status.ToString()));
            return null;
        }
        var read = r.Value!.Sources.Count > 0 ? r.Value.Sources.Select(s => s.Path).ToList() : [r.Path];
        var others = found.Where(f => !read.Contains(f)).ToList();
        if (others.Count > 0)
            problems.Add(new SourceProblem(string.Join(", ", others), $"also found, not read: the same kernel lines as {string.Join(", ", read)}"));
        if (r.Value.Partial) problems.Add(new SourceProblem(r.Path, "partial: " + r.Value.PartialReason));
        return r.Value;
    };

    public static Func<List<SourceProblem>, KernelLogSummary?> KernelLog(TimeProvider time) => problems =>
    {
        var r = KernelLogReader.ReadRunningKernel(ProcRoot.Live, time, KernelLogBudget);
        if (!r.Ok)
        {
            problems.Add(new SourceProblem(r.Path, r.Reason ?? r.Status.ToString(), r.Status == ReadStatus.Denied));
            return null;
        }
        if (r.Value!.Partial) problems.Add(new SourceProblem(r.Path, "partial: " + r.Value.PartialReason));
        return r.Value;
    };
}
