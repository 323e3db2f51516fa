using System.CommandLine;
using SockDoc.Cli.Views;
using SockDoc.Load.Lab;

namespace SockDoc.Cli.Commands;

/// <summary>
/// `sockdoc lab`: make a failure happen on the real kernel, show the kernel's evidence, check the doctor names it,
/// and put every setting back (list, run NAME|all [--with name=value]..., restore).
/// </summary>
public static class LabCommand
{
    public sealed record RunArgs(string Name, string[] With, bool Json, double Timeout, bool Trace = false);

    public static Command Create(CliIo io)
    {
        var cmd = new Command("lab", "Fault lab: reproduce each failure for real, prove the doctor names it, and show that a proposed setting fixes it.");

        var list = new Command("list", "List the scenarios: the symptom each reproduces and the finding the doctor must give.") { };
        var listJson = CommonOptions.Json();
        list.Options.Add(listJson);
        list.SetAction(p => ListScenarios(io, p.GetValue(listJson)));
        cmd.Subcommands.Add(list);

        var name = new Argument<string>("scenario") { Description = "A scenario name (see `lab list`) or all." };
        var with = new Option<string[]>("--with")
        {
            Description = "Apply this proposed setting (name=value, repeatable) through the journal and run the same load: the expected finding must then be absent.",
            HelpName = "NAME=VALUE",
        };
        var json = CommonOptions.Json();
        var timeout = new Option<double>("--timeout") { Description = "Upper bound of one scenario's load, in seconds.", DefaultValueFactory = _ => 30, HelpName = "S" };
        var trace = new Option<bool>("--trace") { Description = "Run `sockdoc trace` beside the load (port_exhaustion, orphans, tcp_mem, tw_buckets) and check that it attributes what the generator did." };
        var run = new Command("run", "Run one scenario (or all): load, kernel evidence, doctor, expected vs got; every setting is put back.") { name, with, json, timeout, trace };
        run.SetAction(p => Run(new RunArgs(p.GetValue(name)!, p.GetValue(with) ?? [], p.GetValue(json), p.GetValue(timeout), p.GetValue(trace)), io));
        cmd.Subcommands.Add(run);

        var restore = new Command("restore", "Put back every setting a killed lab run left changed (journals in /run/sockdoc), and remove its namespaces and cgroups.");
        var restoreJson = CommonOptions.Json();
        restore.Options.Add(restoreJson);
        restore.SetAction(p => Restore(io, p.GetValue(restoreJson)));
        cmd.Subcommands.Add(restore);
        return cmd;
    }

    private static int ListScenarios(CliIo io, bool json)
    {
        if (json)
        {
            io.Out.WriteLine(LabView.ListJson(LabScenarios.All));
            return 0;
        }
        io.Write(LabView.List(LabScenarios.All));
        return 0;
    }

    public static int Run(RunArgs a, CliIo io)
    {
        if (a.Timeout is <= 0 or > 300) return io.Fail("lab run: --timeout must be between 0 and 300 seconds");
        IReadOnlyList<LabScenario> scenarios;
        if (a.Name == "all") scenarios = LabScenarios.All;
        else if (LabScenarios.Find(a.Name) is { } one) scenarios = [one];
        else return io.Fail($"lab run: no scenario '{a.Name}' (known: {string.Join(", ", LabScenarios.All.Select(s => s.Name))}, all)");
        var with = new List<KeyValuePair<string, string>>();
        foreach (var w in a.With)
        {
            int eq = w.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == w.Length - 1) return io.Fail($"lab run: --with \"{w}\" is not name=value (example: net.ipv4.tcp_max_orphans=262144)");
            var key = w[..eq].Trim().Replace('/', '.');
            // net.netfilter.* appears only once nf_conntrack is loaded (the conntrack scenario loads it).
            if (!key.StartsWith("net.netfilter.", StringComparison.Ordinal) && !File.Exists("/proc/sys/" + key.Replace('.', '/'))) return io.Fail($"lab run: --with {key}: no such sysctl (/proc/sys/{key.Replace('.', '/')})");
            with.Add(new(key, w[(eq + 1)..].Trim()));
        }
        if (!IsRoot()) return io.Fail("lab run: needs root (it changes sysctls, namespaces and cgroups)");

        var options = new LabOptions { SelfCommand = SelfCommand(), With = with, Timeout = TimeSpan.FromSeconds(a.Timeout), Time = io.Time, Trace = a.Trace };
        var results = new List<LabResult>();
        foreach (var s in scenarios)
        {
            if (!a.Json) io.Out.WriteLine(LabView.Header(s, options.With.Select(kv => $"{kv.Key}={kv.Value}").ToList()));
            var r = LabRunner.Run(s, options, e =>
            {
                if (!a.Json) lock (io) io.Out.WriteLine(LabView.EvidenceLine(e));
            });
            results.Add(r);
            if (!a.Json) io.Write(LabView.Result(r));
        }
        if (a.Json) io.Out.WriteLine(LabView.Json(results));
        else if (scenarios.Count > 1) io.Out.WriteLine(LabView.Totals(results));
        if (scenarios.Count == 1 && results[0].Error is { } err && !results[0].Reproduced && results[0].Found.Count == 0)
        {
            io.Err.WriteLine($"sockdoc: lab run {results[0].Name}: {err}");
            return (int)ExitCode.CouldNotRun;
        }
        return results.All(r => r.Pass) ? (int)ExitCode.Ok : (int)ExitCode.Critical;
    }

    private static int Restore(CliIo io, bool json)
    {
        if (!IsRoot()) return io.Fail("lab restore: needs root");
        LabRestore.Report r;
        try
        {
            r = LabRestore.Run();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return io.Fail("lab restore: " + e.Message);
        }
        if (json)
        {
            io.Out.WriteLine(LabView.RestoreJson(r));
        }
        else
        {
            io.Out.Write(LabView.RestoreLines(r));
        }
        return 0;
    }

    /// <summary>The argv that runs this very sockdoc: the apphost, or `dotnet sockdoc.dll` under the muxer.</summary>
    public static IReadOnlyList<string> SelfCommand()
    {
        var process = Environment.ProcessPath ?? "sockdoc";
        if (Path.GetFileNameWithoutExtension(process) == "dotnet")
        {
            var dll = Environment.GetCommandLineArgs().FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal))
                      ?? Path.Combine(AppContext.BaseDirectory, "sockdoc.dll");
            return [process, Path.GetFullPath(dll)];
        }
        return [process];
    }

    private static bool IsRoot() => Environment.UserName == "root" || File.ReadAllText("/proc/self/status").Contains("\nUid:\t0\t", StringComparison.Ordinal);
}

