using SockDoc.RealKernel.Tests.Watch;

namespace SockDoc.RealKernel.Tests.Ship;

/// <summary>
/// The NativeAOT binary as scripts/dist ships it, built once per test run (a NativeAOT publish takes minutes)
/// and shared by every test that needs it. The build itself runs dist's own checks (every --help, --json,
/// SQLite, bad input), so a build that succeeds has already passed them once.
/// </summary>
internal static class NativeBinary
{
    private static readonly Lazy<(string X64, string? Arm64)> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Path of dist/sockdoc-linux-x64 from this run's build.</summary>
    public static string Path_ => Built.Value.X64;

    /// <summary>dist/sockdoc-linux-arm64 of the same build (checked by dist under qemu-user), or null without the cross toolchain.</summary>
    public static string? Arm64 => Built.Value.Arm64;

    /// <summary>What scripts/dist needs for arm64 (scripts/ensure-deps installs all of it); empty when everything is there.</summary>
    public static IReadOnlyList<string> Arm64ToolchainMissing { get; } =
        new[] { "clang", "ld.lld", "aarch64-linux-gnu-gcc", "qemu-aarch64-static" }.Where(t => !OnPath(t)).ToList();

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(System.IO.Path.Combine(d, tool)));

    private static (string, string?) Build()
    {
        // An already built binary (scripts/dist output) for a rerun by hand: SOCKDOC_NATIVE, as bench/lib/native.sh reads it;
        // its arm64 sibling (sockdoc-linux-arm64 in the same folder) is used when present.
        if (Environment.GetEnvironmentVariable("SOCKDOC_NATIVE") is { Length: > 0 } given)
        {
            if (!File.Exists(given)) throw new InvalidOperationException($"SOCKDOC_NATIVE={given}: no such file");
            var sibling = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(given)!, "sockdoc-linux-arm64");
            return (given, File.Exists(sibling) ? sibling : null);
        }
        // run-tests starts scripts/dist in the background before the JIT build (SOCKDOC_NATIVE_BUILD names its folder), so
        // the minutes of NativeAOT compiling overlap the build and the unit tests; its exit code lands in dist.rc.
        if (Environment.GetEnvironmentVariable("SOCKDOC_NATIVE_BUILD") is { Length: > 0 } started)
            return Started(started);
        var dir = System.IO.Path.Combine(Path.GetTempPath(), "sockdoc-native-test-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, true); } catch (IOException) { } };
        var dist = System.IO.Path.Combine(Tools.RepoRoot(), "scripts", "dist");
        // Both architectures when the cross toolchain is here: dist ships arm64 only after its checks pass under qemu-user.
        string arch = Arm64ToolchainMissing.Count == 0 ? "all" : "x64";
        var r = Tools.Run(dist, ["--arch", arch, "--out", dir], TimeSpan.FromMinutes(arch == "all" ? 45 : 20));
        var bin = System.IO.Path.Combine(dir, "sockdoc-linux-x64");
        var arm = System.IO.Path.Combine(dir, "sockdoc-linux-arm64");
        if (r.Code != 0 || !File.Exists(bin) || (arch == "all" && !File.Exists(arm)))
            throw new InvalidOperationException($"scripts/dist --arch {arch} failed (exit {r.Code}):\n{r.Out}\n{r.Err}");
        return (bin, arch == "all" ? arm : null);
    }

    /// <summary>Waits for the build run-tests started in <paramref name="dir"/> (dist.log, dist.rc, out/) and takes its binaries.</summary>
    private static (string, string?) Started(string dir)
    {
        var rcFile = System.IO.Path.Combine(dir, "dist.rc");
        var log = System.IO.Path.Combine(dir, "dist.log");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(45);
        while (!File.Exists(rcFile) || File.ReadAllText(rcFile).Trim().Length == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"scripts/dist started by run-tests in {dir} did not finish in 45 minutes");
            Thread.Sleep(1000);
        }
        var rc = File.ReadAllText(rcFile).Trim();
        // dist's --out is dir/out, which holds the binaries and nothing else.
        var bin = System.IO.Path.Combine(dir, "out", "sockdoc-linux-x64");
        var arm = System.IO.Path.Combine(dir, "out", "sockdoc-linux-arm64");
        if (rc != "0" || !File.Exists(bin))
            throw new InvalidOperationException($"scripts/dist started by run-tests failed (exit {rc}):\n{(File.Exists(log) ? File.ReadAllText(log) : "(no log)")}");
        // Both architectures when the cross toolchain is here, as Build() decides; run-tests asks for the same.
        if (Arm64ToolchainMissing.Count == 0 && !File.Exists(arm))
            throw new InvalidOperationException($"scripts/dist started by run-tests left no sockdoc-linux-arm64 though the cross toolchain is here:\n{(File.Exists(log) ? File.ReadAllText(log) : "(no log)")}");
        return (bin, File.Exists(arm) ? arm : null);
    }
}
