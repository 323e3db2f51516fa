using System.Text.Json.Serialization;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Engine;

/// <summary>
/// One input a rule reads: its name in the kernel's words, the command that shows it (what an operator pastes),
/// why the rule needs it, and whether a snapshot holds it. The doctor, explain's "to be sure" list and the
/// checks table all read these, so no verdict logic matches inputs by string.
/// </summary>
public sealed record RuleInput(string Name, string Command, string Why)
{
    /// <summary>Whether the snapshot holds this input; a snapshot from a paste holds only what was pasted.</summary>
    [JsonIgnore]
    public Func<Snapshot, bool> IsIn { get; init; } = _ => false;

    public override string ToString() => Name;
}
