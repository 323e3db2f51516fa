using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model.Config;

namespace SockDoc.Diagnosis.Lint;

/// <summary>
/// Rules over the parsed sysctl configuration and the running kernel's values. Pure: the caller reads
/// the files (SockDoc.Kernel.Config) and /proc/sys.
/// </summary>
public static class SysctlLint
{
    /// <summary>Kernel default of fs.nr_open: 1024*1024 (fs/file.c sysctl_nr_open = NR_OPEN), kernel-facts §8.</summary>
    public const long DefaultNrOpen = 1024 * 1024;
    /// <summary>Kernel default of net.core.somaxconn since 5.4 (SOMAXCONN, include/linux/socket.h), kernel-facts §6.1.</summary>
    public const long DefaultSomaxconn = 4096;
    /// <summary>TIME_WAIT length, fixed (TCP_TIMEWAIT_LEN, include/net/tcp.h), kernel-facts §4.1.</summary>
    public const int TimeWaitSeconds = 60;

    /// <summary>Vectors in pages (global, tcp_init_mem()/udp_init()) and in bytes (per socket).</summary>
    private static readonly string[] PageTriples = ["net/ipv4/tcp_mem", "net/ipv4/udp_mem"];
    private static readonly string[] ByteTriples = ["net/ipv4/tcp_rmem", "net/ipv4/tcp_wmem", "net/ipv4/udp_rmem_min", "net/ipv4/udp_wmem_min"];
    private static readonly string[] ByteScalars = ["net/core/rmem_max", "net/core/wmem_max", "net/core/rmem_default", "net/core/wmem_default", "net/core/optmem_max"];

    public static List<LintFinding> Check(SysctlConfig config, RunningKernel running, List<EffectiveSetting> effectiveOut)
    {
        var findings = new List<LintFinding>();
        foreach (var p in config.Problems)
            findings.Add(new LintFinding("damaged_file", Severity.Warning, p.File, p.Line, null, p.Message));
        foreach (var m in config.Masked)
            findings.Add(new LintFinding("masked_file", Severity.Info, m.File, null, null, $"not applied: masked by {m.MaskedBy} (same file name, higher-precedence directory)"));

        // Last assignment per key wins; earlier ones are shadowed.
        var last = new Dictionary<string, SysctlAssignment>(StringComparer.Ordinal);
        foreach (var a in config.Assignments)
        {
            if (a.IsGlob) continue;
            if (last.TryGetValue(a.ProcPath, out var prev))
            {
                var same = Normalise(prev.Value) == Normalise(a.Value);
                findings.Add(new LintFinding("shadowed", Severity.Info, prev.File, prev.Line, prev.Key,
                    same
                        ? $"{prev.Key} = {prev.Value} is set again, to the same value, by {a.File}:{a.Line} (applied later): one of them is redundant"
                        : $"{prev.Key} = {prev.Value} never takes effect: {a.File}:{a.Line} is applied later and sets {a.Value}")
                {
                    Fix = "keep one setting per key, in the file that is applied last (files are applied in file-name order across all sysctl.d directories, then /etc/sysctl.conf)",
                });
            }
            last[a.ProcPath] = a;
        }

        foreach (var a in config.Assignments)
        {
            if (a.IsGlob) continue;
            CheckKeyExists(a, running, findings);
            CheckVector(a, running, findings);
            CheckTraps(a, running, last, findings);
        }

        foreach (var (path, a) in last.OrderBy(kv => kv.Value.Key, StringComparer.Ordinal))
        {
            string? now = running.Available && running.Values.TryGetValue(path, out var v) ? v : null;
            effectiveOut.Add(new EffectiveSetting(a.Key, a.Value, a.File, a.Line, now));
            if (now is not null && !SameValue(a.Value, now))
            {
                findings.Add(new LintFinding("not_applied", Severity.Warning, a.File, a.Line, a.Key,
                    $"the file sets {a.Key} = {a.Value}, the running kernel has {now}: this file was not applied since it changed (or something set the value afterwards)")
                {
                    Fix = $"apply it with `sysctl --system` (or `sysctl -w {a.Key}=\"{a.Value}\"`), or correct the file",
                });
            }
        }
        return findings;
    }

    private static void CheckKeyExists(SysctlAssignment a, RunningKernel running, List<LintFinding> findings)
    {
        var name = a.Key;
        var leaf = name[(name.LastIndexOf('.') + 1)..];
        // Known dead names first: these are worth saying even without a running kernel to compare.
        if (name == "net.ipv4.tcp_tw_recycle" && !(running.Available && running.Values.ContainsKey(a.ProcPath)))
        {
            findings.Add(new LintFinding("removed_key", Severity.Warning, a.File, a.Line, name,
                "net.ipv4.tcp_tw_recycle was removed in Linux 4.12 (commit 4396e46187ca): the line only produces an error at boot; it broke clients behind NAT")
            { Fix = "delete the line" });
            return;
        }
        if (leaf.StartsWith("ip_conntrack", StringComparison.Ordinal))
        {
            findings.Add(new LintFinding("removed_key", Severity.Warning, a.File, a.Line, name,
                $"{name} is the old ip_conntrack name (module removed in 2.6.2x): current kernels use net.netfilter.nf_conntrack_{leaf["ip_conntrack_".Length..]}")
            { Fix = $"rename to net.netfilter.nf_conntrack_{leaf["ip_conntrack_".Length..]}" });
            return;
        }
        if (!running.Available) return;
        if (running.Values.ContainsKey(a.ProcPath) || running.Unreadable.Contains(a.ProcPath)) return;
        var sev = a.IgnoreFailure ? Severity.Info : Severity.Warning;
        var dash = a.IgnoreFailure ? " (the \"-\" prefix makes systemd-sysctl ignore the failure)" : "";
        if (name == "net.ipv4.tcp_tw_timeout")
        {
            findings.Add(new LintFinding("vendor_key", sev, a.File, a.Line, name,
                "net.ipv4.tcp_tw_timeout exists only in some vendor kernels (Alibaba Cloud Linux); mainline TIME_WAIT is fixed at 60 s (TCP_TIMEWAIT_LEN)" + dash)
            { Fix = "delete the line; to free ports faster use net.ipv4.tcp_tw_reuse (outgoing connections only) or more source addresses" });
            return;
        }
        if (running.ParentMissing.Contains(a.ProcPath))
        {
            var module = name.StartsWith("net.netfilter.", StringComparison.Ordinal) || name.StartsWith("net.nf_conntrack", StringComparison.Ordinal) ? "nf_conntrack"
                : name.StartsWith("net.bridge.", StringComparison.Ordinal) ? "br_netfilter" : null;
            var what = module is not null
                ? $"the {module} module is not loaded now, so {name} does not exist; if it loads after systemd-sysctl ran at boot, this value is never applied"
                : IsPerInterface(name)
                    ? $"{name}: the interface is not present now; systemd applies per-interface keys when it appears"
                    : $"{name}: the directory {Dir(a.ProcPath)} does not exist in /proc/sys on this kernel";
            findings.Add(new LintFinding("module_key", Severity.Info, a.File, a.Line, name, what + dash)
            {
                Fix = module is not null ? $"load {module} early (modules-load.d) so the setting applies at boot" : "",
            });
            return;
        }
        findings.Add(new LintFinding("unknown_key", sev, a.File, a.Line, name,
            $"this kernel ({running.KernelRelease ?? "running"}) has no {name} (no /proc/sys/{a.ProcPath}): writing it fails at boot{dash}")
        { Fix = "delete the line, or check the spelling" });
    }

    private static bool IsPerInterface(string name) =>
        name.StartsWith("net.ipv4.conf.", StringComparison.Ordinal) || name.StartsWith("net.ipv6.conf.", StringComparison.Ordinal)
        || name.StartsWith("net.ipv4.neigh.", StringComparison.Ordinal) || name.StartsWith("net.ipv6.neigh.", StringComparison.Ordinal);

    private static string Dir(string procPath) => procPath.Contains('/', StringComparison.Ordinal) ? procPath[..procPath.LastIndexOf('/')] : procPath;

    private static void CheckVector(SysctlAssignment a, RunningKernel running, List<LintFinding> findings)
    {
        bool pages = PageTriples.Contains(a.ProcPath);
        bool byteTriple = a.ProcPath is "net/ipv4/tcp_rmem" or "net/ipv4/tcp_wmem";
        bool byteScalar = ByteScalars.Contains(a.ProcPath) || ByteTriples.Contains(a.ProcPath);
        if (a.ProcPath == "net/ipv4/ip_local_port_range")
        {
            CheckPortRange(a, findings);
            return;
        }
        if (!pages && !byteTriple && !byteScalar) return;

        var values = ParseLongs(a.Value);
        int expected = pages || byteTriple ? 3 : 1;
        if (values is null || values.Length != expected)
        {
            findings.Add(new LintFinding("bad_vector", Severity.Critical, a.File, a.Line, a.Key,
                $"{a.Key} = {a.Value}: expected {expected} whole number{(expected > 1 ? "s" : "")}; the kernel rejects the write (EINVAL) and keeps the old value"));
            return;
        }
        if (expected == 3 && !(values[0] <= values[1] && values[1] <= values[2]))
        {
            var names = pages ? "min <= pressure <= max" : "min <= default <= max";
            findings.Add(new LintFinding("triple_order", Severity.Critical, a.File, a.Line, a.Key,
                $"{a.Key} = {a.Value} is out of order (expected {names}); the kernel accepts it without checking, and "
                + (pages ? "memory pressure then starts above the hard limit or never ends (__sk_mem_raise_allocated)" : "autotuning then starts above its own ceiling"))
            { Fix = "write the three numbers in increasing order" });
        }

        long? ram = running.MemTotalBytes;
        long? page = running.PageSize;
        if (ram is null || (pages && page is null)) return;
        for (int i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (pages)
            {
                long bytes = SafeMul(v, page!.Value);
                if (bytes <= ram) continue;
                bool looksLikeBytes = v <= ram;
                findings.Add(looksLikeBytes
                    ? new LintFinding("wrong_unit", Severity.Critical, a.File, a.Line, a.Key,
                        $"{a.Key} counts pages of {page} bytes: {v:N0} pages = {Gib(bytes)}, more than this host's RAM ({Gib(ram.Value)}); as bytes it would be {Gib(v)}: it looks like a byte count")
                    { Fix = $"divide by the page size: {string.Join(' ', values.Select(x => (x / page.Value).ToString(CultureInfo.InvariantCulture)))}" }
                    : new LintFinding("beyond_ram", Severity.Critical, a.File, a.Line, a.Key,
                        $"{a.Key} value {v:N0} pages = {Gib(bytes)} is more than this host's RAM ({Gib(ram.Value)}): the limit can never stop socket buffers before the OOM killer does"));
                return;
            }
            if (v > ram)
            {
                findings.Add(new LintFinding("beyond_ram", Severity.Critical, a.File, a.Line, a.Key,
                    $"{a.Key} value {v:N0} bytes ({Gib(v)}) is more than this host's RAM ({Gib(ram.Value)}) for a single socket"));
                return;
            }
        }
    }

    private static void CheckPortRange(SysctlAssignment a, List<LintFinding> findings)
    {
        var v = ParseLongs(a.Value);
        if (v is null || v.Length != 2 || v[0] < 1 || v[1] > 65535 || v[0] > v[1])
        {
            findings.Add(new LintFinding("port_range", Severity.Critical, a.File, a.Line, a.Key,
                $"{a.Key} = {a.Value}: expected \"low high\" with 1 <= low <= high <= 65535; the kernel rejects it (EINVAL)"));
            return;
        }
        if ((v[0] & 1) == (v[1] & 1))
        {
            findings.Add(new LintFinding("port_range", Severity.Info, a.File, a.Line, a.Key,
                $"{a.Key} = {a.Value}: both ends have the same parity; the kernel logs \"prefer different parity for start/end values\" (connect() takes ports of low's parity first, bind(0) the other)"));
        }
    }

    private static void CheckTraps(SysctlAssignment a, RunningKernel running, Dictionary<string, SysctlAssignment> last, List<LintFinding> findings)
    {
        var v = ParseLongs(a.Value);
        long? one = v is { Length: 1 } ? v[0] : null;
        switch (a.Key)
        {
            case "net.ipv4.tcp_tw_recycle" when one is > 0 && running.Available && running.Values.ContainsKey(a.ProcPath):
                findings.Add(new LintFinding("trap_tw_recycle", Severity.Critical, a.File, a.Line, a.Key,
                    "tcp_tw_recycle = 1 drops SYNs whose TCP timestamp is older than the last one seen from the same address: clients behind NAT fail to connect (removed in 4.12 for this reason)")
                { Fix = "set 0 (or upgrade past 4.12, where the key is gone)" });
                break;
            case "net.ipv4.tcp_orphan_retries" when one == 0:
                findings.Add(new LintFinding("trap_orphan_retries", Severity.Info, a.File, a.Line, a.Key,
                    "tcp_orphan_retries = 0 means 8 retries, not none (tcp_orphan_retries(), net/ipv4/tcp_timer.c): orphans are kept as long as with the default")
                { Fix = "to give up on dead peers sooner, set a small number such as 3" });
                break;
            case "vm.panic_on_oom" when one is 1 or 2:
                findings.Add(new LintFinding("trap_panic_on_oom", Severity.Warning, a.File, a.Line, a.Key,
                    $"vm.panic_on_oom = {one}: an out-of-memory condition panics (reboots) the whole host instead of killing one process; socket buffers and slab are kernel memory the OOM killer cannot free"));
                break;
            case "net.ipv4.tcp_fin_timeout":
                findings.Add(new LintFinding("trap_fin_timeout", Severity.Info, a.File, a.Line, a.Key,
                    $"tcp_fin_timeout only limits orphaned FIN_WAIT2 sockets (tcp_fin_time()); it does not shorten TIME_WAIT, which is fixed at {TimeWaitSeconds} s (TCP_TIMEWAIT_LEN)"));
                break;
            case "net.ipv4.tcp_max_syn_backlog":
                var cookies = last.TryGetValue("net/ipv4/tcp_syncookies", out var c) ? ParseLongs(c.Value)
                    : running.Values.TryGetValue("net/ipv4/tcp_syncookies", out var r) ? ParseLongs(r) : null;
                if (cookies is { Length: 1 } && cookies[0] != 0)
                {
                    findings.Add(new LintFinding("trap_syn_backlog", Severity.Info, a.File, a.Line, a.Key,
                        $"tcp_max_syn_backlog is used only when tcp_syncookies = 0 (here {cookies[0]}); the SYN queue of a listener is limited by min(listen backlog, net.core.somaxconn) (tcp_conn_request())")
                    { Fix = "raise net.core.somaxconn and the application's listen() backlog instead" });
                }
                break;
            case "net.core.somaxconn" when one is { } s && s < DefaultSomaxconn:
                findings.Add(new LintFinding("trap_somaxconn", Severity.Info, a.File, a.Line, a.Key,
                    $"net.core.somaxconn = {s} is lower than the kernel default {DefaultSomaxconn} (since 5.4): this caps every listen() backlog below what the kernel would allow"));
                break;
        }
    }

    internal static long[]? ParseLongs(string value)
    {
        var parts = value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return null;
        var r = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out r[i])) return null;
        }
        return r;
    }

    private static string Normalise(string v) => string.Join(' ', v.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Numbers compare as numbers (tabs in tcp_mem, "+1"); anything else as text without spacing differences.</summary>
    internal static bool SameValue(string file, string running)
    {
        var a = ParseLongs(file);
        var b = ParseLongs(running);
        if (a is not null && b is not null) return a.SequenceEqual(b);
        return Normalise(file) == Normalise(running);
    }

    private static long SafeMul(long a, long b)
    {
        try
        {
            return checked(a * b);
        }
        catch (OverflowException)
        {
            return long.MaxValue;
        }
    }

    internal static string Gib(long bytes) => (bytes / (1024.0 * 1024 * 1024)).ToString("0.##", CultureInfo.InvariantCulture) + " GiB";
}
