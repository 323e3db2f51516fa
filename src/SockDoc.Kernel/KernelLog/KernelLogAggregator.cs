using System.Globalization;
using SockDoc.Model.KernelLog;

namespace SockDoc.Kernel.KernelLog;

/// <summary>
/// Folds classified lines into one incident per kind: count, first/last time, peak per minute,
/// bounded details. Memory is bounded whatever the input size (at most <see cref="MaxDetails"/>
/// details and <see cref="MaxVictims"/> OOM victims per kind, the rest counted).
/// </summary>
public sealed class KernelLogAggregator
{
    public const int MaxDetails = 20;
    public const int MaxVictims = 20;
    /// <summary>Minutes of per-minute counts kept per kind (a day of minutes with lines).</summary>
    public const int MaxMinutes = 1440;

    private readonly Dictionary<string, State> _kinds = new(StringComparer.Ordinal);
    private readonly DateTimeOffset? _since;
    private readonly DateTimeOffset? _until;
    private string? _lastKind;
    private string? _lastNetworkingKind;
    // The oom-kill:constraint line comes just before its "Killed process" line; keep it to join them.
    private KernelLogLine? _pendingConstraint;
    /// <summary>A kill counted from a summary line alone, which its "Killed process" line may still complete (a live read between the two).</summary>
    private (State State, int Victim, KernelLogLine Constraint)? _loneKill;
    private long _oomInvocations;
    private long _oomTaskDumps;
    private long _oomTraces;
    private long _oomMemcgReports;
    private long _oomReaps;
    // Old kernels print "Out of memory: Kill process N (x) score S or sacrifice child" and then, for the same kill,
    // "Killed process M ..." (M may be a child). The selection is counted as the kill at once, so a log grepped for
    // "Out of memory" still counts its kills; the "Killed process" line that follows fills in the victim.
    private (State State, int Victim)? _pendingSelected;
    private KernelLogLine? _oomInvokedFirst;
    private KernelLogLine? _oomInvokedLast;

    public KernelLogAggregator(DateTimeOffset? since = null, DateTimeOffset? until = null)
    {
        _since = since;
        _until = until;
    }

    public long SuppressedUnattributed { get; private set; }
    /// <summary>Lines of ours left out by --since / --until.</summary>
    public long FilteredOut { get; private set; }

    /// <summary>Call at the start of each input: a notice never refers to a line of another file.</summary>
    public void StartSource()
    {
        _lastKind = null;
        _lastNetworkingKind = null;
        KillOfLoneConstraint();
        _loneKill = null;
        _pendingSelected = null;
    }

    /// <summary>Adds one classified line; lines of kind None and look-alikes are ignored.</summary>
    public void Add(KernelLogLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Kind == LogLineKind.None) return;
        if (line.Kind == LogLineKind.LookAlike)
        {
            // A notice after "Neighbour table overflow" hides more of those, not of ours.
            _lastKind = null;
            _lastNetworkingKind = null;
            return;
        }
        // Lines without a wall time cannot be placed against --since/--until: they are kept.
        if (line.Time.Wall is { } wall && ((_since is { } s && wall < s) || (_until is { } u && wall > u)))
        {
            FilteredOut++;
            return;
        }
        switch (line.Kind)
        {
            case LogLineKind.RateLimitNotice:
                AddSuppressed(line);
                return;
            case LogLineKind.OomInvoked:
                _oomInvocations++;
                if (_oomInvokedFirst is null) _oomInvokedFirst = line;
                _oomInvokedLast = line;
                return;
            case LogLineKind.OomCallTrace:
            case LogLineKind.OomTaskDump:
            case LogLineKind.OomMemcgUsage:
            case LogLineKind.OomReaped:
                // One task table, one stack, one memcg usage line and at most one reaper line per run of the OOM killer: an invocation when the
                // "invoked oom-killer" line is not there (cut above the stack, or grepped away). Counted apart: a report has
                // several. The reaper follows a kill line when there is one, which counts the kill itself.
                if (line.Kind == LogLineKind.OomTaskDump) _oomTaskDumps++;
                else if (line.Kind == LogLineKind.OomReaped) _oomReaps++;
                else if (line.Kind == LogLineKind.OomMemcgUsage) _oomMemcgReports++;
                else _oomTraces++;
                if (_oomInvocations == 0)
                {
                    _oomInvokedFirst ??= line;
                    _oomInvokedLast = line;
                }
                return;
            case LogLineKind.OomConstraint:
                KillOfLoneConstraint();
                _pendingConstraint = line;
                return;
            case LogLineKind.OomKillSelected:
                _pendingSelected = AddOomKill(line, line.Message.Contains("Memory cgroup out of memory", StringComparison.Ordinal));
                return;
            case LogLineKind.OomKilled:
                if (_loneKill is { } lone && lone.Constraint.Pid == line.Pid)
                {
                    // Already counted from its summary line (Incidents() was asked for in between): complete the victim.
                    _loneKill = null;
                    if (lone.Victim >= 0) lone.State.Victims[lone.Victim] = Victim(line, lone.Constraint);
                    return;
                }
                if (_pendingSelected is { } sel)
                {
                    _pendingSelected = null;
                    if (sel.Victim >= 0) sel.State.Victims[sel.Victim] = Victim(line, null);
                    return;
                }
                AddOomKill(line, false);
                return;
        }
        var info = KernelLogKinds.Of(line.Kind);
        var state = Count(info, line);
        var detail = DetailOf(line);
        if (detail is not null) state.AddDetail(detail);
    }

    private void AddSuppressed(KernelLogLine line)
    {
        long n = line.Number ?? 0;
        // A pr_*_ratelimited notice names the function that printed: attribute to that kind when we know it.
        string? target = line.Limiter switch
        {
            "__vm_enough_memory" => "memory_overcommit",
            "net_ratelimit" => _lastNetworkingKind,
            _ => _lastKind,
        };
        if (target is not null && _kinds.TryGetValue(target, out var state)) state.Suppressed += n;
        else SuppressedUnattributed += n;
    }

    /// <summary>
    /// dump_oom_summary() prints "oom-kill:constraint=...,task=NAME,pid=N" from oom_kill_process() for the victim it is
    /// about to kill; "Killed process N" follows unless the task is already exiting. A summary line that no kill line
    /// followed before the next summary or the end of its file was cut or grepped away from its kill: it is the kill.
    /// </summary>
    private void KillOfLoneConstraint()
    {
        if (_pendingConstraint is not { } lone) return;
        var (state, victim) = AddOomKill(lone, false);
        _loneKill = (state, victim, lone);
    }

    /// <summary>Counts one kill; returns where its victim was kept (index -1 when past MaxVictims).</summary>
    private (State State, int Victim) AddOomKill(KernelLogLine line, bool selectedInMemcg)
    {
        var constraint = _pendingConstraint is { } c && (c.Pid is null || c.Pid == line.Pid) ? c : null;
        _pendingConstraint = null;
        // OpenVZ's "Out of memory in UB N" is a container's beancounter, not a memory cgroup: counted as a plain OOM kill,
        // whose text claims no limit it cannot name.
        bool memcg = (line.Action?.StartsWith("Memory cgroup", StringComparison.Ordinal) ?? false) ||
                     constraint?.Constraint == "CONSTRAINT_MEMCG" || selectedInMemcg;
        var info = memcg ? KernelLogKinds.MemcgOomKill : KernelLogKinds.Of(LogLineKind.OomKilled);
        var state = Count(info, line);
        if (state.Victims.Count >= MaxVictims)
        {
            state.VictimsOmitted++;
            return (state, -1);
        }
        state.Victims.Add(Victim(line, constraint));
        return (state, state.Victims.Count - 1);
    }

    private static OomVictim Victim(KernelLogLine line, KernelLogLine? constraint) => new()
    {
        Pid = line.Pid ?? 0,
        Name = line.Name ?? "?",
        AnonRssKb = line.AnonRssKb,
        TotalVmKb = line.TotalVmKb,
        Cgroup = constraint?.Cgroup,
        Constraint = constraint?.Constraint,
        Wall = line.Time.Wall,
        Uptime = line.Time.Uptime,
    };

    private State GetOrAdd(KernelLogKindInfo info)
    {
        if (!_kinds.TryGetValue(info.Kind, out var state))
        {
            state = new State(info);
            _kinds.Add(info.Kind, state);
        }
        return state;
    }

    private State Count(KernelLogKindInfo info, KernelLogLine line)
    {
        var state = GetOrAdd(info);
        state.Count++;
        state.Sample ??= line.Message;
        var t = line.Time;
        if (t.Wall is { } w)
        {
            if (state.FirstWall is null || w < state.FirstWall) state.FirstWall = w;
            if (state.LastWall is null || w > state.LastWall) state.LastWall = w;
        }
        if (t.Uptime is { } up)
        {
            if (state.FirstUptime is null || up < state.FirstUptime) state.FirstUptime = up;
            if (state.LastUptime is null || up > state.LastUptime) state.LastUptime = up;
        }
        // Peak per minute over whole minutes of wall time, else of uptime (lines come in time order within a source).
        long? minute = t.Wall is { } wall ? wall.ToUnixTimeSeconds() / 60 : t.Uptime is { } u ? (long)(u / 60) : null;
        if (minute is { } m)
        {
            if (m != state.Minute)
            {
                state.Minute = m;
                state.InMinute = 0;
                if (state.Minutes.Count == 0) state.MinutesFromUptime = t.Wall is null;
                // Bounded: the last MaxMinutes minutes with lines are what a --recent window can ask for.
                if (state.Minutes.Count == MaxMinutes) state.Minutes.RemoveAt(0);
                state.Minutes.Add(new LogMinute(m, 0));
            }
            state.InMinute++;
            state.Minutes[^1] = new LogMinute(m, state.InMinute);
            if (state.InMinute > state.Peak) state.Peak = state.InMinute;
        }
        _lastKind = info.Kind;
        if (info.Networking) _lastNetworkingKind = info.Kind;
        return state;
    }

    private static string? DetailOf(KernelLogLine line) => line.Kind switch
    {
        LogLineKind.SynFlood => string.Create(CultureInfo.InvariantCulture,
            $"port {(line.Address is { } a ? a + ":" : "")}{line.Port?.ToString(CultureInfo.InvariantCulture) ?? "?"}{(line.Proto is { } p ? " " + p : "")}{(line.Action is { } act ? ", " + act : "")}"),
        LogLineKind.ConntrackFull => line.Netns is { } ns ? string.Create(CultureInfo.InvariantCulture, $"netns {ns}") : null,
        LogLineKind.FileMax => line.Number is { } n ? string.Create(CultureInfo.InvariantCulture, $"file-max {n}") : null,
        LogLineKind.MemoryOvercommit => string.Create(CultureInfo.InvariantCulture, $"{line.Name ?? "?"} (pid {line.Pid?.ToString(CultureInfo.InvariantCulture) ?? "?"})"),
        _ => null,
    };

    /// <summary>The incidents so far, most frequent first.</summary>
    public IReadOnlyList<KernelLogIncident> Incidents()
    {
        KillOfLoneConstraint();
        var list = new List<KernelLogIncident>(_kinds.Count + 1);
        long invocations = Math.Max(Math.Max(Math.Max(_oomInvocations, _oomReaps), Math.Max(_oomTaskDumps, _oomTraces)), _oomMemcgReports);
        if (invocations > 0 && !_kinds.ContainsKey(KernelLogKinds.MemcgOomKillKind) &&
            !_kinds.ContainsKey(KernelLogKinds.Of(LogLineKind.OomKilled).Kind))
        {
            // Invoked but no victim line (log cut, or "no killable processes"): count the invocations.
            var info = KernelLogKinds.Of(LogLineKind.OomInvoked);
            list.Add(new KernelLogIncident
            {
                Kind = info.Kind,
                Description = info.Description,
                Count = invocations,
                FirstWall = _oomInvokedFirst?.Time.Wall,
                LastWall = _oomInvokedLast?.Time.Wall,
                FirstUptime = _oomInvokedFirst?.Time.Uptime,
                LastUptime = _oomInvokedLast?.Time.Uptime,
                SampleLine = _oomInvokedFirst?.Message,
                Note = "the oom-killer ran but no \"Killed process\" line was found",
            });
        }
        foreach (var s in _kinds.Values)
        {
            var details = new List<string>();
            foreach (var (text, count) in s.Details)
                details.Add(count == 1 ? text : string.Create(CultureInfo.InvariantCulture, $"{text} x{count}"));
            foreach (var v in s.Victims)
                details.Add(VictimText(v));
            list.Add(new KernelLogIncident
            {
                Kind = s.Info.Kind,
                Description = s.Info.Description,
                Count = s.Count,
                SuppressedUpTo = s.Suppressed,
                FirstWall = s.FirstWall,
                LastWall = s.LastWall,
                FirstUptime = s.FirstUptime,
                LastUptime = s.LastUptime,
                PeakPerMinute = s.Peak,
                Minutes = [.. s.Minutes],
                MinutesFromUptime = s.MinutesFromUptime,
                Details = details,
                DetailsOmitted = s.DetailsOmitted,
                SampleLine = s.Sample,
                Note = s.Info.Note,
                Victims = [.. s.Victims],
                VictimsOmitted = s.VictimsOmitted,
            });
        }
        list.Sort((a, b) => b.Count != a.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Kind, b.Kind));
        return list;
    }

    public static string VictimText(OomVictim v)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"killed pid {v.Pid} ({v.Name})");
        if (v.AnonRssKb is { } rss) text += string.Create(CultureInfo.InvariantCulture, $" anon-rss {rss} kB");
        if (v.Cgroup is { } cg) text += " cgroup " + cg;
        return text;
    }

    private sealed class State(KernelLogKindInfo info)
    {
        public KernelLogKindInfo Info { get; } = info;
        public long Count;
        public long Suppressed;
        public DateTimeOffset? FirstWall, LastWall;
        public double? FirstUptime, LastUptime;
        public long Minute = long.MinValue;
        public long InMinute;
        public long Peak;
        public readonly List<LogMinute> Minutes = [];
        public bool MinutesFromUptime;
        public string? Sample;
        public readonly List<(string Text, long Count)> Details = [];
        public long DetailsOmitted;
        public readonly List<OomVictim> Victims = [];
        public long VictimsOmitted;

        public void AddDetail(string text)
        {
            for (int i = 0; i < Details.Count; i++)
            {
                if (Details[i].Text == text)
                {
                    Details[i] = (text, Details[i].Count + 1);
                    return;
                }
            }
            if (Details.Count < MaxDetails) Details.Add((text, 1));
            else DetailsOmitted++;
        }
    }
}
