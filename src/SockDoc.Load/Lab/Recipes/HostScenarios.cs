using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SockDoc.Kernel.KernelLog;

namespace SockDoc.Load.Lab.Recipes;

/// <summary>
/// A process at its RLIMIT_NOFILE: a shell with `ulimit -n 64` opens every slot, shows the EMFILE the next open
/// gets (alloc_fd(), kernel-facts §8) and waits with 64 of 64 open while the doctor looks.
/// </summary>
public sealed class FdProcessScenario : LabScenario
{
    public override string Name => "fd_process";
    public override string Symptom => "open()/accept(): EMFILE (Too many open files)";
    public override IReadOnlyList<string> Expected => ["fd_process"];
    public override string How => "a child shell with ulimit -n 64 that fills its file table and holds it";

    public override IDisposable Start(LabContext ctx)
    {
        // The next open after the table is full fails with EMFILE; bash prints it on stderr. (Closing some again
        // would need bash to dup fds, which fails too, so the shell stays at 64 of 64, as a real leak would.)
        const string script = "ulimit -n 64; for i in $(seq 3 63); do eval \"exec $i</dev/null\"; done; " +
                              "true </dev/null; echo READY; read -r -t 30 _ || true";
        // The wait is bash's own read on our pipe: starting `sleep` would need a free fd for ld.so.
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        var p = Process.Start(psi) ?? throw new LoadException("could not start bash");
        var held = new Holder();
        held.Add(p);
        held.Add(() => { if (!p.HasExited) { p.Kill(); p.WaitForExit(5000); } });
        var ready = p.StandardOutput.ReadLineAsync(ctx.Cancel).AsTask();
        if (!ready.Wait(TimeSpan.FromSeconds(10)) || ready.Result != "READY")
        {
            held.Dispose();
            throw new LoadException("the child shell did not get ready in 10 s");
        }
        // bash printed the failed redirection on stderr before READY.
        var errTask = p.StandardError.ReadLineAsync(ctx.Cancel).AsTask();
        var err = errTask.Wait(TimeSpan.FromSeconds(2)) ? errTask.Result : null;
        if (err is not null && err.Contains("Too many open files", StringComparison.Ordinal))
            ctx.Reproduce("errno", $"pid {p.Id}: {err.Trim()} (EMFILE at 64 of 64)");
        var limits = File.ReadAllLines($"/proc/{p.Id}/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        int open = Directory.GetFileSystemEntries($"/proc/{p.Id}/fd").Length;
        ctx.Note("note", $"pid {p.Id}: {open} open files; /proc/{p.Id}/limits: {System.Text.RegularExpressions.Regex.Replace(limits ?? "?", @"\s+", " ")}");
        return held;
    }
}

/// <summary>
/// A memory cgroup OOM kill (cgroup v1 memory controller; this VM has no v2 memory controller): a 32 MiB group and a
/// pipeline that buffers 256 MiB (`head -c 256M /dev/zero | tail`: tail keeps a line without a newline whole).
/// </summary>
public sealed class OomKillScenario : LabScenario
{
    public override string Name => "oom_kill";
    public override string Symptom => "Memory cgroup out of memory: Killed process N (tail) ...";
    public override IReadOnlyList<string> Expected => ["oom_kill"];
    public override string How => "a 32 MiB v1 memory cgroup sdk-lab-oom-PID and a 256 MiB allocation in it";
    public override bool DoctorReadsLog => true;

    private readonly string _cgroup = Path.Combine(LabRestore.MemoryCgroupRoot, LabNetns.Prefix + "oom-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    public override bool LogMatches(KernelLogLine line, LabContext ctx) =>
        line.Message.Contains(Path.GetFileName(_cgroup), StringComparison.Ordinal)
        || (line.Kind == LogLineKind.OomKilled && line.Name == "tail");

    public override IDisposable Start(LabContext ctx)
    {
        if (!File.Exists(Path.Combine(LabRestore.MemoryCgroupRoot, "cgroup.procs")))
            throw new LoadException($"needs the cgroup v1 memory controller at {LabRestore.MemoryCgroupRoot}");
        Directory.CreateDirectory(_cgroup);
        var held = new Holder();
        held.Add(() =>
        {
            // rmdir once the group is empty (the killed pipeline may take a moment to go).
            for (int i = 0; i < 50; i++)
            {
                try { Directory.Delete(_cgroup); return; }
                catch (IOException) { Thread.Sleep(100); }
            }
        });
        try
        {
            File.WriteAllText(Path.Combine(_cgroup, "memory.limit_in_bytes"), (32 * 1024 * 1024).ToString(CultureInfo.InvariantCulture));
            ctx.Note("setting", $"{_cgroup}/memory.limit_in_bytes = 32 MiB");
            var r = LabShell.Run("bash", ["-c", $"echo $$ > {_cgroup}/cgroup.procs && exec timeout 20 bash -c 'head -c 256M /dev/zero | tail > /dev/null'"],
                TimeSpan.FromSeconds(25));
            ctx.Note("note", $"the pipeline ended with exit {r.Exit}" + (r.Exit == 137 ? " (SIGKILL: the OOM killer)" : ""));
            var oomControl = File.ReadAllText(Path.Combine(_cgroup, "memory.oom_control"));
            var kills = oomControl.Split('\n').FirstOrDefault(l => l.StartsWith("oom_kill ", StringComparison.Ordinal));
            var failcnt = File.ReadAllText(Path.Combine(_cgroup, "memory.failcnt")).Trim();
            if (kills is not null && long.TryParse(kills.AsSpan(9), NumberStyles.Integer, CultureInfo.InvariantCulture, out var k) && k > 0)
                ctx.Reproduce("counter", $"{_cgroup}/memory.oom_control oom_kill {k}, memory.failcnt {failcnt}");
            else
                ctx.Note("counter", $"memory.oom_control: {oomControl.Replace('\n', ' ').Trim()}, memory.failcnt {failcnt}");
            Thread.Sleep(300); // the log lines of the kill reach the follower
            return held;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }
}

/// <summary>
/// TCP memory over tcp_mem, as __tcp_close() checks it: tcp_out_of_memory() is true when the closing socket still
/// has more than SOCK_MIN_SNDBUF queued and the protocol's memory_allocated is over tcp_mem[2]. So 8 loopback senders
/// first queue about 2 MiB each towards receivers that never read, under the machine's own tcp_mem; then tcp_mem
/// (global, pages, journaled, under the lock) is lowered so that tcp_mem[2] is below what sockstat shows by half of
/// what the senders queued (well over the nr_cpus × mem_pcpu_rsv pages sockstat may lag, kernel-facts §2.1), and the
/// senders close with their data queued: tcp_check_oom() prints "TCP: out of memory -- consider tuning tcp_mem" for
/// each (rate-limited), resets it and counts TCPAbortOnMemory. tcp_mem goes back at once.
/// (Lowering tcp_mem first and filling afterwards, as before, reaches the line only in some runs: allocation stops
/// at the hard limit, so memory_allocated seldom ends above it when the senders close.)
/// </summary>
public sealed class TcpMemScenario : LabScenario
{
    public const int Senders = 8;
    public const int Probes = 2;
    public override string Name => "tcp_mem";
    public override string Symptom => "TCP: out of memory -- consider tuning tcp_mem";
    public override IReadOnlyList<string> Expected => ["tcp_mem"];
    public override string How => $"{Senders} unread loopback streams, then tcp_mem[2] lowered below current use (global, under the lock, under a second) and the senders close";
    public override bool ChangesGlobals => true;
    public override bool DoctorReadsLog => true;
    public override IReadOnlyList<string> ReproducingCounters => ["TcpExt.TCPAbortOnMemory"];
    public override IReadOnlyList<string> Counters => ["TcpExt.TCPMemoryPressures"];
    public override string? FixExample => "net.ipv4.tcp_mem=1000000 2000000 3000000";

    /// <summary>The receivers' address: the senders' resets go to it.</summary>
    public IPEndPoint? Peer { get; private set; }

    public override bool LogMatches(KernelLogLine line, LabContext ctx) => line.Kind == LogLineKind.TcpOutOfMemory;

    public override string? TraceWhat => "memory,resets";

    /// <summary>The trace names this process's refused TCP charges above tcp_mem[2], and the resets for memory sent to this run's peer.</summary>
    public override TraceAttribution CheckTrace(System.Text.Json.JsonElement report, LabContext ctx)
    {
        int pid = Environment.ProcessId;
        var mine = LabTrace.Rows(report, "memory").Where(r => LabTrace.Text(r, "protocol") == "TCP" && (LabTrace.Long(r, "pid") ?? -1) == pid).ToList();
        long refused = mine.Sum(r => (LabTrace.Long(r, "refused") ?? 0));
        long aboveMax = mine.Sum(r => (LabTrace.Long(r, "above_max_count") ?? 0));
        var peer = Peer?.ToString() ?? "?";
        long resets = LabTrace.Rows(report, "resets").Where(r => LabTrace.Text(r, "reason") == "TCP_ABORT_ON_MEMORY" && LabTrace.Text(r, "peer") == peer)
            .Sum(r => (LabTrace.Long(r, "count") ?? 0));
        return new(refused > 0 && aboveMax > 0 && resets >= 1,
            $"trace: {refused} refused TCP charges for pid {pid} ({aboveMax} above tcp_mem[2]), {resets} resets for memory sent to {peer}; " +
            $"the generator's {Probes} idle connections wrote over the limit and its {Senders + Probes} closes met tcp_out_of_memory()");
    }

    public override IDisposable Start(LabContext ctx)
    {
        var held = new Holder();
        try
        {
            var listener = LabSockets.Listener(0, 16, receiveBuffer: 1 << 20);
            held.Add(listener);
            var ep = (IPEndPoint)listener.LocalEndPoint!;
            Peer = ep;
            var pairs = new List<Socket>();
            for (int i = 0; i < Senders + Probes; i++)
            {
                // SO_SNDBUF locks the buffer size, so sk_stream_moderate_sndbuf() cannot shrink it under pressure.
                var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 1 << 20 };
                held.Add(c);
                c.Connect(ep);
                pairs.Add(c);
                held.Add(listener.Accept());
            }
            var probes = pairs.Skip(Senders).ToList();
            pairs = pairs.Take(Senders).ToList();
            long before = LabContext.Field(ctx.SockStatTcp(), "mem");
            long sent = 0;
            foreach (var c in pairs) sent += LabSockets.Fill(c, 4 * 1024 * 1024);
            long mem = LabContext.Field(ctx.SockStatTcp(), "mem");
            long ours = Math.Max(mem - before, 0);
            ctx.Note("sockstat", $"TCP mem {before} pages before, {mem} after {sent / 1024} KiB sent unread");
            if (ours < 512) throw new LoadException($"the unread streams hold only {ours} pages; too few to stand over tcp_mem[2] by more than sockstat may lag");
            long high = Math.Max(mem - ours / 2, 3);
            var value = string.Create(CultureInfo.InvariantCulture, $"{high / 2} {high * 3 / 4} {high}");
            var inForce = ctx.Set("net.ipv4.tcp_mem", value);
            if (inForce == value)
                ctx.Note("note", $"tcp_mem[2] {high} < memory_allocated ~{mem} pages: the senders' close() meets tcp_out_of_memory()");
            // The probes, idle until now, write over the hard limit: past the first skb (sk_forced_mem_schedule()),
            // __sk_mem_raise_allocated() refuses each charge (the sock_exceed_buf_limit tracepoint), so the trace of
            // this scenario sees refused charges as well as the resets.
            long probed = 0;
            foreach (var c in probes) probed += LabSockets.Fill(c, 1 << 20);
            ctx.Note("note", $"{Probes} idle connections wrote {probed / 1024} KiB over the hard limit");
            foreach (var c in pairs.Concat(probes)) c.Close(); // data still queued: tcp_check_oom() in __tcp_close()
            Thread.Sleep(200);
            ctx.RestoreNow();
            Thread.Sleep(100); // the lines reach the follower
            return held;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }
}

/// <summary>
/// The system file table full: fs.file-max (global, journaled, under the lock) lowered just above fs.file-nr, and an
/// unprivileged child (alloc_empty_file() lets CAP_SYS_ADMIN past file-max, kernel-facts §8) opens files until ENFILE
/// and holds them while the doctor looks, taking every slot another process frees meanwhile.
/// The kernel prints "VFS: file-max limit N reached" only when nr_files is above the count at its previous print
/// (alloc_empty_file()'s static old_max, kept until reboot), so a second run at the same file-max prints nothing.
/// The recipe therefore sets file-max above the last mark this boot, read from the kernel's own lines (dmesg) and from
/// a note under /run (which a reboot clears, as it clears old_max): each run raises the mark by 1,000 opens, and the
/// child opens at most <see cref="MaxOpens"/> files. Once the mark is further above today's file count than that, the
/// run still shows ENFILE but says that the kernel will not print again before a reboot.
/// </summary>
public sealed partial class FdSystemScenario : LabScenario
{
    public const int MaxOpens = 15000;
    private const int Margin = 1000;
    public const string MarkPath = "/run/sockdoc/lab-file-max-mark";
    public override string Name => "fd_system";
    public override string Symptom => "open(): ENFILE (Too many open files in system); VFS: file-max limit N reached";
    public override IReadOnlyList<string> Expected => ["fd_system"];
    public override string How => "fs.file-max lowered to file-nr + 1000, or above this boot's last printed mark (global, under the lock, a few seconds), a nobody child opens until ENFILE";
    public override bool ChangesGlobals => true;
    public override bool DoctorReadsLog => true;
    public override string? FixExample => "fs.file-max=9223372036854775807";

    public override bool LogMatches(KernelLogLine line, LabContext ctx) => line.Kind == LogLineKind.FileMax;

    /// <summary>The highest nr_files at which the kernel printed the line this boot, as far as its log and our note show.</summary>
    public static long LastMark()
    {
        long mark = 0;
        var r = LabShell.Run("dmesg", [], TimeSpan.FromSeconds(10));
        if (r.Exit == 0)
            foreach (System.Text.RegularExpressions.Match m in FileMaxLineRegex().Matches(r.Stdout))
                mark = Math.Max(mark, long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        try
        {
            if (File.Exists(MarkPath) && long.TryParse(File.ReadAllText(MarkPath).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var noted))
                mark = Math.Max(mark, noted);
        }
        catch (IOException)
        {
        }
        return mark;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"VFS: file-max limit (\d+) reached")]
    private static partial System.Text.RegularExpressions.Regex FileMaxLineRegex();

    public override IDisposable Start(LabContext ctx)
    {
        long allocated = long.Parse(File.ReadAllText("/proc/sys/fs/file-nr").Split('\t', ' ')[0], CultureInfo.InvariantCulture);
        long mark = LastMark();
        long target = Math.Max(allocated, mark) + Margin;
        bool willPrint = target - allocated <= MaxOpens - 100;
        if (!willPrint)
        {
            ctx.Note("note", $"this boot's last \"VFS: file-max limit\" mark is {mark}, {mark - allocated} above today's {allocated} open files: more than " +
                             $"{MaxOpens} opens away, so the kernel will not print the line again before a reboot (alloc_empty_file()'s old_max); ENFILE still shows");
            target = allocated + Margin;
        }
        ctx.Note("note", $"fs.file-nr allocated {allocated}" + (mark > 0 ? $", last printed mark this boot {mark}" : ""));
        var set = ctx.Set("fs.file-max", target.ToString(CultureInfo.InvariantCulture));
        // Opens bounded by MaxOpens; exec 2>&1 so the ENFILE line comes before READY on stdout. Then, for 30 s, the
        // child takes every slot another process frees (a leak keeps opening): the tests run beside others that close
        // thousands of sockets, and a table that had room again by the time the doctor reads file-nr showed nothing.
        // It waits between tries with `read -t` on a pipe opened first (an external sleep would need a file to exec),
        // and closes stderr, since a refused open's message would need one too.
        var script = string.Create(CultureInfo.InvariantCulture,
            $"exec 2>&1; ulimit -n {MaxOpens + 64} 2>/dev/null; exec {{tick}}< <(exec sleep 35); n=0; " +
            $"for i in $(seq 1 {MaxOpens}); do exec {{fd}}</dev/null || break; n=$((n+1)); done; ") +
            "echo \"opened $n\"; echo READY; exec 2>&-; end=$((SECONDS+30)); " +
            string.Create(CultureInfo.InvariantCulture, $"while [ $SECONDS -lt $end ]; do if [ $n -lt {MaxOpens} ] && exec {{fd}}</dev/null; then n=$((n+1)); else read -r -t 0.05 -u $tick _; fi; done");
        var psi = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "bash", "-c", script }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new LoadException("could not start setpriv");
        var held = new Holder();
        held.Add(p);
        held.Add(() => { if (!p.HasExited) { p.Kill(entireProcessTree: true); p.WaitForExit(5000); } });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var lines = new List<string>();
        while (DateTime.UtcNow < deadline)
        {
            var t = p.StandardOutput.ReadLineAsync(ctx.Cancel).AsTask();
            if (!t.Wait(deadline - DateTime.UtcNow) || t.Result is null || t.Result == "READY") break;
            lines.Add(t.Result);
        }
        // If the machine's file count rose past the new limit before the child ran, setpriv itself gets ENFILE
        // (exec needs a struct file) and says so on stderr.
        if (p.HasExited || lines.Count == 0)
        {
            var errText = p.StandardError.ReadToEndAsync(ctx.Cancel);
            if (errText.Wait(TimeSpan.FromSeconds(2))) lines.AddRange(errText.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        var enfile = lines.FirstOrDefault(l => l.Contains("Too many open files in system", StringComparison.Ordinal));
        var opened = lines.FirstOrDefault(l => l.StartsWith("opened ", StringComparison.Ordinal)) ?? "opened ?";
        if (enfile is not null) ctx.Reproduce("errno", $"uid 65534 pid {p.Id}: {enfile.Trim()} (ENFILE after {opened[7..]} opens)");
        else ctx.Note("note", $"uid 65534 pid {p.Id}: {opened}, no ENFILE");
        ctx.Note("note", "fs.file-nr " + File.ReadAllText("/proc/sys/fs/file-nr").Trim().Replace('\t', ' '));
        Thread.Sleep(200); // the kernel's line reaches the follower
        if (enfile is not null && willPrint && set == target.ToString(CultureInfo.InvariantCulture))
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(MarkPath)!);
                File.WriteAllText(MarkPath, target.ToString(CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return held;
    }
}

/// <summary>
/// Conntrack table full in a namespace: an nft `ct state` rule loads and uses conntrack there, nf_conntrack_max
/// (global) is 2 for under a second while 6 UDP flows start, then put back before the doctor runs.
/// </summary>
public sealed class ConntrackScenario : LabScenario
{
    public override string Name => "conntrack";
    public override string Symptom => "nf_conntrack: nf_conntrack: table full, dropping packet (6.18: table full in netns N)";
    public override IReadOnlyList<string> Expected => ["conntrack"];
    public override string How => "namespace with an nft ct state rule, nf_conntrack_max=2 (global, under the lock, < 1 s), 6 UDP flows";
    public override bool UsesNetns => true;
    public override bool ChangesGlobals => true;
    public override bool DoctorReadsLog => true;
    public override string? FixExample => "net.netfilter.nf_conntrack_max=262144";

    public override bool LogMatches(KernelLogLine line, LabContext ctx) =>
        line.Kind == LogLineKind.ConntrackFull && (ctx.Netns is null || line.Message.Contains("table full", StringComparison.Ordinal));

    public override IDisposable Start(LabContext ctx)
    {
        var ns = ctx.Netns!.Name;
        LabShell.Sh($"ip netns exec {ns} nft add table inet sdklab && " +
                    $"ip netns exec {ns} nft add chain inet sdklab o '{{ type filter hook output priority 0; }}' && " +
                    $"ip netns exec {ns} nft add rule inet sdklab o ct state new counter accept");
        ctx.Note("note", $"nft in {ns}: ct state new counter accept (conntrack now tracks this namespace)");
        if (!File.Exists("/proc/sys/net/netfilter/nf_conntrack_max")) throw new LoadException("nf_conntrack did not load (no /proc/sys/net/netfilter/nf_conntrack_max)");
        long dropBefore = Drops(ctx);
        ctx.Set("net.netfilter.nf_conntrack_max", "2");
        ctx.Inside(() =>
        {
            using var u = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            for (int i = 0; i < 6; i++)
            {
                try { u.SendTo([1], new IPEndPoint(IPAddress.Loopback, 5300 + i)); }
                catch (SocketException) { } // EPERM when the packet is dropped
            }
            return 0;
        });
        Thread.Sleep(200);
        ctx.RestoreNow();
        long dropAfter = Drops(ctx);
        var count = ctx.Inside(() => File.ReadAllText("/proc/sys/net/netfilter/nf_conntrack_count").Trim());
        var text = $"/proc/net/stat/nf_conntrack drop {dropAfter} (+{dropAfter - dropBefore}), nf_conntrack_count {count} in {ns}";
        if (dropAfter > dropBefore) ctx.Reproduce("counter", text);
        else ctx.Note("counter", text);
        return new Holder();
    }

    /// <summary>Sum of the per-CPU hexadecimal "drop" column of /proc/net/stat/nf_conntrack (kernel-facts §7).</summary>
    internal static long Drops(LabContext ctx)
    {
        string text;
        try { text = ctx.ReadNet("stat/nf_conntrack"); }
        catch (IOException) { return 0; }
        return SumColumn(text, "drop");
    }

    internal static long SumColumn(string text, string column)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2) return 0;
        int idx = Array.IndexOf(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), column);
        if (idx < 0) return 0;
        long sum = 0;
        foreach (var l in lines.Skip(1))
        {
            var f = l.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (idx < f.Length && long.TryParse(f[idx], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v)) sum += v;
        }
        return sum;
    }
}

/// <summary>Two failures at once in one namespace: TIME_WAIT overflow and a full accept queue. Both ids must be named.</summary>
public sealed class MixedScenario : LabScenario
{
    private readonly TwBucketsScenario _tw = new();
    private readonly ListenOverflowScenario _listen = new();

    public override string Name => "mixed";
    public override string Symptom => $"{_tw.Symptom}; and {_listen.Symptom}";
    public override IReadOnlyList<string> Expected => [.. _tw.Expected, .. _listen.Expected];
    public override string How => "tw_buckets and listen_overflow in the same namespace";
    public override bool UsesNetns => true;
    public override bool DoctorNeedsCensus => true;
    public override IReadOnlyList<string> ReproducingCounters => [.. _tw.ReproducingCounters, .. _listen.ReproducingCounters];
    public override IReadOnlyList<string> Counters => [.. _tw.Counters, .. _listen.Counters];
    public override string? FixExample => "net.ipv4.tcp_max_tw_buckets=262144 --with net.core.somaxconn=4096";

    public override IDisposable Start(LabContext ctx)
    {
        var held = new Holder();
        held.Add(_tw.Start(ctx));
        held.Add(_listen.Start(ctx));
        return held;
    }
}
