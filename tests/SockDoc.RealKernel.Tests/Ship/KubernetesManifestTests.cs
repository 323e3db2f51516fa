using System.Text.RegularExpressions;
using SockDoc.RealKernel.Tests.Watch;

namespace SockDoc.RealKernel.Tests.Ship;

/// <summary>
/// deploy/k8s: every manifest passes the schema validator (deploy/k8s/validate: kubernetes-models with the Kubernetes
/// OpenAPI schemas and the Prometheus Operator CRD schemas, plus an unknown-field probe), the PrometheusRule is the
/// rule file regenerated, and the DaemonSet grants exactly the capabilities the systemd unit names.
/// </summary>
public partial class KubernetesManifestTests
{
    private static readonly string K8s = Path.Combine(Tools.RepoRoot(), "deploy", "k8s");

    private static (int Code, string Out, string Err) Validate(params string[] files) =>
        Tools.Run(Tools.Require("node"), [Path.Combine(K8s, "validate", "validate.mjs"), .. files], TimeSpan.FromMinutes(2));

    [Fact]
    public void Every_manifest_validates_against_the_Kubernetes_and_Prometheus_Operator_schemas()
    {
        var manifests = Directory.GetFiles(K8s, "*.yaml").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["daemonset.yaml", "podmonitor.yaml", "prometheusrule.yaml"], manifests.Select(Path.GetFileName));
        var r = Validate(manifests);
        Assert.True(r.Code == 0, r.Out + r.Err);
        foreach (var kind in new[] { "Namespace/sockdoc", "ServiceAccount/sockdoc", "DaemonSet/sockdoc-exporter", "PodMonitor/sockdoc", "PrometheusRule/sockdoc" })
            Assert.Contains($"({kind}): ok", r.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void The_validator_rejects_a_wrong_type_a_misspelt_field_a_missing_required_field_and_an_unknown_kind()
    {
        var dir = Directory.CreateTempSubdirectory("sockdoc-k8s-").FullName;
        try
        {
            var ds = File.ReadAllText(Path.Combine(K8s, "daemonset.yaml"))
                .Replace("hostPID: true", "hostPID: \"yes\"", StringComparison.Ordinal)
                .Replace("readOnlyRootFilesystem:", "readOnlyRootFileSystem:", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir, "ds.yaml"), ds);
            var rule = File.ReadAllText(Path.Combine(K8s, "prometheusrule.yaml"));
            var firstExpr = rule.IndexOf("          expr:", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir, "rule.yaml"), rule[..firstExpr] + "          exp:" + rule[(firstExpr + "          expr:".Length)..]);
            File.WriteAllText(Path.Combine(dir, "kind.yaml"), "apiVersion: monitoring.coreos.com/v1\nkind: NodeMonitor\nmetadata: {name: x}\n");
            File.WriteAllText(Path.Combine(dir, "pm.yaml"), File.ReadAllText(Path.Combine(K8s, "podmonitor.yaml")).Replace("interval: 30s", "intervall: 30s", StringComparison.Ordinal));

            var r = Validate(Path.Combine(dir, "ds.yaml"), Path.Combine(dir, "rule.yaml"), Path.Combine(dir, "kind.yaml"), Path.Combine(dir, "pm.yaml"));
            Assert.Equal(1, r.Code);
            Assert.Contains("/spec/template/spec/hostPID: must be boolean", r.Out, StringComparison.Ordinal);
            Assert.Contains("/securityContext/readOnlyRootFileSystem: unknown field", r.Out, StringComparison.Ordinal);
            Assert.Contains("/spec/groups/0/rules/0: must have required property expr", r.Out, StringComparison.Ordinal);
            Assert.Contains("no schema for apiVersion \"monitoring.coreos.com/v1\" kind \"NodeMonitor\"", r.Out, StringComparison.Ordinal);
            Assert.Contains("/spec/podMetricsEndpoints/0/intervall: unknown field", r.Out, StringComparison.Ordinal);

            File.WriteAllText(Path.Combine(dir, "garbage.yaml"), "apiVersion: v1\nkind: [unclosed\n");
            var g = Validate(Path.Combine(dir, "garbage.yaml"));
            Assert.Equal(1, g.Code);
            Assert.Contains("not YAML", g.Out, StringComparison.Ordinal);
            Assert.Equal(3, Validate(Path.Combine(dir, "missing.yaml")).Code);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_PrometheusRule_is_the_rule_file_regenerated_and_drift_fails()
    {
        var gen = Path.Combine(K8s, "generate-prometheusrule");
        var check = Tools.Run(gen, ["--check"], TimeSpan.FromMinutes(1));
        Assert.True(check.Code == 0, check.Out + check.Err);

        // In a copy of deploy/: a threshold changed in the rule file alone is drift; regenerating ends it.
        var dir = Directory.CreateTempSubdirectory("sockdoc-drift-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "k8s"));
            Directory.CreateDirectory(Path.Combine(dir, "prometheus"));
            File.Copy(gen, Path.Combine(dir, "k8s", "generate-prometheusrule"));
            File.Copy(Path.Combine(K8s, "prometheusrule.yaml"), Path.Combine(dir, "k8s", "prometheusrule.yaml"));
            var rules = File.ReadAllText(Path.Combine(K8s, "..", "prometheus", "sockdoc-rules.yml"));
            Assert.Contains("> 0.8 * sockdoc_tcp_max_tw_buckets", rules, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(dir, "prometheus", "sockdoc-rules.yml"), rules.Replace("> 0.8 * sockdoc_tcp_max_tw_buckets", "> 0.9 * sockdoc_tcp_max_tw_buckets", StringComparison.Ordinal));
            var copy = Path.Combine(dir, "k8s", "generate-prometheusrule");
            var drift = Tools.Run(copy, ["--check"], TimeSpan.FromMinutes(1));
            Assert.Equal(1, drift.Code);
            Assert.Contains("0.9 * sockdoc_tcp_max_tw_buckets", drift.Err, StringComparison.Ordinal);
            Assert.Equal(0, Tools.Run(copy, [], TimeSpan.FromMinutes(1)).Code);
            Assert.Equal(0, Tools.Run(copy, ["--check"], TimeSpan.FromMinutes(1)).Code);
            Assert.Contains("0.9 * sockdoc_tcp_max_tw_buckets", File.ReadAllText(Path.Combine(dir, "k8s", "prometheusrule.yaml")), StringComparison.Ordinal);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void The_DaemonSet_runs_in_the_hosts_namespaces_read_only_with_exactly_the_units_capabilities()
    {
        var ds = File.ReadAllText(Path.Combine(K8s, "daemonset.yaml"));
        var unit = File.ReadAllLines(Path.Combine(K8s, "..", "systemd", "sockdoc-exporter.service"))
            .Single(l => l.StartsWith("AmbientCapabilities=", StringComparison.Ordinal)).Split('=', 2)[1]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => c["CAP_".Length..]).Order(StringComparer.Ordinal);
        var add = Added().Match(ds);
        Assert.True(add.Success, "no capabilities.add list in daemonset.yaml");
        var granted = add.Groups[1].Value.Split(',').Select(c => c.Trim().Trim('"')).Order(StringComparer.Ordinal);
        Assert.Equal(unit, granted);
        Assert.Contains("drop: [\"ALL\"]", ds, StringComparison.Ordinal);
        foreach (var line in new[] { "hostNetwork: true", "hostPID: true", "readOnlyRootFilesystem: true", "allowPrivilegeEscalation: false", "privileged: false" })
            Assert.Contains(line, ds, StringComparison.Ordinal);
        foreach (var path in new[] { "path: /proc", "path: /sys", "path: /sys/fs/cgroup" })
            Assert.Contains(path + "\n", ds, StringComparison.Ordinal);
        // The container runs what the image's entrypoint serves, on the port the PodMonitor scrapes.
        Assert.Contains("args: [\"exporter\", \"--listen\", \"0.0.0.0:9477\"", ds, StringComparison.Ordinal);
        Assert.Contains("port: metrics", File.ReadAllText(Path.Combine(K8s, "podmonitor.yaml")), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"add: \[([^\]]*)\]")]
    private static partial Regex Added();
}
