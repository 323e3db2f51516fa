using SockDoc.Kernel.KernelLog;

namespace SockDoc.Load.Lab;

/// <summary>
/// One failure the lab makes happen on the running kernel. Start() makes it (and keeps what must stay alive
/// while the doctor looks, in the returned IDisposable); the runner measures, runs the doctor and puts every
/// setting back. Every loop is bounded in count and time.
/// </summary>
public abstract class LabScenario
{
    public abstract string Name { get; }
    /// <summary>What the operator sees: the log line or the errno.</summary>
    public abstract string Symptom { get; }
    /// <summary>The finding ids the doctor must give.</summary>
    public abstract IReadOnlyList<string> Expected { get; }
    /// <summary>One line for `lab list`: how the failure is made.</summary>
    public abstract string How { get; }
    /// <summary>Runs in its own network namespace sdk-lab-NAME-PID (the doctor too).</summary>
    public virtual bool UsesNetns => false;
    /// <summary>Changes a machine-wide setting: the runner holds the global lock for the whole run.</summary>
    public virtual bool ChangesGlobals => false;
    /// <summary>The doctor must read the kernel log (otherwise it runs with --no-log).</summary>
    public virtual bool DoctorReadsLog => false;
    /// <summary>The doctor needs the netlink socket census (otherwise --no-census).</summary>
    public virtual bool DoctorNeedsCensus => false;
    /// <summary>"Group.Name" counters of /proc/net/netstat and /proc/net/snmp whose delta is printed.</summary>
    public virtual IReadOnlyList<string> Counters => [];
    /// <summary>Counters whose rise proves the failure happened.</summary>
    public virtual IReadOnlyList<string> ReproducingCounters => [];
    /// <summary>A proposed setting that should make the finding go away (shown by `lab list`).</summary>
    public virtual string? FixExample => null;

    /// <summary>Is this kernel log line part of this scenario's failure (then it is printed and proves it)?</summary>
    public virtual bool LogMatches(KernelLogLine line, LabContext ctx) => false;

    /// <summary>The `sockdoc trace --what` that attributes this scenario's failure (lab run --trace), or null.</summary>
    public virtual string? TraceWhat => null;

    /// <summary>Holds the trace's report against what this run's generator did (after Start).</summary>
    public virtual TraceAttribution CheckTrace(System.Text.Json.JsonElement report, LabContext ctx) => new(false, "this scenario has no trace check");

    public abstract IDisposable Start(LabContext ctx);
}

/// <summary>Several disposables released newest first.</summary>
internal sealed class Holder : IDisposable
{
    private readonly List<Action> _undo = [];

    public void Add(IDisposable d) => _undo.Add(d.Dispose);

    public void Add(Action a) => _undo.Add(a);

    public void Dispose()
    {
        for (int i = _undo.Count - 1; i >= 0; i--)
        {
            try
            {
                _undo[i]();
            }
#pragma warning disable CA1031 // cleanup goes on with the next item
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
        _undo.Clear();
    }
}
