using System.Text.Json;
using System.Text.Json.Nodes;
using SockDoc.RealKernel.Tests.Watch;

namespace SockDoc.RealKernel.Tests.Ship;

/// <summary>
/// A representative set of the CLI run against the NativeAOT binary from scripts/dist and against the JIT build
/// of the same source: same output, same exit codes. Where the input is fixed (a captured /proc tree, a paste,
/// the lab's catalogue) the JSON is equal apart from the clock; on the live host, where numbers move between two
/// runs, the shape (every JSON path) and the check verdicts are equal.
/// </summary>
[Collection("native")]
public class NativeCliTests
{
    private static readonly string Repo = Tools.RepoRoot();
    private static readonly string VmProc = Path.Combine(Repo, "tests", "SockDoc.Tests", "fixtures", "hosts", "debian12-6.18-vm", "proc");

    private static (int Code, string Out, string Err) Native(params string[] args) =>
        Tools.Run(NativeBinary.Path_, args, TimeSpan.FromSeconds(90));

    private static (int Code, string Out, string Err) Jit(params string[] args) =>
        Tools.Run(Tools.Sockdoc, args, TimeSpan.FromSeconds(90));

    [Fact]
    public void The_arm64_binary_ships_as_one_file_and_takes_its_census_from_proc_net_tcp_under_qemu()
    {
        // The cross toolchain is installed by scripts/ensure-deps (as every tool these tests need); without it the
        // x64 tests still run (dist builds x64 only) and this one says what is missing.
        Assert.True(NativeBinary.Arm64ToolchainMissing.Count == 0,
            $"no arm64 cross toolchain here ({string.Join(", ", NativeBinary.Arm64ToolchainMissing)}): run scripts/ensure-deps");
        var arm = NativeBinary.Arm64!;
        Assert.Equal(["sockdoc-linux-arm64", "sockdoc-linux-x64"], Directory.GetFiles(Path.GetDirectoryName(arm)!).Select(Path.GetFileName).Order());
        var elf = File.ReadAllBytes(arm).AsSpan(0, 20).ToArray();
        Assert.Equal(183, BitConverter.ToUInt16(elf, 18)); // e_machine EM_AARCH64
        // SQLite linked in: the only shared libraries it asks for are glibc's.
        var needed = Tools.Run("aarch64-linux-gnu-readelf", ["-d", arm], TimeSpan.FromSeconds(10)).Out.Split('\n')
            .Where(l => l.Contains("(NEEDED)", StringComparison.Ordinal)).Select(l => l[(l.IndexOf('[') + 1)..l.IndexOf(']')]).Order().ToList();
        Assert.Equal(["ld-linux-aarch64.so.1", "libc.so.6", "libm.so.6"], needed);
        var r = Tools.Run("qemu-aarch64-static", ["-L", "/usr/aarch64-linux-gnu", arm, "sockets", "--json"], TimeSpan.FromSeconds(120));
        Assert.True(r.Code == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("/proc/net/tcp", doc.RootElement.GetProperty("source").GetString());
        Assert.Contains("EPROTONOSUPPORT", doc.RootElement.GetProperty("sock_diag_unavailable").GetString(), StringComparison.Ordinal);
        // The same host natively: sock_diag.
        var x = Native("sockets", "--json");
        using var xdoc = JsonDocument.Parse(x.Out);
        Assert.Equal("netlink:sock_diag", xdoc.RootElement.GetProperty("source").GetString());
    }

    public static TheoryData<string> Commands => new()
    {
        "doctor", "collect", "load", "logs", "sockets", "watch", "record", "report", "exporter", "plan", "lint", "lab", "explain",
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_commands_help_is_the_same_as_the_JIT_builds(string command)
    {
        var n = Native(command, "--help");
        var j = Jit(command, "--help");
        Assert.Equal(0, n.Code);
        // The usage line names the file the command was started as (sockdoc-linux-x64 for the shipped file).
        Assert.Equal(j.Out, n.Out.Replace("sockdoc-linux-x64 ", "sockdoc ", StringComparison.Ordinal));
        Assert.Contains("Usage:", n.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("doctor", "--from", "/nonexistent/host.json")]
    [InlineData("doctor", "--no-such-option")]
    [InlineData("plan", "--connections", "many")]
    [InlineData("explain", "/nonexistent/paste.txt")]
    public void Bad_input_exits_3_with_the_same_message_and_no_stack_trace(params string[] args)
    {
        var n = Native(args);
        var j = Jit(args);
        Assert.Equal(3, n.Code);
        Assert.Equal(j.Code, n.Code);
        Assert.Equal(j.Err, n.Err);
        Assert.StartsWith("sockdoc", n.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", n.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_on_a_captured_proc_tree_gives_the_same_json()
    {
        string[] args = ["doctor", "--proc-root", VmProc, "--json"];
        AssertSameJson(Jit(args), Native(args));
    }

    [Fact]
    public void Explain_plan_and_lab_list_give_the_same_json()
    {
        foreach (var paste in Directory.GetFiles(Path.Combine(Repo, "tests", "SockDoc.Tests", "fixtures", "explain"), "*.txt"))
            AssertSameJson(Jit("explain", paste, "--json"), Native("explain", paste, "--json"));
        string[] plan = ["plan", "--connections", "1000000", "--role", "server", "--buffers-in-use", "4k/4k", "--app-bytes-per-conn", "2k", "--ram", "64G", "--json"];
        AssertSameJson(Jit(plan), Native(plan));
        string[] client = ["plan", "--role", "client", "--rate", "20000/s", "--destinations", "3", "--lifetime", "200ms", "--json"];
        AssertSameJson(Jit(client), Native(client));
        AssertSameJson(Jit("lab", "list", "--json"), Native("lab", "list", "--json"));
    }

    [Fact]
    public void A_live_snapshot_taken_by_the_native_binary_diagnoses_the_same_under_both()
    {
        // collect runs every live reader and the netlink census as native code; the two doctors then see one input.
        var file = Path.Combine(Path.GetTempPath(), $"sockdoc-native-{Guid.NewGuid():N}.json");
        try
        {
            var c = Native("collect", "--interval", "0", "-o", file);
            Assert.True(c.Code == 0, c.Err);
            AssertSameJson(Jit("doctor", "--from", file, "--json"), Native("doctor", "--from", file, "--json"));
            Assert.Contains("\"census\"", File.ReadAllText(file), StringComparison.Ordinal);
        }
        finally { File.Delete(file); }

        // Live: the same checks run (their verdicts may move between two runs on a shared host).
        var j = Jit("doctor", "--interval", "0", "--no-log", "--json");
        var n = Native("doctor", "--interval", "0", "--no-log", "--json");
        Assert.True(n.Code is >= 0 and <= 2, n.Err);
        Assert.Equal(Checks(j.Out).Keys, Checks(n.Out).Keys);
        var ns = Native("sockets", "--json");
        Assert.Equal(0, ns.Code);
        Assert.Equal(TopKeys(Jit("sockets", "--json").Out), TopKeys(ns.Out));
    }

    [Fact]
    public void Exporter_once_prints_the_same_metric_families()
    {
        var j = Jit("exporter", "--once");
        var n = Native("exporter", "--once");
        Assert.Equal(0, n.Code);
        static SortedSet<string> Families(string text) => new(text.Split('\n')
            .Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]), StringComparer.Ordinal);
        var families = Families(n.Out);
        Assert.Contains("sockdoc_sockstat_tcp_inuse", families);
        Assert.Contains("sockdoc_finding", families);
        Assert.Equal(Families(j.Out), families);
    }

    [Fact]
    public void The_binary_runs_with_no_dotnet_on_the_machine_and_needs_only_libc()
    {
        var ldd = Tools.Run("ldd", [NativeBinary.Path_], TimeSpan.FromSeconds(10));
        var libs = ldd.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().Split(' ')[0]).ToList();
        Assert.All(libs, l => Assert.Matches(@"^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|/lib64/ld-linux-x86-64\.so\.2)$", l));
        // One file per architecture, nothing beside it (no libe_sqlite3.so).
        Assert.Equal(NativeBinary.Arm64 is null ? ["sockdoc-linux-x64"] : ["sockdoc-linux-arm64", "sockdoc-linux-x64"],
            Directory.GetFiles(Path.GetDirectoryName(NativeBinary.Path_)!).Select(Path.GetFileName).Order());
        // The SDK hidden under an empty tmpfs in a private mount namespace, PATH without it, no DOTNET_ROOT:
        // what a server without .NET looks like to the binary.
        var script = "d=$(dirname \"$(readlink -f \"$(command -v dotnet)\")\") && mount -t tmpfs none \"$d\" && " +
                     "! env PATH=/usr/sbin:/usr/bin:/sbin:/bin bash -c 'command -v dotnet' && test ! -e \"$d/dotnet\" && " +
                     $"env -u DOTNET_ROOT PATH=/usr/sbin:/usr/bin:/sbin:/bin {NativeBinary.Path_} doctor --interval 0 --no-log --json";
        var r = Tools.Run("unshare", ["--mount", "--propagation", "private", "bash", "-c", script], TimeSpan.FromSeconds(60));
        Assert.True(r.Code is >= 0 and <= 2, r.Err);
        Assert.Equal(Checks(Jit("doctor", "--interval", "0", "--no-log", "--json").Out).Keys, Checks(r.Out).Keys);
    }

    private static void AssertSameJson((int Code, string Out, string Err) jit, (int Code, string Out, string Err) native)
    {
        Assert.Equal(jit.Code, native.Code);
        Assert.Equal(jit.Err, native.Err);
        Assert.Equal(Normalize(jit.Out), Normalize(native.Out));
    }

    /// <summary>The JSON with its clock fields removed (two runs never share a taken_at).</summary>
    private static string Normalize(string json)
    {
        var node = JsonNode.Parse(json)!;
        Strip(node);
        return node.ToJsonString();

        static void Strip(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                foreach (var key in o.Select(kv => kv.Key).Where(k => k is "taken_at" or "generated_at").ToList()) o.Remove(key);
                foreach (var kv in o) Strip(kv.Value);
            }
            else if (n is JsonArray a) foreach (var e in a) Strip(e);
        }
    }

    private static List<string> TopKeys(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name).ToList();

    private static Dictionary<string, string> Checks(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("report").GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("id").GetString()!, c => c.GetProperty("status").GetString()!);
}
