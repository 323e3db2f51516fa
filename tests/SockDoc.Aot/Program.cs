using SockDoc.Diagnosis.Rules;
using SockDoc.Kernel;
using SockDoc.Kernel.Census;
using SockDoc.Model;

// Runs the library path of the doctor compiled ahead of time: every reader over a /proc tree, the netlink
// census when the tree is the live one, the snapshot through its source-generated JSON and back, and the
// rules. Prints "id status" per check; the test compares this with the same run under the JIT.
var procDir = args.Length > 0 ? args[0] : "/proc";
var root = new ProcRoot(procDir);
var options = new CollectOptions
{
    PageSize = 4096,
    Census = root.IsLive
        ? problems =>
        {
            var r = SocketCensusCollector.Collect(new CensusOptions { Owners = false, BlockedSenders = false, TcpInfo = true });
            if (!r.Ok) problems.Add(new SourceProblem("census", r.Reason ?? "failed"));
            return r.Value;
        }
        : null,
};
var snapshot = SnapshotCollector.Collect(root, options, TimeProvider.System);
var roundTrip = SnapshotJson.Deserialize(SnapshotJson.Serialize(new SnapshotPair(snapshot, null)));
var report = All.Engine().Run(roundTrip);
foreach (var check in report.Checks) Console.WriteLine($"{check.Id} {check.Status}");
Console.WriteLine($"census {(roundTrip.Now.Census is { } c ? c.TotalSockets.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}");
return 0;
