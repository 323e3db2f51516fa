using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>`getconf PAGESIZE` (or PAGE_SIZE): tcp_mem and sockstat mem count pages of this size.</summary>
public sealed partial class PageSize : IPasteRecogniser
{
    private bool _expect;

    public void Command(string command) => _expect = GetconfRegex().IsMatch(PasteParse.Bare(command));

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        if (!_expect) return 0;
        _expect = false;
        if (PasteParse.Long(lines[i].Text.Trim()) is not { } ps || ps < 1024 || (ps & (ps - 1)) != 0) return 0;
        into.PageSize = ps;
        into.Claim("getconf", lines[i].Number, "page size");
        return 1;
    }

    [GeneratedRegex(@"^getconf\s+PAGE_?SIZE\s*$")]
    private static partial Regex GetconfRegex();
}
