using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text;
using SockDoc.Diagnosis.Text;

namespace SockDoc.Cli.Commands;

/// <summary>
/// The conventions every command shares, applied once to the whole command tree (README "Conventions"): counts and
/// numbers parsed by the one parser with plain-word errors, examples under --help, "did you mean", and the command
/// tree walked for completion scripts and the man page, so they cannot drift from --help.
/// </summary>
public static class Surface
{
    /// <summary>Two or three examples per command, printed under its --help and in the man page.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Examples = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["sockdoc"] = ["sockdoc doctor --brief", "sockdoc sockets --by state,port --top 10", "sockdoc completion bash > /etc/bash_completion.d/sockdoc"],
        ["doctor"] = ["sockdoc doctor", "sockdoc doctor --brief --write /etc/sysctl.d/99-sockdoc.conf", "sockdoc doctor --from host.json --json | jq .report.findings"],
        ["collect"] = ["sockdoc collect -o host.json", "sockdoc collect -o - | gzip > host.json.gz"],
        ["logs"] = ["sockdoc logs --since 2h", "sockdoc logs /var/log/kern.log kern.log.1.gz --json", "sockdoc logs --follow --for 10m"],
        ["sockets"] = ["sockdoc sockets", "sockdoc sockets --by state,port --top 10", "sockdoc sockets --state TIME_WAIT --port 443 --json"],
        ["watch"] = ["sockdoc watch", "sockdoc watch --interval 2s"],
        ["record"] = ["sockdoc record --interval 5s --retention 1w", "sockdoc record --db /var/lib/sockdoc.db --count 720"],
        ["report"] = ["sockdoc report -o report.html", "sockdoc report --since 24h -o - > day.html"],
        ["exporter"] = ["sockdoc exporter --listen 127.0.0.1:9477"],
        ["plan"] = ["sockdoc plan -c 1M --role server", "sockdoc plan --role client --rate 20000/s --destinations 3 --lifetime 200ms", "sockdoc plan -c 1,000,000 --ram 64GiB --write 99-sockdoc.conf"],
        ["lint"] = ["sockdoc lint", "sockdoc lint --root /mnt/image --json"],
        ["lab"] = ["sockdoc lab list", "sockdoc lab run orphans --with net.ipv4.tcp_max_orphans=262144", "sockdoc lab restore"],
        ["explain"] = ["sockdoc explain ticket.txt", "pbpaste | sockdoc explain -"],
        ["load"] = ["sockdoc load c1m --connections 100k", "sockdoc load storm --rate 3000"],
        ["completion"] = ["sockdoc completion bash > /etc/bash_completion.d/sockdoc", "sockdoc completion zsh > \"${fpath[1]}/_sockdoc\"", "sockdoc completion fish > ~/.config/fish/completions/sockdoc.fish"],
        ["man"] = ["sockdoc man > sockdoc.1 && man ./sockdoc.1"],
    };

    /// <summary>Numbers on every option go through the one count parser: "1M", "1e6", "1,000,000", "1_000_000"; errors in plain words.</summary>
    public static void ApplyParsers(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var o in command.Options)
        {
            switch (o)
            {
                case Option<long> l: l.CustomParser = r => (long)(Count(r, o.Name, long.MaxValue) ?? 0); break;
                case Option<long?> ln: ln.CustomParser = r => Count(r, o.Name, long.MaxValue); break;
                case Option<int> i: i.CustomParser = r => (int)(Count(r, o.Name, int.MaxValue) ?? 0); break;
                case Option<int?> iN: iN.CustomParser = r => (int?)Count(r, o.Name, int.MaxValue); break;
                // A number of seconds (HelpName "S": --duration, --hold, --heartbeat, --timeout) is a duration: "5m" is
                // five minutes there, as in every other duration option, not five million.
                case Option<double> s when s.HelpName == "S": s.CustomParser = r => DurationSeconds(r, o.Name); break;
                case Option<double> d: d.CustomParser = r => Number(r, o.Name); break;
            }
        }
        foreach (var sub in command.Subcommands) ApplyParsers(sub);
    }

    private static long? Count(ArgumentResult r, string option, long max)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (Parse.TryCount(text, out var v) && v <= max) return v;
        r.AddError($"{option} \"{text}\" is not a whole number{(max == int.MaxValue ? " up to 2,147,483,647" : "")} (examples: {option} {Parse.CountExamples.Replace(", ", $", {option} ", StringComparison.Ordinal)})");
        return null;
    }

    private static double Number(ArgumentResult r, string option)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (double.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v)) return v;
        if (Parse.TryCount(text, out var c)) return c;
        r.AddError($"{option} \"{text}\" is not a number (examples: {option} 30, {option} 2.5, {option} 1k)");
        return 0;
    }

    private static double DurationSeconds(ArgumentResult r, string option)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
        if (Parse.TryDuration(text, out var t)) return t.TotalSeconds;
        r.AddError($"{option} \"{text}\" is not a duration (examples: {option} {Parse.DurationExamples.Replace(", ", $", {option} ", StringComparison.Ordinal)})");
        return 0;
    }

    /// <summary>Turns a parse error into plain words: the unknown command or option with a suggestion; never a .NET type name.</summary>
    public static string Explain(ParseError error, ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(parsed);
        var m = error.Message;
        var command = parsed.CommandResult.Command;
        const string unrecognised = "Unrecognized command or argument '";
        if (m.StartsWith(unrecognised, StringComparison.Ordinal))
        {
            var token = m[unrecognised.Length..].TrimEnd('.', '\'');
            var where = command is RootCommand ? "" : command.Name + ": ";
            if (token.StartsWith('-'))
            {
                var names = AllOptions(command).SelectMany(o => o.Aliases.Prepend(o.Name)).ToList();
                var near = Parse.Suggest(token, names);
                return $"{where}unknown option \"{token}\"" + (near is null ? "" : $"; did you mean \"{near}\"?");
            }
            if (command.Subcommands.Count > 0)
            {
                var near = Parse.Suggest(token, command.Subcommands.Select(c => c.Name));
                return $"{where}unknown command \"{token}\"" + (near is null ? $" (commands: {string.Join(", ", command.Subcommands.Select(c => c.Name))})" : $"; did you mean \"{near}\"?");
            }
            return $"{where}unexpected argument \"{token}\"";
        }
        if (m.StartsWith("Required command was not provided", StringComparison.Ordinal))
            return $"{(command is RootCommand ? "" : command.Name + ": ")}which one? ({string.Join(", ", command.Subcommands.Select(c => c.Name))})";
        const string cannot = "Cannot parse argument '";
        if (m.StartsWith(cannot, StringComparison.Ordinal))
        {
            // Options with our parsers never get here; a bool or an enum might: name it without the CLR type.
            var cut = m.IndexOf(" as expected type", StringComparison.Ordinal);
            return cut > 0 ? m[..cut].Replace("Cannot parse argument", "cannot read", StringComparison.Ordinal) : m;
        }
        return m;
    }

    private static IEnumerable<Option> AllOptions(Command command)
    {
        foreach (var o in command.Options) yield return o;
        for (var p = command.Parents.OfType<Command>().FirstOrDefault(); p is not null; p = p.Parents.OfType<Command>().FirstOrDefault())
        {
            foreach (var o in p.Options.Where(o => o.Recursive)) yield return o;
        }
    }

    /// <summary>The examples block printed after --help.</summary>
    public static string ExamplesText(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var key = command is RootCommand ? "sockdoc" : command.Name;
        if (!Examples.TryGetValue(key, out var lines)) return "";
        var sb = new StringBuilder("Examples:\n");
        foreach (var l in lines) sb.Append("  ").Append(l).Append('\n');
        return sb.ToString();
    }

    private static IEnumerable<(string Path, Command Command)> Walk(Command c, string path)
    {
        yield return (path, c);
        foreach (var s in c.Subcommands.Where(s => !s.Hidden))
        {
            foreach (var x in Walk(s, path.Length == 0 ? s.Name : path + " " + s.Name)) yield return x;
        }
    }

    private static IEnumerable<string> OptionNames(Command c) =>
        c.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Distinct();

    /// <summary>A completion script for bash, zsh or fish, from the command tree itself.</summary>
    public static string? Completion(RootCommand root, string shell)
    {
        ArgumentNullException.ThrowIfNull(root);
        var all = Walk(root, "").ToList();
        var sb = new StringBuilder();
        switch (shell)
        {
            case "bash":
                sb.Append("# bash completion for sockdoc (generated by `sockdoc completion bash`)\n_sockdoc() {\n");
                sb.Append("  local cur=${COMP_WORDS[COMP_CWORD]} path=\"\" w\n");
                sb.Append("  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do case $w in -*) ;; *) case \"$path $w\" in\n");
                foreach (var (p, _) in all.Where(x => x.Path.Length > 0)) sb.Append("    \" ").Append(p).Append("\"|\"").Append(p).Append("\") path=\"").Append(p).Append("\";;\n");
                sb.Append("  esac;; esac; done\n  local words\n  case \"$path\" in\n");
                foreach (var (p, c) in all)
                    sb.Append("    \"").Append(p).Append("\") words=\"").Append(string.Join(' ', c.Subcommands.Where(s => !s.Hidden).Select(s => s.Name).Concat(OptionNames(c)))).Append("\";;\n");
                sb.Append("  esac\n  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n  [[ ${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- \"$cur\"))\n}\ncomplete -F _sockdoc sockdoc\n");
                return sb.ToString();
            case "zsh":
                sb.Append("#compdef sockdoc\n# zsh completion for sockdoc (generated by `sockdoc completion zsh`)\n_sockdoc() {\n  local -a words_; local path_=\"\" w\n");
                sb.Append("  for w in ${words[2,CURRENT-1]}; do [[ $w == -* ]] && continue; case \"${path_:+$path_ }$w\" in\n");
                foreach (var (p, _) in all.Where(x => x.Path.Length > 0)) sb.Append("    \"").Append(p).Append("\") path_=\"").Append(p).Append("\";;\n");
                sb.Append("  esac; done\n  case \"$path_\" in\n");
                foreach (var (p, c) in all)
                {
                    sb.Append("    \"").Append(p).Append("\") words_=(");
                    foreach (var s in c.Subcommands.Where(s => !s.Hidden)) sb.Append(ZshItem(s.Name, s.Description));
                    foreach (var o in c.Options.Where(o => !o.Hidden)) foreach (var n in o.Aliases.Prepend(o.Name).Distinct()) sb.Append(ZshItem(n, o.Description));
                    sb.Append(");;\n");
                }
                sb.Append("  esac\n  _describe 'sockdoc' words_ || _files\n}\ncompdef _sockdoc sockdoc\n");
                return sb.ToString();
            case "fish":
                sb.Append("# fish completion for sockdoc (generated by `sockdoc completion fish`)\n");
                foreach (var (p, c) in all)
                {
                    var parts = p.Length == 0 ? [] : p.Split(' ');
                    var cond = parts.Length == 0 ? "__fish_use_subcommand" : $"__fish_seen_subcommand_from {parts[^1]}";
                    foreach (var s in c.Subcommands.Where(s => !s.Hidden))
                        sb.Append($"complete -c sockdoc -n '{cond}' -f -a {s.Name} -d '{Fish(s.Description)}'\n");
                    foreach (var o in c.Options.Where(o => !o.Hidden))
                    {
                        var longs = o.Aliases.Prepend(o.Name).Distinct().Where(n => n.StartsWith("--", StringComparison.Ordinal)).Select(n => " -l " + n[2..]);
                        var shorts = o.Aliases.Prepend(o.Name).Distinct().Where(n => n.Length == 2 && n[0] == '-').Select(n => " -s " + n[1..]);
                        sb.Append($"complete -c sockdoc -n '{(parts.Length == 0 ? "__fish_use_subcommand" : cond)}'{string.Concat(longs)}{string.Concat(shorts)} -d '{Fish(o.Description)}'\n");
                    }
                }
                return sb.ToString();
            default:
                return null;
        }
    }

    private static string First(string? description) => (description ?? "").Split('\n')[0];

    private static string ZshItem(string name, string? description) =>
        " '" + name.Replace(":", "\\:", StringComparison.Ordinal) + ":" + First(description).Replace("'", "'\\''", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal) + "'";

    private static string Fish(string? description) => First(description).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);

    /// <summary>The man page (roff), from the same command tree and descriptions as --help.</summary>
    public static string Man(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        // roff escapes; characters past ASCII as \[uXXXX] so groff reads the page without preconv.
        static string R(string? s) => string.Concat((s ?? "").Replace("\\", "\\e", StringComparison.Ordinal).Replace("-", "\\-", StringComparison.Ordinal)
            .Replace("\n.", "\n\\&.", StringComparison.Ordinal).Replace("\n'", "\n\\&'", StringComparison.Ordinal)
            .Select(ch => ch < 128 ? ch.ToString() : $"\\[u{(int)ch:X4}]"));
        var sb = new StringBuilder();
        sb.Append(".TH SOCKDOC 1 \"\" \"sockdoc\" \"User Commands\"\n.SH NAME\nsockdoc \\- ").Append(R(root.Description)).Append('\n');
        sb.Append(".SH SYNOPSIS\n.B sockdoc\n.I COMMAND\n[\\fIOPTIONS\\fR]\n");
        sb.Append(".SH DESCRIPTION\n").Append(R("Every command has --help, and --json wherever its output is data. Not a terminal: plain text, no box drawing, long lines stay long unless COLUMNS is set.")).Append('\n');
        sb.Append(".SH GLOBAL OPTIONS\n");
        foreach (var o in root.Options.Where(o => !o.Hidden))
            sb.Append(".TP\n.B ").Append(R(string.Join(", ", o.Aliases.Prepend(o.Name).Distinct()))).Append('\n').Append(R(o.Description)).Append('\n');
        sb.Append(".SH COMMANDS\n");
        foreach (var (path, c) in Walk(root, "").Where(x => x.Path.Length > 0))
        {
            sb.Append(".SS \"sockdoc ").Append(R(path)).Append("\"\n").Append(R(c.Description)).Append('\n');
            foreach (var a in c.Arguments.Where(a => !a.Hidden))
                sb.Append(".TP\n.I ").Append(R(a.Name.ToUpperInvariant())).Append('\n').Append(R(a.Description)).Append('\n');
            foreach (var o in c.Options.Where(o => !o.Hidden && o.Name is not "--help" and not "-h"))
            {
                var names = string.Join(", ", o.Aliases.Prepend(o.Name).Distinct());
                sb.Append(".TP\n.B ").Append(R(names)).Append(o.HelpName is { } h ? " \\fI" + R(h) + "\\fR" : "").Append('\n').Append(R(o.Description)).Append('\n');
            }
            if (Examples.TryGetValue(c.Name, out var ex))
            {
                sb.Append(".PP\nExamples:\n");
                foreach (var e in ex) sb.Append(".IP\n.B ").Append(R(e)).Append('\n');
            }
        }
        sb.Append(".SH EXIT STATUS\n.TP\n0\nnothing to report\n.TP\n1\nwarnings\n.TP\n2\ncritical\n.TP\n3\ncould not run (bad arguments, unreadable or foreign input)\n");
        sb.Append(".SH ENVIRONMENT\n.TP\n.B COLUMNS\nwidth to wrap prose at (commands, paths and numbers are never broken)\n.TP\n.B NO_COLOR\nno colour, as \\-\\-no\\-color\n.TP\n.B SOCKDOC_NO_SOCK_DIAG\n1: take the socket census from /proc/net/tcp as on a host without sock_diag (no skmem, tcp_info, cgroup ids or listener backlogs)\n");
        return sb.ToString();
    }
}
