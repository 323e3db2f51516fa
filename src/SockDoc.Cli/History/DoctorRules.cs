using SockDoc.Diagnosis.Engine;

namespace SockDoc.Cli.History;

/// <summary>The doctor's rule list, in one place for the live commands.</summary>
internal static class DoctorRules
{
    public static IReadOnlyList<IRule> All() => Diagnosis.Rules.All.Rules;
}
