namespace SockDoc.Kernel.Procfs;

/// <summary>
/// One process's memory in bytes. Rss counts every resident page it maps, shared ones in full (a page of a binary
/// that 100 processes run counts 100 times); Pss divides each shared page among its mappers, so the Pss of a set
/// of processes adds up to the memory they really take (fs/proc/task_mmu.c smaps_account()).
/// </summary>
public readonly record struct ProcessMemory(long RssBytes, long PssBytes, long PrivateBytes);

/// <summary>/proc/PID/smaps_rollup (fs/proc/task_mmu.c show_smaps_rollup(), since 4.14): the kB rows summed over every mapping.</summary>
public static class ProcessMemoryReader
{
    public static ReadResult<ProcessMemory> Read(ProcRoot root, int pid) => ProcFile.Read(root, $"{pid}/smaps_rollup", Parse);

    public static ProcessMemory Parse(ReadOnlySpan<byte> data)
    {
        if (ProcText.LooksBinary(data)) throw new ProcParseException("binary data where text was expected");
        long? rss = null, pss = null;
        long priv = 0;
        var lines = ProcText.Lines(data);
        while (lines.MoveNext())
        {
            var f = ProcText.Fields(lines.Current);
            if (!f.MoveNext()) continue;
            var key = f.Current;
            if (!(key.SequenceEqual("Rss:"u8) || key.SequenceEqual("Pss:"u8) || key.SequenceEqual("Private_Clean:"u8) || key.SequenceEqual("Private_Dirty:"u8))) continue;
            if (!f.MoveNext() || !ProcText.TryLong(f.Current, out var kb) || kb < 0 || kb > long.MaxValue / 1024)
                throw new ProcParseException($"{ProcText.Str(key)} has no kB value", lines.LineNumber);
            long bytes = kb * 1024;
            if (key.SequenceEqual("Rss:"u8)) rss = bytes;
            else if (key.SequenceEqual("Pss:"u8)) pss = bytes;
            else priv += bytes;
        }
        if (rss is null || pss is null) throw new ProcParseException("no Rss: and Pss: rows (not smaps_rollup)");
        return new ProcessMemory(rss.Value, pss.Value, priv);
    }
}
