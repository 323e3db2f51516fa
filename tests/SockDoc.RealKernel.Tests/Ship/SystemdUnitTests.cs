using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SockDoc.RealKernel.Tests.Watch;

namespace SockDoc.RealKernel.Tests.Ship;

/// <summary>
/// deploy/systemd: PID 1 here is not systemd, so the units are checked with systemd's own tools
/// (systemd-analyze verify and security --offline, Debian's systemd package), and their privilege is checked by
/// running the native binary as an unprivileged user holding exactly the unit's AmbientCapabilities (setpriv):
/// the doctor must then read every source, and dropping any one capability must cost the source it is named for.
/// </summary>
[Collection("native")]
public partial class SystemdUnitTests
{
    private static readonly string Dir = Path.Combine(Tools.RepoRoot(), "deploy", "systemd");
    private static readonly string[] Units = ["sockdoc-exporter.service", "sockdoc-record.service"];

    /// <summary>The units with ExecStart pointing at a binary that exists here (verify checks it is executable).</summary>
    private static string Staged(string binary)
    {
        var dir = Directory.CreateTempSubdirectory("sockdoc-units-").FullName;
        foreach (var u in Units)
            File.WriteAllText(Path.Combine(dir, u), File.ReadAllText(Path.Combine(Dir, u)).Replace("/usr/local/bin/sockdoc", binary, StringComparison.Ordinal));
        return dir;
    }

    [Fact]
    public void Systemd_accepts_every_directive_and_rates_the_units_exposure_OK()
    {
        var analyze = Tools.Require("systemd-analyze");
        var dir = Staged(Tools.Sockdoc);
        try
        {
            var verify = Tools.Run(analyze, ["verify", "--man=no", .. Units.Select(u => "./" + u)], TimeSpan.FromSeconds(60), dir);
            // verify exits 0 even for an unknown key; what it prints is the finding.
            Assert.True(verify.Code == 0 && verify.Err.Trim().Length == 0, verify.Out + verify.Err);

            // The check can fail: a misspelt hardening directive is reported.
            File.WriteAllText(Path.Combine(dir, "bad.service"), File.ReadAllText(Path.Combine(dir, Units[0])).Replace("NoNewPrivileges=", "NoNewPrivilege=", StringComparison.Ordinal));
            var bad = Tools.Run(analyze, ["verify", "--man=no", "./bad.service"], TimeSpan.FromSeconds(60), dir);
            Assert.Contains("Unknown key", bad.Err, StringComparison.Ordinal);

            foreach (var u in Units)
            {
                var sec = Tools.Run(analyze, ["security", "--offline=true", "./" + u], TimeSpan.FromSeconds(60), dir);
                var m = Exposure().Match(sec.Out + sec.Err);
                Assert.True(m.Success, sec.Out + sec.Err);
                var score = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                // systemd's scale: ≤ 3.9 is "OK"; a root service without hardening scores 9.6 ("UNSAFE").
                Assert.True(score <= 3.5, $"{u}: exposure {score}");
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// The doctor and the census as user nobody holding exactly the unit's capabilities, then with each one removed.
    /// The owner of a socket is the sharpest probe: this test process (root) listens on a loopback port, and only a
    /// reader that may list (CAP_DAC_READ_SEARCH) and readlink (CAP_SYS_PTRACE) root's /proc/PID/fd names it.
    /// CAP_NET_ADMIN only enlarges the sock_diag receive buffer (SO_RCVBUFFORCE); a small census does not show it.
    /// </summary>
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_named_capabilities_are_enough_and_each_is_needed()
    {
        Support.RequireRoot();
        Tools.Require("setpriv");
        var caps = Capabilities(Units[0]);
        Assert.Equal(caps, Capabilities(Units[1]));
        Assert.Equal(["CAP_DAC_READ_SEARCH", "CAP_NET_ADMIN", "CAP_SYSLOG", "CAP_SYS_PTRACE"], caps.Order(StringComparer.Ordinal));
        // kernel.dmesg_restrict=1 (Debian's default) is what makes CAP_SYSLOG necessary for /dev/kmsg.
        var restrict = File.ReadAllText("/proc/sys/kernel/dmesg_restrict").Trim() == "1";

        // nobody must be able to run the binary: a copy in a directory every user may enter.
        var dir = Directory.CreateTempSubdirectory("sockdoc-caps-").FullName;
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var bin = Path.Combine(dir, "sockdoc");
        File.Copy(NativeBinary.Path_, bin);
        File.SetUnixFileMode(bin, File.GetUnixFileMode(dir));
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        try
        {
            var all = Run(bin, caps, port);
            Assert.Empty(all.Unreadable);
            Assert.Equal(Environment.ProcessId, all.Owner);

            var noDac = Run(bin, caps.Where(c => c != "CAP_DAC_READ_SEARCH"), port);
            Assert.Contains("/proc/slabinfo", noDac.Unreadable);
            Assert.Contains("/proc/PID/fd", noDac.Unreadable);
            Assert.Null(noDac.Owner);

            // Listing root's fd directories still works; readlink of each fd does not (ptrace_may_access).
            var noPtrace = Run(bin, caps.Where(c => c != "CAP_SYS_PTRACE"), port);
            Assert.DoesNotContain("/proc/PID/fd", noPtrace.Unreadable);
            Assert.Null(noPtrace.Owner);

            var noSyslog = Run(bin, caps.Where(c => c != "CAP_SYSLOG"), port);
            if (restrict) Assert.Contains("/dev/kmsg", noSyslog.Unreadable);
            else Assert.DoesNotContain("/dev/kmsg", noSyslog.Unreadable);
            Assert.Equal(Environment.ProcessId, noSyslog.Owner);

            var none = Run(bin, [], port);
            Assert.Contains("/proc/slabinfo", none.Unreadable);
            Assert.Contains("/proc/PID/fd", none.Unreadable);
            Assert.Null(none.Owner);
        }
        finally
        {
            listener.Stop();
            Directory.Delete(dir, true);
        }
    }

    private static List<string> Capabilities(string unit) =>
        File.ReadAllLines(Path.Combine(Dir, unit)).Single(l => l.StartsWith("AmbientCapabilities=", StringComparison.Ordinal))
            .Split('=', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>
    /// As user nobody with exactly these capabilities: the sources `doctor --json` could not read, and the pid that
    /// `sockets --json` names as the owner of the listener on the port (null when it names none).
    /// </summary>
    private static (List<string> Unreadable, int? Owner) Run(string bin, IEnumerable<string> caps, int port)
    {
        var list = string.Join(',', caps.Select(c => "+" + c["CAP_".Length..].ToLowerInvariant()));
        string[] capArgs = list.Length == 0
            ? ["--inh-caps=-all", "--bounding-set=-all"]
            : [$"--inh-caps={list}", $"--ambient-caps={list}", $"--bounding-set=-all,{list}"];
        string[] asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups", .. capArgs, bin];
        var doctor = Tools.Run("setpriv", [.. asNobody, "doctor", "--interval", "0", "--json"], TimeSpan.FromSeconds(120));
        Assert.True(doctor.Code is >= 0 and <= 2, $"caps [{list}]: doctor exit {doctor.Code}: {doctor.Err}");
        var unreadable = JsonDocument.Parse(doctor.Out).RootElement.GetProperty("report").GetProperty("unreadable").EnumerateArray()
            .Select(u => u.GetProperty("source").GetString()!).ToList();
        var sockets = Tools.Run("setpriv", [.. asNobody, "sockets", "--port", port.ToString(CultureInfo.InvariantCulture), "--by", "process", "--json"], TimeSpan.FromSeconds(120));
        Assert.True(sockets.Code is >= 0 and <= 2, $"caps [{list}]: sockets exit {sockets.Code}: {sockets.Err}");
        var listener = JsonDocument.Parse(sockets.Out).RootElement.GetProperty("listeners").EnumerateArray()
            .Single(l => l.GetProperty("local_port").GetInt32() == port);
        int? owner = listener.TryGetProperty("pid", out var pid) && pid.ValueKind == JsonValueKind.Number ? pid.GetInt32() : null;
        return (unreadable, owner);
    }

    [GeneratedRegex(@"Overall exposure level for [^:]+: ([0-9.]+)")]
    private static partial Regex Exposure();
}
