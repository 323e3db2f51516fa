using SockDoc.Model;
using SockDoc.Model.Census;
using SockDoc.Model.KernelLog;

namespace SockDoc.Cli.Commands;

/// <summary>
/// The live-only sources the doctor adds to a snapshot: the netlink socket census and the kernel log.
/// Wired here so the collector stays free of them.
/// </summary>
public static class LiveSources
{
    public static SocketCensus? Census(List<SourceProblem> problems)
    {
        _ = problems;
        return null;
    }

    public static Func<List<SourceProblem>, KernelLogSummary?> KernelLog(TimeProvider time)
    {
        _ = time;
        return _ => null;
    }
}
