using System.Globalization;

namespace SockDoc.Load.Scenarios;

/// <summary>How a C1M run is laid out over worker processes, ports and source addresses.</summary>
public sealed record C1mPlan
{
    public required long Connections { get; init; }
    /// <summary>Connections per client worker; server workers get about the same through SO_REUSEPORT's hash.</summary>
    public required int PerWorker { get; init; }
    public required int ClientWorkers { get; init; }
    public required int ServerWorkers { get; init; }
    public required IReadOnlyList<Endpoint4> Listen { get; init; }
    /// <summary>Source address of client worker i (one address each, IP_BIND_ADDRESS_NO_PORT).</summary>
    public required IReadOnlyList<uint> Sources { get; init; }
    public double HeartbeatSeconds { get; init; }
    public int ConcurrencyPerWorker { get; init; } = 512;

    /// <summary>Fds a server worker may need: its share, headroom for the uneven hash, listeners and runtime files.</summary>
    public int ServerFdsNeeded => (int)Math.Ceiling(Connections / (double)ServerWorkers * 1.15) + Listen.Count + 200;
    public int ClientFdsNeeded => PerWorker + 200;

    /// <summary>
    /// Lays out N connections. Each process stays well under RLIMIT_NOFILE (here a hard 20,000): clients hold
    /// perWorker each, and there are as many server workers so each one's hash share keeps 15% headroom.
    /// Listening ports sit below the ephemeral range so connect() never competes with them (kernel-facts §5.2).
    /// </summary>
    public static C1mPlan Make(long connections, long nofileHard, int ports = 8, ushort basePort = 20000, uint baseSource = 0x7F010001, double heartbeat = 0, int perWorkerCap = 16000)
    {
        if (connections < 1) throw new LoadException("--connections must be at least 1");
        long budget = Math.Max(64, nofileHard - 300);
        int perWorker = (int)Math.Min(Math.Max(1, perWorkerCap), (long)(budget / 1.15) - ports);
        if (perWorker < Math.Min(16, perWorkerCap)) throw new LoadException($"RLIMIT_NOFILE hard limit {nofileHard} leaves no room for a worker");
        int clients = (int)Math.Ceiling(connections / (double)perWorker);
        int per = (int)Math.Ceiling(connections / (double)clients);
        int servers = clients;
        var listen = Enumerable.Range(0, ports).Select(i => new Endpoint4(0x7F000001, (ushort)(basePort + i))).ToList();
        var sources = Enumerable.Range(0, clients).Select(i => baseSource + (uint)i).ToList();
        return new C1mPlan
        {
            Connections = connections, PerWorker = per, ClientWorkers = clients, ServerWorkers = servers,
            Listen = listen, Sources = sources, HeartbeatSeconds = heartbeat,
        };
    }
}

public enum CheckStatus { Ok, Warn, Fail, Unknown }

/// <summary>One limit checked before a run: what it is, what the plan needs, and the fix if it falls short.</summary>
public sealed record LimitCheck(string Limit, CheckStatus Status, string Have, string Need, string? Fix);

public static class C1mChecks
{
    /// <summary>Bytes per idle connected socket with epoll when /proc/slabinfo cannot be read (kernel-facts §3.5, measured on 6.18).</summary>
    public const long DefaultKernelBytesPerSocket = 4100;
    /// <summary>Resident size we budget for one worker process (the .NET runtime, before any connection).</summary>
    public const long WorkerRssBudget = 40L * 1024 * 1024;

    /// <summary>Kernel slab per idle socket end from the object sizes on this host, or the measured default.</summary>
    public static long KernelBytesPerSocket(HostLimits h)
    {
        var s = h.SlabObjectSizes;
        if (!s.TryGetValue("TCP", out var tcp) || !s.TryGetValue("sock_inode_cache", out var inode)) return DefaultKernelBytesPerSocket;
        long sum = tcp + inode + s.GetValueOrDefault("filp", 192) + s.GetValueOrDefault("dentry", 192)
                   + s.GetValueOrDefault("eventpoll_epi", 128) + s.GetValueOrDefault("eventpoll_pwq", 64)
                   + s.GetValueOrDefault("lsm_file_cache", 0) + 8; // + fd table slot
        return sum;
    }

    public static IReadOnlyList<LimitCheck> Check(C1mPlan plan, HostLimits h)
    {
        var ic = CultureInfo.InvariantCulture;
        string N(long v) => v.ToString("N0", ic);
        var list = new List<LimitCheck>();
        long sockets = 2 * plan.Connections; // both ends live on this machine
        int worstWorker = Math.Max(plan.ServerFdsNeeded, plan.ClientFdsNeeded);

        // RLIMIT_NOFILE: alloc_fd() fails with EMFILE at the soft limit; workers raise soft to hard themselves.
        list.Add(h.NofileHard is { } hard
            ? new LimitCheck("RLIMIT_NOFILE (hard, per process)", hard >= worstWorker ? CheckStatus.Ok : CheckStatus.Fail,
                N(hard), $"{N(worstWorker)} per worker",
                hard >= worstWorker ? null : "raise the hard limit (ulimit -Hn, LimitNOFILE= in systemd; needs CAP_SYS_RESOURCE) or use more workers")
            : new LimitCheck("RLIMIT_NOFILE (hard, per process)", CheckStatus.Unknown, "?", N(worstWorker), null));

        // fs.nr_open caps any RLIMIT_NOFILE (kernel/sys.c do_prlimit).
        if (h.NrOpen is { } nrOpen)
            list.Add(new LimitCheck("fs.nr_open", nrOpen >= worstWorker ? CheckStatus.Ok : CheckStatus.Fail, N(nrOpen), N(worstWorker),
                nrOpen >= worstWorker ? null : $"sysctl -w fs.nr_open={worstWorker * 2}"));

        // fs.file-max: alloc_empty_file() returns ENFILE past it, unless the caller has CAP_SYS_ADMIN.
        if (h.FileMax is { } fileMax)
        {
            long need = sockets + (h.FilesAllocated ?? 0) + 1000;
            list.Add(new LimitCheck("fs.file-max", fileMax >= need ? CheckStatus.Ok : CheckStatus.Fail, N(fileMax),
                $"{N(need)} ({N(sockets)} sockets + {N(h.FilesAllocated ?? 0)} open now)",
                fileMax >= need ? null : $"sysctl -w fs.file-max={need * 2} (root with CAP_SYS_ADMIN is exempt, kernel-facts §8)"));
        }

        // Ephemeral ports: each client worker has its own source address and spreads over every listening port; the
        // kernel picks a port per (saddr, daddr, dport) (__inet_hash_connect). Keep each tuple under half the range
        // so the port search stays short.
        if (h.PortLow is { } lo && h.PortHigh is { } hi)
        {
            long range = hi - lo + 1;
            long perTuple = (long)Math.Ceiling(plan.PerWorker / (double)plan.Listen.Count);
            long capacity = range * plan.Sources.Count * plan.Listen.Count;
            bool ok = perTuple <= range / 2;
            list.Add(new LimitCheck("ephemeral ports (ip_local_port_range × sources × destination ports)", ok ? CheckStatus.Ok : CheckStatus.Fail,
                $"{N(range)} × {N(plan.Sources.Count)} × {N(plan.Listen.Count)} = {N(capacity)}",
                $"{N(perTuple)} per (source, destination port), at most half the range",
                ok ? null : $"widen net.ipv4.ip_local_port_range (now {lo} {hi}) or use more listening ports (--ports)"));
            var clash = plan.Listen.FirstOrDefault(e => e.Port >= lo && e.Port <= hi);
            if (clash != default)
                list.Add(new LimitCheck("listening ports outside the ephemeral range", CheckStatus.Fail, clash.ToString(), $"ports outside {lo}-{hi}",
                    "choose --base-port below the ephemeral range: a bind()-owned port is skipped by every connect() (kernel-facts §5.2)"));
        }

        // epoll: every registered fd is an epitem; epoll_ctl fails with ENOSPC past max_user_watches (fs/eventpoll.c).
        if (h.MaxUserWatches is { } watches)
            list.Add(new LimitCheck("fs.epoll.max_user_watches", watches >= sockets ? CheckStatus.Ok : CheckStatus.Fail, N(watches), N(sockets),
                watches >= sockets ? null : $"sysctl -w fs.epoll.max_user_watches={sockets * 2}"));

        // Memory: the kernel floor per socket (slab, §3.5) for both ends plus the workers' own resident size.
        long perSocket = KernelBytesPerSocket(h);
        long workers = plan.ClientWorkers + plan.ServerWorkers;
        long memNeed = sockets * perSocket + workers * WorkerRssBudget;
        if (h.MemAvailableBytes is { } avail)
        {
            bool ok = avail >= memNeed * 11 / 10;
            long fits = Math.Max(0, (avail * 10 / 11 - workers * WorkerRssBudget) / (2 * perSocket));
            list.Add(new LimitCheck("MemAvailable vs kernel floor", ok ? CheckStatus.Ok : CheckStatus.Fail, $"{N(avail / (1024 * 1024))} MiB",
                $"{N(memNeed / (1024 * 1024))} MiB ({N(sockets)} sockets × {N(perSocket)} B + {N(workers)} workers × {N(WorkerRssBudget / (1024 * 1024))} MiB) + 10%",
                ok ? null : $"free memory or lower --connections to about {N(fits)}"));
        }

        // tcp_mem counts buffer pages only; idle connections charge none (kernel-facts §2.1), heartbeats at most a page each end.
        if (h.TcpMemPages is { Length: 3 } tcpMem)
        {
            long planned = plan.HeartbeatSeconds > 0 ? sockets : 0;
            long inUse = h.TcpMemPagesInUse ?? 0;
            var st = inUse + planned <= tcpMem[0] ? CheckStatus.Ok : inUse + planned <= tcpMem[2] ? CheckStatus.Warn : CheckStatus.Fail;
            list.Add(new LimitCheck("net.ipv4.tcp_mem (pages)", st, $"{tcpMem[0]} {tcpMem[1]} {tcpMem[2]} (in use {N(inUse)})",
                $"{N(planned)} pages of buffers (idle sockets hold none)",
                st == CheckStatus.Ok ? null : "raise net.ipv4.tcp_mem or send heartbeats less often"));
        }

        // conntrack tracks loopback too once its hooks are active in the namespace; a full table drops new flows.
        if (h.ConntrackMax is { } ctMax && h.ConntrackCount is { } ctCount && ctCount > 0 && ctMax < plan.Connections + ctCount)
            list.Add(new LimitCheck("net.netfilter.nf_conntrack_max", CheckStatus.Fail, $"{N(ctMax)} (in use {N(ctCount)})", N(plan.Connections + ctCount),
                $"sysctl -w net.netfilter.nf_conntrack_max={(plan.Connections + ctCount) * 2}, or add a NOTRACK rule for lo"));
        return list;
    }
}
