using SockDoc.RealKernel.Tests.Watch;

namespace SockDoc.RealKernel.Tests.Ship;

/// <summary>
/// The NativeAOT binary as scripts/dist ships it, built once per test run (a NativeAOT publish takes minutes)
/// and shared by every test that needs it. The build itself runs dist's own checks (every --help, --json,
/// SQLite, bad input), so a build that succeeds has already passed them once.
/// </summary>
internal static class NativeBinary
{
    private static readonly Lazy<string> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Path of dist/sockdoc-linux-x64 from this run's build.</summary>
    public static string Path_ => Built.Value;

    private static string Build()
    {
        // An already built binary (scripts/dist output) for a rerun by hand: SOCKDOC_NATIVE, as bench/lib/native.sh reads it.
        if (Environment.GetEnvironmentVariable("SOCKDOC_NATIVE") is { Length: > 0 } given)
            return File.Exists(given) ? given : throw new InvalidOperationException($"SOCKDOC_NATIVE={given}: no such file");
        var dir = System.IO.Path.Combine(Path.GetTempPath(), "sockdoc-native-test-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, true); } catch (IOException) { } };
        var dist = System.IO.Path.Combine(Tools.RepoRoot(), "scripts", "dist");
        var r = Tools.Run(dist, ["--arch", "x64", "--out", dir], TimeSpan.FromMinutes(20));
        var bin = System.IO.Path.Combine(dir, "sockdoc-linux-x64");
        if (r.Code != 0 || !File.Exists(bin)) throw new InvalidOperationException($"scripts/dist failed (exit {r.Code}):\n{r.Out}\n{r.Err}");
        return bin;
    }
}
