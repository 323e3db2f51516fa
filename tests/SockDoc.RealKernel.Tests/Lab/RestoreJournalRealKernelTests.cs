using System.Diagnostics;
using SockDoc.Kernel.Sysctl;

namespace SockDoc.RealKernel.Tests.Lab;

/// <summary>The one restore journal: replays of dead runs' journals, in a namespace, and concurrently (issue 17 bug 5).</summary>
[Trait("Category", "RealKernel")]
public sealed class RestoreJournalRealKernelTests
{
    private static int DeadPid()
    {
        using var p = Process.Start(new ProcessStartInfo("true"))!;
        p.WaitForExit();
        return p.Id;
    }

    [Fact]
    public void Two_concurrent_replays_put_each_leftover_back_once_and_neither_fails()
    {
        Support.RequireRoot();
        using var ns = new TestNetns("replay");
        var dir = Directory.CreateTempSubdirectory("sdk-journal-");
        try
        {
            ns.Sysctl("net.core.somaxconn", "1111"); // what the killed runs had set
            int dead = DeadPid();
            for (int i = 0; i < 8; i++)
                File.WriteAllText(Path.Combine(dir.FullName, $"lab{i}-{dead}.restore"), $"{ns.Name}\tnet.core.somaxconn\t{2000 + i}\n");

            var counts = new int[2];
            var errors = new Exception?[2];
            using var start = new Barrier(2);
            var threads = Enumerable.Range(0, 2).Select(k => new Thread(() =>
            {
                start.SignalAndWait();
                try { counts[k] = RestoreJournal.ReplayLeftovers(dir.FullName); }
#pragma warning disable CA1031 // reported by the assertion below
                catch (Exception e) { errors[k] = e; }
#pragma warning restore CA1031
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            Assert.All(errors, e => Assert.Null(e));
            Assert.Equal(8, counts.Sum()); // each journal replayed by exactly one of the two
            Assert.Empty(dir.GetFiles("*.restore"));
            // Newest change first within a journal; journals in directory order: the value is one of the old ones.
            Assert.InRange(int.Parse(RestoreJournal.Read("net.core.somaxconn", ns.Name), System.Globalization.CultureInfo.InvariantCulture), 2000, 2007);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_setting_changed_in_a_namespace_is_put_back_without_forking_ip()
    {
        Support.RequireRoot();
        using var ns = new TestNetns("journal");
        var dir = Directory.CreateTempSubdirectory("sdk-journal-");
        try
        {
            var before = RestoreJournal.Read("net.ipv4.tcp_max_tw_buckets", ns.Name);
            var host = RestoreJournal.Read("net.ipv4.tcp_max_tw_buckets");
            using (var journal = RestoreJournal.Open(dir.FullName, "t"))
            {
                journal.Set("net.ipv4.tcp_max_tw_buckets", "77", ns.Name);
                Assert.Equal("77", RestoreJournal.Read("net.ipv4.tcp_max_tw_buckets", ns.Name));
                Assert.Equal(host, RestoreJournal.Read("net.ipv4.tcp_max_tw_buckets")); // the host's own is untouched
                Assert.Contains($"{ns.Name}\tnet.ipv4.tcp_max_tw_buckets\t{before}", File.ReadAllText(journal.Path), StringComparison.Ordinal);
            }
            Assert.Equal(before, RestoreJournal.Read("net.ipv4.tcp_max_tw_buckets", ns.Name));
            Assert.Empty(dir.GetFiles("*.restore"));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
