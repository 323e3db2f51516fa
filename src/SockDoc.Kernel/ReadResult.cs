namespace SockDoc.Kernel;

public enum ReadStatus
{
    Ok,
    /// <summary>The file does not exist: not an error (the kernel may not have it), but the value is unknown.</summary>
    Missing,
    /// <summary>Permission denied: needs root (or the owner).</summary>
    Denied,
    /// <summary>The file exists but could not be parsed; Reason says where and what.</summary>
    Malformed,
    Failed,
}

/// <summary>
/// A value or the reason there is none, plus the path it came from. No exception crosses the
/// reader edge: callers decide what an absent source means.
/// </summary>
public readonly record struct ReadResult<T>(ReadStatus Status, T? Value, string Path, string? Reason, bool Partial = false)
{
    public bool Ok => Status == ReadStatus.Ok && Value is not null;

    public static ReadResult<T> Success(T value, string path, bool partial = false, string? note = null) => new(ReadStatus.Ok, value, path, note, partial);
    public static ReadResult<T> Fail(ReadStatus status, string path, string reason) => new(status, default, path, reason);

    public ReadResult<TOut> Map<TOut>(Func<T, TOut> map) =>
        Ok ? ReadResult<TOut>.Success(map(Value!), Path, Partial, Reason) : new ReadResult<TOut>(Status, default, Path, Reason);
}

/// <summary>Raised by a pure Parse when input is not what the kernel prints; carries the line number.</summary>
public sealed class ProcParseException(string message, int? line = null) : Exception(message)
{
    public int? Line { get; } = line;
    public string Describe() => Line is { } l ? $"line {l}: {Message}" : Message;
}
