using System.Globalization;
using SockDoc.Diagnosis.Engine;
using SockDoc.Diagnosis.Rules;
using SockDoc.Model;
using SockDoc.Model.Census;
using SockDoc.Model.KernelLog;

namespace SockDoc.Tests.Rules;

/// <summary>
/// Issue 14 #7: every rule's arithmetic must be defined on the kernel's extreme values. Each of the 13 rules runs on
/// snapshots whose every sysctl, counter and gauge is LONG_MAX, 0, or missing, alone and as a pair (so deltas are
/// LONG_MAX, 0 and negative, a counter reset). A rule that throws reports an error: that is the failure.
/// </summary>
public class ExtremeValuesTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var id in All.Ids)
            foreach (var variant in new[] { "max", "zero", "missing", "max-after-zero", "zero-after-max", "max-with-log-and-errors" })
                data.Add(id, variant);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_rule_survives_extreme_kernel_values(string id, string variant)
    {
        var rule = All.Rules.Single(r => r.Descriptor.Id == id);
        var pair = variant switch
        {
            "max" => new SnapshotPair(Extreme(long.MaxValue), null),
            "zero" => new SnapshotPair(Extreme(0), null),
            "missing" => new SnapshotPair(Missing(), null),
            "max-after-zero" => Pair(Extreme(0), Extreme(long.MaxValue)),
            "zero-after-max" => Pair(Extreme(long.MaxValue), Extreme(0)),
            "max-with-log-and-errors" => new SnapshotPair(WithLogAndErrors(Extreme(long.MaxValue)), null),
            _ => throw new ArgumentOutOfRangeException(nameof(variant)),
        };
        // An exception here (OverflowException under checked arithmetic) fails the case with the rule's stack.
        var result = rule.Evaluate(new RuleContext(pair));
        Assert.NotEqual(CheckStatus.Error, result.Status);
        foreach (var f in result.Finding?.Fix ?? [])
        {
            // A proposed number is a number an operator can type: no negative, no wrapped value.
            foreach (var token in f.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (long.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
                    Assert.True(v >= 0, $"{id} on {variant}: {f.Setting} = {f.Value}");
        }
    }

    private static SnapshotPair Pair(Snapshot before, Snapshot now) => Snap.Pair(before, now);

    private static Snapshot Missing() => new() { TakenAt = Snap.Base().TakenAt, Host = Snap.Base().Host };

    /// <summary>The captured VM with every number the rules read set to v.</summary>
    private static Snapshot Extreme(long v)
    {
        var s = Snap.Base();
        var text = v.ToString(CultureInfo.InvariantCulture);
        var sysctls = s.Sysctls.Values.ToDictionary(kv => kv.Key, kv => string.Join(" ", kv.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(t => long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? text : t)));
        var netstat = s.NetStat!.Groups.ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, long>)g.Value.ToDictionary(c => c.Key, _ => v));
        // meminfo counts kB: the largest value whose bytes still fit.
        long kb = v == long.MaxValue ? long.MaxValue / 1024 : v;
        return s with
        {
            Sysctls = new Sysctls { Values = sysctls },
            NetStat = new NetStatCounters { Groups = netstat },
            SockStat = new SockStat
            {
                SocketsUsed = v, TcpInUse = v, TcpOrphan = v, TcpTw = v, TcpAlloc = v, TcpMemPages = v, UdpInUse = v, UdpMemPages = v,
                UdpLiteInUse = v, RawInUse = v, FragInUse = v, FragMemoryBytes = v,
            },
            MemInfo = s.MemInfo is null ? null : new MemInfo { Fields = s.MemInfo.Fields.ToDictionary(f => f.Key, _ => kb) },
            VmStat = s.VmStat is null ? null : new VmStat { Counters = s.VmStat.Counters.ToDictionary(f => f.Key, _ => v) },
            ConntrackStat = new ConntrackStat { Columns = new[] { "entries", "drop", "early_drop", "insert_failed", "invalid" }.ToDictionary(k => k, _ => v) },
            Processes = [new ProcessFiles { Pid = 1, Command = "x", OpenFds = v, SoftLimit = v, HardLimit = v, Sockets = v }],
            Census = new SocketCensus
            {
                TakenAt = s.TakenAt,
                TotalSockets = v,
                TimeWaitBuckets = v,
                Listeners = [new ListenerQueue("0.0.0.0", 80, v, v), new ListenerQueue("127.0.0.1", 40001, v, 0)],
                Destinations = [new DestinationPortUse("127.0.0.1", "127.0.0.2", 80, v, v), new DestinationPortUse("10.0.0.1", "10.0.0.2", 443, v, 0)],
                Memory = new SocketMemoryTotals { RmemAllocBytes = v, WmemQueuedBytes = v, ForwardAllocBytes = v, SocketsWithMemInfo = v },
                SendBufferFull = [new SendBufferFullSocket("127.0.0.1:1", "127.0.0.1:2", "ESTABLISHED", v, v, v, true, SendQueue: v, RwndLimitedUs: v, SndbufLimitedUs: v, BusyUs: v)],
                SendBufferFullCount = v,
                BlockedSenders = [new BlockedSender(1, 1, "x", 3, "127.0.0.1:1", "127.0.0.1:2", v, v, 1, 1, 1, v, true)],
            },
        };
    }

    /// <summary>One incident of every kind at the extreme count, and every errno the rules read.</summary>
    private static Snapshot WithLogAndErrors(Snapshot s)
    {
        string[] kinds = ["tcp_too_many_orphans", "tcp_out_of_memory", "out_of_socket_memory", "tw_bucket_overflow", "conntrack_table_full", "syn_flood", "file_max_reached", "oom_kill", "memcg_oom_kill", "memory_overcommit"];
        foreach (var k in kinds) s = s.Log(k, long.MaxValue, 1, suppressed: long.MaxValue);
        foreach (var (errno, call) in new[] { ("EADDRNOTAVAIL", "connect"), ("EADDRINUSE", "connect"), ("EMFILE", "accept"), ("ENFILE", "open") })
            s = s.AppError(errno, call, long.MaxValue, 1);
        return s;
    }
}
