using System.Buffers;
using System.IO.Compression;
using System.Text.Unicode;

namespace SockDoc.Kernel.KernelLog;

/// <summary>What one scan read and what it had to skip.</summary>
public sealed record ScanStats(long LinesRead, long LinesSkipped, bool Partial, string? PartialReason);

/// <summary>
/// Reads a log stream in fixed chunks with constant memory, whatever its size. The fast path never
/// looks at lines one by one: it searches each chunk for a dozen anchors (vectorised IndexOf) and
/// classifies only the lines around a hit. A line over 64 KiB, NUL bytes or invalid UTF-8 are skipped
/// and counted; a truncated gzip stream ends the scan as partial.
/// </summary>
public sealed class KernelLogScanner
{
    public const int MaxLineBytes = 64 * 1024;
    private const int ChunkBytes = 1 << 20;

    private readonly KernelLogAggregator _aggregator;
    private readonly LogTimeContext _ctx;
    private readonly Action<KernelLogLine>? _onLine;
    private readonly List<int> _candidates = [];
    private long _lines;
    private long _skipped;

    public KernelLogScanner(KernelLogAggregator aggregator, LogTimeContext ctx, Action<KernelLogLine>? onLine = null)
    {
        _aggregator = aggregator;
        _ctx = ctx;
        _onLine = onLine;
    }

    /// <summary>Opens plain or gzip input (by its magic bytes, not its name) for <see cref="Scan"/>.</summary>
    public static Stream OpenMaybeGzip(Stream raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        Span<byte> magic = stackalloc byte[2];
        if (!raw.CanSeek) return raw;
        int n = raw.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        raw.Position = 0;
        return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GzipInput(raw) : raw;
    }

    public ScanStats Scan(Stream stream, CancellationToken cancel = default, DateTimeOffset? deadline = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _lines = 0;
        _skipped = 0;
        var buf = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        int filled = 0;
        bool inLongLine = false;
        string? partial = null;
        try
        {
            while (true)
            {
                if (cancel.IsCancellationRequested)
                {
                    partial = "cancelled";
                    break;
                }
                if (deadline is { } d && time is not null && time.GetUtcNow() > d)
                {
                    partial = "time budget exhausted";
                    break;
                }
                int n;
                try
                {
                    // Fill the chunk (gzip and pipes return short reads) so the anchor scan runs on big regions.
                    n = stream.ReadAtLeast(buf.AsSpan(filled, ChunkBytes - filled), ChunkBytes - filled, throwOnEndOfStream: false);
                }
                catch (InvalidDataException e)
                {
                    partial = "compressed stream is damaged: " + e.Message;
                    n = 0;
                }
                catch (EndOfStreamException)
                {
                    partial = "compressed stream is truncated";
                    n = 0;
                }
                bool eof = n == 0;
                filled += n;
                if (filled == 0) break;
                var span = buf.AsSpan(0, filled);
                int end;
                if (eof)
                {
                    end = filled;
                }
                else
                {
                    int lastNl = span.LastIndexOf((byte)'\n');
                    if (lastNl < 0)
                    {
                        if (filled < ChunkBytes) continue;
                        // A whole chunk without a newline: the middle of a line far over the limit.
                        if (!inLongLine)
                        {
                            _lines++;
                            _skipped++;
                            inLongLine = true;
                        }
                        filled = 0;
                        continue;
                    }
                    end = lastNl + 1;
                }
                ProcessRegion(span[..end], ref inLongLine);
                span[end..].CopyTo(buf);
                filled -= end;
                if (eof) break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
        if (partial is null && stream is GzipInput { LooksTruncated: true })
            partial = "compressed stream is truncated or damaged (size in the gzip trailer does not match)";
        return new ScanStats(_lines, _skipped, partial is not null, partial);
    }

    /// <summary>Complete lines (the last may lack its newline at EOF).</summary>
    private void ProcessRegion(ReadOnlySpan<byte> region, ref bool inLongLine)
    {
        if (inLongLine)
        {
            int nl = region.IndexOf((byte)'\n');
            region = nl < 0 ? default : region[(nl + 1)..];
            inLongLine = false;
        }
        if (region.IsEmpty) return;

        // Lines are counted with one vectorised pass. A line over MaxLineBytes must cover a whole aligned
        // half-limit block without a newline, so only blocks need a look, not every line.
        _lines += region.Count((byte)'\n');
        if (region[^1] != (byte)'\n') _lines++;
        bool suspicious = false;
        const int block = MaxLineBytes / 2;
        for (int at = 0; at + block <= region.Length; at += block)
        {
            if (region.Slice(at, block).IndexOf((byte)'\n') < 0)
            {
                suspicious = true;
                break;
            }
        }
        // Plain ASCII without NUL is the common case: one pass decides; otherwise check UTF-8 and NUL.
        if (!suspicious && region.IndexOfAnyExceptInRange((byte)1, (byte)0x7F) >= 0 &&
            (region.IndexOf((byte)0) >= 0 || !Utf8.IsValid(region)))
            suspicious = true;
        if (suspicious)
        {
            LineByLine(region);
            return;
        }

        _candidates.Clear();
        foreach (var anchor in KernelLogClassifier.Anchors)
        {
            int from = 0;
            while (true)
            {
                int hit = region[from..].IndexOf(anchor);
                if (hit < 0) break;
                hit += from;
                int start = region[..hit].LastIndexOf((byte)'\n') + 1;
                _candidates.Add(start);
                int nl = region[hit..].IndexOf((byte)'\n');
                if (nl < 0) break;
                from = hit + nl + 1;
            }
        }
        if (_candidates.Count == 0) return;
        _candidates.Sort();
        int previous = -1;
        foreach (var start in _candidates)
        {
            if (start == previous) continue;
            previous = start;
            int nl = region[start..].IndexOf((byte)'\n');
            Classify(nl < 0 ? region[start..] : region.Slice(start, nl));
        }
    }

    private void LineByLine(ReadOnlySpan<byte> region)
    {
        var rest = region;
        while (!rest.IsEmpty)
        {
            int nl = rest.IndexOf((byte)'\n');
            var line = nl < 0 ? rest : rest[..nl];
            if (line.Length > MaxLineBytes || line.IndexOf((byte)0) >= 0 || !Utf8.IsValid(line)) _skipped++;
            else Classify(line);
            if (nl < 0) break;
            rest = rest[(nl + 1)..];
        }
    }

    private void Classify(ReadOnlySpan<byte> line)
    {
        var classified = KernelLogClassifier.TryClassify(line, _ctx);
        if (classified is null) return;
        _aggregator.Add(classified);
        _onLine?.Invoke(classified);
    }
}

/// <summary>
/// GZipStream ends quietly on a cut file. The gzip trailer's last 4 bytes hold the uncompressed size
/// mod 2^32 (RFC 1952 ISIZE): when what we decompressed differs, the file was cut or damaged. (A file
/// of several gzip members is compared with its last member only and may be flagged too.)
/// </summary>
internal sealed class GzipInput : Stream
{
    private readonly GZipStream _gzip;
    private readonly uint? _isize;
    private long _produced;
    private bool _ended;

    public GzipInput(Stream raw)
    {
        if (raw.Length >= 18)
        {
            Span<byte> tail = stackalloc byte[4];
            raw.Position = raw.Length - 4;
            raw.ReadExactly(tail);
            _isize = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(tail);
            raw.Position = 0;
        }
        _gzip = new GZipStream(raw, CompressionMode.Decompress, leaveOpen: false);
    }

    public bool LooksTruncated => _ended && (_isize is not { } size || (uint)(_produced & 0xFFFFFFFF) != size);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = _gzip.Read(buffer);
        if (n == 0 && buffer.Length > 0) _ended = true;
        _produced += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _produced; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _gzip.Dispose();
        base.Dispose(disposing);
    }
}
