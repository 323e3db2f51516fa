using SockDoc.Cli;
using SockDoc.Model;

namespace SockDoc.Tests.Cli;

/// <summary>The doctor's text and JSON on a real snapshot, for 4 KiB and 64 KiB pages (node_exporter's habit).</summary>
public class DoctorGoldenTests
{
    private static string SnapshotPath => Path.Combine(Fixtures.Root, "..", "snapshots", "netns-tw-ports.json");

    private static string Run(string file, params string[] extra)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var exit = Program.Run(["doctor", "--from", file, .. extra], new CliIo(o, e, outputIsTerminal: false, noColor: true, width: 120));
        Assert.True(exit == 2, $"exit {exit}: {e}");
        return o.ToString();
    }

    private static string WithPageSize(long pageSize)
    {
        var pair = SnapshotJson.Deserialize(File.ReadAllText(SnapshotPath));
        var now = pair.Now with { Host = pair.Now.Host with { PageSize = pageSize } };
        var path = Path.Combine(Path.GetTempPath(), $"sockdoc-golden-{pageSize}-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, SnapshotJson.Serialize(pair with { Now = now }));
        return path;
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(65536)]
    public void Text(long pageSize)
    {
        var file = WithPageSize(pageSize);
        try { Golden.Check($"doctor-netns-tw-ports-{pageSize / 1024}k.txt", Run(file).Replace(file, "FILE", StringComparison.Ordinal)); }
        finally { File.Delete(file); }
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(65536)]
    public void Json(long pageSize)
    {
        var file = WithPageSize(pageSize);
        try { Golden.Check($"doctor-netns-tw-ports-{pageSize / 1024}k.json", Run(file, "--json").Replace(file, "FILE", StringComparison.Ordinal)); }
        finally { File.Delete(file); }
    }
}
