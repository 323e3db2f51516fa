using SockDoc.Load.Lab.Recipes;

namespace SockDoc.Load.Lab;

/// <summary>The explicit registry of lab scenarios, in the order `lab run all` runs them.</summary>
public static class LabScenarios
{
    public static IReadOnlyList<LabScenario> All { get; } =
    [
        new OrphansScenario(), new TcpMemScenario(), new TwBucketsScenario(), new PortExhaustionScenario(),
        new ListenOverflowScenario(), new SynFloodScenario(), new FdProcessScenario(), new FdSystemScenario(),
        new ConntrackScenario(), new OomKillScenario(), new SendBufferFullScenario(), new MixedScenario(),
    ];

    public static LabScenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}
