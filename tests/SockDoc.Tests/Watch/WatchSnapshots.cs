using SockDoc.Diagnosis.Engine;
using SockDoc.Model;
using SockDoc.Model.Census;
using SockDoc.Model.KernelLog;

namespace SockDoc.Tests.Watch;

/// <summary>Snapshots built in memory for the watch/record/report/exporter tests (values as a busy host prints them).</summary>
internal static class WatchSnapshots
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    public static Snapshot Busy(DateTimeOffset at, long pageSize = 4096, long orphans = 40_000, bool census = true, bool log = false) => new()
    {
        TakenAt = at,
        Host = new HostIdentity { Hostname = "web-1", KernelRelease = "6.18.44", PageSize = pageSize, CpuCount = 2, InitialNetNs = true },
        SockStat = new SockStat
        {
            SocketsUsed = 52_000, TcpInUse = 48_000, TcpOrphan = orphans, TcpTw = 150_000, TcpAlloc = 90_000,
            TcpMemPages = 300_000, UdpInUse = 12, UdpMemPages = 7, RawInUse = 0, FragInUse = 0, FragMemoryBytes = 0,
        },
        NetStat = new NetStatCounters
        {
            Groups = new Dictionary<string, IReadOnlyDictionary<string, long>>
            {
                ["TcpExt"] = new Dictionary<string, long> { ["ListenOverflows"] = 17, ["TCPAbortOnMemory"] = 3, ["TCPTimeWaitOverflow"] = 5, ["TW"] = 1000 },
                ["Tcp"] = new Dictionary<string, long> { ["RtoMin"] = 200, ["CurrEstab"] = 45_000, ["OutRsts"] = 99, ["ActiveOpens"] = 123_456 },
            },
        },
        Sysctls = new Sysctls
        {
            Values = new Dictionary<string, string>
            {
                [SysctlNames.TcpMem] = "287907 383876 575814",
                [SysctlNames.TcpMaxOrphans] = "131072",
                [SysctlNames.TcpMaxTwBuckets] = "262144",
                [SysctlNames.IpLocalPortRange] = "32768\t60999",
                [SysctlNames.FileNr] = "61000\t0\t2466170",
                [SysctlNames.FileMax] = "2466170",
                [SysctlNames.NfConntrackCount] = "1200",
                [SysctlNames.NfConntrackMax] = "262144",
            },
        },
        ConntrackStat = new ConntrackStat { Columns = new Dictionary<string, long> { ["entries"] = 1200, ["drop"] = 4, ["early_drop"] = 1 } },
        Processes =
        [
            new ProcessFiles { Pid = 4242, Command = "nginx", OpenFds = 60_000, SoftLimit = 65_536, HardLimit = 65_536, Sockets = 59_000 },
            new ProcessFiles { Pid = 1, Command = "init", OpenFds = 80, SoftLimit = 1024 },
        ],
        Census = census ? new SocketCensus
        {
            TakenAt = at,
            OwnersComplete = true,
            TotalSockets = 198_000,
            ByState = new Dictionary<string, long> { ["ESTABLISHED"] = 45_000, ["TIME_WAIT"] = 150_000, ["FIN_WAIT1"] = 2_900, ["LISTEN"] = 100 },
            OrphansByState = new Dictionary<string, long> { ["FIN_WAIT1"] = 2_900 },
            Destinations = [new DestinationPortUse("10.0.0.1", "10.0.0.9", 5432, 25_000, 20_000), new DestinationPortUse("10.0.0.1", "10.0.0.8", 80, 10, 0)],
            Processes = [new ProcessSocketUse(4242, "nginx", 59_000, 44_000, 2), new ProcessSocketUse(77, "postgres", 300, 290, 1)],
        } : null,
        KernelLog = log ? new KernelLogSummary
        {
            Source = "/dev/kmsg",
            Incidents =
            [
                new KernelLogIncident
                {
                    Kind = "tcp_too_many_orphans", Description = "TCP: too many orphaned sockets", Count = 12,
                    FirstWall = at - TimeSpan.FromSeconds(30), LastWall = at - TimeSpan.FromSeconds(5),
                },
            ],
        } : null,
    };
}
