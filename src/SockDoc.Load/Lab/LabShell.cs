using System.Diagnostics;

namespace SockDoc.Load.Lab;

/// <summary>Runs a helper program (ip, nft, bash) with a time bound; the lab's only way to reach the outside tools.</summary>
internal static class LabShell
{
    public sealed record Output(int Exit, string Stdout, string Stderr);

    public static Output Run(string file, IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new LoadException($"could not run {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new LoadException($"could not run '{file}': {e.Message}", e);
        }
        using (p)
        {
            var o = p.StandardOutput.ReadToEndAsync();
            var e = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
            {
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                p.WaitForExit();
                throw new LoadException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish in {(timeout ?? TimeSpan.FromSeconds(30)).TotalSeconds:0} s");
            }
            p.WaitForExit();
            return new Output(p.ExitCode, o.Result, e.Result);
        }
    }

    /// <summary>bash -c COMMAND; throws LoadException on a non-zero exit.</summary>
    public static string Sh(string command, TimeSpan? timeout = null)
    {
        var r = Run("bash", ["-c", command], timeout);
        if (r.Exit != 0) throw new LoadException($"{command}: exit {r.Exit}: {r.Stderr.Trim()}");
        return r.Stdout;
    }
}
