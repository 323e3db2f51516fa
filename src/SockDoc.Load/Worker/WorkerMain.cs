using System.Text;
using SockDoc.Kernel.Interop;
using SockDoc.Load.Client;
using SockDoc.Load.Server;

namespace SockDoc.Load.Worker;

/// <summary>
/// The body of one worker process (`sockdoc load worker ...`). Protocol on stdout, one line each:
/// "ready", then "stats ..." about four times a second, a final "stats ..." with histograms, then "done".
/// On stdin the parent writes "go" (clients start connecting) and "stop"; EOF on stdin also means stop.
/// </summary>
public static class WorkerMain
{
    public static int Run(WorkerArgs args)
    {
        // A killed parent must not leave workers holding thousands of sockets: the kernel sends SIGKILL when the
        // parent thread that forked us exits (kernel/exit.c forget_original_parent → pdeath_signal).
        _ = Libc.prctl(Libc.PR_SET_PDEATHSIG, Libc.SIGKILL, 0, 0, 0);
        if (args.ParentPid != 0 && Libc.getppid() != args.ParentPid) return 3;
        RaiseNofile();

        var control = new RunControl(TimeSpan.FromSeconds(args.DurationSeconds));
        // Not disposed: the stdin thread may still set it while the process exits.
        var go = new ManualResetEventSlim(args.Role == "server");
        var reader = new Thread(() => ReadCommands(control, go)) { IsBackground = true, Name = "stdin" };
        var sink = new LineSink();
        try
        {
            if (args.Role == "server")
            {
                using var server = new LoadServer(new ServerOptions { Listen = args.Endpoints, ReusePort = true });
                WriteLine("ready");
                reader.Start();
                server.Run(control, sink);
                WriteLine(server.Stats.ToLine(withHistograms: true));
            }
            else
            {
                using var client = new LoadClient(args.ToClientOptions());
                WriteLine("ready");
                reader.Start();
                while (!go.Wait(100))
                {
                    if (control.ShouldStop) break;
                }
                if (!control.ShouldStop) client.Run(control, sink);
                WriteLine(client.Stats.ToLine(withHistograms: true));
            }
        }
        catch (LoadException e)
        {
            WriteLine("error " + e.Message.ReplaceLineEndings(" "));
            return 3;
        }
        WriteLine("done");
        return 0;
    }

    /// <summary>Soft RLIMIT_NOFILE up to the hard limit: the only raise an unprivileged process may make.</summary>
    public static ulong RaiseNofile()
    {
        if (Libc.getrlimit(Libc.RLIMIT_NOFILE, out var lim) != 0) return 0;
        if (lim.Current < lim.Max)
        {
            var raised = new RLimit { Current = lim.Max, Max = lim.Max };
            if (Libc.setrlimit(Libc.RLIMIT_NOFILE, in raised) == 0) return lim.Max;
        }
        return lim.Current;
    }

    private static void ReadCommands(RunControl control, ManualResetEventSlim go)
    {
        Span<byte> buf = stackalloc byte[256];
        var line = new StringBuilder();
        while (true)
        {
            nint n;
            unsafe
            {
                fixed (byte* p = buf) n = Libc.read(0, p, (nuint)buf.Length);
            }
            if (n < 0 && Errno.Last == Errno.EINTR) continue;
            if (n <= 0) { control.RequestStop(); go.Set(); return; }
            foreach (var b in buf[..(int)n])
            {
                if (b != (byte)'\n') { line.Append((char)b); continue; }
                var cmd = line.ToString().Trim();
                line.Clear();
                if (cmd == "go") go.Set();
                else if (cmd == "stop") { control.RequestStop(); go.Set(); }
            }
        }
    }

    private static unsafe void WriteLine(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s + "\n");
        fixed (byte* p = bytes)
        {
            int off = 0;
            while (off < bytes.Length)
            {
                nint w = Libc.write(1, p + off, (nuint)(bytes.Length - off));
                if (w < 0)
                {
                    if (Errno.Last == Errno.EINTR) continue;
                    return; // parent gone; PDEATHSIG or --duration ends us
                }
                off += (int)w;
            }
        }
    }

    private sealed class LineSink : IProgressSink
    {
        public void Progress(LoadStats stats) => WriteLine(stats.ToLine(withHistograms: false));
    }
}
