using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SockDoc.Kernel.Tracing;

/// <summary>One sample from a ring: who, when, on which CPU, and the raw tracepoint record (offsets per its format file).</summary>
public readonly ref struct PerfSample
{
    public PerfSample(int pid, int tid, ulong time, int cpu, ReadOnlySpan<byte> raw)
    {
        Pid = pid;
        Tid = tid;
        Time = time;
        Cpu = cpu;
        Raw = raw;
    }

    public int Pid { get; }
    public int Tid { get; }
    /// <summary>perf's clock (local_clock(), nanoseconds); only differences are used.</summary>
    public ulong Time { get; }
    public int Cpu { get; }
    public ReadOnlySpan<byte> Raw { get; }
    /// <summary>common_type, the first field of every tracepoint record: the tracepoint's id.</summary>
    public int EventId => Raw.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(Raw) : -1;
}

/// <summary>
/// The mmap'd ring of one CPU (struct perf_event_mmap_page followed by 2^n data pages, include/uapi/linux/perf_event.h).
/// The kernel advances data_head; we copy what lies between data_tail and data_head out, then publish the new
/// data_tail so the kernel may reuse the space. When we fall behind, the kernel writes PERF_RECORD_LOST instead.
/// </summary>
internal sealed unsafe class PerfRing : IDisposable
{
    private byte* _base;
    private readonly nuint _length;
    private readonly ulong _dataOffset;
    private readonly ulong _dataSize;

    private PerfRing(byte* b, nuint length)
    {
        _base = b;
        _length = length;
        _dataOffset = Volatile.Read(ref *(ulong*)(b + PerfEventInterop.MmapDataOffset));
        _dataSize = Volatile.Read(ref *(ulong*)(b + PerfEventInterop.MmapDataSize));
        if (_dataOffset == 0) _dataOffset = (ulong)Environment.SystemPageSize; // kernels before 4.1 leave it 0
        if (_dataSize == 0) _dataSize = length - (nuint)Environment.SystemPageSize;
    }

    public ulong DataSize => _dataSize;

    public static PerfRing? Map(int fd, int dataPages, out int errno)
    {
        nuint length = (nuint)((1 + dataPages) * Environment.SystemPageSize);
        var b = PerfEventInterop.Map(fd, length, out errno);
        return b is null ? null : new PerfRing(b, length);
    }

    /// <summary>Copies every complete record now in the ring to dest (grown as needed, up to the ring's size) and frees it.</summary>
    public int Drain(ref byte[] dest, ref int used)
    {
        if (_base is null) return 0;
        ulong head = Volatile.Read(ref *(ulong*)(_base + PerfEventInterop.MmapDataHead));
        ulong tail = *(ulong*)(_base + PerfEventInterop.MmapDataTail);
        ulong avail = unchecked(head - tail);
        if (avail == 0) return 0;
        if (avail > _dataSize) avail = _dataSize; // cannot happen with a writable ring; bounded anyway
        int n = (int)avail;
        if (dest.Length - used < n) Array.Resize(ref dest, Math.Max(dest.Length * 2, used + n));
        var data = new ReadOnlySpan<byte>(_base + _dataOffset, (int)_dataSize);
        int start = (int)(tail % _dataSize);
        int first = Math.Min(n, (int)_dataSize - start);
        data.Slice(start, first).CopyTo(dest.AsSpan(used));
        if (first < n) data[..(n - first)].CopyTo(dest.AsSpan(used + first));
        used += n;
        Volatile.Write(ref *(ulong*)(_base + PerfEventInterop.MmapDataTail), unchecked(tail + avail));
        return n;
    }

    public void Dispose()
    {
        if (_base is not null)
        {
            PerfEventInterop.Unmap(_base, _length);
            _base = null;
        }
    }

    /// <summary>
    /// Walks records copied by Drain. Sample layout for sample_type TID|TIME|CPU|RAW: u32 pid, u32 tid, u64 time,
    /// u32 cpu, u32 res, u32 size, raw[size] (perf_output_sample() order). Malformed sizes stop the walk.
    /// </summary>
    public static void Walk(ReadOnlySpan<byte> records, int baseOffset, List<SampleRef> into, ref long lost, ref long malformed)
    {
        int pos = 0;
        while (pos + 8 <= records.Length)
        {
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(records[pos..]);
            int size = BinaryPrimitives.ReadUInt16LittleEndian(records[(pos + 6)..]);
            if (size < 8 || pos + size > records.Length)
            {
                malformed++;
                return;
            }
            var rec = records.Slice(pos, size);
            if (type == PerfEventInterop.PERF_RECORD_SAMPLE && size >= 8 + 24 + 4)
            {
                ulong time = BinaryPrimitives.ReadUInt64LittleEndian(rec[16..]);
                into.Add(new SampleRef(time, baseOffset + pos));
            }
            else if (type == PerfEventInterop.PERF_RECORD_LOST && size >= 24)
            {
                lost += (long)BinaryPrimitives.ReadUInt64LittleEndian(rec[16..]);
            }
            pos += size;
        }
    }

    /// <summary>Decodes the sample record at pos (already checked by Walk).</summary>
    public static PerfSample Sample(ReadOnlySpan<byte> records, int pos)
    {
        int size = BinaryPrimitives.ReadUInt16LittleEndian(records[(pos + 6)..]);
        var rec = records.Slice(pos, size);
        int pid = (int)BinaryPrimitives.ReadUInt32LittleEndian(rec[8..]);
        int tid = (int)BinaryPrimitives.ReadUInt32LittleEndian(rec[12..]);
        ulong time = BinaryPrimitives.ReadUInt64LittleEndian(rec[16..]);
        int cpu = (int)BinaryPrimitives.ReadUInt32LittleEndian(rec[24..]);
        int rawSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(rec[32..]);
        var raw = rawSize <= size - 36 ? rec.Slice(36, rawSize) : ReadOnlySpan<byte>.Empty;
        return new PerfSample(pid, tid, time, cpu, raw);
    }
}

/// <summary>A sample's place in the drained bytes, sorted by time so events from all CPUs are seen in order.</summary>
[StructLayout(LayoutKind.Auto)]
internal readonly record struct SampleRef(ulong Time, int Pos) : IComparable<SampleRef>
{
    public int CompareTo(SampleRef other) => Time != other.Time ? Time.CompareTo(other.Time) : Pos.CompareTo(other.Pos);
}
