using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// Application errors (<see cref="AppErrors"/>), with the failing call looked for around the line when the line
/// itself does not name it: a Python traceback names it above (`s.connect((host, port))`), a wrapped C message
/// starts above ("bind() to 0.0.0.0:80 failed (98:"), Java and .NET print the stack below
/// ("at System.Net.Sockets.Socket.Bind(...)"), a Node error object its syscall ("syscall: 'listen'").
/// </summary>
public sealed partial class AppErrorLines : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        if (AppErrors.TryRecognise(line) is not { } err) return 0;
        // The JDK throws BindException for EADDRNOTAVAIL/EADDRINUSE from connect() too (Net.c handleSocketError()): the
        // frames below ("at sun.nio.ch.Net.connect0") name the call; the class name alone does not.
        if (err.Runtime == "java" && err.Call == "bind" && line.Text.Contains("BindException", StringComparison.Ordinal) &&
            FrameCallBelow(lines, i, clientFrames: false) is { } frame)
            err = err with { Call = frame };
        for (int back = 1; err.Call == "unknown" && back <= 3 && i - back >= 0; back++)
        {
            var above = lines[i - back].Text;
            if (above.Contains(".connect(", StringComparison.Ordinal) || above.Contains("connect_ex(", StringComparison.Ordinal) ||
                above.Contains("create_connection(", StringComparison.Ordinal) || (back == 1 && above.Contains("connect()", StringComparison.Ordinal)))
                err = err with { Call = "connect" };
            else if (above.Contains(".bind(", StringComparison.Ordinal) || above.Contains("create_server(", StringComparison.Ordinal) ||
                     (back == 1 && above.Contains("bind()", StringComparison.Ordinal)))
                err = err with { Call = "bind" };
        }
        if (err.Call == "unknown" && FrameCallBelow(lines, i, clientFrames: true) is { } below) err = err with { Call = below };
        if (err.Call == "unknown" && TracebackBelow(lines, i) is { } call) err = err with { Call = call };
        if (err.Call == "unknown" && err.Errno is AppErrors.EADDRNOTAVAIL or AppErrors.EADDRINUSE && CallOfPasteFrames(lines) is { } framed)
            err = err with { Call = framed };
        into.Claim("app-error", line.Number, "application errors");
        // Node prints `code: 'E…'` and `errno: 'E…'` for one error: count it once.
        if (into.Errors.Count > 0 && into.Errors[^1] is { } prev && prev.Line >= line.Number - 2 && prev.Errno == err.Errno && NodeFieldRegex().IsMatch(line.Text.Trim()))
            return 1;
        into.Errors.Add(err);
        return 1;
    }

    /// <summary>
    /// The call the first socket frame within four lines below names (Java / .NET stacks, Node's syscall field); with
    /// clientFrames, also a traceback printed below its message whose frames are an HTTP client opening its connection
    /// (urllib's urlopen(), http.client's connect(), socket.create_connection()).
    /// </summary>
    private static string? FrameCallBelow(IReadOnlyList<PasteLine> lines, int i, bool clientFrames)
    {
        for (int ahead = 1; ahead <= 4 && i + ahead < lines.Count; ahead++)
        {
            var m = StackCallRegex().Match(lines[i + ahead].Text);
            if (m.Success) return CallOfFrame(m.Groups["c"].Value);
            if (clientFrames && ClientFrameRegex().IsMatch(lines[i + ahead].Text)) return "connect";
        }
        return null;
    }

    private static string CallOfFrame(string c) => c.ToLowerInvariant() switch
    {
        var x when x.StartsWith('b') || x == "listen" => "bind",
        var x when x.StartsWith('a') => "accept",
        _ => "connect",
    };

    /// <summary>
    /// A Python traceback that starts within two lines below the message (a logger's "msg: [Errno 99] …" then
    /// logging.exception's traceback): its innermost frame that opens or binds a socket names the call.
    /// </summary>
    private static string? TracebackBelow(IReadOnlyList<PasteLine> lines, int i)
    {
        int start = -1;
        for (int ahead = 1; ahead <= 3 && i + ahead < lines.Count; ahead++)
        {
            if (lines[i + ahead].Text.TrimStart().StartsWith("Traceback (most recent call last)", StringComparison.Ordinal)) { start = i + ahead; break; }
        }
        if (start < 0) return null;
        string? call = null;
        // Frames are indented; the block ends at the first line that is not (the exception line). Bounded: 200 lines.
        for (int k = start + 1; k < lines.Count && k <= start + 200; k++)
        {
            var text = lines[k].Text;
            if (text.Length == 0 || !char.IsWhiteSpace(text[0])) break;
            call = FrameCall(text) ?? call;
        }
        return call;
    }

    /// <summary>What one traceback frame line does with a socket: "connect", "bind", or null when neither.</summary>
    private static string? FrameCall(string text) =>
        ClientFrameRegex().IsMatch(text) || text.Contains(".connect(", StringComparison.Ordinal) || text.Contains(" in create_connection", StringComparison.Ordinal) ? "connect"
        : text.Contains(".bind(", StringComparison.Ordinal) || text.Contains("create_server(", StringComparison.Ordinal) || text.Contains(" in create_server", StringComparison.Ordinal) ? "bind"
        : null;

    // The paste's frames are the same for every error line in it: read once (a recogniser lives for one paste).
    private bool _pasteFramesRead;
    private string? _pasteFramesCall;

    /// <summary>
    /// The call a Python traceback anywhere in the paste names, when its frames only connect or only bind: an issue
    /// quotes the error in its title and the traceback further down (or cut before its last line). Bounded: the
    /// first 5,000 lines.
    /// </summary>
    private string? CallOfPasteFrames(IReadOnlyList<PasteLine> lines)
    {
        if (_pasteFramesRead) return _pasteFramesCall;
        _pasteFramesRead = true;
        bool connect = false, bind = false;
        for (int k = 0; k < lines.Count && k < 5_000; k++)
        {
            var text = lines[k].Text;
            if (!text.StartsWith(' ') && !text.StartsWith('\t')) continue;
            switch (FrameCall(text))
            {
                case "connect": connect = true; break;
                case "bind": bind = true; break;
            }
        }
        _pasteFramesCall = connect == bind ? null : connect ? "connect" : "bind";
        return _pasteFramesCall;
    }

    // Java / .NET frames, also inside a JSON-serialised exception ("StackTraceString": "   at ...ConnectAsync(...)").
    [GeneratedRegex(@"(?:^|"":\s*"")\s*at\s+\S*?\.(?<c>bind0?|Bind|connect0?|Connect(?:Async)?|accept0?|Accept(?:Async)?)\(|^\s*syscall: '(?<c>listen|bind|connect|accept)'")]
    private static partial Regex StackCallRegex();
    [GeneratedRegex(@"\burlopen\(|\bhttp\.client\b.*\bconnect\b|\bcreate_connection\(|\bself\.connect\(\)|\bsock\.connect\(", RegexOptions.CultureInvariant)]
    private static partial Regex ClientFrameRegex();
    [GeneratedRegex(@"^(?:code|errno): '?E[A-Z]+'?,?$")]
    private static partial Regex NodeFieldRegex();
}
