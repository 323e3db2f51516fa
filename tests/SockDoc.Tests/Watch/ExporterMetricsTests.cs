using System.Globalization;
using SockDoc.Cli.Commands;
using SockDoc.Cli.Exporter;
using SockDoc.Diagnosis.Engine;
using SockDoc.Model;

namespace SockDoc.Tests.Watch;

public sealed class ExporterMetricsTests
{
    private static async Task<Dictionary<string, double>> Export(Snapshot s, IReadOnlyList<CheckResult>? checks = null)
    {
        var metrics = new SockDocMetrics();
        metrics.Update(s, checks, TimeProvider.System);
        return Parse(await metrics.ExportTextAsync(CancellationToken.None));
    }

    /// <summary>"name{labels} value" lines → value by "name{labels}".</summary>
    internal static Dictionary<string, double> Parse(string exposition)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            result[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return result;
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(65536)]
    public async Task Page_counts_are_exported_in_bytes_with_the_hosts_page_size(long pageSize)
    {
        var m = await Export(WatchSnapshots.Busy(WatchSnapshots.T0, pageSize));
        Assert.Equal(300_000d * pageSize, m["sockdoc_sockstat_tcp_mem_bytes"]);
        Assert.Equal(7d * pageSize, m["sockdoc_sockstat_udp_mem_bytes"]);
        Assert.Equal(383_876d * pageSize, m["sockdoc_tcp_mem_pressure_bytes"]);
        Assert.Equal(575_814d * pageSize, m["sockdoc_tcp_mem_max_bytes"]);
        Assert.Equal(pageSize, m["sockdoc_page_size_bytes"]);
    }

    [Fact]
    public async Task Gauges_counters_and_limits_follow_the_naming_rules()
    {
        var m = await Export(WatchSnapshots.Busy(WatchSnapshots.T0));
        Assert.Equal(40_000, m["sockdoc_sockstat_tcp_orphan"]);
        Assert.Equal(150_000, m["sockdoc_sockstat_tcp_tw"]);
        Assert.Equal(131_072, m["sockdoc_tcp_orphan_limit{shift=\"0\"}"]);
        Assert.Equal(65_536, m["sockdoc_tcp_orphan_limit{shift=\"1\"}"]);
        Assert.Equal(32_768, m["sockdoc_tcp_orphan_limit{shift=\"2\"}"]);
        Assert.Equal(28_232, m["sockdoc_local_port_range_ports"]);
        Assert.Equal(61_000, m["sockdoc_filefd_allocated"]);
        Assert.Equal(1_200, m["sockdoc_nf_conntrack_entries"]);
        Assert.Equal(17, m["sockdoc_netstat_tcpext_listen_overflows_total"]);
        Assert.Equal(3, m["sockdoc_netstat_tcpext_tcp_abort_on_memory_total"]);
        Assert.Equal(5, m["sockdoc_netstat_tcpext_tcp_time_wait_overflow_total"]);
        Assert.Equal(99, m["sockdoc_netstat_tcp_out_rsts_total"]);
        Assert.Equal(4, m["sockdoc_nf_conntrack_stat_drop_total"]);
        Assert.Equal(45_000, m["sockdoc_tcp_curr_estab"]);
        // Constants and gauges of the snmp Tcp group are not counters.
        Assert.DoesNotContain("sockdoc_netstat_tcp_rto_min_total", m.Keys);
        Assert.DoesNotContain("sockdoc_netstat_tcp_curr_estab_total", m.Keys);
        Assert.DoesNotContain("sockdoc_nf_conntrack_stat_entries_total", m.Keys);
        Assert.Equal(150_000, m["sockdoc_tcp_sockets{state=\"TIME_WAIT\"}"]);
        Assert.Equal(25_000, m["sockdoc_busiest_destination_connections{source=\"10.0.0.1\",destination=\"10.0.0.9\",port=\"5432\"}"]);
        Assert.Equal(59_000, m["sockdoc_process_sockets{pid=\"4242\",command=\"nginx\"}"]);
        Assert.Equal(60_000, m["sockdoc_process_open_fds{pid=\"4242\",command=\"nginx\"}"]);
        Assert.Equal(65_536, m["sockdoc_process_max_fds{pid=\"4242\",command=\"nginx\"}"]);
        Assert.Equal(1, m["sockdoc_census_up"]);
        Assert.Equal(0, m["sockdoc_listeners_accept_queue_full"]);
        Assert.All(m.Keys, k => Assert.Matches("^sockdoc_[a-z0-9_]+(\\{.*\\})?$", k));
    }

    [Fact]
    public async Task Absent_sources_are_not_exported_as_zero()
    {
        var bare = new Snapshot { TakenAt = WatchSnapshots.T0, Host = new HostIdentity { PageSize = 4096 } };
        var m = await Export(bare);
        Assert.DoesNotContain("sockdoc_sockstat_tcp_orphan", m.Keys);
        Assert.DoesNotContain("sockdoc_sockstat_tcp_mem_bytes", m.Keys);
        Assert.DoesNotContain("sockdoc_tcp_max_orphans", m.Keys);
        Assert.DoesNotContain(m.Keys, k => k.StartsWith("sockdoc_tcp_sockets", StringComparison.Ordinal));
        Assert.DoesNotContain("sockdoc_listeners_accept_queue_full", m.Keys);
        Assert.DoesNotContain("sockdoc_vmstat_oom_kill_total", m.Keys);
        Assert.DoesNotContain("sockdoc_memory_committed_as_bytes", m.Keys);
        Assert.Equal(0, m["sockdoc_census_up"]);
    }

    [Fact]
    public async Task A_census_that_disappears_removes_its_series()
    {
        var metrics = new SockDocMetrics();
        metrics.Update(WatchSnapshots.Busy(WatchSnapshots.T0), null, TimeProvider.System);
        metrics.Update(WatchSnapshots.Busy(WatchSnapshots.T0, census: false), null, TimeProvider.System);
        var m = Parse(await metrics.ExportTextAsync(CancellationToken.None));
        Assert.DoesNotContain(m.Keys, k => k.StartsWith("sockdoc_tcp_sockets{", StringComparison.Ordinal));
        Assert.DoesNotContain(m.Keys, k => k.StartsWith("sockdoc_process_sockets{", StringComparison.Ordinal));
        Assert.DoesNotContain(m.Keys, k => k.StartsWith("sockdoc_busiest_destination_connections{", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_rule_has_a_finding_metric_with_its_severity()
    {
        var checks = new[]
        {
            new CheckResult
            {
                Id = "orphans", Title = "Orphans", Status = CheckStatus.Critical, Summary = "x",
                Finding = new Finding { Id = "orphans", Severity = Severity.Critical, Title = "t", When = When.Now, Explanation = "e" },
            },
            new CheckResult { Id = "tcp_mem", Title = "tcp_mem", Status = CheckStatus.Ok, Summary = "ok" },
        };
        var m = await Export(WatchSnapshots.Busy(WatchSnapshots.T0), checks);
        Assert.Equal(3, m["sockdoc_finding{id=\"orphans\"}"]);
        Assert.Equal(0, m["sockdoc_finding{id=\"tcp_mem\"}"]);
        foreach (var id in SockDocMetrics.KnownFindingIds) Assert.Contains($"sockdoc_finding{{id=\"{id}\"}}", m.Keys);
    }

    [Theory]
    [InlineData("TCPAbortOnMemory", "tcp_abort_on_memory")]
    [InlineData("ListenOverflows", "listen_overflows")]
    [InlineData("TCPReqQFullDrop", "tcp_req_q_full_drop")]
    [InlineData("TW", "tw")]
    [InlineData("TWKilled", "tw_killed")]
    [InlineData("InCsumErrors", "in_csum_errors")]
    [InlineData("TCPMD5Failure", "tcpmd5_failure")]
    [InlineData("early_drop", "early_drop")]
    public void Kernel_counter_names_become_snake_case(string kernel, string expected) => Assert.Equal(expected, SockDocMetrics.SnakeCase(kernel));

    [Theory]
    [InlineData("127.0.0.1:9477", "127.0.0.1", 9477)]
    [InlineData("[::1]:9100", "::1", 9100)]
    [InlineData("0.0.0.0:80", "0.0.0.0", 80)]
    [InlineData("localhost:9477", "localhost", 9477)]
    public void Listen_addresses_parse(string text, string host, int port)
    {
        Assert.True(ExporterCommand.TryParseListen(text, out var h, out var p));
        Assert.Equal((host, port), (h, p));
    }

    [Theory]
    [InlineData("9477")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("example.com:9477")]
    public void Bad_listen_addresses_are_refused(string text) => Assert.False(ExporterCommand.TryParseListen(text, out _, out _));
}
