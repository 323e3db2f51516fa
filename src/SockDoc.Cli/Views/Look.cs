using Spectre.Console;

namespace SockDoc.Cli.Views;

/// <summary>
/// The Spectre views' one look (README "Conventions"): box borders on a terminal, none in a pipe. CliIo.Console()
/// sets it for the command that asked for a console, so every table a view builds afterwards follows it.
/// </summary>
public static class Look
{
    private static readonly AsyncLocal<bool> PlainFlow = new();

    /// <summary>Not a terminal: no box drawing.</summary>
    public static bool Plain
    {
        get => PlainFlow.Value;
        set => PlainFlow.Value = value;
    }

    public static TableBorder Border => Plain ? TableBorder.None : TableBorder.Rounded;

    /// <summary>A table in the one look; numbers in right-aligned columns never wrap (NoWrap).</summary>
    public static Table Table() => new Table().Border(Border);
}
