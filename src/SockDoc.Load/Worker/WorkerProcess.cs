using System.Diagnostics;

namespace SockDoc.Load.Worker;

/// <summary>How to start this same program as a worker: the binary and the arguments that reach `load worker`.</summary>
public sealed record WorkerLauncher(string FileName, IReadOnlyList<string> PrefixArgs)
{
    /// <summary>
    /// Re-exec ourselves. Under `dotnet sockdoc.dll` (tests, `dotnet run`) the process path is the dotnet host,
    /// so the entry assembly goes first.
    /// </summary>
    public static WorkerLauncher ForCurrentProcess(string entryAssemblyPath)
    {
        var exe = Environment.ProcessPath ?? throw new LoadException("cannot find this program's path to start workers");
        var name = Path.GetFileNameWithoutExtension(exe);
        return name is "dotnet" or "testhost"
            ? new WorkerLauncher(name == "dotnet" ? exe : DotnetHost(), [entryAssemblyPath, "load", "worker"])
            : new WorkerLauncher(exe, ["load", "worker"]);
    }

    private static string DotnetHost()
    {
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (root is not null && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        var fromRuntime = Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "../../.."));
        var candidate = Path.Combine(fromRuntime, "dotnet");
        return File.Exists(candidate) ? candidate : "dotnet";
    }
}

/// <summary>
/// One worker process seen from the parent: its stdin for commands, its stdout lines parsed into the latest stats.
/// Started from the thread that stays alive for the whole run, because PR_SET_PDEATHSIG fires when the forking
/// thread (not the process) exits.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _p;
    private readonly object _gate = new();
    private readonly ManualResetEventSlim _ready = new();
    private readonly ManualResetEventSlim _done = new();
    private LoadStats _latest = new();
    private LoadStats? _final;
    private string? _error;
    private readonly List<string> _stderr = [];
    private Thread? _reader;

    public string Role { get; }
    public int Pid => _p.Id;
    public long RssAtReady { get; set; }
    /// <summary>Stopwatch timestamp of the first line saying every planned connect finished (0 = not yet).</summary>
    public long EstablishedAt { get; private set; }

    private WorkerProcess(Process p, string role)
    {
        _p = p;
        Role = role;
    }

    /// <summary>
    /// Environment that keeps a JIT worker (tests under `dotnet`) small: one heap, no concurrent GC thread, a small
    /// gen0 budget. The native binary ignores these; its GC settings are compiled in (SockDoc.Cli.csproj).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> LeanRuntime = new Dictionary<string, string>
    {
        ["DOTNET_gcServer"] = "0",
        ["DOTNET_gcConcurrent"] = "0",
        ["DOTNET_GCgen0size"] = "0x200000",
        ["DOTNET_GCHeapHardLimit"] = "0x10000000",
        ["DOTNET_TieredPGO"] = "0",
        ["DOTNET_TC_QuickJitForLoops"] = "1",
        ["DOTNET_ThreadPool_UsePortableThreadPool"] = "1",
        ["DOTNET_GCHeapAffinitizeMask"] = "1",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    public static WorkerProcess Start(WorkerLauncher launcher, WorkerArgs args)
    {
        var psi = new ProcessStartInfo(launcher.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in launcher.PrefixArgs) psi.ArgumentList.Add(a);
        foreach (var a in args.ToArgs()) psi.ArgumentList.Add(a);
        foreach (var kv in LeanRuntime) psi.Environment[kv.Key] = kv.Value;
        var p = new Process { StartInfo = psi };
        var w = new WorkerProcess(p, args.Role);
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (w._gate)
            {
                if (w._stderr.Count < 20) w._stderr.Add(e.Data);
            }
        };
        if (!p.Start()) throw new LoadException($"could not start worker {launcher.FileName}");
        // Progress lines (four a second from each of up to a hundred-odd workers) are read by a thread of their own
        // that sleeps in read(): the event-based reader hands every line from the socket engine's thread to a
        // thread-pool thread, whose spinning (sched_yield) took CPU from the workers being measured.
        w._reader = new Thread(() => w.ReadLines(p.StandardOutput), ReaderStackBytes) { IsBackground = true, Name = "worker stdout" };
        w._reader.Start();
        p.BeginErrorReadLine();
        return w;
    }

    private const int ReaderStackBytes = 256 * 1024;

    private void ReadLines(StreamReader output)
    {
        try
        {
            while (output.ReadLine() is { } line) OnLine(line);
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
            // Dispose closed the pipe under us: the worker is gone.
        }
        OnLine(null);
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _ready.Set();
            _done.Set();
            return;
        }
        if (line == "ready") { _ready.Set(); return; }
        if (line == "done") { _done.Set(); return; }
        if (line.StartsWith("error ", StringComparison.Ordinal))
        {
            lock (_gate) _error = line[6..];
            _ready.Set();
            return;
        }
        if (!line.StartsWith("stats", StringComparison.Ordinal)) return;
        LoadStats s;
        try
        {
            s = LoadStats.Parse(line);
        }
        catch (FormatException)
        {
            return;
        }
        lock (_gate)
        {
            if (s.EstablishSeconds > 0 && EstablishedAt == 0) EstablishedAt = Stopwatch.GetTimestamp();
            _latest = s;
            if (line.Contains(" clat=", StringComparison.Ordinal)) _final = s;
        }
    }

    public bool WaitReady(TimeSpan timeout) => _ready.Wait(timeout);
    public bool WaitDone(TimeSpan timeout) => _done.Wait(timeout);

    public LoadStats Latest { get { lock (_gate) return _latest; } }
    public LoadStats? Final { get { lock (_gate) return _final; } }
    public string? Error { get { lock (_gate) return _error ?? (_p.HasExited && _final is null ? FirstStderr() ?? $"exited with code {_p.ExitCode}" : null); } }
    public bool HasExited => _p.HasExited;

    private string? FirstStderr() => _stderr.Count > 0 ? string.Join(" | ", _stderr.Take(3)) : null;

    public void Send(string command)
    {
        try
        {
            _p.StandardInput.WriteLine(command);
            _p.StandardInput.Flush();
        }
        catch (IOException)
        {
            // worker already gone
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Kill()
    {
        try
        {
            if (!_p.HasExited) _p.Kill();
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        try { _p.WaitForExit(5000); } catch (InvalidOperationException) { }
        // The worker is gone, so its stdout reaches EOF and the reader ends; it touches the events until then.
        bool readerDone = _reader?.Join(5000) ?? true;
        _p.Dispose();
        if (!readerDone) return;
        _ready.Dispose();
        _done.Dispose();
    }
}
