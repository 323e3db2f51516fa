using System.Globalization;
using SockDoc.Cli.Commands;
using SockDoc.Diagnosis.Engine;

namespace SockDoc.Cli.Output;

/// <summary>
/// `doctor --npd`: node-problem-detector's custom-plugin protocol (pkg/custompluginmonitor/types: exit 0 OK,
/// 1 NonOK, 2 Unknown; stdout is the condition's message, cut by NPD at max_output_length, 80 by default).
/// deploy/k8s/npd-sockdoc.json turns exit 1 into the node condition SocketResourcePressure.
/// Pressure is a limit hit during the interval, a kernel-log incident within --recent, or a gauge past 80 % of its
/// limit (findings Now, Recent and Risk at warning or above); trouble only since boot is history and leaves the
/// condition false, or a node would stay under pressure until its next reboot.
/// </summary>
public static class NpdOutput
{
    public const int Ok = 0;
    public const int Problem = 1;
    public const int Unknown = 2;
    public const int MaxLength = 80;

    public static (int Exit, string Message) For(Report report)
    {
        var pressing = report.Findings
            .Where(f => f.Severity >= Severity.Warning && f.When is When.Now or When.Recent or When.Risk)
            .OrderByDescending(f => f.Severity)
            .ToList();
        if (pressing.Count == 0) return (Ok, "no socket resource pressure");
        var ids = string.Join(", ", pressing.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Id} {f.Severity.ToString().ToLowerInvariant()}")));
        return (Problem, Cut(ids + " (sockdoc doctor)"));
    }

    /// <summary>Runs the doctor with its errors captured: an error becomes Unknown with the reason as the message.</summary>
    public static int Run(DoctorCommand.Args args, CliIo io)
    {
        var err = new StringWriter(CultureInfo.InvariantCulture);
        var quiet = new CliIo(TextWriter.Null, err, false, true) { Time = io.Time, In = io.In };
        (int Exit, string Message)? result = null;
        DoctorCommand.Run(args, quiet, report =>
        {
            result = For(report);
            return result.Value.Exit;
        });
        if (result is null)
        {
            var reason = err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "doctor could not run";
            result = (Unknown, Cut("unknown: " + reason.Replace("sockdoc: ", "", StringComparison.Ordinal).Trim()));
        }
        io.Out.WriteLine(result.Value.Message);
        return result.Value.Exit;
    }

    private static string Cut(string s) => s.Length <= MaxLength ? s : s[..(MaxLength - 1)] + "…";
}
