using SockDoc.Kernel.Interop;
using SockDoc.Kernel.Tracing;

namespace SockDoc.Load.Lab;

/// <summary>
/// Keeps every online CPU out of the idle task: one spinning thread per CPU, pinned to it, under SCHED_IDLE so it only takes
/// time nothing else wants. Two uses. The orphans recipe needs tcp_orphan_timer, a deferrable timer that an idle NOHZ CPU
/// leaves waiting, to refresh tcp_orphan_cache while the lowered limit is in force. A traced scenario needs its events: on
/// the kernel of our test VM (6.18) perf drops tracepoint samples raised in softirq while the CPU runs the idle task.
/// Orphans reset by their timer (tcp_probe_timer()
/// → tcp_out_of_resources() → tcp_send_active_reset()) fire there: an ftrace instance saw all 80 tcp_send_reset and
/// tcp_receive_reset events of the orphans scenario, while our perf rings and the stock `perf record -a` both saw 9 to 80,
/// with no PERF_RECORD_LOST. With the CPUs kept busy, `perf record` saw 80 of 80 in six runs out of six. A lab run checks
/// the trace against its generator, so it must not lose events to an idle CPU. Bounded: the threads stop at Dispose or
/// at the deadline, whichever comes first.
/// </summary>
public sealed class BusyCpus : IDisposable
{
    private readonly List<Thread> _threads = [];
    private readonly CancellationTokenSource _stop;
    private bool _disposed;

    private BusyCpus(TimeSpan bound)
    {
        _stop = new CancellationTokenSource(bound);
    }

    /// <summary>Why a thread could not be made SCHED_IDLE or pinned (it then does not spin), or null.</summary>
    public string? Problem { get; private set; }

    public static BusyCpus Start(TimeSpan bound)
    {
        var busy = new BusyCpus(bound);
        foreach (int cpu in TraceSession.OnlineCpus())
        {
            var ready = new ManualResetEventSlim();
            var t = new Thread(() => busy.Spin(cpu, ready)) { IsBackground = true, Name = $"busy-cpu{cpu}" };
            busy._threads.Add(t);
            t.Start();
            if (ready.Wait(TimeSpan.FromSeconds(5))) ready.Dispose();
        }
        return busy;
    }

    private void Spin(int cpu, ManualResetEventSlim ready)
    {
        var token = _stop.Token;
        try
        {
            var mask = new ulong[Math.Max(1, cpu / 64 + 1)];
            mask[cpu / 64] = 1UL << (cpu % 64);
            int priority = 0;
            // SCHED_IDLE first: a spinner at normal priority would take half of each CPU from the load it watches.
            if (Libc.sched_setscheduler(0, Libc.SCHED_IDLE, in priority) != 0)
            {
                Problem = $"sched_setscheduler(SCHED_IDLE) on cpu {cpu}: {Errno.Describe(Errno.Last)}; the CPU may go idle";
                return;
            }
            if (Libc.sched_setaffinity(0, (nuint)(mask.Length * 8), mask) != 0)
            {
                Problem = $"sched_setaffinity(cpu {cpu}): {Errno.Describe(Errno.Last)}; the CPU may go idle";
                return;
            }
        }
        finally
        {
            ready.Set();
        }
        while (!token.IsCancellationRequested) Thread.SpinWait(1000);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        foreach (var t in _threads) t.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
