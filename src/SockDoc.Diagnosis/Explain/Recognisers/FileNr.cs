using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// `cat /proc/sys/fs/file-nr`: three numbers, allocated file handles, 0 (unused since 2.6), fs.file-max
/// (fs/file_table.c proc_nr_files()). `sysctl fs.file-nr` is read by <see cref="SysctlLines"/>.
/// </summary>
public sealed partial class FileNr : IPasteRecogniser
{
    private bool _expect;

    public void Command(string command) => _expect = CatRegex().IsMatch(PasteParse.Bare(command));

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        if (!_expect) return 0;
        _expect = false;
        var m = ValueRegex().Match(lines[i].Text.Trim());
        if (!m.Success) return 0;
        into.Sysctls["fs.file-nr"] = PasteParse.Normalise(m.Value);
        into.Claim("sysctl-value", lines[i].Number, "value of fs.file-nr after cat");
        return 1;
    }

    [GeneratedRegex(@"^cat\s+/proc/sys/fs/file-nr\s*$")]
    private static partial Regex CatRegex();

    [GeneratedRegex(@"^\d+\s+\d+\s+\d+$")]
    private static partial Regex ValueRegex();
}
