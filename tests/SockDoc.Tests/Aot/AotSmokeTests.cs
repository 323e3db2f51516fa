using System.Diagnostics;

namespace SockDoc.Tests.Aot;

/// <summary>
/// The libraries are marked IsAotCompatible (analyzers at build time); this publishes tests/SockDoc.Aot with
/// NativeAOT and runs it, so trimming, LibraryImport marshalling and source-generated JSON are proven at run time.
/// </summary>
public class AotSmokeTests
{
    private static (int Exit, string Out, string Err) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(8)), $"{file} did not finish");
        return (p.ExitCode, o.Result, e.Result);
    }

    [Fact]
    public void The_doctor_libraries_run_under_NativeAOT_with_the_same_verdicts()
    {
        var project = Path.GetFullPath(Path.Combine(Fixtures.Root, "..", "..", "SockDoc.Aot", "SockDoc.Aot.csproj"));
        var work = Path.Combine(Path.GetTempPath(), "sockdoc-aot-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Its own artifacts path: the publish must not touch the obj/ folders of the build under test.
            var publish = Run("dotnet", "publish", project, "-c", "Release", "-r", "linux-x64", "-o", Path.Combine(work, "out"),
                "--artifacts-path", Path.Combine(work, "artifacts"), "-nologo", "-v", "q");
            Assert.True(publish.Exit == 0, publish.Out + publish.Err);
            var exe = Path.Combine(work, "out", "SockDoc.Aot");
            Assert.False(File.Exists(Path.Combine(work, "out", "SockDoc.Aot.dll")), "expected a native executable, not IL");

            // On the captured VM tree the verdicts are known: every check ok or unknown, as under the JIT.
            var fixture = Run(exe, Fixtures.Dir("hosts", "debian12-6.18-vm", "proc"));
            Assert.True(fixture.Exit == 0, fixture.Err);
            var jit = SockDoc.Diagnosis.Rules.All.Engine().Run(Rules.Snap.One(Rules.Snap.Base()));
            var expected = string.Join('\n', jit.Checks.Select(c => $"{c.Id} {c.Status}")) + "\ncensus none\n";
            Assert.Equal(expected, fixture.Out);

            // On the live host the netlink census runs through LibraryImport in native code.
            var live = Run(exe);
            Assert.True(live.Exit == 0, live.Err);
            Assert.Matches(@"census \d+", live.Out);
        }
        finally
        {
            try { Directory.Delete(work, true); } catch (IOException) { }
        }
    }
}
