using System.Globalization;
using SockDoc.Kernel.Sysctl;

namespace SockDoc.Load.Lab;

/// <summary>
/// `lab restore`, and the first step of every run: puts back what a killed run left behind. Settings come from
/// the restore journals in /run/sockdoc (only journals whose writer is gone); namespaces and memory cgroups are
/// recognised by their sdk-lab-…-PID names with a PID that no longer runs.
/// </summary>
public static class LabRestore
{
    public const string MemoryCgroupRoot = "/sys/fs/cgroup/memory";

    public sealed record Report(IReadOnlyList<string> Settings, IReadOnlyList<string> Namespaces, IReadOnlyList<string> Cgroups);

    public static Report Run(string? journalDirectory = null)
    {
        var dir = journalDirectory ?? RestoreJournal.DefaultDirectory;
        var settings = new List<string>();
        if (Directory.Exists(dir))
        {
            // Name what each leftover journal holds before the replay deletes it.
            foreach (var file in Directory.EnumerateFiles(dir, "*.restore"))
            {
                if (OwnerAlive(file)) continue;
                try
                {
                    foreach (var line in File.ReadAllLines(file))
                    {
                        var p = line.Split('\t');
                        if (p.Length == 3) settings.Add($"{p[1]} = {p[2]}" + (p[0] == "-" ? "" : $" (in {p[0]})"));
                    }
                }
                catch (IOException)
                {
                }
            }
            RestoreJournal.ReplayLeftovers(dir);
        }
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
                if (!DeadOwner(Path.GetFileName(cg))) continue;
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
        return new Report(settings, namespaces, cgroups);
    }

    /// <summary>Names end in -PID; the owner is dead when /proc/PID is gone.</summary>
    internal static bool DeadOwner(string name)
    {
        int dash = name.LastIndexOf('-');
        return dash >= 0 && int.TryParse(name.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && pid != Environment.ProcessId && !Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Same test as RestoreJournal: a journal whose writer still runs is not a leftover.</summary>
    private static bool OwnerAlive(string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        int dash = stem.LastIndexOf('-');
        return dash >= 0 && int.TryParse(stem.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && pid != Environment.ProcessId && Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture));
    }
}
