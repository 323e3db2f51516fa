using System.Globalization;
using static SockDoc.Diagnosis.Capacity.Units;

namespace SockDoc.Diagnosis.Capacity;

/// <summary>
/// The arithmetic of `sockdoc plan`. Pure: PlanInputs (the workload) and HostFacts (this host or the
/// kernel's defaults) in, a CapacityPlan out. Each number carries its origin; each constant is in
/// KernelConstants with its kernel function or measurement.
/// </summary>
public static class CapacityModel
{
    public static CapacityPlan Compute(PlanInputs inp, HostFacts h)
    {
        var sections = new List<PlanSection>();
        var settings = new List<PlanSetting>();
        var warnings = new List<string>();
        var assumptions = new List<string>();
        long page = h.PageSize.Value;
        var I = CultureInfo.InvariantCulture;
        // Little's law: a rate of new connections that each live L seconds keeps rate × L open at once.
        long fromRate = inp.RatePerSecond is { } r0 && inp.LifetimeSeconds is { } l0 ? (long)Math.Ceiling(r0 * l0) : 0;
        long conns = Math.Max(Math.Max(inp.Connections, 0), fromRate);
        if (fromRate > inp.Connections)
            assumptions.Add($"{Count(fromRate)} connections open at once: rate × lifetime (more than --connections {Count(inp.Connections)})");

        // ---- Ports first: a client's bind buckets depend on how many local ports it uses.
        long low = h.PortRange.Value[0], high = h.PortRange.Value[1];
        long nEff = Math.Max(high - low + 1, 1);
        bool localClosesFirst = inp.Role == PlanRole.Client;
        bool reuse = h.TwReuse.Value == 1; // 2 = loopback only: the plan assumes non-loopback peers
        double twHold = localClosesFirst ? (reuse ? KernelConstants.TwReuseSeconds : h.TimeWaitSeconds.Value) : 0;
        double tHold = (inp.LifetimeSeconds ?? 0) + twHold;
        int dests = Math.Max(inp.Destinations, 1);

        // ---- Memory per connection.
        var mem = new List<PlanNumber>();
        double kernel = 0;
        foreach (var p in h.SocketParts)
        {
            kernel += p.Bytes;
            mem.Add(new PlanNumber("kernel." + p.Cache, p.Bytes, "B", p.Origin, p.Source + (p.EpollOnly ? " (socket in epoll)" : "")));
        }
        if (inp.Role == PlanRole.Client && conns > 0)
        {
            // One tcp_bind_bucket (+bind2) per local port in use, shared by every destination (kernel-facts §5.2).
            double portsUsed = Math.Min(nEff, conns);
            double share = h.BindBuckets.Value * portsUsed / conns;
            kernel += share;
            mem.Add(new PlanNumber("kernel.bind_buckets", share, "B", h.BindBuckets.Origin, h.BindBuckets.Source + ", one pair per local port in use"));
        }
        var rxFact = inp.BufferRxBytes is { } rxIn ? (rxIn, Origin.Input, "--buffers-in-use") : (h.TcpRmem.Value[1], h.TcpRmem.Origin, "tcp_rmem[1]: every socket starts with it (tcp_init_sock())");
        var txFact = inp.BufferTxBytes is { } txIn ? (txIn, Origin.Input, "--buffers-in-use") : (h.TcpWmem.Value[1], h.TcpWmem.Origin, "tcp_wmem[1]: every socket starts with it (tcp_init_sock())");
        // __sk_mem_schedule() charges whole pages: a direction holding any data costs ceil(bytes / PAGE_SIZE) pages.
        long busyPages = CeilDiv(rxFact.Item1, page) + CeilDiv(txFact.Item1, page);
        double busy = busyPages * (double)page;
        double app = inp.AppBytesPerConn;
        mem.Add(new PlanNumber("kernel.total", kernel, "B", Origin.Derived, "sum of the kernel objects above (slab, unswappable)"));
        mem.Add(new PlanNumber("buffers.idle", 0, "B", Origin.KernelDefault, "an idle connection holds no buffer pages: sk_forward_alloc is returned (measured on 6.18, kernel-facts §2.1)"));
        mem.Add(new PlanNumber("buffers.rx", rxFact.Item1, "B", rxFact.Item2, rxFact.Item3));
        mem.Add(new PlanNumber("buffers.tx", txFact.Item1, "B", txFact.Item2, txFact.Item3));
        mem.Add(new PlanNumber("buffers.busy", busy, "B", Origin.Derived, $"{busyPages} pages of {page} B, charged to tcp_mem in whole pages (__sk_mem_schedule())"));
        mem.Add(new PlanNumber("app", app, "B", Origin.Input, "--app-bytes-per-conn: the server's own memory per connection"));
        double totalIdle = kernel + app, totalBusy = kernel + busy + app;
        mem.Add(new PlanNumber("total.idle", totalIdle, "B", Origin.Derived, "kernel + app"));
        mem.Add(new PlanNumber("total.busy", totalBusy, "B", Origin.Derived, "kernel + buffers in use + app"));
        sections.Add(new PlanSection("Memory per connection", mem));

        // ---- Totals against RAM.
        var tot = new List<PlanNumber>
        {
            new("connections", conns, "", fromRate > inp.Connections ? Origin.Derived : Origin.Input, fromRate > inp.Connections ? "rate × lifetime" : "--connections"),
            new("total.idle", conns * totalIdle, "B", Origin.Derived, "connections × memory per idle connection"),
            new("total.busy", conns * totalBusy, "B", Origin.Derived, "connections × memory per busy connection"),
            new("total.kernel_slab", conns * kernel, "B", Origin.Derived, "kernel structures alone: not in tcp_mem, not in any process RSS"),
        };
        long ram = h.RamBytes.Value;
        if (ram > 0)
        {
            tot.Add(new PlanNumber("ram", ram, "B", h.RamBytes.Origin, h.RamBytes.Source));
            tot.Add(new PlanNumber("ram.share_busy", conns * totalBusy / ram, "ratio", Origin.Derived, "busy total / RAM"));
            if (conns * totalBusy > ram * KernelConstants.RamWarnShare)
                warnings.Add($"with every connection busy the host needs {Bytes(conns * totalBusy)}, more than {KernelConstants.RamWarnShare:P0} of RAM ({Bytes(ram)})");
        }
        else
        {
            warnings.Add("RAM unknown: give --ram or --from a snapshot; totals are not compared with memory");
        }
        sections.Add(new PlanSection("Totals", tot));

        // ---- tcp_mem: pages of socket buffers only (kernel-facts §2.1).
        var tm = h.TcpMem.Value;
        var tcp = new List<PlanNumber>
        {
            new("tcp_mem.min", tm[0], "pages", h.TcpMem.Origin, h.TcpMem.Source),
            new("tcp_mem.pressure", tm[1], "pages", h.TcpMem.Origin, h.TcpMem.Source),
            new("tcp_mem.max", tm[2], "pages", h.TcpMem.Origin, h.TcpMem.Source),
        };
        double? maxPressure = null, maxHard = null;
        if (busyPages > 0)
        {
            maxPressure = (double)tm[1] / busyPages;
            maxHard = (double)tm[2] / busyPages;
            tcp.Add(new PlanNumber("max_conns.pressure", Math.Floor(maxPressure.Value), "connections", Origin.Derived, $"tcp_mem[1] {Count(tm[1])} pages / {busyPages} pages per busy connection: above this, buffers stop growing (tcp_enter_memory_pressure())"));
            tcp.Add(new PlanNumber("max_conns.hard", Math.Floor(maxHard.Value), "connections", Origin.Derived, $"tcp_mem[2] {Count(tm[2])} pages / {busyPages} pages: above this, sends block, received data is dropped, orphans are killed"));
        }
        long[]? recTcpMem = null;
        long? fitConnections = null;
        // The most tcp_mem[2] may be on this host (a quarter of RAM); null when RAM is unknown.
        long? capPages = ram > 0 ? (long)(ram * KernelConstants.TcpMemMaxShareOfRam / page) : null;
        if (conns > 0 && busyPages > 0)
        {
            // Every connection busy at once: pressure must hold them all; min and max at the kernel's ratios (tcp_init_mem()).
            double needP = (double)conns * busyPages;
            double needMax = needP * KernelConstants.TcpMemMaxOfPressure;
            bool fitsCap = capPages is not { } cp || needMax <= cp;
            if (!fitsCap)
            {
                // Does not fit: give buffers the ceiling, and say how many busy connections that holds.
                long cap = capPages!.Value;
                long capPressure = (long)(cap / KernelConstants.TcpMemMaxOfPressure);
                fitConnections = capPressure / busyPages;
                warnings.Insert(0, $"does not fit: {Count(conns)} busy connections at {Bytes(busyPages * (double)page)} of buffers each need tcp_mem pressure at " +
                    $"{Bytes(needP * page)} ({Bytes(needMax * page)} at tcp_mem[2]); buffers may have at most a quarter of RAM ({Bytes(cap * (double)page)} of {Bytes(ram)}). " +
                    $"Here that is {Count(fitConnections.Value)} busy connections at once: use smaller buffers (--buffers-in-use), fewer connections per host, or a host with {Bytes(needMax * page / KernelConstants.TcpMemMaxShareOfRam)} of RAM");
            }
            long targetMax = fitsCap ? (long)Math.Ceiling(needMax) : capPages!.Value;
            long targetPressure = fitsCap ? (long)Math.Ceiling(needP) : (long)(targetMax / KernelConstants.TcpMemMaxOfPressure);
            long targetMin = (long)(targetPressure * KernelConstants.TcpMemMinOfPressure);
            // Never lower a value the host has: a hand-set tcp_mem above ours was someone's decision.
            long[] rec = [Math.Max(tm[0], targetMin), Math.Max(tm[1], targetPressure), Math.Max(tm[2], targetMax)];
            if (rec[0] != tm[0] || rec[1] != tm[1] || rec[2] != tm[2])
            {
                recTcpMem = rec;
                settings.Add(new PlanSetting("net.ipv4.tcp_mem", string.Join(' ', recTcpMem), string.Join(' ', tm), fitsCap
                    ? $"pressure = {Count(conns)} connections × {busyPages} pages busy = {Count((long)needP)} pages ({Bytes(needP * page)}); min = 3/4 and max = 3/2 of it, the kernel's own ratios (tcp_init_mem()); values already higher are kept"
                    : $"the workload does not fit (see the first warning): max = a quarter of RAM ({Bytes(targetMax * (double)page)}), pressure = 2/3 and min = 1/2 of it; values already higher are kept"));
                tcp.Add(new PlanNumber("tcp_mem.recommended.max", recTcpMem[2], "pages", Origin.Recommended, $"{Bytes(recTcpMem[2] * (double)page)} of buffers at most"));
            }
            if (ram > 0 && Math.Max(rec[2], tm[2]) * (double)page + conns * (kernel + app) > ram)
                warnings.Add($"tcp_mem max ({Bytes(Math.Max(rec[2], tm[2]) * (double)page)}) plus kernel structures and app memory ({Bytes(conns * (kernel + app))}) exceed RAM ({Bytes(ram)}): smaller buffers or fewer connections per host");
        }
        if (ram > 0 && conns * (kernel + app) > ram * KernelConstants.RamWarnShare)
        {
            long fit = (long)(ram * KernelConstants.RamWarnShare / Math.Max(kernel + app, 1));
            fitConnections = fitConnections is { } f0 ? Math.Min(f0, fit) : fit;
            warnings.Insert(0, $"does not fit: {Count(conns)} connections need {Bytes(conns * (kernel + app))} for kernel structures and application memory alone, " +
                $"more than {KernelConstants.RamWarnShare:P0} of RAM ({Bytes(ram)}); this host holds about {Count(fit)} idle connections");
        }
        sections.Add(new PlanSection("tcp_mem (socket buffers, global)", tcp));

        // Starting buffer sizes: every socket starts at tcp_rmem[1]/tcp_wmem[1] (tcp_init_sock()). These are host-wide
        // defaults: change them only when the buffer budget above cannot hold the workload at the host's defaults.
        long defaultPages = CeilDiv(h.TcpRmem.Value[1], page) + CeilDiv(h.TcpWmem.Value[1], page);
        bool defaultsOverBudget = capPages is { } cap2 && conns > 0 && (double)conns * defaultPages * KernelConstants.TcpMemMaxOfPressure > cap2;
        if (defaultsOverBudget && inp.BufferRxBytes is { } rx2 && rx2 < h.TcpRmem.Value[1])
        {
            long d = Math.Max(rx2, KernelConstants.TcpBufferMin);
            settings.Add(new PlanSetting("net.ipv4.tcp_rmem", $"{Math.Min(h.TcpRmem.Value[0], d)} {d} {Math.Max(h.TcpRmem.Value[2], d)}", string.Join(' ', h.TcpRmem.Value),
                $"{Count(conns)} connections at the default {Bytes(h.TcpRmem.Value[1])} receive buffer would not fit a quarter of RAM; each new socket on this host starts with {Bytes(d)} instead (tcp_init_sock()). " +
                $"Cost: every service's connections start smaller and autotuning must grow busy ones (up to {Bytes(Math.Max(h.TcpRmem.Value[2], d))})"));
        }
        if (defaultsOverBudget && inp.BufferTxBytes is { } tx2 && tx2 < h.TcpWmem.Value[1])
        {
            long d = Math.Max(tx2, KernelConstants.TcpBufferMin);
            settings.Add(new PlanSetting("net.ipv4.tcp_wmem", $"{Math.Min(h.TcpWmem.Value[0], d)} {d} {Math.Max(h.TcpWmem.Value[2], d)}", string.Join(' ', h.TcpWmem.Value),
                $"{Count(conns)} connections at the default {Bytes(h.TcpWmem.Value[1])} send buffer would not fit a quarter of RAM; each new socket on this host starts with {Bytes(d)} instead (tcp_init_sock()). " +
                "Cost: every service's senders start with a smaller buffer and block sooner on slow peers"));
        }

        // ---- Orphans (global; kernel-facts §1).
        long orphans = h.TcpMaxOrphans.Value;
        double orphanCost = h.SocketParts[0].Bytes + CeilDiv(txFact.Item1, page) * (double)page;
        sections.Add(new PlanSection("Orphans (closed by the app, still sending)",
        [
            new("tcp_max_orphans", orphans, "sockets", h.TcpMaxOrphans.Origin, h.TcpMaxOrphans.Source),
            new("orphans.limit_idle_2x", orphans / 2, "sockets", Origin.Derived, "effective limit for an orphan idle > 2×TCP_RTO_MAX (shift 1, tcp_out_of_resources())"),
            new("orphans.limit_4x", orphans / 4, "sockets", Origin.Derived, "effective limit when also an ICMP error was seen (shift 2)"),
            new("orphans.memory_if_full", orphans * orphanCost, "B", Origin.Derived, $"tcp_max_orphans × (tcp_sock {h.SocketParts[0].Bytes} B + unsent data up to {Bytes(CeilDiv(txFact.Item1, page) * (double)page)})"),
        ]));

        // ---- TIME_WAIT (kernel-facts §4).
        double rate = inp.RatePerSecond ?? 0;
        double tw = localClosesFirst ? rate * h.TimeWaitSeconds.Value : 0;
        var twNums = new List<PlanNumber>
        {
            new("time_wait.seconds", h.TimeWaitSeconds.Value, "s", h.TimeWaitSeconds.Origin, h.TimeWaitSeconds.Source),
            new("time_wait.expected", tw, "sockets", Origin.Derived, localClosesFirst ? "rate × TIME_WAIT length (this side closes first)" : "0: the peer is assumed to close first, so TIME_WAIT is on its side"),
            new("time_wait.memory", tw * h.TimeWaitSock.Value, "B", Origin.Derived, $"{h.TimeWaitSock.Value} B per tw bucket ({h.TimeWaitSock.Source})"),
            new("tcp_max_tw_buckets", h.TcpMaxTwBuckets.Value, "sockets", h.TcpMaxTwBuckets.Origin, h.TcpMaxTwBuckets.Source),
        };
        if (tw > h.TcpMaxTwBuckets.Value)
        {
            long rec = (long)Math.Ceiling(tw * KernelConstants.Headroom);
            settings.Add(new PlanSetting("net.ipv4.tcp_max_tw_buckets", rec.ToString(I), h.TcpMaxTwBuckets.Value.ToString(I),
                $"{Count(rate)}/s × {h.TimeWaitSeconds.Value} s TIME_WAIT = {Count(tw)} buckets, +25 %; above the limit the kernel skips TIME_WAIT (TCPTimeWaitOverflow)"));
        }
        sections.Add(new PlanSection("TIME_WAIT", twNums));
        assumptions.Add(localClosesFirst
            ? "client: this side closes first and keeps TIME_WAIT; peers are not loopback, so tcp_tw_reuse=2 does not apply"
            : "server: peers close first (TIME_WAIT stays on their side); accepted connections use no ephemeral ports");

        // ---- Ephemeral ports per destination (kernel-facts §5.4).
        double? rMax = null;
        long? addrs = null;
        if (inp.Role == PlanRole.Client)
        {
            var ports = new List<PlanNumber>
            {
                new("ports.range", nEff, "ports", h.PortRange.Origin, $"ip_local_port_range {low} {high} ({h.PortRange.Source}); reserved and bind()-owned ports would lower it"),
                new("ports.hold", tHold, "s", Origin.Derived, $"lifetime {(inp.LifetimeSeconds ?? 0).ToString("0.###", I)} s + {twHold} s " + (reuse ? "(tcp_tw_reuse=1: reusable after ~1 s)" : "TIME_WAIT")),
            };
            if (tHold > 0)
            {
                rMax = nEff / tHold;
                ports.Add(new PlanNumber("ports.max_rate_per_destination", rMax.Value, "conn/s", Origin.Derived, "R_max = N_eff / T_hold per (source IP, destination IP, destination port)"));
            }
            double perDestRate = rate / dests;
            double neededPorts = Math.Max(perDestRate * tHold, (double)conns / dests);
            ports.Add(new PlanNumber("ports.needed_per_destination", Math.Ceiling(neededPorts), "ports", Origin.Derived,
                rate > 0 ? $"{Count(perDestRate)}/s × {tHold.ToString("0.###", I)} s (or the concurrent connections, if more)" : "concurrent connections per destination"));
            addrs = Math.Max(1, (long)Math.Ceiling(neededPorts / nEff));
            ports.Add(new PlanNumber("ports.source_addresses_per_destination", addrs.Value, "addresses", Origin.Derived,
                $"ceil({Count(Math.Ceiling(neededPorts))} / {Count(nEff)}): each extra source address or destination port adds a full range"));
            if (addrs > 1)
            {
                // The same range and reasons as the doctor's port_exhaustion fix (one advice table).
                var wide = Advice.PortAdvice.ProposedRange(low, high);
                long wideN = wide?.Ports ?? nEff;
                long addrsWide = Math.Max(1, (long)Math.Ceiling(neededPorts / wideN));
                if (wide is not null)
                    ports.Add(new PlanNumber("ports.source_addresses_with_wide_range", addrsWide, "addresses", Origin.Derived, $"with ip_local_port_range {wide.Value} ({Count(wideN)} ports)"));
                warnings.Add($"one port range is not enough: each destination needs {Count(Math.Ceiling(neededPorts))} ports; use {addrs - 1} extra source address(es) or destination port(s) per destination" +
                    (wide is not null ? $" ({addrsWide - 1} with a {wide.Low}-{wide.High} range), or connection reuse: {Advice.PortAdvice.Pooling((int)Math.Round(h.TimeWaitSeconds.Value)).Setting}" : ""));
                if (wide is not null)
                {
                    var fix = Advice.PortAdvice.PortRangeFix(wide, nEff, (int)Math.Max(1, Math.Round(tHold)));
                    settings.Add(new PlanSetting(fix.Setting, fix.Value, $"{low} {high}", fix.Why));
                }
                if (localClosesFirst && Advice.PortAdvice.TwReuseFix(h.TwReuse.Value, null) is { } reuseFix && !reuse)
                    settings.Add(new PlanSetting(reuseFix.Setting, reuseFix.Value, h.TwReuse.Value.ToString(I), reuseFix.Why));
            }
            sections.Add(new PlanSection("Ephemeral ports", ports));
        }

        // ---- File descriptors (kernel-facts §8).
        long perProcess = conns + KernelConstants.FdReserve;
        long nofile = Math.Min(HostFacts.RoundUpPow2(perProcess), KernelConstants.NrOpenMax);
        var fds = new List<PlanNumber>
        {
            new("fd.per_process", perProcess, "fds", Origin.Derived, $"one per connection + {KernelConstants.FdReserve} for listeners, logs and libraries (a choice)"),
            new("fd.nofile", nofile, "fds", Origin.Recommended, "RLIMIT_NOFILE, rounded up to a power of two"),
            new("fs.nr_open", h.NrOpen.Value, "fds", h.NrOpen.Origin, h.NrOpen.Source + ": the ceiling for any RLIMIT_NOFILE (setrlimit fails with EPERM above it)"),
            new("fs.file-max", h.FileMax.Value, "files", h.FileMax.Origin, h.FileMax.Source + ": system-wide (root with CAP_SYS_ADMIN is not limited)"),
        };
        if (inp.Epoll)
        {
            fds.Add(new PlanNumber("fs.epoll.max_user_watches", h.EpollMaxUserWatches.Value, "fds", h.EpollMaxUserWatches.Origin,
                h.EpollMaxUserWatches.Source + ": per user, every fd in every epoll set counts; epoll_ctl() fails with ENOSPC above it"));
            if (conns > h.EpollMaxUserWatches.Value)
            {
                long rec = (long)Math.Ceiling(conns * KernelConstants.Headroom);
                settings.Add(new PlanSetting("fs.epoll.max_user_watches", rec.ToString(I), h.EpollMaxUserWatches.Value.ToString(I),
                    $"{Count(conns)} sockets in epoll sets of one user + 25 %; epoll_ctl(EPOLL_CTL_ADD) fails with ENOSPC above the limit (fs/eventpoll.c)"));
            }
        }
        if (nofile > h.NrOpen.Value)
            settings.Add(new PlanSetting("fs.nr_open", nofile.ToString(I), h.NrOpen.Value.ToString(I), $"RLIMIT_NOFILE {Count(nofile)} is above fs.nr_open; setrlimit() would fail with EPERM"));
        long fileNeed = (long)Math.Ceiling(perProcess * KernelConstants.Headroom);
        if (h.FileMax.Value < fileNeed)
            settings.Add(new PlanSetting("fs.file-max", fileNeed.ToString(I), h.FileMax.Value.ToString(I), $"{Count(perProcess)} files for this process + 25 % for the rest of the system; accept() fails with ENFILE above it"));
        sections.Add(new PlanSection("File descriptors", fds));

        // ---- Conntrack (kernel-facts §7): closed connections stay 120 s in conntrack's own TIME_WAIT.
        double ctEntries = conns + rate * KernelConstants.ConntrackTimeWaitSeconds;
        long ctNeed = (long)Math.Ceiling(ctEntries * KernelConstants.Headroom);
        var ct = new List<PlanNumber>
        {
            new("conntrack.entries", ctEntries, "entries", Origin.Derived, $"connections + rate × {KernelConstants.ConntrackTimeWaitSeconds} s (nf_conntrack_tcp_timeout_time_wait)"),
            new("conntrack.memory", ctEntries * h.ConntrackEntry.Value, "B", Origin.Derived, $"{h.ConntrackEntry.Value} B per entry ({h.ConntrackEntry.Source})"),
        };
        if (h.ConntrackMax is { } cmax) ct.Add(new PlanNumber("nf_conntrack_max", cmax.Value, "entries", cmax.Origin, cmax.Source));
        else ct.Add(new PlanNumber("nf_conntrack_max", 0, "entries", Origin.Measured, "nf_conntrack not loaded (or not read): no table now; the settings below apply if it loads"));
        if (h.ConntrackBuckets is { } cb) ct.Add(new PlanNumber("nf_conntrack_buckets", cb.Value, "buckets", cb.Origin, cb.Source));
        if (h.ConntrackMax is null || h.ConntrackMax.Value.Value < ctNeed)
        {
            string? cur = h.ConntrackMax?.Value.ToString(I);
            settings.Add(new PlanSetting("net.netfilter.nf_conntrack_max", ctNeed.ToString(I), cur,
                $"{Count(ctEntries)} entries + 25 %; when full, new flows are dropped (\"nf_conntrack: table full, dropping packet\")"));
            long buckets = HostFacts.RoundUpPow2(ctNeed);
            if (h.ConntrackBuckets is null || h.ConntrackBuckets.Value.Value < buckets)
                settings.Add(new PlanSetting("net.netfilter.nf_conntrack_buckets", buckets.ToString(I), h.ConntrackBuckets?.Value.ToString(I),
                    "one bucket per entry, the kernel's own factor (nf_conntrack_init_start(), 5.15+), rounded to a power of two; or the hashsize= module parameter"));
        }
        sections.Add(new PlanSection("Conntrack", ct));

        // ---- Accept backlog (kernel-facts §6).
        if (inp.Role == PlanRole.Server)
        {
            var bl = new List<PlanNumber>
            {
                new("net.core.somaxconn", h.Somaxconn.Value, "connections", h.Somaxconn.Origin, h.Somaxconn.Source + ": caps every listen() backlog"),
            };
            if (rate > 0)
            {
                double need = rate * KernelConstants.AcceptStallSeconds;
                bl.Add(new PlanNumber("backlog.needed", Math.Ceiling(need), "connections", Origin.Assumption, $"{Count(rate)}/s × {KernelConstants.AcceptStallSeconds} s the application may stall before accept()"));
                if (need > h.Somaxconn.Value)
                {
                    long rec = HostFacts.RoundUpPow2((long)Math.Ceiling(need));
                    settings.Add(new PlanSetting("net.core.somaxconn", rec.ToString(I), h.Somaxconn.Value.ToString(I),
                        $"the accept queue holds min(listen backlog, somaxconn); {Count(rate)}/s for {KernelConstants.AcceptStallSeconds} s is {Count(need)}; the application must also pass a backlog this large to listen()"));
                }
            }
            sections.Add(new PlanSection("Accept backlog", bl));
        }

        string nofileWhy = $"{Count(conns)} connections + {KernelConstants.FdReserve} reserve = {Count(perProcess)} fds, rounded up to a power of two";
        return new CapacityPlan
        {
            Inputs = inp,
            Sections = sections,
            Sysctls = settings,
            Nofile = nofile,
            NofileWhy = nofileWhy,
            Warnings = warnings,
            Assumptions = assumptions,
            KernelBytesPerConn = kernel,
            BufferBytesPerConnIdle = 0,
            BufferBytesPerConnBusy = busy,
            TotalBytesPerConnIdle = totalIdle,
            TotalBytesPerConnBusy = totalBusy,
            MaxConnsBeforePressure = maxPressure,
            MaxConnsBeforeHardLimit = maxHard,
            RecommendedTcpMem = recTcpMem,
            FitConnections = fitConnections,
            MaxRatePerDestination = rMax,
            SourceAddressesPerDestination = addrs,
        };
    }

    private static long CeilDiv(long a, long b) => a <= 0 ? 0 : (a + b - 1) / b;
}
