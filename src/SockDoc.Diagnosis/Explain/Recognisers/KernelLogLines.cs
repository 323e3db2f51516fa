namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// Kernel log lines (dmesg, dmesg -T, journalctl -k, kern.log, syslog): classified by the kernel-log engine at the Cli
/// edge (Diagnosis does not reference Kernel), which hands over the line numbers it recognised.
/// </summary>
public sealed class KernelLogLines : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        if (!into.KernelLines.Contains(lines[i].Number)) return 0;
        into.Claim("kernel-log", lines[i].Number, "kernel log lines");
        return 1;
    }
}
