using System.CommandLine;
using SockDoc.Cli.Views;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Lint;
using SockDoc.Kernel.Config;
using SockDoc.Model.Config;

namespace SockDoc.Cli.Commands;

/// <summary>
/// `sockdoc lint [--root DIR] [--json]`: sysctl.d, limits.conf and systemd LimitNOFILE= against the
/// running kernel. Exit 0 clean, 1 warnings, 2 errors, 3 could not run.
/// </summary>
public static class LintCommand
{
    public static Command Create(CliIo io)
    {
        var root = new Option<string?>("--root")
        {
            Description = "Lint a copied configuration tree (DIR/etc/sysctl.d ...); running-kernel comparisons use DIR/proc/sys when present.",
            HelpName = "DIR",
        };
        var json = CommonOptions.Json();
        var pageSize = CommonOptions.PageSize();
        var cmd = new Command("lint", "Check sysctl.d, limits.conf and systemd LimitNOFILE= settings against the running kernel, with file and line.")
        {
            root, json, pageSize,
        };
        cmd.SetAction(p => Run(p.GetValue(root), p.GetValue(json), p.GetValue(pageSize), io));
        return cmd;
    }

    public static int Run(string? rootDir, bool json, string? pageSizeText, CliIo io)
    {
        string root = "/";
        string? proc = "/proc";
        long? page = Environment.SystemPageSize;
        if (rootDir is not null)
        {
            if (!Directory.Exists(rootDir)) return io.Fail($"lint: --root {rootDir}: no such directory");
            root = Path.GetFullPath(rootDir);
            proc = Path.Combine(root, "proc");
            if (!Directory.Exists(Path.Combine(proc, "sys"))) proc = null;
            page = null;
        }
        if (pageSizeText is not null)
        {
            if (CommonOptions.ParsePageSize(pageSizeText) is not { } p) return io.Fail($"lint: --page-size \"{pageSizeText}\" is not a power of two of at least 1024");
            page = p;
        }
        else if (page is null && proc is not null)
        {
            // A copied tree's page size is not in /proc/sys; without --page-size, assume x86_64's and say so in the note.
            page = 4096;
        }

        var config = new HostConfig
        {
            Root = root,
            Sysctl = SysctlConfigReader.Read(root),
            Limits = LimitsConfigReader.Read(root),
            Systemd = SystemdLimitsReader.Read(root),
        };
        var keys = config.Sysctl.Assignments.Select(a => a.ProcPath).Append("fs/nr_open").Append("net/ipv4/tcp_syncookies");
        var running = proc is null
            ? new RunningKernel { Available = false, Reason = $"{Path.Combine(root, "proc/sys")} does not exist in the copied tree" }
            : RunningKernelReader.Read(proc, keys, page);
        var report = ConfigLint.Run(config, running);
        int code = report.Worst switch
        {
            Severity.Critical => (int)ExitCode.Critical,
            Severity.Warning => (int)ExitCode.Warning,
            _ => (int)ExitCode.Ok,
        };
        if (json) io.Out.WriteLine(LintView.Json(report, code));
        else io.Write(LintView.Render(report));
        return code;
    }
}
