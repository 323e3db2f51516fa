using System.Globalization;
using System.Text.RegularExpressions;

namespace SockDoc.Load.Lab;

/// <summary>
/// The lab's network namespaces, sdk-lab-SCENARIO-PID (a NetNamespace), removed on Dispose and by `lab restore`
/// when the run that made them was killed: the PID in the name tells a live owner from a dead one.
/// </summary>
public static partial class LabNetns
{
    public const string Prefix = "sdk-lab-";

    [GeneratedRegex("^sdk-lab-[a-z0-9_-]{1,40}-(?<pid>[0-9]+)$")]
    private static partial Regex NameRule();

    public static NetNamespace Create(string scenario)
    {
        var name = Prefix + scenario.Replace('_', '-') + "-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (!NameRule().IsMatch(name)) throw new LoadException($"namespace name '{name}' must match sdk-lab-NAME-PID");
        return NetNamespace.CreateNamed(name);
    }

    /// <summary>Namespaces named sdk-lab-*-PID whose PID no longer runs (left by a killed run).</summary>
    public static IReadOnlyList<string> Leftovers()
    {
        if (!Directory.Exists("/run/netns")) return [];
        var list = new List<string>();
        foreach (var path in Directory.EnumerateFiles("/run/netns", Prefix + "*"))
        {
            var name = Path.GetFileName(path);
            var m = NameRule().Match(name);
            if (!m.Success) continue;
            if (SockDoc.Kernel.Sysctl.RestoreJournal.OwnerGone(name)) list.Add(name);
        }
        return list;
    }

    public static void Delete(string name) => NetNamespace.Delete(name);
}
