using System.Text.RegularExpressions;

namespace SockDoc.Diagnosis.Explain;

/// <summary>An application's socket error recognised in a paste: which errno, from which runtime and call.</summary>
public sealed record AppError(int Line, string Errno, string Runtime, string Call, string Text);

/// <summary>
/// Recognises the errno texts of socket failures as C (glibc strerror), Go (`dial tcp ...: connect: ...`),
/// Java (`java.net.*Exception`), .NET (`SocketException (99)`), Python (`[Errno 99]`) and Node
/// (`Error: connect EADDRNOTAVAIL`) print them. Errno numbers are Linux's (asm-generic/errno.h).
/// </summary>
public static partial class AppErrors
{
    public const string EADDRNOTAVAIL = "EADDRNOTAVAIL";
    public const string EADDRINUSE = "EADDRINUSE";
    public const string EMFILE = "EMFILE";
    public const string ENFILE = "ENFILE";
    public const string ECONNREFUSED = "ECONNREFUSED";
    public const string ECONNRESET = "ECONNRESET";
    public const string ETIMEDOUT = "ETIMEDOUT";

    // Order matters: ENFILE's "Too many open files in system" before EMFILE's "Too many open files".
    // The strerror texts match in any case (Go prints them in lower case); errno names only in upper case, so a
    // file called emfile.py is not an EMFILE.
    private static readonly (string Errno, Regex Pattern)[] Patterns =
    [
        (EADDRNOTAVAIL, Make(@"(?i:Cannot assign requested address|Can't assign requested address|Address not available)|\bEADDRNOTAVAIL\b|\[Errno 99\]|SocketException \(99\)|\(99: ")),
        (EADDRINUSE, Make(@"(?i:Address already in use)|\bEADDRINUSE\b|\[Errno 98\]|SocketException \(98\)|\(98: ")),
        (ENFILE, Make(@"(?i:Too many open files in system|File table overflow)|\bENFILE\b|\[Errno 23\]|\(23: ")),
        (EMFILE, Make(@"(?i:Too many open files)|\bEMFILE\b|\[Errno 24\]|SocketException \(24\)|\(24: ")),
        (ECONNREFUSED, Make(@"(?i:Connection refused)|\bECONNREFUSED\b|\[Errno 111\]|SocketException \(111\)|\(111: ")),
        (ECONNRESET, Make(@"(?i:Connection reset by peer)|\bECONNRESET\b|\[Errno 104\]|SocketException \(104\)|java\.net\.SocketException: Connection reset|\(104: ")),
        (ETIMEDOUT, Make(@"(?i:Connection timed out)|\bETIMEDOUT\b|\[Errno 110\]|SocketException \(110\)|\(110: ")),
    ];

    private static Regex Make(string pattern) => new(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    public static AppError? TryRecognise(PasteLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var text = line.Text;
        if (text.Length > 4096) text = text[..4096];
        foreach (var (errno, pattern) in Patterns)
        {
            if (!pattern.IsMatch(text)) continue;
            return new AppError(line.Number, errno, Runtime(text), Call(text, errno), text.Trim());
        }
        return null;
    }

    private static string Runtime(string t)
    {
        if (t.Contains("java.", StringComparison.Ordinal) || t.Contains("Exception:", StringComparison.Ordinal) && t.Contains("at java", StringComparison.Ordinal)) return "java";
        if (t.Contains("System.Net.", StringComparison.Ordinal) || t.Contains("SocketException (", StringComparison.Ordinal)) return ".net";
        if (GoRegex().IsMatch(t)) return "go";
        if (t.Contains("Errno ", StringComparison.Ordinal) || t.Contains("OSError", StringComparison.Ordinal) || t.Contains("ConnectionRefusedError", StringComparison.Ordinal) ||
            t.Contains("ConnectionResetError", StringComparison.Ordinal) || t.Contains("socket.error", StringComparison.Ordinal)) return "python";
        if (NodeRegex().IsMatch(t)) return "node";
        return "c";
    }

    private static string Call(string t, string errno)
    {
        if (t.Contains("BindException", StringComparison.Ordinal)) return "bind";
        if (t.Contains("ConnectException", StringComparison.Ordinal) || t.Contains("NoRouteToHostException", StringComparison.Ordinal)) return "connect";
        var m = CallRegex().Match(t);
        if (m.Success) return m.Groups["call"].Value.ToLowerInvariant() switch
        {
            "dial" or "connect" => "connect",
            "listen" when errno is EADDRINUSE or EADDRNOTAVAIL => "bind",
            var c => c.StartsWith("accept", StringComparison.Ordinal) ? "accept" : c,
        };
        return "unknown";
    }

    // "dial tcp 10.0.0.1:80: connect: ...", "listen tcp :80: bind: ...", "accept4: too many open files".
    [GeneratedRegex(@"\b(?:dial|listen|read|write) (?:tcp|udp)[46]?\b|\baccept4?: ", RegexOptions.CultureInvariant)]
    private static partial Regex GoRegex();

    // "Error: connect EADDRNOTAVAIL 10.0.0.1:80 - Local (0.0.0.0:0)", "Error: listen EADDRINUSE: address already in use :::3000".
    [GeneratedRegex(@"\b(?:connect|listen|bind|read|write|accept) E[A-Z]+\b|code: '?E[A-Z]+'?|syscall: '", RegexOptions.CultureInvariant)]
    private static partial Regex NodeRegex();

    // The failing call as the runtimes name it: "bind:", "connect()", "bind() failed", "connect EADDRNOTAVAIL", "dial tcp".
    [GeneratedRegex(@"\b(?<call>bind|connect|accept4?|dial|listen|socket)(?:\(\)|:| E[A-Z]+| failed| to\b| tcp| udp)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CallRegex();
}
