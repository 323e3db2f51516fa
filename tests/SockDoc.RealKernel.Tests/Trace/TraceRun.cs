using System.Diagnostics;
using System.Text.Json;
using SockDoc.Cli.Commands;

namespace SockDoc.RealKernel.Tests.Trace;

/// <summary>A `sockdoc trace` child process: started, awaited until attached, stopped with SIGINT (Ctrl-C) or killed.</summary>
public sealed class TraceRun : IDisposable
{
    private readonly Process _p;
    private readonly Task<string> _stdout;
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource _attached = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TraceRun(params string[] args)
    {
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        // SIGINT back to its default first: when the test run itself was started in the background (nohup, a CI
        // runner), SIGINT is ignored and that is inherited across exec, so the Ctrl-C this test sends would be lost.
        psi.ArgumentList.Add("--default-signal=INT");
        psi.ArgumentList.Add("dotnet");
        psi.ArgumentList.Add(Support.SockdocDll);
        psi.ArgumentList.Add("trace");
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        _p = Process.Start(psi)!;
        _stdout = _p.StandardOutput.ReadToEndAsync();
        _p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.Add(e.Data);
            if (e.Data.StartsWith(TraceCommand.AttachedMarker, StringComparison.Ordinal)) _attached.TrySetResult();
        };
        _p.BeginErrorReadLine();
    }

    public int Pid => _p.Id;

    public string Stderr
    {
        get
        {
            lock (_stderr) return string.Join("\n", _stderr);
        }
    }

    public void WaitAttached()
    {
        var done = Task.WhenAny(_attached.Task, _p.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60))).Result;
        Assert.True(_attached.Task.IsCompleted, $"trace did not attach: exit {(_p.HasExited ? _p.ExitCode : -1)}: {Stderr}");
    }

    /// <summary>Ctrl-C: the trace stops early, detaches and prints its final tables.</summary>
    public (int Exit, string Stdout) Interrupt()
    {
        if (!_p.HasExited) Support.Sh($"kill -INT {_p.Id}");
        return Finish();
    }

    public (int Exit, string Stdout) Finish()
    {
        if (!_p.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            _p.Kill(entireProcessTree: true);
            Assert.Fail("trace did not finish in 90 s: " + Stderr);
        }
        _p.WaitForExit();
        return (_p.ExitCode, _stdout.Result);
    }

    public static JsonElement Json(string stdout)
    {
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.Clone();
    }

    public void Kill() => _p.Kill();

    public void Dispose()
    {
        if (!_p.HasExited) _p.Kill(entireProcessTree: true);
        _p.Dispose();
    }
}

/// <summary>A sockdoc child in a namespace (`ip netns exec` execs dotnet, so its pid is the generator's pid).</summary>
public sealed class NetnsChild : IDisposable
{
    private readonly Process _p;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    public NetnsChild(string netns, params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "netns", "exec", netns, "dotnet", Support.SockdocDll }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        _p = Process.Start(psi)!;
        _stdout = _p.StandardOutput.ReadToEndAsync();
        _stderr = _p.StandardError.ReadToEndAsync();
    }

    public int Pid => _p.Id;

    public JsonElement WaitJson()
    {
        Assert.True(_p.WaitForExit(TimeSpan.FromSeconds(90)), "child did not finish");
        _p.WaitForExit();
        var o = _stdout.Result;
        Assert.False(string.IsNullOrWhiteSpace(o), "child printed nothing: " + _stderr.Result);
        return TraceRun.Json(o);
    }

    public void Dispose()
    {
        if (!_p.HasExited) _p.Kill(entireProcessTree: true);
        _p.Dispose();
    }
}
