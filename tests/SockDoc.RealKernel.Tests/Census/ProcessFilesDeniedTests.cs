using System.Runtime.InteropServices;
using SockDoc.Kernel;
using SockDoc.Kernel.Procfs;

namespace SockDoc.RealKernel.Tests.Census;

/// <summary>
/// An unprivileged scan must count the processes the kernel refuses to show as denied, not vanished (issue 17 bug 4).
/// On a /proc mounted hidepid=noaccess the refusal is EPERM: proc_pid_permission() when has_pid_permissions(), a
/// ptrace_may_access() check, fails.
/// </summary>
[Trait("Category", "RealKernel")]
public sealed partial class ProcessFilesDeniedTests
{
    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, long a, long b, long c);

    /// <summary>setresgid/setresuid as raw syscalls change only the calling thread (glibc's wrappers would change all).</summary>
    private static void BecomeNobodyOnThisThread()
    {
        bool arm = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
        long setresgid = arm ? 149 : 119, setresuid = arm ? 147 : 117;
        Assert.Equal(0, syscall(setresgid, 65534, 65534, 65534));
        Assert.Equal(0, syscall(setresuid, 65534, 65534, 65534));
    }

    [Fact]
    public void A_process_refused_with_EPERM_counts_as_denied_and_a_gone_one_as_vanished()
    {
        Support.RequireRoot();
        var dir = Directory.CreateTempSubdirectory("sdk-hidepid-");
        Support.Sh($"mount -t proc -o hidepid=1 proc {dir.FullName}"); // a new proc instance: /proc itself is untouched
        try
        {
            var root = new ProcRoot(dir.FullName);
            ReadStatus init = ReadStatus.Ok, gone = ReadStatus.Ok;
            ProcessFilesReader.Result? scan = null;
            var t = new Thread(() =>
            {
                BecomeNobodyOnThisThread();
                ProcessFilesReader.ReadOne(root, 1, out init, countSockets: false);
                ProcessFilesReader.ReadOne(root, int.MaxValue - 1, out gone, countSockets: false);
                scan = ProcessFilesReader.Scan(root);
            });
            t.Start();
            t.Join();
            Assert.Equal(ReadStatus.Denied, init); // pid 1 is root's: EPERM under hidepid=noaccess
            Assert.Equal(ReadStatus.Missing, gone);
            Assert.NotNull(scan);
            Assert.True(scan.Denied > 0, $"denied {scan.Denied}, vanished {scan.Vanished}");
            Assert.True(scan.Vanished < scan.Denied, $"denied {scan.Denied}, vanished {scan.Vanished}");
        }
        finally
        {
            Support.Sh($"umount {dir.FullName}");
            dir.Delete();
        }
    }
}
