namespace SockDoc.Model;

/// <summary>
/// One process's open files: the count of entries in /proc/PID/fd against "Max open files"
/// in /proc/PID/limits (RLIMIT_NOFILE). alloc_fd() fails with EMFILE once the lowest free fd
/// reaches the soft limit (kernel-facts §8).
/// </summary>
public sealed record ProcessFiles
{
    public required int Pid { get; init; }
    public required string Command { get; init; }
    public required long OpenFds { get; init; }
    /// <summary>Soft limit; null when unlimited or unreadable.</summary>
    public long? SoftLimit { get; init; }
    public long? HardLimit { get; init; }
    /// <summary>Sockets among the open fds (links to "socket:[inode]").</summary>
    public long? Sockets { get; init; }
}

/// <summary>/proc/PID/limits, the one line SockDoc needs.</summary>
public sealed record ProcLimits(long? MaxOpenFilesSoft, long? MaxOpenFilesHard);
