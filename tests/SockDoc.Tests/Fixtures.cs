using SockDoc.Kernel;

namespace SockDoc.Tests;

/// <summary>Paths to the captured fixture trees (copied beside the test assembly).</summary>
public static class Fixtures
{
    /// <summary>The fixtures folder of the source tree (symlinks such as /proc/PID/fd survive there, not in a copy).</summary>
    public static string Root { get; } =
        typeof(Fixtures).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "FixturesDir")?.Value is { } d && Directory.Exists(d)
            ? d
            : Path.Combine(AppContext.BaseDirectory, "fixtures");

    public static string Dir(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>The /proc tree captured on this project's Debian 12 / 6.18 VM (see its SOURCE.md).</summary>
    public static ProcRoot Vm => new(Dir("hosts", "debian12-6.18-vm", "proc"));

    public static ProcRoot Host(string name) => new(Dir("hosts", name, "proc"));

    public static byte[] Bytes(string host, string relative) => File.ReadAllBytes(Path.Combine(Dir("hosts", host, "proc"), relative));

    public static byte[] Text(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    /// <summary>Damaged inputs every parser must survive with a clear error, never a crash or hang.</summary>
    public static IEnumerable<byte[]> Damaged(byte[] good)
    {
        yield return [];
        yield return good[..(good.Length / 2)];
        yield return good[..Math.Max(good.Length - 7, 0)];
        var noise = new byte[4096];
        new Random(42).NextBytes(noise);
        yield return noise;
        yield return [.. good[..(good.Length / 3)], 0, 0, 0, .. good[(good.Length / 3)..]];
        yield return Text(new string('x', 1_000_000));
        yield return Text("TCP: inuse\n");
    }
}
