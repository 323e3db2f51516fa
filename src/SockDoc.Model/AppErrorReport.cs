namespace SockDoc.Model;

/// <summary>
/// One errno an application printed, grouped by the failing call: "EADDRNOTAVAIL from connect() ×12".
/// Applications see failures the kernel keeps no counter for (connect()'s EADDRNOTAVAIL has none), so the rules
/// read these beside the counters; only a paste or an application log gives them.
/// </summary>
public sealed record AppErrorReport
{
    /// <summary>The errno's symbolic name as in errno.h: EADDRNOTAVAIL, EADDRINUSE, EMFILE, ENFILE, ...</summary>
    public required string Errno { get; init; }
    /// <summary>The failing call when the text names it: connect, bind, accept, socket, open; "unknown" otherwise.</summary>
    public string Call { get; init; } = "unknown";
    public long Count { get; init; }
    /// <summary>The text itself says the error came many times ("a flood of EADDRNOTAVAIL", "under load"), though it is quoted once.</summary>
    public bool SaidToRepeat { get; init; }
    /// <summary>
    /// ENOBUFS in Windows' spelling (WSAENOBUFS, 10055, its Winsock text): Windows' dynamic ports or non-paged pool, not
    /// Linux's ENOBUFS (a full qdisc, netlink, the neighbour table). Read from the whole line, not the cut sample.
    /// </summary>
    public bool WindowsNoBuffers { get; init; }
    /// <summary>Who printed it: "Go", "Java", "nginx", "Erlang", ...</summary>
    public string? Runtime { get; init; }
    /// <summary>One of the lines, cut to 200 characters.</summary>
    public string? Sample { get; init; }
    /// <summary>Line numbers in the paste (at most 20).</summary>
    public IReadOnlyList<int> Lines { get; init; } = [];
    /// <summary>Time of the last such line when it carried one.</summary>
    public DateTimeOffset? LastWall { get; init; }
}
