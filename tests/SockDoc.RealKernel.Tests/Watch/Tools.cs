using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace SockDoc.RealKernel.Tests.Watch;

/// <summary>Starting the sockdoc binary and Debian's tools from the watch/record/report/exporter tests.</summary>
internal static class Tools
{
    /// <summary>The sockdoc apphost copied next to the tests (the Cli project is referenced).</summary>
    public static string Sockdoc
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "sockdoc");
            Assert.True(File.Exists(path), $"{path} missing: the Cli project's apphost should be copied to the test output");
            return path;
        }
    }

    /// <summary>The repository root (deploy/ lives there), from this file's compile-time path.</summary>
    public static string RepoRoot([CallerFilePath] string thisFile = "")
    {
        var dir = Path.GetDirectoryName(thisFile);
        while (dir is not null && !File.Exists(Path.Combine(dir, "SockDoc.slnx"))) dir = Path.GetDirectoryName(dir);
        Assert.NotNull(dir);
        return dir!;
    }

    /// <summary>Fails the test with a clear message when a Debian tool is missing (scripts/ensure-deps installs them).</summary>
    public static string Require(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var p = Path.Combine(dir, tool);
            if (File.Exists(p)) return p;
        }
        Assert.Fail($"{tool} is not installed: run scripts/ensure-deps as root");
        return "";
    }

    public static int FreeLoopbackPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>
    /// Reads an exporter's stderr until it says it serves (at most 60 s), then the rest in the background; returns all
    /// of it. Probing /metrics before that can land between listen() and the listener's first accept, a race in .NET's
    /// HttpListener (dotnet/corefx#35191) that makes the exporter exit.
    /// </summary>
    public static async Task<Task<string>> WaitServing(Process p)
    {
        var head = new System.Text.StringBuilder();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await p.StandardError.ReadLineAsync(cts.Token) is { } line)
            {
                head.AppendLine(line);
                if (line.Contains("serving http://", StringComparison.Ordinal)) break;
            }
        }
        catch (OperationCanceledException)
        {
        }
        return Task.Run(async () => head + await p.StandardError.ReadToEndAsync());
    }

    public static Process Start(string file, IEnumerable<string> args, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        // An "internal error" then carries its stack trace into the failure message (ExporterPrometheusTests failed once
        // on a fresh clone with "ArgumentNullException: Value cannot be null." before serving; not reproduced since).
        psi.Environment["SOCKDOC_DEBUG"] = "1";
        return Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
    }

    /// <summary>Runs to completion within the timeout; returns exit code, stdout, stderr.</summary>
    public static (int Code, string Out, string Err) Run(string file, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null)
    {
        using var p = Start(file, args, workingDirectory);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            Assert.Fail($"{Path.GetFileName(file)} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static void Stop(Process? p)
    {
        if (p is null) return;
        try
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }
        p.Dispose();
    }

    /// <summary>Polls until the condition holds or the time is up.</summary>
    public static async Task<bool> Until(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (await condition()) return true;
            await Task.Delay(200);
        }
        return false;
    }

    /// <summary>Sample lines of the /metrics text format: "name{labels}" → value.</summary>
    public static Dictionary<string, double> ParseMetrics(string text)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            if (space <= 0) continue;
            if (double.TryParse(line[(space + 1)..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v))
                result[line[..space]] = v;
        }
        return result;
    }
}
