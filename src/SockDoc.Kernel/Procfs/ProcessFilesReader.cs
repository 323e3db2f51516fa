using SockDoc.Kernel.Census;
using SockDoc.Kernel.Interop;
using SockDoc.Model;

namespace SockDoc.Kernel.Procfs;

/// <summary>
/// Per process open files: the entries of /proc/PID/fd against RLIMIT_NOFILE from /proc/PID/limits.
/// Only a readdir per process: telling sockets apart needs a readlink per fd, which costs seconds at
/// hundreds of thousands of fds, so it is done only when asked (countSockets). Reading another user's fd directory needs root:
/// the kernel refuses with EACCES (generic_permission on the dr-x------ directory) or, on a /proc mounted hidepid=noaccess,
/// with EPERM (proc_pid_permission when has_pid_permissions, a ptrace_may_access check, fails); both count as denied.
/// Processes that vanish during the scan (ENOENT, ESRCH) are skipped.
/// </summary>
public static class ProcessFilesReader
{
    private static readonly ThreadLocal<byte[]> DirBuffer = new(() => new byte[RawProc.DirBufferBytes]);

    public sealed record Result(IReadOnlyList<ProcessFiles> Processes, int Denied, int Vanished);

    public static Result Scan(ProcRoot root, int? maxProcesses = null, bool countSockets = false)
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
            var entry = ReadOne(root, pid, out var status, countSockets);
            if (entry is not null) list.Add(entry);
            else if (status == ReadStatus.Denied) denied++;
            else vanished++;
        }
        return new Result(list, denied, vanished);
    }

    /// <summary>ENOENT and ESRCH: the process is gone. Anything else (EACCES, EPERM, …) kept us from reading it.</summary>
    internal static ReadStatus StatusOf(int errno) => errno is Errno.ENOENT or Errno.ESRCH ? ReadStatus.Missing : ReadStatus.Denied;

    public static ProcessFiles? ReadOne(ProcRoot root, int pid, out ReadStatus status, bool countSockets = true)
    {
        var fdDir = root.PathOf($"{pid}/fd");
        long count = 0, sockets = 0;
        if (!countSockets)
        {
            // getdents64 straight into a buffer: .NET's enumerator would stat every link, which costs
            // seconds for a process holding tens of thousands of sockets.
            var fd = RawProc.OpenDir(Libc.AT_FDCWD, System.Text.Encoding.UTF8.GetBytes(fdDir + "\0"));
            if (fd < 0)
            {
                status = StatusOf(-fd);
                return null;
            }
            try
            {
                var entries = new RawProc.DirEntries(fd, DirBuffer.Value!);
                while (entries.MoveNextNumber(out _)) count++;
            }
            finally
            {
                Libc.close(fd);
            }
        }
        else
        {
            try
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(fdDir))
                {
                    count++;
                    var target = new FileInfo(entry).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)) sockets++;
                }
            }
            catch (UnauthorizedAccessException)
            {
                status = ReadStatus.Denied;
                return null;
            }
            catch (IOException e)
            {
                // .NET maps EACCES and EPERM to UnauthorizedAccessException, ENOENT to the two not-found exceptions.
                status = e is DirectoryNotFoundException or FileNotFoundException ? ReadStatus.Missing : ReadStatus.Denied;
                return null;
            }
        }
        var limits = ProcLimitsReader.Read(root, pid);
        var comm = ProcFile.ReadAll(root.PathOf($"{pid}/comm"), 4096);
        status = ReadStatus.Ok;
        return new ProcessFiles
        {
            Pid = pid,
            Command = comm.Ok ? System.Text.Encoding.UTF8.GetString(comm.Value!).TrimEnd('\n') : "?",
            OpenFds = count,
            Sockets = countSockets ? sockets : null,
            SoftLimit = limits.Ok ? limits.Value!.MaxOpenFilesSoft : null,
            HardLimit = limits.Ok ? limits.Value!.MaxOpenFilesHard : null,
        };
    }
}
