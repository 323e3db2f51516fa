using Spectre.Console;

namespace SockDoc.Cli;

/// <summary>
/// Where a command writes. Only Program.cs binds these to the process's console; tests pass
/// StringWriters, so no command touches System.Console.
/// </summary>
public sealed class CliIo(TextWriter output, TextWriter error, bool outputIsTerminal, bool noColor, int? width = null)
{
    public TextWriter Out { get; } = output;
    public TextWriter Err { get; } = error;
    public bool OutputIsTerminal { get; } = outputIsTerminal;
    public bool NoColor { get; } = noColor;
    public int? Width { get; } = width;
    /// <summary>The process's standard input (for `explain -`); tests can replace it.</summary>
    public TextReader In { get; init; } = TextReader.Null;
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>A Spectre console over Out: colour only on a terminal without NO_COLOR.</summary>
    public IAnsiConsole Console()
    {
        var settings = new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Out),
            Ansi = OutputIsTerminal && !NoColor ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = OutputIsTerminal && !NoColor ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = OutputIsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        };
        var console = AnsiConsole.Create(settings);
        console.Profile.Width = Width ?? (OutputIsTerminal ? console.Profile.Width : 120);
        return console;
    }

    /// <summary>One clear line on stderr, no stack trace.</summary>
    public int Fail(string message)
    {
        Err.WriteLine($"sockdoc: {message}");
        return (int)ExitCode.CouldNotRun;
    }
}
