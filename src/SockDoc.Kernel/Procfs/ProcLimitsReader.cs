using SockDoc.Model;

namespace SockDoc.Kernel.Procfs;

/// <summary>/proc/PID/limits (fs/proc/base.c proc_pid_limits()): the "Max open files" row (RLIMIT_NOFILE).</summary>
public static class ProcLimitsReader
{
    public static ReadResult<ProcLimits> Read(ProcRoot root, int pid) => ProcFile.Read(root, $"{pid}/limits", Parse);

    public static ProcLimits Parse(ReadOnlySpan<byte> data)
    {
        if (ProcText.LooksBinary(data)) throw new ProcParseException("binary data where text was expected");
        var lines = ProcText.Lines(data);
        while (lines.MoveNext())
        {
            var line = lines.Current;
            if (!line.StartsWith("Max open files"u8)) continue;
            var f = ProcText.Fields(line["Max open files".Length..]);
            if (!f.MoveNext()) throw new ProcParseException("Max open files: no soft limit", lines.LineNumber);
            var soft = Limit(f.Current, lines.LineNumber);
            if (!f.MoveNext()) throw new ProcParseException("Max open files: no hard limit", lines.LineNumber);
            var hard = Limit(f.Current, lines.LineNumber);
            return new ProcLimits(soft, hard);
        }
        throw new ProcParseException("no \"Max open files\" row");
    }

    private static long? Limit(ReadOnlySpan<byte> s, int line)
    {
        if (s.SequenceEqual("unlimited"u8)) return null;
        if (!ProcText.TryLong(s, out var v)) throw new ProcParseException($"Max open files: \"{ProcText.Str(s)}\" is not a number", line);
        return v;
    }
}
