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
/// TCP memory over tcp_mem: tcp_mem (global, pages) is lowered to just above what sockstat shows, loopback
/// receivers that never read take the data of 8 senders, then the senders close with data queued:
/// tcp_check_oom() kills them ("out of memory -- consider tuning tcp_mem", TCPAbortOnMemory) and the
/// pressure counter rises (__sk_mem_raise_allocated(), kernel-facts §2.2). tcp_mem is put back before the doctor.
/// </summary>
public sealed class TcpMemScenario : LabScenario
{
    public override string Name => "tcp_mem";
    public override string Symptom => "TCP: out of memory -- consider tuning tcp_mem";
    public override IReadOnlyList<string> Expected => ["tcp_mem"];
    public override string How => "tcp_mem lowered just above current use (global, under the lock, about a second), 8 unread loopback streams";
    public override bool ChangesGlobals => true;
    public override bool DoctorReadsLog => true;
    public override IReadOnlyList<string> ReproducingCounters => ["TcpExt.TCPMemoryPressures", "TcpExt.TCPAbortOnMemory"];
    public override string? FixExample => "net.ipv4.tcp_mem=1000000 2000000 3000000";

    public override bool LogMatches(KernelLogLine line, LabContext ctx) => line.Kind == LogLineKind.TcpOutOfMemory;

    public override IDisposable Start(LabContext ctx)
    {
        var held = new Holder();
        try
        {
            var listener = LabSockets.Listener(0, 16, receiveBuffer: 1 << 20);
            held.Add(listener);
            var ep = (IPEndPoint)listener.LocalEndPoint!;
            var pairs = new List<Socket>();
            for (int i = 0; i < 8; i++)
            {
                // SO_SNDBUF locks the buffer size, so sk_stream_moderate_sndbuf() cannot shrink it under pressure.
                var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 1 << 20 };
                c.Connect(ep);
                pairs.Add(c);
                held.Add(listener.Accept());
            }
            long mem = LabContext.Field(ctx.SockStatTcp(), "mem");
            // 1 MiB over what sockstat shows (256 pages of 4 KiB; sockstat may lag by nr_cpus × mem_pcpu_rsv pages,
            // kernel-facts §2.1): the rest of the machine keeps its current use, our ~8 × 2 MiB goes far over it.
            long page = Environment.SystemPageSize;
            long room = (1 << 20) / page;
            var value = $"{mem + room / 4} {mem + room / 2} {mem + room}";
            ctx.Note("sockstat", $"TCP mem {mem} pages before the load");
            ctx.Set("net.ipv4.tcp_mem", value);
            long sent = 0;
            foreach (var c in pairs) sent += LabSockets.Fill(c, 4 * 1024 * 1024);
            ctx.Note("sockstat", $"{ctx.SockStatTcp()} after {sent / 1024} KiB sent unread");
            foreach (var c in pairs) c.Close(); // data still queued: tcp_check_oom() in __tcp_close()
            Thread.Sleep(300);
            ctx.RestoreNow();
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
/// The system file table full: fs.file-max (global) lowered just above fs.file-nr, and an unprivileged child
/// (root bypasses file-max, kernel-facts §8) opens files until ENFILE and holds them while the doctor looks.
/// </summary>
public sealed class FdSystemScenario : LabScenario
{
    public override string Name => "fd_system";
    public override string Symptom => "open(): ENFILE (Too many open files in system); VFS: file-max limit N reached";
    public override IReadOnlyList<string> Expected => ["fd_system"];
    public override string How => "fs.file-max lowered to file-nr + 1000 (global, under the lock, a few seconds), a nobody child opens until ENFILE";
    public override bool ChangesGlobals => true;
    public override bool DoctorReadsLog => true;
    public override string? FixExample => "fs.file-max=9223372036854775807";

    public override bool LogMatches(KernelLogLine line, LabContext ctx) => line.Kind == LogLineKind.FileMax;

    public override IDisposable Start(LabContext ctx)
    {
        long allocated = long.Parse(File.ReadAllText("/proc/sys/fs/file-nr").Split('\t', ' ')[0], CultureInfo.InvariantCulture);
        ctx.Note("note", $"fs.file-nr allocated {allocated}");
        ctx.Set("fs.file-max", (allocated + 1000).ToString(CultureInfo.InvariantCulture));
        // Up to 2000 opens (bounded), then wait; exec 2>&1 so the ENFILE line comes before READY on stdout.
        const string script = "exec 2>&1; n=0; for i in $(seq 1 2000); do exec {fd}</dev/null || break; n=$((n+1)); done; " +
                              "echo \"opened $n\"; echo READY; exec sleep 30";
        var psi = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "bash", "-c", script }) psi.ArgumentList.Add(a);
        var p = Process.Start(psi) ?? throw new LoadException("could not start setpriv");
        var held = new Holder();
        held.Add(p);
        held.Add(() => { if (!p.HasExited) { p.Kill(); p.WaitForExit(5000); } });
        var deadline = DateTime.UtcNow.AddSeconds(10);
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
