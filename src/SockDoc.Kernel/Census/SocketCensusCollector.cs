using System.Diagnostics;
using SockDoc.Kernel.Netlink.SockDiag;
using SockDoc.Kernel.Procfs;
using SockDoc.Model.Census;

namespace SockDoc.Kernel.Census;

/// <summary>What the census does; every part that costs time can be switched off.</summary>
public sealed record CensusOptions
{
    /// <summary>Where /proc/*/fd, /proc/*/task and /proc/sys are read (the netlink dump is always of the caller's netns).</summary>
    public ProcRoot ProcRoot { get; init; } = ProcRoot.Live;
    /// <summary>Scan /proc/*/fd for socket owners (pid, command).</summary>
    public bool Owners { get; init; } = true;
    /// <summary>Owners scanned once for several dumps (socket inodes are unique host-wide, so one scan serves every namespace).</summary>
    public SocketOwners? SharedOwners { get; init; }
    /// <summary>Sample threads blocked in sk_stream_wait_memory (root).</summary>
    public bool BlockedSenders { get; init; } = true;
    public int BlockedSamples { get; init; } = 3;
    public TimeSpan BlockedInterval { get; init; } = TimeSpan.FromMilliseconds(100);
    /// <summary>Ask for INET_DIAG_SKMEMINFO (skmem r, rb, t, tb, f, w …): memory totals, top by memory, full send buffers.</summary>
    public bool MemInfo { get; init; } = true;
    /// <summary>Ask for struct tcp_info (INET_DIAG_INFO): notsent bytes, snd_wnd, rwnd/sndbuf-limited time.</summary>
    public bool TcpInfo { get; init; } = true;
    /// <summary>Kernel state numbers to dump (tcp_states.h); null = all.</summary>
    public IReadOnlyCollection<int>? States { get; init; }
    /// <summary>Only sockets whose local or peer port is one of these (filtered as the dump streams in); null = every port.</summary>
    public IReadOnlyCollection<int>? Ports { get; init; }
    /// <summary>Length of each top-N list (bounded; listeners with a full queue are always listed).</summary>
    public int TopN { get; init; } = 20;
    /// <summary>net.ipv4.ip_local_port_range; null = read from ProcRoot's sys/net/ipv4/ip_local_port_range.</summary>
    public (int Low, int High)? LocalPortRange { get; init; }
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>
    /// Split the dump in two halves by a port filter and run them on two threads. null = only when there are
    /// 2+ CPUs and one is idle (1-minute load average below CPUs − 1): the halves cost two walks of the hash
    /// table, which only pays when a second CPU is free.
    /// </summary>
    public bool? ParallelDump { get; init; }
    /// <summary>When set, every netlink datagram is also written here ([u32 length][bytes]…) for fixtures.</summary>
    public Stream? Record { get; init; }
}

/// <summary>
/// Takes the socket census: owner scan, one sock_diag dump folded into aggregates while streaming, and blocked
/// sender samples joined to the dumped sockets. Failures stay local: a failed part is a note, not an exception.
/// </summary>
public static class SocketCensusCollector
{
    public const string Source = "netlink:sock_diag";
    /// <summary>Notes for parts the options switched off; the caller (which knows its own flags) says how to switch them on.</summary>
    public const string OwnersNotScanned = "owners: not scanned (no /proc/PID/fd scan)";
    public const string MemInfoNotRequested = "memory: INET_DIAG_SKMEMINFO not requested; memory totals and full send buffers are not known";

    public static ReadResult<SocketCensus> Collect(CensusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var notes = new List<string>();
        var takenAt = options.Time.GetUtcNow();
        bool root = Environment.IsPrivilegedProcess;
        var range = options.LocalPortRange ?? ReadPortRange(options.ProcRoot, notes);

        // The owner scan (readlink of every /proc/*/fd entry) and the dump (kernel fill work) are independent:
        // the scan runs on its own thread and is joined to the dumped sockets after both end.
        SocketOwners? owners = null;
        Thread? ownerThread = null;
        if (options.SharedOwners is not null)
        {
            owners = options.SharedOwners;
        }
        else if (options.Owners)
        {
            ownerThread = new Thread(() => owners = SocketOwners.Scan(options.ProcRoot, 4096), 256 * 1024) { IsBackground = true, Name = "owner scan" };
            ownerThread.Start();
        }
        else
        {
            notes.Add(OwnersNotScanned);
        }

        var sampleTimes = new List<DateTimeOffset>();
        var samples = new List<List<BlockedThread>>();
        string? blockedProblem = null;
        var blockedWatch = new Stopwatch();
        HashSet<uint>? interest = null;
        if (options.BlockedSenders && options.BlockedSamples > 0 && !root)
        {
            notes.Add("blocked senders: unknown without root (/proc/PID/task/TID/stack is root-only)");
        }
        else if (options.BlockedSenders && options.BlockedSamples > 0)
        {
            blockedWatch.Start();
            var first = BlockedSenderSampler.Sample(options.ProcRoot, out blockedProblem);
            blockedWatch.Stop();
            samples.Add(first);
            sampleTimes.Add(options.Time.GetUtcNow());
            interest = first.Where(t => t.Inode != 0).Select(t => t.Inode).ToHashSet();
        }

        var agg = new CensusAggregator(options.TopN, range, options.Ports, options.SharedOwners, interest, trackInodes: options.Owners && options.SharedOwners is null);
        uint states = InetDiag.CensusStates;
        if (options.States is { Count: > 0 } wanted)
        {
            states = 0;
            foreach (var st in wanted) if (st is > 0 and < 32) states |= 1u << st;
        }
        byte ext = 0;
        if (options.MemInfo) ext |= InetDiag.ExtSkMemInfo;
        else notes.Add(MemInfoNotRequested);
        if (options.TcpInfo) ext |= InetDiag.ExtInfo;
        var dumpWatch = Stopwatch.StartNew();
        DumpOutcome outcome;
        string? noSockDiag = SockDiagSwitchedOff();
        if (noSockDiag is not null)
        {
            outcome = default;
        }
        else if (options.Record is null && (options.ParallelDump ?? SecondCpuIdle(options.ProcRoot)))
        {
            // Two dumps of disjoint halves (InetDiag.SplitBytecode) on two threads: the kernel's per-socket fill
            // work, which dominates the census, runs on two CPUs. Each half has its own aggregator, merged after.
            var other = new CensusAggregator(options.TopN, range, options.Ports, options.SharedOwners, interest, trackInodes: options.Owners && options.SharedOwners is null);
            DumpOutcome second = default;
            var thread = new Thread(() =>
            {
                var sink2 = new AggregatorSink(other);
                second = SockDiagDump.DumpTcp(ref sink2, states, ext, null, InetDiag.SplitBytecode(1));
            }, 256 * 1024) { IsBackground = true, Name = "sock_diag half 1" };
            thread.Start();
            var sink = new AggregatorSink(agg);
            var first = SockDiagDump.DumpTcp(ref sink, states, ext, null, InetDiag.SplitBytecode(0));
            thread.Join();
            agg.Merge(other);
            outcome = first + second;
        }
        else
        {
            var sink = new AggregatorSink(agg);
            outcome = SockDiagDump.DumpTcp(ref sink, states, ext, options.Record);
        }
        // No sock_diag here (qemu-user, gVisor, inet_diag not loadable, a sandbox refusing AF_NETLINK): the same
        // aggregates from /proc/net/tcp and tcp6, with what those files do not carry marked unknown.
        if (noSockDiag is null && outcome.Sockets == 0 && !outcome.Complete && SockDiagDump.MeansNoSockDiag(outcome.Errno))
            noSockDiag = $"{outcome.Problem ?? "sock_diag"} [{Interop.Errno.Name(outcome.Errno)}]";
        if (noSockDiag is not null)
        {
            agg = new CensusAggregator(options.TopN, range, options.Ports, options.SharedOwners, interest, trackInodes: options.Owners && options.SharedOwners is null)
            {
                ListenerBacklogKnown = false,
            };
            var sink = new StateFilterSink(agg, states);
            // sock_diag answers for the calling thread's namespace; so does /proc/thread-self/net (not /proc/net).
            var net = options.ProcRoot.IsLive ? ProcRoot.ThreadNetns : options.ProcRoot;
            var v4 = ProcNetTcpReader.ReadFile(net.PathOf("net/tcp"), udp: false, ref sink);
            var v6 = ProcNetTcpReader.ReadFile(net.PathOf("net/tcp6"), udp: false, ref sink);
            // A kernel without IPv6 has no tcp6: that is no socket, not a gap.
            if (!v6.Complete && v6.Lines == 0 && !File.Exists(net.PathOf("net/tcp6"))) v6 = v6 with { Complete = true, Problem = null };
            var both = v4 + v6;
            outcome = new DumpOutcome(both.Complete, false, both.Sockets, 0, 0, both.Problem);
        }
        dumpWatch.Stop();
        if (ownerThread is not null)
        {
            ownerThread.Join();
            if (owners!.Problem is not null) notes.Add($"owners: {owners.Problem}");
            else if (!root) notes.Add("owners: not root; only processes of this user were scanned");
            agg.SetOwners(owners);
        }
        string source = noSockDiag is null ? Source : SocketCensus.SourceProcNetTcp;
        if (outcome.Sockets == 0 && !outcome.Complete && outcome.Problem is not null)
            return ReadResult<SocketCensus>.Fail(ReadStatus.Failed, source,
                noSockDiag is null ? outcome.Problem : $"sock_diag unavailable ({noSockDiag}); {outcome.Problem}");

        List<BlockedSender>? blocked = null;
        if (samples.Count > 0)
        {
            blockedWatch.Start();
            for (int i = 1; i < options.BlockedSamples; i++)
            {
                Thread.Sleep(options.BlockedInterval);
                samples.Add(BlockedSenderSampler.Sample(options.ProcRoot, out _));
                sampleTimes.Add(options.Time.GetUtcNow());
            }
            blockedWatch.Stop();
            if (blockedProblem is not null) notes.Add($"blocked senders: {blockedProblem}");
            // Unknown (null) only when no thread at all could be read; skipped foreign threads are a note.
            if (!(blockedProblem ?? "").StartsWith("no thread", StringComparison.Ordinal))
                blocked = JoinBlocked(samples, sampleTimes, agg, owners, options.ProcRoot);
        }
        else if (!options.BlockedSenders || options.BlockedSamples <= 0)
        {
            notes.Add("blocked senders: not sampled");
        }

        bool partial = !outcome.Complete || outcome.Interrupted;
        string? partialReason = outcome.Problem ?? (outcome.Interrupted ? "sock_diag dump interrupted (NLM_F_DUMP_INTR): the socket table changed during the dump" : null);
        if (agg.ListenersDropped > 0) notes.Add($"listeners: only the first {CensusAggregator.MaxListeners} were kept");
        var built = agg.Build(takenAt) with { Source = source, SockDiagUnavailable = noSockDiag };
        if (noSockDiag is not null)
        {
            // What only sock_diag gives stays unknown (null), never zero.
            built = built with { Memory = null, TopByMemory = null, SendBufferFull = null, SendBufferFullCount = null, SendBufferAtLimitCount = null };
            notes.Insert(0, built.SourceLine!);
            notes.Remove(MemInfoNotRequested);
        }
        var census = built with
        {
            Partial = partial,
            PartialReason = partialReason,
            OwnersComplete = owners is { Complete: true, Problem: null } && root,
            BlockedSenders = blocked,
            StateFilter = options.States is { Count: > 0 } ? options.States.Select(InetDiag.StateName).ToList() : null,
            PortFilter = options.Ports is { Count: > 0 } ports ? [.. ports.Order()] : null,
            Notes = notes,
            Timings = new CensusTimings(dumpWatch.Elapsed.TotalMilliseconds, owners?.Elapsed.TotalMilliseconds ?? 0,
                blockedWatch.Elapsed.TotalMilliseconds, outcome.Datagrams, outcome.Bytes, owners?.Fds ?? 0),
        };
        return ReadResult<SocketCensus>.Success(census, source, partial, partialReason);
    }

    /// <summary>The documented switch that forces the /proc/net/tcp census (tests, and hosts where sock_diag misbehaves).</summary>
    public const string NoSockDiagVariable = "SOCKDOC_NO_SOCK_DIAG";

    /// <summary>Non-null (the reason) when SOCKDOC_NO_SOCK_DIAG=1 asks for the /proc/net/tcp census.</summary>
    public static string? SockDiagSwitchedOff() =>
        Environment.GetEnvironmentVariable(NoSockDiagVariable) is "1" or "yes" or "true" ? $"{NoSockDiagVariable}=1" : null;

    public const string EmptyBySockstat = "no socket in this namespace (sockstat: used 0, TCP inuse 0, tw 0): not dumped";

    /// <summary>The census of a namespace known to hold no TCP socket, without a dump (note says how it is known).</summary>
    public static SocketCensus Empty(CensusOptions options, string note)
    {
        ArgumentNullException.ThrowIfNull(options);
        var notes = new List<string> { note };
        var range = options.LocalPortRange ?? ReadPortRange(options.ProcRoot, notes);
        var agg = new CensusAggregator(options.TopN, range, options.Ports, options.SharedOwners);
        return agg.Build(options.Time.GetUtcNow()) with
        {
            OwnersComplete = options.SharedOwners is { Complete: true, Problem: null } && Environment.IsPrivilegedProcess,
            StateFilter = options.States is { Count: > 0 } ? options.States.Select(InetDiag.StateName).ToList() : null,
            PortFilter = options.Ports is { Count: > 0 } ports ? [.. ports.Order()] : null,
            Notes = notes,
        };
    }

    private static bool SecondCpuIdle(ProcRoot root)
    {
        int cpus = Environment.ProcessorCount;
        if (cpus < 2) return false;
        var r = ProcFile.Read(root, "loadavg", text =>
        {
            var f = ProcText.Fields(text);
            return f.MoveNext() && double.TryParse(System.Text.Encoding.ASCII.GetString(f.Current), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out double l) ? l : double.NaN;
        });
        return r.Ok && r.Value < cpus - 1;
    }

    /// <summary>Aggregates a captured dump (fixture) with no owners and no sampling: the pure half of Collect.</summary>
    public static (SocketCensus Census, DumpOutcome Outcome) FromCapture(ReadOnlySpan<byte> capture, int topN, (int Low, int High)? localPortRange,
        DateTimeOffset takenAt, IReadOnlyCollection<int>? ports = null)
    {
        var agg = new CensusAggregator(topN, localPortRange, ports, owners: null);
        var sink = new AggregatorSink(agg);
        var outcome = SockDiagDump.Replay(capture, ref sink);
        var census = agg.Build(takenAt) with
        {
            Partial = !outcome.Complete || outcome.Interrupted,
            PartialReason = outcome.Problem,
        };
        return (census, outcome);
    }

    /// <summary>Reads ip_local_port_range ("32768\t60999") of the netns ProcRoot shows.</summary>
    public static (int Low, int High)? ReadPortRange(ProcRoot root, List<string>? notes = null)
    {
        var r = ProcFile.Read(root, "sys/net/ipv4/ip_local_port_range", ParsePortRange);
        if (r.Ok) return r.Value;
        notes?.Add($"ip_local_port_range: {r.Path}: {r.Reason}; destinations not counted");
        return null;
    }

    public static (int Low, int High)? ParsePortRange(ReadOnlySpan<byte> text)
    {
        var f = ProcText.Fields(text.TrimEnd((byte)'\n'));
        if (!f.MoveNext() || !ProcText.TryLong(f.Current, out long low)) throw new ProcParseException("expected two port numbers", 1);
        if (!f.MoveNext() || !ProcText.TryLong(f.Current, out long high)) throw new ProcParseException("expected two port numbers", 1);
        if (low is < 1 or > 65535 || high is < 1 or > 65535) throw new ProcParseException($"ports {low} {high} outside 1..65535", 1);
        return ((int)low, (int)high);
    }

    private static List<BlockedSender> JoinBlocked(List<List<BlockedThread>> samples, List<DateTimeOffset> times, CensusAggregator agg,
        SocketOwners? owners, ProcRoot root)
    {
        var result = new List<BlockedSender>();
        var seen = new Dictionary<(int Pid, int Tid, int Fd), (int First, int Last, int Count, BlockedThread T)>();
        for (int i = 0; i < samples.Count; i++)
        {
            foreach (var t in samples[i])
            {
                var key = (t.Pid, t.Tid, t.Fd);
                seen[key] = seen.TryGetValue(key, out var e) ? (e.First, i, e.Count + 1, t) : (i, i, 1, t);
            }
        }
        var cmdOwners = owners ?? SocketOwners.Empty(root, "");
        foreach (var (_, v) in seen.OrderBy(kv => kv.Key.Pid).ThenBy(kv => kv.Key.Tid))
        {
            var t = v.T;
            bool have = agg.TryGetByInode(t.Inode, out var b);
            double seconds = (times[v.Last] - times[v.First]).TotalSeconds;
            result.Add(new BlockedSender(t.Pid, t.Tid, cmdOwners.Command(t.Pid), t.Fd,
                have ? b.Local : null, have ? b.Peer : null, have ? b.WmemQueued : null, have ? b.SndBuf : null, Math.Round(seconds, 3),
                v.Count, samples.Count, have ? b.WQueue : null, have ? b.PeerWindowZero : null, SyscallName(t.Syscall)));
        }
        return result;
    }

    private static string SyscallName(int nr)
    {
        int i = Array.IndexOf(BlockedSenderSampler.SendSyscalls, nr);
        return i switch { 0 => "write", 1 => "writev", 2 => "sendto", 3 => "sendmsg", _ => nr.ToString(System.Globalization.CultureInfo.InvariantCulture) };
    }

    private struct AggregatorSink(CensusAggregator agg) : ISockDiagSink
    {
        public readonly void OnSocket(in InetDiagSocket socket) => agg.Add(in socket);
    }

    /// <summary>The state filter sock_diag applies in the kernel (idiag_states), applied here to /proc/net/tcp lines.</summary>
    private struct StateFilterSink(CensusAggregator agg, uint states) : ISockDiagSink
    {
        public readonly void OnSocket(in InetDiagSocket socket)
        {
            if (socket.State < 32 && (states & (1u << socket.State)) != 0) agg.Add(in socket);
        }
    }
}
