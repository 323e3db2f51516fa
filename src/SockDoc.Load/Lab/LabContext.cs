using System.Globalization;
using SockDoc.Kernel.Sysctl;

namespace SockDoc.Load.Lab;

/// <summary>
/// What a scenario may use: its namespace, sysctl changes through the restore journal (a --with setting wins over
/// the scenario's own value), and the evidence sink that prints the kernel's evidence as it appears.
/// </summary>
public sealed class LabContext
{
    private readonly RestoreJournal _journal;
    private readonly IReadOnlyDictionary<string, string> _with;
    private readonly Action<LabEvidence> _onEvidence;
    private readonly List<LabEvidence> _evidence = [];
    private readonly object _gate = new();
    private readonly HashSet<string> _applied = new(StringComparer.Ordinal);

    internal LabContext(NetNamespace? netns, RestoreJournal journal, IReadOnlyDictionary<string, string> with, Action<LabEvidence> onEvidence, CancellationToken cancel)
    {
        Netns = netns;
        _journal = journal;
        _with = with;
        _onEvidence = onEvidence;
        Cancel = cancel;
    }

    public NetNamespace? Netns { get; }
    public CancellationToken Cancel { get; }
    public bool Reproduced { get; private set; }

    public IReadOnlyList<LabEvidence> Evidence
    {
        get { lock (_gate) return [.. _evidence]; }
    }

    public void Note(string kind, string text)
    {
        var e = new LabEvidence(kind, text);
        lock (_gate) _evidence.Add(e);
        _onEvidence(e);
    }

    /// <summary>The kernel showed the failure (errno, counter rise, log line, blocked stack).</summary>
    public void Reproduce(string kind, string text)
    {
        Reproduced = true;
        Note(kind, text);
    }

    /// <summary>
    /// Sets a sysctl for this scenario through the journal (old value written and flushed first). A setting the
    /// user proposed with --with keeps the proposed value. Returns the value in force.
    /// </summary>
    public string Set(string name, string value)
    {
        if (_with.TryGetValue(name, out var proposed))
        {
            // A proposed setting whose sysctl appeared only with the load (nf_conntrack_max) is applied now.
            if (!_applied.Contains(name)) Apply(name, proposed);
            return proposed;
        }
        Apply(name, value);
        return value;
    }

    /// <summary>Applies the --with settings whose sysctl exists already; the others wait for the scenario's Set.</summary>
    internal void ApplyProposed()
    {
        foreach (var (name, value) in _with)
            if (File.Exists("/proc/sys/" + name.Replace('.', '/'))) Apply(name, value);
    }

    internal void Apply(string name, string value)
    {
        _applied.Add(name);
        var ns = Netns is not null && !SysctlScope.IsGlobal(name) ? Netns.Name : null;
        _journal.Set(name, value, ns);
        Note("setting", $"{name} = {value}" + (ns is null ? (SysctlScope.IsGlobal(name) ? " (global, journaled)" : " (journaled)") : $" (in {ns})"));
    }

    /// <summary>Puts every setting back now (a global window must stay short; the doctor may run after it).</summary>
    public void RestoreNow()
    {
        _journal.RestoreAll();
        Note("setting", "settings put back");
    }

    /// <summary>Runs work inside the scenario's namespace (on a thread that entered it), or here without one.</summary>
    public T Inside<T>(Func<T> work) => Netns is null ? work() : Netns.Inside(work);

    /// <summary>A file of /proc/net as the scenario's namespace sees it.</summary>
    public string ReadNet(string file) => Netns is null ? File.ReadAllText("/proc/net/" + file) : Netns.ReadProc(file);

    /// <summary>The sockstat TCP line of the scenario's namespace (inuse/tw per netns; orphan/mem global).</summary>
    public string SockStatTcp()
    {
        foreach (var line in ReadNet("sockstat").Split('\n'))
            if (line.StartsWith("TCP:", StringComparison.Ordinal)) return line.Trim();
        return "TCP: (absent)";
    }

    public static long Field(string line, string name)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int i = Array.IndexOf(parts, name);
        return i >= 0 && i + 1 < parts.Length && long.TryParse(parts[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : -1;
    }
}

/// <summary>Which sysctls exist once for the whole machine (kernel-facts §9): they are never set inside a namespace.</summary>
public static class SysctlScope
{
    private static readonly string[] GlobalNames =
    [
        "net.ipv4.tcp_mem", "net.ipv4.tcp_max_orphans", "net.ipv4.udp_mem", "net.core.mem_pcpu_rsv",
        "net.core.rmem_max", "net.core.wmem_max", "net.core.rmem_default", "net.core.wmem_default", "net.core.netdev_max_backlog",
        "net.netfilter.nf_conntrack_max", "net.netfilter.nf_conntrack_buckets", "net.netfilter.nf_conntrack_expect_max",
    ];

    public static bool IsGlobal(string name) =>
        name.StartsWith("fs.", StringComparison.Ordinal) || name.StartsWith("vm.", StringComparison.Ordinal)
        || name.StartsWith("kernel.", StringComparison.Ordinal) || GlobalNames.Contains(name);
}
