using SockDoc.Load;
using SockDoc.Load.Client;
using SockDoc.Load.Lab;
using SockDoc.Load.Server;

namespace SockDoc.RealKernel.Tests.Load;

/// <summary>Runs a server and a client on two threads, optionally both inside a namespace the test made.</summary>
internal static class LoadHarness
{
    private static int _port = 21000 + Environment.ProcessId % 500 * 10;

    public static ushort FreshPort() => (ushort)Interlocked.Increment(ref _port);

    public static (LoadStats Client, LoadStats Server) Run(ClientOptions clientOptions, Endpoint4 listen, NetNamespace? ns, double seconds,
        Action<LoadClient>? whileHolding = null)
    {
        var serverControl = new RunControl(TimeSpan.FromSeconds(seconds + 20));
        using var ready = new ManualResetEventSlim();
        LoadServer? server = null;
        Exception? failure = null;
        var t = new Thread(() =>
        {
            try
            {
                ns?.EnterOnThisThread();
                server = new LoadServer(new ServerOptions { Listen = [listen], ReusePort = false });
                ready.Set();
                server.Run(serverControl, null);
            }
#pragma warning disable CA1031
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
                ready.Set();
            }
        }) { IsBackground = true };
        t.Start();
        ready.Wait();
        if (failure is not null) throw failure;
        var client = new LoadClient(clientOptions);
        var control = new RunControl(TimeSpan.FromSeconds(seconds));
        try
        {
            void Body()
            {
                client.Run(control, null);
                whileHolding?.Invoke(client);
                client.Dispose();
            }
            if (ns is null) Body();
            else ns.RunInside(Body);
        }
        finally
        {
            serverControl.RequestStop();
            t.Join();
            server?.Dispose();
        }
        return (client.Stats, server!.Stats);
    }

    /// <summary>Long-mode client that stops as soon as every connection is made (the control is stopped from the sink).</summary>
    internal sealed class StopWhenEstablished(RunControl control) : IProgressSink
    {
        public void Progress(LoadStats stats)
        {
            if (stats.EstablishSeconds > 0) control.RequestStop();
        }
    }
}
