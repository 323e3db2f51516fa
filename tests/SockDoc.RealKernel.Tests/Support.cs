using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SockDoc.RealKernel.Tests;

/// <summary>Real-kernel test support: root check, namespaces, running the built sockdoc, global settings snapshot.</summary>
public static partial class Support
{
    public static readonly string[] GlobalSettings =
    [
        "net.ipv4.tcp_mem", "net.ipv4.tcp_max_orphans", "net.ipv4.udp_mem", "fs.file-max", "fs.nr_open",
        "net.ipv4.tcp_max_tw_buckets", "net.ipv4.ip_local_port_range", "net.core.somaxconn", "net.ipv4.tcp_tw_reuse",
    ];

    public static void RequireRoot()
    {
        Assert.True(Environment.UserName == "root" || geteuid() == 0,
            "real-kernel tests need root (they change sysctls and network namespaces); CI runs them as root");
    }

    public static Dictionary<string, string> ReadGlobals() =>
        GlobalSettings.ToDictionary(n => n, n => SockDoc.Kernel.Sysctl.RestoreJournal.Read(n));

    /// <summary>The sockdoc.dll built next to the tests.</summary>
    public static string SockdocDll => Path.Combine(AppContext.BaseDirectory, "sockdoc.dll");

    public sealed record Run(int Exit, string Stdout, string Stderr);

    public static Run Sockdoc(string? netns, params string[] args)
    {
        var psi = new ProcessStartInfo(netns is null ? "dotnet" : "ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (netns is not null)
        {
            foreach (var a in new[] { "netns", "exec", netns, "dotnet" }) psi.ArgumentList.Add(a);
        }
        psi.ArgumentList.Add(SockdocDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("sockdoc did not finish in 60 s");
        }
        return new Run(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Findings of `doctor --json` as (id → severity).</summary>
    public static Dictionary<string, string> Findings(Run run)
    {
        Assert.True(run.Exit is >= 0 and <= 2, $"doctor exit {run.Exit}: {run.Stderr}");
        using var doc = JsonDocument.Parse(run.Stdout);
        var result = new Dictionary<string, string>();
        foreach (var f in doc.RootElement.GetProperty("report").GetProperty("findings").EnumerateArray())
            result[f.GetProperty("id").GetString()!] = f.GetProperty("severity").GetString()!;
        return result;
    }

    public static void AssertAtLeastWarning(Dictionary<string, string> findings, string id, Run run)
    {
        Assert.True(findings.TryGetValue(id, out var severity), $"doctor did not report {id}; findings: {string.Join(", ", findings.Select(kv => kv.Key + "=" + kv.Value))}\n{run.Stdout}");
        Assert.Contains(severity, new[] { "warning", "critical" });
    }

    public static string Sh(string command)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEnd();
        var e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{command}: exit {p.ExitCode}: {e}");
        return o;
    }

    /// <summary>
    /// Polls condition every 10 ms until it holds or timeout passes; true when it held. Tests wait for the state they
    /// need, never a fixed time: a loaded machine makes fixed sleeps too short, an idle one makes them waste.
    /// </summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.Elapsed > timeout) return false;
            Thread.Sleep(10);
        }
        return true;
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();
}

/// <summary>
/// A network namespace made for one test (sdk-KIND-xxxxxxxx), removed on dispose: the load harness's NetNamespace,
/// so tests and product share one way of making namespaces and entering them.
/// </summary>
public sealed class TestNetns : IDisposable
{
    private readonly SockDoc.Load.Lab.NetNamespace _ns;

    public TestNetns(string kind = "rk")
    {
        _ns = SockDoc.Load.Lab.NetNamespace.CreateNamed($"sdk-{kind}-" + Guid.NewGuid().ToString("N")[..8]);
    }

    public string Name => _ns.Name;

    /// <summary>Writes a per-namespace sysctl from inside the namespace.</summary>
    public void Sysctl(string name, string value) => _ns.SetSysctl(name, value);

    /// <summary>Runs work on a thread inside the namespace: sockets it creates live there.</summary>
    public T Inside<T>(Func<T> work) => _ns.Inside(work);

    public string Ss(string args) => Support.Sh($"ip netns exec {Name} ss {args}");

    public void Dispose() => _ns.Dispose();
}
