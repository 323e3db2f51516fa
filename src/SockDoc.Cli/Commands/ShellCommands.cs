using System.CommandLine;

namespace SockDoc.Cli.Commands;

/// <summary>`sockdoc completion bash|zsh|fish` and `sockdoc man`: generated from the command tree, as --help is.</summary>
public static class ShellCommands
{
    public static readonly string[] Shells = ["bash", "zsh", "fish"];

    public static Command Completion(CliIo io, RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(io);
        var shell = new Argument<string>("shell") { Description = "bash, zsh or fish." };
        shell.AcceptOnlyFromAmong(Shells);
        var cmd = new Command("completion", "Print a shell completion script for bash, zsh or fish (commands, options, from the same definitions as --help).") { shell };
        cmd.SetAction(p =>
        {
            var text = Surface.Completion(root, p.GetValue(shell)!);
            if (text is null) return io.Fail($"completion: unknown shell (one of {string.Join(", ", Shells)}; example: sockdoc completion bash)");
            io.Out.Write(text);
            return (int)ExitCode.Ok;
        });
        return cmd;
    }

    public static Command Man(CliIo io, RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(io);
        var cmd = new Command("man", "Print the man page (roff), generated from the same definitions as --help; docs/sockdoc.1 is its output.");
        cmd.SetAction(_ =>
        {
            io.Out.Write(Surface.Man(root));
            return (int)ExitCode.Ok;
        });
        return cmd;
    }
}
