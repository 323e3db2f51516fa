using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SockDoc.Load;

/// <summary>An IPv4 address (host byte order) and port. The harness speaks IPv4 only.</summary>
public readonly record struct Endpoint4(uint Address, ushort Port)
{
    public bool IsLoopback => (Address >> 24) == 127;

    public override string ToString() => $"{FormatAddress(Address)}:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static string FormatAddress(uint a) =>
        string.Create(CultureInfo.InvariantCulture, $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}");

    public static bool TryParseAddress(string text, out uint address)
    {
        address = 0;
        if (!IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork) return false;
        Span<byte> b = stackalloc byte[4];
        ip.TryWriteBytes(b, out _);
        address = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(b);
        return true;
    }

    /// <summary>
    /// "HOST:PORT[,PORT...]" (HOST an IPv4 address; "localhost" means 127.0.0.1). Ports may be ranges: "8000-8003".
    /// Throws LoadException with one line naming what was expected.
    /// </summary>
    public static IReadOnlyList<Endpoint4> ParseList(string text, string optionName)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
            throw new LoadException($"{optionName} '{text}': expected HOST:PORT[,PORT...] such as 127.0.0.1:7000,7001");
        var host = text[..colon];
        if (host == "localhost") host = "127.0.0.1";
        if (!TryParseAddress(host, out var addr))
            throw new LoadException($"{optionName} '{text}': '{host}' is not an IPv4 address");
        var list = new List<Endpoint4>();
        foreach (var part in text[(colon + 1)..].Split(','))
        {
            int dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0)
            {
                var lo = ParsePort(part[..dash], text, optionName);
                var hi = ParsePort(part[(dash + 1)..], text, optionName);
                if (hi < lo || hi - lo > 4096) throw new LoadException($"{optionName} '{text}': port range '{part}' must be low-high with at most 4096 ports");
                for (int p = lo; p <= hi; p++) list.Add(new Endpoint4(addr, (ushort)p));
            }
            else
            {
                list.Add(new Endpoint4(addr, ParsePort(part, text, optionName)));
            }
        }
        return list;
    }

    private static ushort ParsePort(string s, string text, string optionName)
    {
        if (!ushort.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p == 0)
            throw new LoadException($"{optionName} '{text}': '{s}' is not a port (1-65535)");
        return p;
    }
}

/// <summary>Stop and go for one engine: a deadline plus a flag another thread (stdin reader, Ctrl-C) can set.</summary>
public sealed class RunControl
{
    private volatile bool _stop;

    public RunControl(TimeSpan duration) => Deadline = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);

    /// <summary>Stopwatch timestamp at which the engine stops by itself.</summary>
    public long Deadline { get; }

    public void RequestStop() => _stop = true;

    public bool ShouldStop => _stop || System.Diagnostics.Stopwatch.GetTimestamp() >= Deadline;
}

/// <summary>Receives progress from an engine's loop (about four times a second) and its final counts.</summary>
public interface IProgressSink
{
    void Progress(LoadStats stats);
}
