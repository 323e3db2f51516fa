using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// sysctl values: `sysctl NAME` / `sysctl -a` ("net.ipv4.tcp_mem = 1 2 3"), `grep . /proc/sys/...`
/// ("/proc/sys/net/ipv4/tcp_mem:1 2 3"), "sysctl: cannot stat /proc/sys/...: No such file" (absent: a container's
/// network namespace lacks the global ones), and bare values after `cat /proc/sys/X` or `sysctl -n A B`.
/// </summary>
public sealed partial class SysctlLines : IPasteRecogniser
{
    private readonly Queue<string> _pending = new();

    public void Command(string command)
    {
        _pending.Clear();
        var c = PasteParse.Bare(command);
        if (CatRegex().Match(c) is { Success: true } cat)
        {
            foreach (Capture p in cat.Groups["p"].Captures)
                if (p.Value != "fs/file-nr") _pending.Enqueue(p.Value.Replace('/', '.'));
        }
        else if (SysctlNRegex().Match(c) is { Success: true } n)
        {
            foreach (Capture name in n.Groups["n"].Captures) _pending.Enqueue(name.Value);
        }
    }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        var t = line.Text.Trim();
        if (_pending.Count > 0)
        {
            var name = _pending.Dequeue();
            if (BareValueRegex().IsMatch(t))
            {
                into.Sysctls[name] = PasteParse.Normalise(t);
                into.Claim("sysctl-value", line.Number, $"value of {name} after cat");
                return 1;
            }
            _pending.Clear();
        }
        if (SysctlRegex().Match(t) is { Success: true } sy)
        {
            into.Sysctls[sy.Groups["n"].Value] = PasteParse.Normalise(sy.Groups["v"].Value);
            into.Claim("sysctl", line.Number, "sysctl values");
            return 1;
        }
        if (GrepSysctlRegex().Match(t) is { Success: true } gs)
        {
            into.Sysctls[gs.Groups["p"].Value.Replace('/', '.')] = PasteParse.Normalise(gs.Groups["v"].Value);
            into.Claim("sysctl", line.Number, "sysctl values");
            return 1;
        }
        if (AbsentRegex().Match(t) is { Success: true } sa)
        {
            into.Absent.Add(sa.Groups["p"].Value.Replace('/', '.'));
            into.Claim("sysctl", line.Number, "sysctl values");
            return 1;
        }
        return 0;
    }

    [GeneratedRegex(@"^cat(?:\s+/proc/sys/(?<p>[\w\-./]+?))+\s*$")]
    private static partial Regex CatRegex();
    [GeneratedRegex(@"^(?:/s?bin/|/usr/s?bin/)?sysctl\s+-n(?:\s+(?<n>[\w\-.]+))+\s*$")]
    private static partial Regex SysctlNRegex();
    [GeneratedRegex(@"^-?\d+(?:\s+-?\d+)*$|^[\w\-., ]{1,200}$")]
    private static partial Regex BareValueRegex();
    [GeneratedRegex(@"^(?<n>(?:net|fs|vm|kernel|user)(?:\.[\w\-]+)+)\s*=\s*(?<v>.*)$")]
    private static partial Regex SysctlRegex();
    [GeneratedRegex(@"^/proc/sys/(?<p>[\w\-./]+):(?<v>.+)$")]
    private static partial Regex GrepSysctlRegex();
    [GeneratedRegex(@"^sysctl: cannot stat /proc/sys/(?<p>[\w\-./]+): No such file or directory$")]
    private static partial Regex AbsentRegex();
}
