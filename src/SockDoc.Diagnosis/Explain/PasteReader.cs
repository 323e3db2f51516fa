using System.Globalization;
using SockDoc.Diagnosis.Explain.Recognisers;

namespace SockDoc.Diagnosis.Explain;

/// <summary>
/// One format of pasted evidence. A recogniser is made fresh for each paste, so it may remember what the paste
/// showed before (the command typed, the group header of `netstat -s`).
/// </summary>
public interface IPasteRecogniser
{
    /// <summary>A shell command typed in the paste (after a prompt): lets a recogniser expect its output.</summary>
    void Command(string command);

    /// <summary>Reads the format at <c>lines[i]</c>; returns the number of lines read, 0 when the line is not this format.</summary>
    int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into);
}

/// <summary>
/// Runs the recognisers over the cleaned lines: each line is offered to them in order and read by the first that
/// claims it. Lines in <c>kernelLines</c> were claimed by the kernel-log classifier at the Cli edge.
/// </summary>
public static class PasteReader
{
    /// <summary>Every recogniser, in the order lines are offered (bare values after a command before any table).</summary>
    public static IReadOnlyList<IPasteRecogniser> Create() =>
    [
        new KernelLogLines(),
        new FileNr(),
        new TimeWaitCount(),
        new SysctlLines(),
        new PageSize(),
        new Limits(),
        new OpenFdCount(),
        new NetstatStatistics(),
        new ProcNetNetstat(),
        new Nstat(),
        new NetdataAlerts(),
        new UwsgiListenQueue(),
        new PhpFpmStatus(),
        new RuntimeOomReports(),
        new Dropwatch(),
        new UdpFailQueueTracepoint(),
        new WriteDeadlines(),
        new BlockedWrites(),
        new SsSummary(),
        new SockStatLines(),
        new Memory(),
        new SsRows(),
        new ProcNetUdpRows(),
        new NetstatRows(),
        new BsdListenQueues(),
        new AppErrorLines(),
        new FlattenedBlocks(),
        // Last: only a line no format claimed is read as words.
        new Statements(),
    ];

    public static PasteEvidence Read(IReadOnlyList<PasteLine> lines, IReadOnlySet<int>? kernelLines = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var into = new PasteBuilder(kernelLines);
        var recognisers = Create();
        var statements = recognisers.OfType<Statements>().Single();
        for (int i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Command is { } cmd)
            {
                foreach (var r in recognisers) r.Command(cmd);
                into.Claim("command", line.Number, "shell commands");
                continue;
            }
            if (line.Text.Trim().Length == 0) continue;
            foreach (var r in recognisers)
            {
                int n = r.Read(lines, i, into);
                if (n <= 0) continue;
                // A sentence can carry an error and the writer's reading of it at once ("... quickly exhausting the
                // system's ephemeral ports. Once this happens, new connections fail with `Cannot assign requested
                // address`"): the words are read too.
                if (r is AppErrorLines) statements.Read(lines, i, into);
                i += n - 1;
                break;
            }
        }
        return into.Build(lines);
    }
}

/// <summary>Small parsing helpers the recognisers share.</summary>
public static class PasteParse
{
    public static long? Long(string v) => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : null;

    /// <summary>A limit value: "unlimited" is -1.</summary>
    public static long? Limit(string v) => v == "unlimited" ? -1 : Long(v);

    /// <summary>Whitespace runs become one space (sysctl prints tabs between tcp_mem's three values).</summary>
    public static string Normalise(string v) => string.Join(' ', v.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The command without `sudo` and a path to the binary, and without a trailing pipe into grep/head.</summary>
    public static string Bare(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var c = command.Trim();
        if (c.StartsWith("sudo ", StringComparison.Ordinal)) c = c[5..].TrimStart();
        return c;
    }
}
