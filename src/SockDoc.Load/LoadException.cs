namespace SockDoc.Load;

/// <summary>The harness could not run (bad argument, a limit, a failed setup call); the message is one clear line.</summary>
public sealed class LoadException : Exception
{
    public LoadException() { }
    public LoadException(string message) : base(message) { }
    public LoadException(string message, Exception inner) : base(message, inner) { }
}
