using System.Net;
using System.Net.Sockets;

namespace SockDoc.Load.Lab.Recipes;

/// <summary>Small loopback socket recipes shared by the scenarios and the real-kernel tests (each bounded in count).</summary>
public static class LabSockets
{
    public static Socket Listener(int port, int backlog, int? receiveBuffer = null)
    {
        var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer is { } rb) l.ReceiveBufferSize = rb;
        l.Bind(new IPEndPoint(IPAddress.Loopback, port));
        l.Listen(backlog);
        return l;
    }

    /// <summary>Writes without blocking until the kernel refuses more (send buffer and peer window full).</summary>
    public static long Fill(Socket s, int maxBytes)
    {
        s.Blocking = false;
        var chunk = new byte[64 * 1024];
        long sent = 0;
        while (sent < maxBytes)
        {
            try
            {
                int n = s.Send(chunk);
                if (n <= 0) break;
                sent += n;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.NoBufferSpaceAvailable)
            {
                break;
            }
        }
        return sent;
    }

    /// <summary>n short connections where the client closes first: each leaves a TIME_WAIT (or a tw overflow).</summary>
    public static int ShortConnections(int n, CancellationToken cancel)
    {
        using var listener = Listener(0, n);
        var ep = (IPEndPoint)listener.LocalEndPoint!;
        int made = 0;
        for (int i = 0; i < n && !cancel.IsCancellationRequested; i++)
        {
            using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            c.Connect(ep);
            using var a = listener.Accept();
            c.Close();
            Thread.Sleep(1);
            a.Close();
            made++;
        }
        Thread.Sleep(200);
        return made;
    }

    /// <summary>
    /// Up to max connects to a loopback listener on port, each closed by the client first so its port stays in
    /// TIME_WAIT; stops at the first connect error. Returns how many succeeded and that error (EADDRNOTAVAIL once
    /// ip_local_port_range is used up, kernel-facts §5.2).
    /// </summary>
    public static (int Made, SocketError? Error) ConnectUntilRefused(int port, int max)
    {
        using var listener = Listener(port, 64);
        int made = 0;
        for (int i = 0; i < max; i++)
        {
            using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                c.Connect(new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (SocketException e)
            {
                return (made, e.SocketErrorCode);
            }
            using var a = listener.Accept();
            c.Close(); // the client closes first: its port stays in TIME_WAIT for 60 s
            made++;
        }
        return (made, null);
    }

    /// <summary>
    /// n short connections to a loopback listener, one every <paramref name="gap"/>, each closed by the client first.
    /// Returns how many were made and their rate measured as a trace measures it: (made - 1) over the time between
    /// the first and the last connect() (so a trace's opened-per-active-second can be held against it).
    /// </summary>
    public static (int Made, double Rate) PacedShortConnections(int n, TimeSpan gap, CancellationToken cancel)
    {
        using var listener = Listener(0, n);
        var ep = (IPEndPoint)listener.LocalEndPoint!;
        int made = 0;
        long first = 0, last = 0;
        for (int i = 0; i < n && !cancel.IsCancellationRequested; i++)
        {
            using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            long t = System.Diagnostics.Stopwatch.GetTimestamp();
            c.Connect(ep);
            if (made == 0) first = t;
            last = t;
            using var a = listener.Accept();
            c.Close();
            Thread.Sleep(1);
            a.Close();
            made++;
            Thread.Sleep(gap);
        }
        Thread.Sleep(200);
        double seconds = (double)(last - first) / System.Diagnostics.Stopwatch.Frequency;
        return (made, made >= 2 && seconds > 0 ? (made - 1) / seconds : 0);
    }

    /// <summary>
    /// attempts connects to a loopback listener on port, each closed by the client first so its port stays in TIME_WAIT,
    /// going on after a failure: returns how many succeeded, how many failed with EADDRNOTAVAIL, and any other error.
    /// </summary>
    public static (int Made, int AddressNotAvailable, SocketError? Other) ConnectCounting(int port, int attempts)
    {
        using var listener = Listener(port, 64);
        int made = 0, notAvailable = 0;
        SocketError? other = null;
        for (int i = 0; i < attempts; i++)
        {
            using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                c.Connect(new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (SocketException e)
            {
                if (e.SocketErrorCode == SocketError.AddressNotAvailable) notAvailable++;
                else other = e.SocketErrorCode;
                continue;
            }
            using var a = listener.Accept();
            c.Close();
            made++;
        }
        return (made, notAvailable, other);
    }

    public static void Connect(Socket c, EndPoint ep)
    {
        c.Blocking = false;
        try
        {
            c.Connect(ep);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
        }
    }
}
