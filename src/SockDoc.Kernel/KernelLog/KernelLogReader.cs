using System.Globalization;
using System.Text;
using SockDoc.Kernel.Interop;
using SockDoc.Model.KernelLog;

namespace SockDoc.Kernel.KernelLog;

/// <summary>--since / --until for incident lines (lines without a wall time are kept: they cannot be placed).</summary>
public sealed record KernelLogFilter(DateTimeOffset? Since = null, DateTimeOffset? Until = null);

/// <summary>
/// Entry points: the running kernel's buffer (/dev/kmsg, bounded in time, for the doctor), log files
/// (plain, gzip, rotated, several at once), any stream, and a live tail of /dev/kmsg.
/// </summary>
public static class KernelLogReader
{
    public const string KmsgPath = "/dev/kmsg";
    /// <summary>Largest /dev/kmsg record (CONSOLE_EXT_LOG_MAX in kernel/printk/printk.c is 8192).</summary>
    private const int KmsgRecordBytes = 8192;

    /// <summary>Boot time from "btime" of /proc/stat (seconds since the epoch); null when unreadable.</summary>
    public static DateTimeOffset? BootTime(ProcRoot root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var stat = ProcFile.ReadAll(root.PathOf("stat"));
        if (!stat.Ok) return null;
        var text = Encoding.ASCII.GetString(stat.Value!);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("btime ", StringComparison.Ordinal) &&
                long.TryParse(line.AsSpan(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var secs))
                return DateTimeOffset.FromUnixTimeSeconds(secs);
        }
        return null;
    }

    /// <summary>
    /// What the running kernel's log buffer says, read from /dev/kmsg without waiting for new records,
    /// stopped after <paramref name="budget"/>. For a copied tree (ProcRoot not "/proc"), the logs copied next
    /// to it (<see cref="ReadCopiedTree"/>).
    /// </summary>
    public static ReadResult<KernelLogSummary> ReadRunningKernel(ProcRoot root, TimeProvider time, TimeSpan budget, KernelLogFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(time);
        if (!root.IsLive) return ReadCopiedTree(root, time, filter).Log;
        var ctx = LogTimeContext.For(time, BootTime(root));
        var aggregator = new KernelLogAggregator(filter?.Since, filter?.Until);
        var stats = ReadKmsg(KmsgPath, ctx, aggregator, null, time, time.GetUtcNow() + budget, follow: false, default);
        if (stats.Error is { } error) return ReadResult<KernelLogSummary>.Fail(error.Status, KmsgPath, error.Reason);
        return ReadResult<KernelLogSummary>.Success(Summary(KmsgPath, aggregator, stats.Scan, ctx.BootTime, []), KmsgPath, stats.Scan.Partial, stats.Scan.PartialReason);
    }

    /// <summary>
    /// Kernel logs a copy of a host holds next to its /proc (an sosreport, or a tree made by hand), relative to the
    /// directory above proc/: the persistent logs first, since they reach back further than the ring buffer, then
    /// the ring buffer's copies. Each entry is one source; rotated siblings (kern.log.1, messages-20260101) join it.
    /// </summary>
    public static readonly IReadOnlyList<string> CopiedLogCandidates =
    [
        "var/log/messages", "var/log/kern.log",
        "sos_commands/kernel/dmesg", "dmesg", "var/log/dmesg", "dev/kmsg",
    ];

    /// <summary>
    /// Reads the kernel log copied next to a /proc tree. Found: every candidate present. Read: the first persistent
    /// log found (messages or kern.log, with its rotated files), else the first ring-buffer copy. One source only,
    /// because the others repeat the same kernel lines and would count each incident twice.
    /// </summary>
    public static (ReadResult<KernelLogSummary> Log, IReadOnlyList<string> Found) ReadCopiedTree(ProcRoot root, TimeProvider time, KernelLogFilter? filter = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(time);
        var tree = Path.GetDirectoryName(root.Directory_.TrimEnd('/')) ?? root.Directory_;
        var found = CopiedLogCandidates.Select(c => Path.Combine(tree, c)).Where(File.Exists).ToList();
        if (found.Count == 0)
            return (ReadResult<KernelLogSummary>.Fail(ReadStatus.Missing, tree,
                "no kernel log next to this /proc tree (looked for " + string.Join(", ", CopiedLogCandidates) + ")"), found);
        var first = found[0];
        var files = new List<string> { first };
        var dir = Path.GetDirectoryName(first)!;
        var name = Path.GetFileName(first);
        if (first.Contains("/var/log/", StringComparison.Ordinal) && name != "dmesg")
        {
            // kern.log.1, kern.log.2.gz, messages-20260101: older files of the same log.
            files.AddRange(Directory.EnumerateFiles(dir, name + "*")
                .Where(f => f != first && (Path.GetFileName(f)[name.Length] is '.' or '-')));
        }
        var ctx = LogTimeContext.For(time, BootTime(root));
        return (ReadFilesWith(OrderRotated(files), time, filter, default, ctx), found);
    }

    /// <summary>
    /// Reads log files (plain or gzip by content; rotated ones oldest first). Every file is opened
    /// before any is read: an unreadable file fails the whole read with its path and reason.
    /// </summary>
    public static ReadResult<KernelLogSummary> ReadFiles(IEnumerable<string> paths, TimeProvider time, KernelLogFilter? filter = null,
        CancellationToken cancel = default, DateTimeOffset? bootTime = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(time);
        return ReadFilesWith(OrderRotated(paths), time, filter, cancel, LogTimeContext.For(time, bootTime));
    }

    private static ReadResult<KernelLogSummary> ReadFilesWith(IReadOnlyList<string> paths, TimeProvider time, KernelLogFilter? filter,
        CancellationToken cancel, LogTimeContext baseCtx)
    {
        var streams = new List<(string Path, FileStream Stream)>();
        try
        {
            foreach (var path in paths)
            {
                var opened = Open(path);
                if (!opened.Ok) return ReadResult<KernelLogSummary>.Fail(opened.Status, path, opened.Reason ?? "cannot open");
                streams.Add((path, opened.Value!));
            }
            var aggregator = new KernelLogAggregator(filter?.Since, filter?.Until);
            var sources = new List<KernelLogSourceRead>();
            long lines = 0, skipped = 0;
            var reasons = new List<string>();
            foreach (var (path, raw) in streams)
            {
                // Syslog lines carry no year: the file's modification time is the latest they can be.
                var ctx = baseCtx with { Reference = File.GetLastWriteTimeUtc(path) is var m && m.Year > 1970 ? new DateTimeOffset(m, TimeSpan.Zero) : baseCtx.Reference };
                aggregator.StartSource();
                ScanStats stats;
                try
                {
                    using var input = KernelLogScanner.OpenMaybeGzip(raw);
                    stats = new KernelLogScanner(aggregator, ctx).Scan(input, cancel);
                }
                catch (IOException e)
                {
                    stats = new ScanStats(0, 0, true, "read failed: " + e.Message);
                }
                lines += stats.LinesRead;
                skipped += stats.LinesSkipped;
                if (stats.Partial) reasons.Add(paths.Count > 1 ? $"{path}: {stats.PartialReason}" : stats.PartialReason!);
                sources.Add(new KernelLogSourceRead
                {
                    Path = path,
                    LinesRead = stats.LinesRead,
                    LinesSkipped = stats.LinesSkipped,
                    Partial = stats.Partial,
                    PartialReason = stats.PartialReason,
                });
            }
            var total = new ScanStats(lines, skipped, reasons.Count > 0, reasons.Count > 0 ? string.Join("; ", reasons) : null);
            var source = string.Join(", ", paths);
            return ReadResult<KernelLogSummary>.Success(
                Summary(source, aggregator, total, baseCtx.BootTime, paths.Count > 1 ? sources : []), source, total.Partial, total.PartialReason);
        }
        finally
        {
            foreach (var (_, s) in streams) s.Dispose();
        }
    }

    /// <summary>Reads any stream (stdin, a test's bytes) as one source.</summary>
    public static KernelLogSummary ReadStream(Stream stream, string source, LogTimeContext ctx, KernelLogFilter? filter = null, CancellationToken cancel = default) =>
        ReadStream(stream, source, ctx, [], filter, cancel);

    /// <summary>Reads a stream as one source, and lines the caller classified itself (a pasted task table without its header).</summary>
    public static KernelLogSummary ReadStream(Stream stream, string source, LogTimeContext ctx, IReadOnlyList<KernelLogLine> alsoLines,
        KernelLogFilter? filter = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(alsoLines);
        var aggregator = new KernelLogAggregator(filter?.Since, filter?.Until);
        var stats = new KernelLogScanner(aggregator, ctx).Scan(stream, cancel);
        foreach (var line in alsoLines) aggregator.Add(line);
        return Summary(source, aggregator, stats, ctx.BootTime, []);
    }

    /// <summary>
    /// Tails /dev/kmsg: existing records first (or, with <paramref name="skipExisting"/>, none: the reader seeks to
    /// the end), then new ones as the kernel writes them, until <paramref name="cancel"/> fires. Polls with a short
    /// timeout so Ctrl-C is seen promptly. Each incident or notice line goes to <paramref name="onLine"/>;
    /// <paramref name="ready"/> runs once the device is open and positioned, before the first read.
    /// </summary>
    public static ReadResult<KernelLogSummary> Follow(string kmsgPath, TimeProvider time, ProcRoot root, Action<KernelLogLine> onLine,
        bool skipExisting, CancellationToken cancel, KernelLogFilter? filter = null, Action? ready = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        var ctx = LogTimeContext.For(time, BootTime(root));
        var aggregator = new KernelLogAggregator(filter?.Since, filter?.Until);
        var stats = ReadKmsg(kmsgPath, ctx, aggregator, onLine, time, null, follow: true, cancel, skipExisting, ready);
        if (stats.Error is { } error) return ReadResult<KernelLogSummary>.Fail(error.Status, kmsgPath, error.Reason);
        return ReadResult<KernelLogSummary>.Success(Summary(kmsgPath, aggregator, stats.Scan, ctx.BootTime, []), kmsgPath);
    }

    private sealed record KmsgError(ReadStatus Status, string Reason);

    private readonly record struct KmsgStats(ScanStats Scan, KmsgError? Error);

    private static unsafe KmsgStats ReadKmsg(string path, LogTimeContext ctx, KernelLogAggregator aggregator, Action<KernelLogLine>? onLine,
        TimeProvider time, DateTimeOffset? deadline, bool follow, CancellationToken cancel, bool skipExisting = false, Action? ready = null)
    {
        int fd = KmsgNative.Open(path, KmsgNative.O_RDONLY | KmsgNative.O_NONBLOCK | KmsgNative.O_CLOEXEC);
        if (fd < 0) return new KmsgStats(new ScanStats(0, 0, true, null), Error(Errno.Last));
        using var handle = new SafeFdHandle(fd);
        // Only records written from now on: devkmsg_llseek(SEEK_END) moves to the next sequence number the kernel
        // will write, with no read of the records before it.
        if (skipExisting && KmsgNative.Seek(fd, 0, KmsgNative.SEEK_END) < 0)
            return new KmsgStats(new ScanStats(0, 0, true, null), Error(Errno.Last));
        ready?.Invoke();
        var buffer = new byte[KmsgRecordBytes];
        long records = 0, skipped = 0, gaps = 0;
        string? partial = null;
        fixed (byte* p = buffer)
        {
            while (true)
            {
                if (cancel.IsCancellationRequested)
                {
                    if (!follow) partial = "cancelled";
                    break;
                }
                if (deadline is { } d && time.GetUtcNow() > d)
                {
                    partial = "time budget exhausted before the end of the kernel buffer";
                    break;
                }
                nint n = KmsgNative.Read(fd, p, buffer.Length);
                if (n < 0)
                {
                    int errno = Errno.Last;
                    if (errno == Errno.EINTR) continue;
                    if (errno == Errno.EPIPE)
                    {
                        // The ring buffer overwrote records we had not read yet: the next read goes on after the gap.
                        gaps++;
                        continue;
                    }
                    if (errno == Errno.EAGAIN)
                    {
                        if (!follow) break;
                        var pfd = new KmsgNative.PollFd { Fd = fd, Events = KmsgNative.POLLIN };
                        KmsgNative.Poll(&pfd, 1, 200);
                        continue;
                    }
                    if (records == 0) return new KmsgStats(new ScanStats(0, 0, true, null), Error(errno));
                    partial = "read failed: " + Errno.Text(errno);
                    break;
                }
                if (n == 0) break; // devkmsg_read() never returns 0; a path that is not the device does
                records++;
                // One record per read: "prio,seq,usec,flags;text\n" then optional " KEY=value" lines.
                var record = new ReadOnlySpan<byte>(p, (int)n);
                int nl = record.IndexOf((byte)'\n');
                var first = nl < 0 ? record : record[..nl];
                if (n > int.MaxValue || (nl < 0 && n == buffer.Length))
                {
                    skipped++;
                    continue;
                }
                Handle(first, ctx, aggregator, onLine);
            }
        }
        if (gaps > 0) partial = (partial is null ? "" : partial + "; ") + $"the kernel ring buffer overwrote records {gaps} time(s) while reading";
        return new KmsgStats(new ScanStats(records, skipped, partial is not null, partial), null);
    }

    private static void Handle(ReadOnlySpan<byte> line, LogTimeContext ctx, KernelLogAggregator aggregator, Action<KernelLogLine>? onLine)
    {
        var classified = KernelLogClassifier.TryClassify(line, ctx);
        if (classified is null) return;
        aggregator.Add(classified);
        onLine?.Invoke(classified);
    }

    private static KmsgError Error(int errno) => errno switch
    {
        Errno.EPERM or Errno.EACCES => new KmsgError(ReadStatus.Denied, "permission denied (needs root or CAP_SYSLOG when kernel.dmesg_restrict=1)"),
        Errno.ENOENT => new KmsgError(ReadStatus.Missing, "does not exist"),
        _ => new KmsgError(ReadStatus.Failed, Errno.Describe(errno)),
    };

    private static KernelLogSummary Summary(string source, KernelLogAggregator aggregator, ScanStats stats, DateTimeOffset? boot,
        IReadOnlyList<KernelLogSourceRead> sources) => new()
    {
        Source = source,
        LinesRead = stats.LinesRead,
        LinesSkipped = stats.LinesSkipped,
        Partial = stats.Partial,
        PartialReason = stats.PartialReason,
        Incidents = aggregator.Incidents(),
        SuppressedUnattributed = aggregator.SuppressedUnattributed,
        BootTime = boot,
        Sources = sources,
    };

    private static ReadResult<FileStream> Open(string path)
    {
        try
        {
            if (Directory.Exists(path)) return ReadResult<FileStream>.Fail(ReadStatus.Failed, path, "is a directory, expected a log file");
            var stream = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.SequentialScan,
            });
            return ReadResult<FileStream>.Success(stream, path);
        }
        catch (FileNotFoundException)
        {
            return ReadResult<FileStream>.Fail(ReadStatus.Missing, path, "does not exist");
        }
        catch (DirectoryNotFoundException)
        {
            return ReadResult<FileStream>.Fail(ReadStatus.Missing, path, "does not exist");
        }
        catch (UnauthorizedAccessException)
        {
            return ReadResult<FileStream>.Fail(ReadStatus.Denied, path, "permission denied");
        }
        catch (IOException e)
        {
            return ReadResult<FileStream>.Fail(ReadStatus.Failed, path, e.Message);
        }
    }

    /// <summary>
    /// Rotated logs oldest first: "kern.log.3.gz, kern.log.2.gz, kern.log.1, kern.log". Files with
    /// another base name keep the order they were given in.
    /// </summary>
    public static IReadOnlyList<string> OrderRotated(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var list = paths.Select((p, i) => (Path: p, Index: i, Key: RotationKey(p))).ToList();
        var firstIndexOfBase = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in list) firstIndexOfBase.TryAdd(item.Key.Base, item.Index);
        return [.. list
            .OrderBy(x => firstIndexOfBase[x.Key.Base])
            .ThenByDescending(x => x.Key.Generation)
            .ThenBy(x => x.Index)
            .Select(x => x.Path)];
    }

    private static (string Base, int Generation) RotationKey(string path)
    {
        var name = path;
        if (name.EndsWith(".gz", StringComparison.Ordinal)) name = name[..^3];
        int dot = name.LastIndexOf('.');
        if (dot > 0 && int.TryParse(name.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var gen))
            return (name[..dot], gen);
        // dateext rotation: messages-20260101 sorts by its date.
        int dash = name.LastIndexOf('-');
        if (dash > 0 && name.Length - dash - 1 == 8 && int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var date))
            return (name[..dash], int.MaxValue - date);
        return (name, 0);
    }
}
