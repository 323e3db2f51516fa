namespace SockDoc.Model;

/// <summary>A source that could not be read, and why; the doctor reports what that leaves unknown.</summary>
public sealed record SourceProblem(string Source, string Reason, bool NeedsRoot = false);
