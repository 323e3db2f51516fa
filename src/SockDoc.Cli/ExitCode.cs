namespace SockDoc.Cli;

/// <summary>Process exit codes, a stable contract for scripts (dotnet-diagnostics ReturnCode style).</summary>
public enum ExitCode
{
    Ok = 0,
    Warning = 1,
    Critical = 2,
    /// <summary>Could not run: bad arguments, unreadable or foreign input.</summary>
    CouldNotRun = 3,
}
