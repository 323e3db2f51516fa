using System.Diagnostics;
using System.Text.Json;
using SockDoc.Model;

namespace SockDoc.Kernel.Namespaces;

/// <summary>
/// Finds what makes conntrack track a namespace's flows: NAT chains and rules with ct expressions, read from
/// `nft -j list ruleset` (nftables, and iptables-nft rules, which nft lists as xt matches) or, without nft,
/// `iptables-save`. For another namespace the tool runs under `nsenter --net=PATH` (the ruleset is per netns).
/// nf_nat registers its hooks only together with conntrack, and any ct expression needs a conntrack entry, so
/// one such chain makes the kernel track every flow that passes its hook — loopback included.
/// </summary>
public static class NetfilterReader
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Reads the ruleset of the namespace behind nsPath (null = the caller's); null when neither tool exists.</summary>
    public static NetfilterSummary? Read(string? nsPath)
    {
        var nft = FindTool("nft");
        if (nft is not null)
        {
            var (ok, output, error) = RunTool(nft, ["-j", "list", "ruleset"], nsPath);
            if (ok) return ParseNftJson(output);
            return new NetfilterSummary { Source = "nft -j list ruleset", Problem = error };
        }
        var save = FindTool("iptables-save");
        if (save is not null)
        {
            var (ok, output, error) = RunTool(save, [], nsPath);
            return ok ? ParseIptablesSave(output) : new NetfilterSummary { Source = "iptables-save", Problem = error };
        }
        return null;
    }

    private static string? FindTool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':').Concat(["/usr/sbin", "/sbin"]))
        {
            var p = Path.Join(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    private static (bool Ok, string Output, string Error) RunTool(string tool, string[] args, string? nsPath)
    {
        var psi = new ProcessStartInfo(nsPath is null ? tool : FindTool("nsenter") ?? "nsenter")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (nsPath is not null)
        {
            psi.ArgumentList.Add("--net=" + nsPath);
            psi.ArgumentList.Add(tool);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi);
            if (p is null) return (false, "", $"could not start {tool}");
            var err = p.StandardError.ReadToEndAsync();
            var outTask = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(Timeout))
            {
                p.Kill();
                return (false, "", $"{tool} did not finish in {Timeout.TotalSeconds} s");
            }
            var output = outTask.GetAwaiter().GetResult();
            var error = err.GetAwaiter().GetResult().Trim();
            return p.ExitCode == 0 ? (true, output, "") : (false, "", $"{Path.GetFileName(tool)} exited {p.ExitCode}: {error}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (false, "", $"could not run {tool}: {e.Message}");
        }
    }

    /// <summary>The runtime or tool that owns a table/chain, judged from the names the runtimes give them.</summary>
    public static string? OwnerOf(string table, string chain)
    {
        var t = table + " " + chain;
        if (t.Contains("netavark", StringComparison.OrdinalIgnoreCase)) return "podman (netavark)";
        if (t.Contains("CNI-", StringComparison.Ordinal) || t.Contains("cni-", StringComparison.Ordinal)) return "CNI plugins (podman 3, Kubernetes)";
        if (t.Contains("DOCKER", StringComparison.Ordinal)) return "docker";
        if (t.Contains("KUBE-", StringComparison.Ordinal) || t.Contains("kube-proxy", StringComparison.Ordinal)) return "kube-proxy";
        if (t.Contains("cali-", StringComparison.Ordinal)) return "calico";
        if (t.Contains("CILIUM", StringComparison.OrdinalIgnoreCase)) return "cilium";
        if (t.Contains("LIBVIRT", StringComparison.OrdinalIgnoreCase)) return "libvirt";
        if (t.Contains("firewalld", StringComparison.OrdinalIgnoreCase)) return "firewalld";
        if (t.Contains("ufw", StringComparison.Ordinal)) return "ufw";
        return null;
    }

    /// <summary>Parses `nft -j list ruleset` output. Damaged JSON gives a summary with Problem set.</summary>
    public static NetfilterSummary ParseNftJson(string json)
    {
        const string src = "nft -j list ruleset";
        var chains = new Dictionary<(string, string, string), NetfilterChain>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("nftables", out var items) || items.ValueKind != JsonValueKind.Array)
                return new NetfilterSummary { Source = src, Problem = "no \"nftables\" array in the output" };
            foreach (var item in items.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object) continue;
                if (item.TryGetProperty("chain", out var ch))
                {
                    var key = (Str(ch, "family"), Str(ch, "table"), Str(ch, "name"));
                    if (Str(ch, "type") == "nat")
                        chains[key] = Get(chains, key) with { Nat = true, Hook = Str(ch, "hook") is { Length: > 0 } h ? h : null };
                }
                else if (item.TryGetProperty("rule", out var rule))
                {
                    var key = (Str(rule, "family"), Str(rule, "table"), Str(rule, "chain"));
                    if (!rule.TryGetProperty("expr", out var expr)) continue;
                    var (ct, notrack, nat) = Scan(expr, 0);
                    if (!ct && !notrack && !nat) continue;
                    var c = Get(chains, key);
                    chains[key] = c with
                    {
                        Nat = c.Nat || nat,
                        CtRules = c.CtRules + (ct ? 1 : 0),
                        NotrackRules = c.NotrackRules + (notrack ? 1 : 0),
                    };
                }
            }
        }
        catch (JsonException e)
        {
            return new NetfilterSummary { Source = src, Chains = [.. chains.Values], Problem = $"not valid JSON: {e.Message}" };
        }
        return new NetfilterSummary { Source = src, Chains = [.. chains.Values.OrderBy(c => c.Family).ThenBy(c => c.Table).ThenBy(c => c.Chain)] };
    }

    private static NetfilterChain Get(Dictionary<(string, string, string), NetfilterChain> chains, (string F, string T, string C) key) =>
        chains.TryGetValue(key, out var c) ? c : new NetfilterChain(key.F, key.T, key.C) { Owner = OwnerOf(key.T, key.C) };

    private static string Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    /// <summary>Looks through a rule's expressions for ct keys, notrack and NAT statements (depth-bounded).</summary>
    private static (bool Ct, bool Notrack, bool Nat) Scan(JsonElement e, int depth)
    {
        bool ct = false, notrack = false, nat = false;
        if (depth > 32) return (false, false, false);
        if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var x in e.EnumerateArray())
            {
                var r = Scan(x, depth + 1);
                ct |= r.Ct; notrack |= r.Notrack; nat |= r.Nat;
            }
        }
        else if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "ct": ct = true; break;
                    case "notrack": notrack = true; break;
                    case "snat" or "dnat" or "masquerade" or "redirect": nat = true; break;
                    case "xt":
                        var name = Str(p.Value, "name");
                        if (name is "conntrack" or "state") ct = true;
                        else if (name is "CT" or "NOTRACK") notrack = true;
                        else if (name is "MASQUERADE" or "SNAT" or "DNAT" or "REDIRECT") nat = true;
                        break;
                }
                var r = Scan(p.Value, depth + 1);
                ct |= r.Ct; notrack |= r.Notrack; nat |= r.Nat;
            }
        }
        return (ct, notrack, nat);
    }

    /// <summary>Parses iptables-save output: every chain of *nat with rules, and rules using -m conntrack/-m state or CT/NOTRACK.</summary>
    public static NetfilterSummary ParseIptablesSave(string text)
    {
        var chains = new Dictionary<(string, string, string), NetfilterChain>();
        string table = "";
        bool natRules = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('*'))
            {
                table = line[1..];
                natRules = false;
                continue;
            }
            if (line == "COMMIT")
            {
                if (table == "nat" && !natRules)
                {
                    var k = ("ip", "nat", "*");
                    chains[k] = Get(chains, k) with { Nat = true };
                }
                continue;
            }
            if (!line.StartsWith("-A ", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2) continue;
            var key = ("ip", table, parts[1]);
            bool ct = parts.Contains("conntrack") || parts.Contains("state");
            int j = Array.IndexOf(parts, "-j");
            var target = j >= 0 && j + 1 < parts.Length ? parts[j + 1] : "";
            bool notrack = target == "NOTRACK" || (target == "CT" && parts.Contains("--notrack"));
            bool nat = table == "nat";
            if (nat) natRules = true;
            if (!ct && !notrack && !nat) continue;
            var c = Get(chains, key);
            chains[key] = c with { Nat = c.Nat || nat, CtRules = c.CtRules + (ct ? 1 : 0), NotrackRules = c.NotrackRules + (notrack ? 1 : 0) };
        }
        return new NetfilterSummary { Source = "iptables-save", Chains = [.. chains.Values.OrderBy(c => c.Table).ThenBy(c => c.Chain)] };
    }
}
