using System.Text.Json;
using SockDoc.RealKernel.Tests.Watch;

namespace SockDoc.RealKernel.Tests.Ship;

/// <summary>
/// deploy/container: the image built by podman (Debian package, runc, no registry) from the native binary on
/// `FROM scratch`, run with the host's /proc mounted read-only: the doctor inside reads it and answers in JSON.
/// CONTAINERS_CONF points at deploy/container/containers.conf for the test only (this VM cannot apply podman's
/// default ulimits); nothing is changed on the host.
/// </summary>
[Collection("native")]
public class ContainerImageTests
{
    [Fact]
    public void The_scratch_image_runs_the_doctor_against_the_hosts_proc_read_only()
    {
        Support.RequireRoot();
        Tools.Require("podman");
        var dir = Path.Combine(Tools.RepoRoot(), "deploy", "container");
        var tag = "localhost/sdk-sockdoc-test:" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable("CONTAINERS_CONF", Path.Combine(dir, "containers.conf"));
        try
        {
            var build = Tools.Run(Path.Combine(dir, "build.sh"), ["--binary", NativeBinary.Path_, "--tag", tag], TimeSpan.FromMinutes(5));
            Assert.True(build.Code == 0, build.Out + build.Err);

            // Nothing in the image but the binary and the glibc files it links: no shell to run.
            var shell = Tools.Run("podman", ["run", "--rm", "--runtime", "runc", "--network", "none", "--entrypoint", "/bin/sh", tag, "-c", "true"], TimeSpan.FromMinutes(2));
            Assert.NotEqual(0, shell.Code);

            var run = Tools.Run("podman", ["run", "--rm", "--runtime", "runc", "--network", "none", "--read-only",
                "-v", "/proc:/host/proc:ro", tag, "doctor", "--proc-root", "/host/proc", "--json"], TimeSpan.FromMinutes(2));
            Assert.True(run.Code is >= 0 and <= 2, run.Err);
            var report = JsonDocument.Parse(run.Out).RootElement.GetProperty("report");
            Assert.Equal("/host/proc", report.GetProperty("origin").GetString());
            Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), report.GetProperty("kernel_release").GetString());
            // The host's tree was read: its sysctls reached the rules (no check lacks every input).
            Assert.True(report.GetProperty("checks").GetArrayLength() >= 13);
            Assert.Contains(report.GetProperty("checks").EnumerateArray(), c => c.GetProperty("status").GetString() == "ok");
        }
        finally
        {
            Tools.Run("podman", ["rmi", "-f", tag], TimeSpan.FromMinutes(1));
            Environment.SetEnvironmentVariable("CONTAINERS_CONF", null);
        }
    }
}
