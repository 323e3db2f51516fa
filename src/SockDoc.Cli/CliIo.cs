using Spectre.Console;

namespace SockDoc.Cli;

/// <summary>
/// Where a command writes. Only Program.cs binds these to the process's console; tests pass
/// StringWriters, so no command touches System.Console.
/// </summary>
public sealed class CliIo(TextWriter output, TextWriter error, bool outputIsTerminal, bool noColor, int? width = null)
{
    /// <summary>Spectre views in a pipe without COLUMNS get this width (wide enough that rows do not fold).</summary>
    public const int PipeWidth = 240;

    public TextWriter Out { get; } = output;
    public TextWriter Err { get; } = error;
    public bool OutputIsTerminal { get; } = outputIsTerminal;
    public bool NoColor { get; } = noColor;
    /// <summary>Columns to wrap prose at: COLUMNS when set, else the terminal's width; null in a pipe (lines stay long).</summary>
    public int? Width { get; } = width;
    /// <summary>Not a terminal: plain text, no box drawing, no colour (README "Conventions").</summary>
    public bool Plain => !OutputIsTerminal;
    /// <summary>ANSI colour: only on a terminal, and not with NO_COLOR or --no-color.</summary>
    public bool Color => OutputIsTerminal && !NoColor;
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
        Views.Look.Plain = !OutputIsTerminal;
        console.Profile.Width = Width ?? (OutputIsTerminal ? console.Profile.Width : PipeWidth);
        Views.Look.Width = Width ?? (OutputIsTerminal ? console.Profile.Width : null);
        return console;
    }

    /// <summary>Writes a laid-out text: wrapped at Width (never inside a command, path or number), coloured on a terminal.</summary>
    public void Write(Output.TextDoc doc)
    {
        ArgumentNullException.ThrowIfNull(doc);
        Out.Write(doc.Render(Width, Color));
    }

    /// <summary>One clear line on stderr, no stack trace.</summary>
    public int Fail(string message)
    {
        Err.WriteLine($"sockdoc: {message}");
        return (int)ExitCode.CouldNotRun;
    }
}
