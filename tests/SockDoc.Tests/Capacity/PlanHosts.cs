using SockDoc.Diagnosis.Capacity;
using SockDoc.Kernel.Procfs;
using SockDoc.Model;

namespace SockDoc.Tests.Capacity;

/// <summary>Snapshots for the worked examples: this VM's slab sizes and meminfo (fixtures/plan), sysctls given per test.</summary>
internal static class PlanHosts
{
    public static SlabInfo Slab => SlabInfoReader.Parse(File.ReadAllBytes(Fixtures.Dir("plan", "slabinfo-debian12-6.18.txt")));
    public static MemInfo Mem => MeminfoReader.Parse(File.ReadAllBytes(Fixtures.Dir("plan", "meminfo-debian12-6.18.txt")));

    /// <summary>The test VM's running values (24 GiB, 6.18), as read on the day the fixtures were captured.</summary>
    public static readonly Dictionary<string, string> VmSysctls = new()
    {
        [SysctlNames.TcpMem] = "287901 383868 575802",
        [SysctlNames.TcpRmem] = "4096 131072 33554432",
        [SysctlNames.TcpWmem] = "4096 16384 4194304",
        [SysctlNames.IpLocalPortRange] = "32768 60999",
        [SysctlNames.TcpMaxOrphans] = "131072",
        [SysctlNames.TcpMaxTwBuckets] = "131072",
        [SysctlNames.TcpTwReuse] = "2",
        [SysctlNames.NrOpen] = "1048576",
        [SysctlNames.FileMax] = "2466177",
        [SysctlNames.Somaxconn] = "4096",
        [SysctlNames.EpollMaxUserWatches] = "5491511",
        [SysctlNames.NfConntrackMax] = "262144",
        [SysctlNames.NfConntrackBuckets] = "262144",
    };

    public static Snapshot Snapshot(Dictionary<string, string>? sysctls = null, bool slab = true, long pageSize = 4096) => new()
    {
        TakenAt = DateTimeOffset.UnixEpoch,
        Host = new HostIdentity { PageSize = pageSize, KernelRelease = "6.18.44-fc-v657" },
        Sysctls = new Sysctls { Values = sysctls ?? VmSysctls },
        MemInfo = Mem,
        SlabInfo = slab ? Slab : null,
    };

    public static CapacityPlan Plan(PlanInputs inputs, Snapshot? s = null) => CapacityModel.Compute(inputs, HostFacts.From(s ?? Snapshot(), inputs));

    public static Dictionary<string, string> With(params (string Key, string Value)[] changes)
    {
        var d = new Dictionary<string, string>(VmSysctls);
        foreach (var (k, v) in changes) d[k] = v;
        return d;
    }
}
