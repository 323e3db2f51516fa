using SockDoc.Cli.Commands;
using SockDoc.Kernel;
using SockDoc.Kernel.Census;
using SockDoc.Model;
using SockDoc.Model.Census;

namespace SockDoc.Cli.History;

/// <summary>
/// The collect options the live commands use. The kernel log comes from the doctor's live source
/// (Commands/LiveSources.cs); the census is the doctor's plus the owner scan (the dashboard and the
/// exporter show the top processes by sockets), which is affordable because LiveSource runs it in
/// the background, never in a refresh or a scrape. Only on the live host.
/// </summary>
public static class LiveCollect
{
    public static CollectOptions Options(ProcRoot root, bool census, bool processes, bool kernelLog = false, TimeProvider? time = null, long? pageSize = null)
    {
        var t = time ?? TimeProvider.System;
        return new CollectOptions
        {
            Processes = processes,
            SlabInfo = true,
            PageSize = pageSize,
            Census = census && root.IsLive ? Census(t) : null,
            KernelLog = kernelLog && root.IsLive ? LiveSources.KernelLog(t) : null,
        };
    }

    /// <summary>
    /// What watch and exporter leave out, in words: they never read the kernel log (it is read once per doctor run, and
    /// tailing it every refresh costs too much), so the checks that rest on its lines see only their counters.
    /// </summary>
    public static IReadOnlyList<string> LeftOut(bool census, bool kernelLog = false)
    {
        var list = new List<string>();
        if (!kernelLog) list.Add("kernel log (syn_flood, fd_system, orphans, tcp_mem, oom_kill, conntrack see only counters; run `sockdoc doctor` or `sockdoc logs`)");
        if (!census) list.Add("socket census (--no-census: no states, busiest destination, top processes)");
        return list;
    }

    /// <summary>--page-size for a copied /proc tree (4096, 16K, 64K); false with an error sentence when malformed.</summary>
    public static bool TryPageSize(string? text, out long? pageSize, out string error)
    {
        pageSize = null;
        error = "";
        if (text is null) return true;
        pageSize = CommonOptions.ParsePageSize(text);
        if (pageSize is null) error = $"--page-size \"{text}\" is not a power of two of at least 1024 (examples: 4096, 16K, 64K)";
        return pageSize is not null;
    }

    /// <summary>The live host, or the copied /proc tree given by --proc-root; an error sentence when it is not there.</summary>
    public static bool TryRoot(string? procRoot, out ProcRoot root, out string error)
    {
        root = ProcRoot.Live;
        error = "";
        if (procRoot is null) return true;
        if (!Directory.Exists(procRoot))
        {
            error = $"--proc-root: {procRoot}: no such directory";
            return false;
        }
        root = ProcRoot.FromUserPath(procRoot);
        return true;
    }

    private static Func<List<SourceProblem>, SocketCensus?> Census(TimeProvider time) => problems =>
    {
        var r = SocketCensusCollector.Collect(new CensusOptions { Owners = true, BlockedSenders = false, Time = time });
        if (!r.Ok)
        {
            problems.Add(new SourceProblem(SocketCensusCollector.Source, r.Reason ?? r.Status.ToString(), r.Status == ReadStatus.Denied));
            return null;
        }
        if (r.Value!.Partial) problems.Add(new SourceProblem(SocketCensusCollector.Source, "partial: " + r.Value.PartialReason));
        return r.Value;
    };
}
