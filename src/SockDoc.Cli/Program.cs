using System.CommandLine;
using SockDoc.Cli.Commands;

namespace SockDoc.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
#pragma warning disable RS0030 // the one place that binds the real console
        var io = new CliIo(System.Console.Out, System.Console.Error, !System.Console.IsOutputRedirected, noColor)
        {
            In = System.Console.In,
        };
#pragma warning restore RS0030
        return Run(args, io);
    }

    /// <summary>Parses and runs one command line against the given streams (tests call this in-process).</summary>
    public static int Run(string[] args, CliIo io)
    {
        var root = BuildRoot(io);
        var config = new InvocationConfiguration { Output = io.Out, Error = io.Err, EnableDefaultExceptionHandler = false };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) io.Err.WriteLine($"sockdoc: {error.Message}");
            io.Err.WriteLine("Run 'sockdoc --help' (or 'sockdoc COMMAND --help') for usage.");
            return (int)ExitCode.CouldNotRun;
        }
        try
        {
            return parsed.Invoke(config);
        }
#pragma warning disable CA1031 // last line of defence: one clear line, never a stack trace
        catch (Exception e)
#pragma warning restore CA1031
        {
            return io.Fail($"internal error: {e.GetType().Name}: {e.Message}");
        }
    }

    public static RootCommand BuildRoot(CliIo io)
    {
        var root = new RootCommand("SockDoc: why a busy Linux server runs out of sockets, and what to set instead.");
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
        return root;
    }
}
