using SockDoc.Kernel.Sysctl;

namespace SockDoc.Load.Lab;

/// <summary>
/// `lab restore`, and the first step of every run: puts back what a killed run left behind. Settings come from the
/// restore journal's replay (RestoreJournal.ReplayLeftovers: journals of dead writers, under the global lock);
/// namespaces and memory cgroups are recognised by their sdk-lab-…-PID names with a PID that no longer runs.
/// </summary>
public static class LabRestore
{
    public const string MemoryCgroupRoot = "/sys/fs/cgroup/memory";

    public sealed record Report(IReadOnlyList<string> Settings, IReadOnlyList<string> Namespaces, IReadOnlyList<string> Cgroups);

    public static Report Run(string? journalDirectory = null)
    {
        var restored = new List<RestoredSetting>();
        RestoreJournal.ReplayLeftovers(journalDirectory, restored);
        var namespaces = new List<string>();
        foreach (var ns in LabNetns.Leftovers())
        {
            try
            {
                LabNetns.Delete(ns);
                namespaces.Add(ns);
            }
            catch (LoadException)
            {
            }
        }
        var cgroups = new List<string>();
        if (Directory.Exists(MemoryCgroupRoot))
        {
            foreach (var cg in Directory.EnumerateDirectories(MemoryCgroupRoot, LabNetns.Prefix + "*"))
            {
                if (!RestoreJournal.OwnerGone(Path.GetFileName(cg))) continue;
                try
                {
                    Directory.Delete(cg); // rmdir: a cgroup's control files go with it
                    cgroups.Add(cg);
                }
                catch (IOException)
                {
                }
            }
        }
        return new Report([.. restored.Select(s => s.ToString())], namespaces, cgroups);
    }
}
