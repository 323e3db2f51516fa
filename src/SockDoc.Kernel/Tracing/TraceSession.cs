using SockDoc.Kernel.Interop;

namespace SockDoc.Kernel.Tracing;

/// <summary>One tracepoint to attach, with an optional kernel-side filter (ftrace filter syntax).</summary>
public sealed record TraceAttach(TraceEventFormat Format, string? Filter);

/// <summary>What happened when attaching one tracepoint.</summary>
public sealed record TraceAttachResult(string Event, bool Attached, string? Filter, bool FilterApplied, string? Problem);

/// <summary>Receives each sample, in time order across CPUs within one poll.</summary>
public interface ITraceSink
{
    void OnSample(in PerfSample sample);
}

/// <summary>
/// Tracepoints attached with perf_event_open(PERF_TYPE_TRACEPOINT) on every online CPU, pid -1, each CPU's
/// events sharing one mmap ring (PERF_EVENT_IOC_SET_OUTPUT). Nothing is written to tracefs: the events live in
/// this process's file descriptors, so the kernel detaches them when the process exits by any means, SIGKILL
/// included (perf_release() on the last close). Dispose detaches at once.
/// </summary>
public sealed class TraceSession : IDisposable
{
    private readonly List<int> _fds = [];
    private readonly List<PerfRing> _rings = [];
    private byte[] _arena = new byte[1 << 20];
    private readonly List<SampleRef> _order = new(4096);
    private bool _disposed;

    public IReadOnlyList<TraceAttachResult> Results { get; private set; } = [];
    public IReadOnlyList<int> Cpus { get; private set; } = [];
    public long Lost => _lost;
    public long Malformed => _malformed;
    public long Samples { get; private set; }
    public long RingBytesPerCpu { get; private set; }
    private long _lost;
    private long _malformed;

    private TraceSession() { }

    /// <summary>
    /// Opens every requested tracepoint on every online CPU, applies filters, then enables them all. A
    /// tracepoint the kernel refuses is reported in Results and left out; the rest still run.
    /// </summary>
    public static TraceSession Open(IReadOnlyList<TraceAttach> requests, int dataPagesPerCpu, out string? problem)
    {
        problem = null;
        var s = new TraceSession();
        var cpus = OnlineCpus();
        s.Cpus = cpus;
        var leaders = new Dictionary<int, int>(); // cpu → fd owning the ring
        var results = new List<TraceAttachResult>();
        Span<byte> attr = stackalloc byte[PerfEventInterop.AttrSize];
        try
        {
            foreach (var req in requests)
            {
                var opened = new List<int>();
                string? why = null;
                bool filterOk = req.Filter is null;
                PerfEventInterop.WriteTracepointAttr(attr, req.Format.Id);
                foreach (int cpu in cpus)
                {
                    int fd = PerfEventInterop.Open(attr, cpu);
                    if (fd < 0)
                    {
                        why = $"perf_event_open({req.Format.FullName}, cpu {cpu}): {Errno.Describe(-fd)}" +
                              (-fd is Errno.EACCES or Errno.EPERM ? " (needs root or CAP_PERFMON; kernel.perf_event_paranoid)" : "");
                        break;
                    }
                    opened.Add(fd);
                    if (req.Filter is not null)
                    {
                        int fr = PerfEventInterop.SetFilter(fd, req.Filter);
                        // A filter the kernel refuses (field missing on this version) leaves the event unfiltered:
                        // correct, only more events to read.
                        filterOk = fr == 0;
                    }
                    if (!leaders.TryGetValue(cpu, out int leader))
                    {
                        var ring = PerfRing.Map(fd, dataPagesPerCpu, out int errno);
                        if (ring is null)
                        {
                            why = $"mmap of the perf ring (cpu {cpu}, {dataPagesPerCpu} pages): {Errno.Describe(errno)}" +
                                  (errno == Errno.EPERM ? " (kernel.perf_event_mlock_kb too small?)" : "");
                            break;
                        }
                        s._rings.Add(ring);
                        s.RingBytesPerCpu = (long)ring.DataSize;
                        leaders[cpu] = fd;
                    }
                    else
                    {
                        int r = PerfEventInterop.Ioctl(fd, PerfEventInterop.PERF_EVENT_IOC_SET_OUTPUT, leader);
                        if (r != 0)
                        {
                            why = $"PERF_EVENT_IOC_SET_OUTPUT ({req.Format.FullName}, cpu {cpu}): {Errno.Describe(-r)}";
                            break;
                        }
                    }
                }
                if (why is not null)
                {
                    // A ring leader cannot be closed while others point at it; only non-leaders are dropped here.
                    foreach (int fd in opened)
                        if (!leaders.ContainsValue(fd)) PerfEventInterop.Close(fd);
                        else s._fds.Add(fd);
                    results.Add(new TraceAttachResult(req.Format.FullName, false, req.Filter, false, why));
                    continue;
                }
                s._fds.AddRange(opened);
                results.Add(new TraceAttachResult(req.Format.FullName, true, req.Filter, filterOk, null));
            }
            foreach (int fd in s._fds) PerfEventInterop.Ioctl(fd, PerfEventInterop.PERF_EVENT_IOC_ENABLE, 0);
            s.Results = results;
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    /// <summary>Drains every CPU's ring, orders the samples by time and hands each to the sink. Returns samples seen.</summary>
    public int Poll(ITraceSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (_disposed) return 0;
        int used = 0;
        _order.Clear();
        foreach (var ring in _rings)
        {
            int before = used;
            ring.Drain(ref _arena, ref used);
            PerfRing.Walk(_arena.AsSpan(before, used - before), before, _order, ref _lost, ref _malformed);
        }
        _order.Sort();
        var span = _arena.AsSpan(0, used);
        foreach (var r in _order)
        {
            var sample = PerfRing.Sample(span, r.Pos);
            sink.OnSample(in sample);
        }
        Samples += _order.Count;
        // Keep the arena from staying huge after a burst.
        if (_arena.Length > 8 << 20 && used < 1 << 20) _arena = new byte[1 << 20];
        return _order.Count;
    }

    /// <summary>CPUs in /sys/devices/system/cpu/online ("0-3,5").</summary>
    public static List<int> OnlineCpus()
    {
        var result = new List<int>();
        string text;
        try
        {
            text = File.ReadAllText("/sys/devices/system/cpu/online").Trim();
        }
        catch (IOException)
        {
            text = $"0-{Environment.ProcessorCount - 1}";
        }
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-');
            if (!int.TryParse(ends[0], out int lo)) continue;
            int hi = ends.Length > 1 && int.TryParse(ends[1], out int h) ? h : lo;
            for (int c = lo; c <= hi && c < 4096; c++) result.Add(c);
        }
        return result;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (int fd in _fds) PerfEventInterop.Ioctl(fd, PerfEventInterop.PERF_EVENT_IOC_DISABLE, 0);
        foreach (var ring in _rings) ring.Dispose();
        foreach (int fd in _fds) PerfEventInterop.Close(fd);
        _fds.Clear();
        _rings.Clear();
    }
}
