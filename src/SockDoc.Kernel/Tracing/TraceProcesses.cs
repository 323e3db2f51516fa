using System.Buffers.Binary;
using SockDoc.Kernel.Census;
using SockDoc.Kernel.Namespaces;
using SockDoc.Kernel.Netlink.SockDiag;
using SockDoc.Model.Trace;

namespace SockDoc.Kernel.Tracing;

/// <summary>Who a pid is (comm, cgroup) and which peer a socket inode talks to; the readers `trace` needs beside the rings.</summary>
public static class TraceProcesses
{
    /// <summary>/proc/PID/comm and the cgroup v2 path ("0::" line of /proc/PID/cgroup), else the name=systemd or memory hierarchy.</summary>
    public static TraceProcess Resolve(ProcRoot root, int pid)
    {
        ArgumentNullException.ThrowIfNull(root);
        var dir = root.PathOf(pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string comm;
        try
        {
            comm = File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            comm = "(exited)";
        }
        string cgroup = "?";
        try
        {
            string? v2 = null, systemd = null, memory = null;
            foreach (var line in CgroupNaming.Parse(string.Join('\n', File.ReadLines(Path.Combine(dir, "cgroup")).Take(64))))
            {
                if (line.IsV2) v2 = line.Path;
                else if (line.Controllers == "name=systemd") systemd = line.Path;
                else if (line.Controllers.Split(',').Contains("memory")) memory = line.Path;
            }
            cgroup = v2 is not null && v2 != "/" ? v2 : systemd ?? memory ?? v2 ?? "?";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return new TraceProcess(pid, comm, cgroup);
    }

    private struct InodeSink(HashSet<uint> wanted, Dictionary<uint, TraceEndpoint> found) : ISockDiagSink
    {
        public readonly void OnSocket(in InetDiagSocket s)
        {
            if (!wanted.Contains(s.Inode)) return;
            Span<byte> b = stackalloc byte[16];
            var d = s.Destination;
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<Addr16>(in d)).CopyTo(b);
            found[s.Inode] = s.Family == InetDiag.AF_INET
                ? TraceEndpoint.FromV4(b[..4], s.DestinationPort)
                : TraceEndpoint.FromV6(b, s.DestinationPort);
        }
    }

    private struct ListenerSink(HashSet<ushort> ports) : ISockDiagSink
    {
        public readonly void OnSocket(in InetDiagSocket s) => ports.Add(s.SourcePort);
    }

    /// <summary>
    /// Local ports with a TCP listener in this network namespace, from one sock_diag dump of TCP_LISTEN only (the
    /// kernel then walks only the listening hash, inet_diag_dump_icsk(): cheap on a host with a million connections).
    /// </summary>
    public static HashSet<ushort> ListeningPorts()
    {
        var ports = new HashSet<ushort>();
        var sink = new ListenerSink(ports);
        SockDiagDump.DumpTcp(ref sink, 1u << InetDiag.TCP_LISTEN, 0);
        return ports;
    }

    /// <summary>Peers of the given socket inodes, from one sock_diag dump of this network namespace.</summary>
    public static Dictionary<uint, TraceEndpoint> PeersOf(HashSet<uint> inodes)
    {
        var found = new Dictionary<uint, TraceEndpoint>();
        if (inodes.Count == 0) return found;
        var sink = new InodeSink(inodes, found);
        SockDiagDump.DumpTcp(ref sink, InetDiag.CensusStates, 0);
        return found;
    }
}

/// <summary>
/// Blocked senders by sampling (no tracepoint fires inside sk_stream_wait_memory(), and kprobes may be off):
/// each sample is BlockedSenderSampler's pass over /proc/*/task/*/syscall and stack; peers come from one sock_diag
/// dump for inodes not seen before.
/// </summary>
public sealed class BlockedSenderProbe(ProcRoot root)
{
    private readonly Dictionary<uint, TraceEndpoint> _peers = [];

    public string? Problem { get; private set; }

    public List<BlockedThreadSample> Sample()
    {
        var threads = BlockedSenderSampler.Sample(root, out var problem);
        Problem = problem;
        var missing = new HashSet<uint>();
        foreach (var t in threads)
            if (t.Inode != 0 && !_peers.ContainsKey(t.Inode)) missing.Add(t.Inode);
        if (missing.Count > 0)
        {
            if (_peers.Count > 65_536) _peers.Clear();
            foreach (var (k, v) in TraceProcesses.PeersOf(missing)) _peers[k] = v;
            foreach (var m in missing) _peers.TryAdd(m, default);
        }
        var result = new List<BlockedThreadSample>(threads.Count);
        foreach (var t in threads)
            result.Add(new BlockedThreadSample(t.Pid, t.Tid, t.Fd, t.Inode != 0 && _peers.TryGetValue(t.Inode, out var p) ? p : default));
        return result;
    }
}
