using SockDoc.Model;

namespace SockDoc.Kernel.Procfs;

/// <summary>
/// Per process open files: the entries of /proc/PID/fd (sockets are links "socket:[inode]")
/// against RLIMIT_NOFILE from /proc/PID/limits. Reading another user's fd directory needs root;
/// processes that vanish during the scan are skipped.
/// </summary>
public static class ProcessFilesReader
{
    public sealed record Result(IReadOnlyList<ProcessFiles> Processes, int Denied, int Vanished);

    public static Result Scan(ProcRoot root, int? maxProcesses = null)
    {
        var list = new List<ProcessFiles>();
        int denied = 0, vanished = 0;
        IEnumerable<string> dirs;
        try
        {
            dirs = Directory.EnumerateDirectories(root.Directory_);
        }
        catch (IOException)
        {
            return new Result(list, 0, 0);
        }
        catch (UnauthorizedAccessException)
        {
            return new Result(list, 1, 0);
        }
        foreach (var dir in dirs)
        {
            var name = Path.GetFileName(dir);
            if (!int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)) continue;
            if (maxProcesses is { } max && list.Count >= max) break;
            var entry = ReadOne(root, pid, out var status);
            if (entry is not null) list.Add(entry);
            else if (status == ReadStatus.Denied) denied++;
            else vanished++;
        }
        return new Result(list, denied, vanished);
    }

    public static ProcessFiles? ReadOne(ProcRoot root, int pid, out ReadStatus status)
    {
        var fdDir = root.PathOf($"{pid}/fd");
        long count = 0, sockets = 0;
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries(fdDir))
            {
                count++;
                // A link target read costs a syscall per fd; only done to count sockets.
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)) sockets++;
            }
        }
        catch (UnauthorizedAccessException)
        {
            status = ReadStatus.Denied;
            return null;
        }
        catch (IOException)
        {
            status = ReadStatus.Missing;
            return null;
        }
        var limits = ProcLimitsReader.Read(root, pid);
        var comm = ProcFile.ReadAll(root.PathOf($"{pid}/comm"), 4096);
        status = ReadStatus.Ok;
        return new ProcessFiles
        {
            Pid = pid,
            Command = comm.Ok ? System.Text.Encoding.UTF8.GetString(comm.Value!).TrimEnd('\n') : "?",
            OpenFds = count,
            Sockets = sockets,
            SoftLimit = limits.Ok ? limits.Value!.MaxOpenFilesSoft : null,
            HardLimit = limits.Ok ? limits.Value!.MaxOpenFilesHard : null,
        };
    }
}
