using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using SockDoc.Cli.Commands;

namespace SockDoc.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // `load c1m` starts 100+ of these: straight to the worker, without building the command tree or the console.
#pragma warning disable RS0030 // Program.cs binds the real console
        if (args is ["load", "worker", ..]) return LoadCommand.RunWorker(args[2..], e => System.Console.Error.WriteLine("sockdoc: " + e));
#pragma warning restore RS0030
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        // COLUMNS when set (also in a pipe); else the terminal's width; in a pipe without it, lines stay long.
        int? width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c >= 20 ? c : null;
#pragma warning disable RS0030 // the one place that binds the real console
        var terminal = !System.Console.IsOutputRedirected;
        if (width is null && terminal)
        {
            try { width = System.Console.WindowWidth is > 0 and var w ? w : null; }
            catch (IOException) { width = null; }
        }
        var io = new CliIo(System.Console.Out, System.Console.Error, terminal, noColor, width)
        {
            In = System.Console.In,
        };
#pragma warning restore RS0030
        return Run(args, io);
    }

    /// <summary>Parses and runs one command line against the given streams (tests call this in-process).</summary>
    public static int Run(string[] args, CliIo io)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(io);
        // --quiet and --no-color change where and how every command writes, so they are read before parsing.
        var options = args.TakeWhile(a => a != "--").ToList();
        var quiet = options.Contains("--quiet") || options.Contains("-q");
        var noColor = io.NoColor || options.Contains("--no-color");
        if (quiet || noColor != io.NoColor)
        {
            io = new CliIo(quiet ? TextWriter.Null : io.Out, io.Err, io.OutputIsTerminal, noColor, io.Width) { In = io.In, Time = io.Time };
        }
        var root = BuildRoot(io);
        // Help follows the output conventions too: wrapped at COLUMNS or the terminal's width, never in a pipe without COLUMNS.
        if (root.Options.OfType<HelpOption>().FirstOrDefault()?.Action is HelpAction help) help.MaxWidth = io.Width ?? 10_000;
        if (args.Length == 0) args = ["--help"]; // a bare `sockdoc` shows what it can do
        var config = new InvocationConfiguration { Output = io.Out, Error = io.Err, EnableDefaultExceptionHandler = false };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // The first error is the cause; the rest usually follow from it (an unknown option's value is "unexpected").
            // An unknown word explains the rest ("doctr" also means "no command given"): it goes first.
            var first = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
            io.Err.WriteLine($"sockdoc: {Surface.Explain(first, parsed)}");
            var name = parsed.CommandResult.Command is RootCommand ? "" : parsed.CommandResult.Command.Name + " ";
            io.Err.WriteLine($"Run 'sockdoc {name}--help' for usage and examples.");
            return (int)ExitCode.CouldNotRun;
        }
        try
        {
            var exit = parsed.Invoke(config);
            if (parsed.Action is HelpAction) io.Out.Write(Surface.ExamplesText(parsed.CommandResult.Command));
            return exit;
        }
#pragma warning disable CA1031 // last line of defence: one clear line, never a stack trace
        catch (Exception e)
#pragma warning restore CA1031
        {
            // SOCKDOC_DEBUG=1 adds the stack trace, for a bug report.
            if (Environment.GetEnvironmentVariable("SOCKDOC_DEBUG") is "1") io.Err.WriteLine(e.ToString());
            return io.Fail($"internal error: {e.GetType().Name}: {e.Message}");
        }
    }

    public static RootCommand BuildRoot(CliIo io)
    {
        var root = new RootCommand("SockDoc: why a busy Linux server runs out of sockets, and what to set instead.");
        root.Options.Add(new Option<bool>("--quiet", "-q") { Description = "Print nothing; only the exit code tells (0 ok, 1 warning, 2 critical, 3 could not run). Errors still go to stderr.", Recursive = true });
        root.Options.Add(new Option<bool>("--no-color") { Description = "No colour (also with NO_COLOR set). Output that is not a terminal never has colour.", Recursive = true });
        // One line per command; each command file builds its own Command.
        root.Subcommands.Add(DoctorCommand.Create(io));
        root.Subcommands.Add(CollectCommand.Create(io));
        root.Subcommands.Add(LoadCommand.Create(io));
        root.Subcommands.Add(LogsCommand.Create(io));
        root.Subcommands.Add(SocketsCommand.Create(io));
        root.Subcommands.Add(WatchCommand.Create(io));
        root.Subcommands.Add(RecordCommand.Create(io));
        root.Subcommands.Add(ReportCommand.Create(io));
        root.Subcommands.Add(ExporterCommand.Create(io));
        root.Subcommands.Add(PlanCommand.Create(io));
        root.Subcommands.Add(LintCommand.Create(io));
        root.Subcommands.Add(LabCommand.Create(io));
        root.Subcommands.Add(ExplainCommand.Create(io));
        root.Subcommands.Add(TraceCommand.Create(io));
        root.Subcommands.Add(ShellCommands.Completion(io, root));
        root.Subcommands.Add(ShellCommands.Man(io, root));
        Surface.ApplyParsers(root);
        return root;
    }
}
