namespace SockDoc.Cli.Views;

/// <summary>
/// What CliIo.Console() learnt about the output, for the views Spectre shows live (watch, trace): whether it is a
/// terminal, and the width a TextDoc wraps at there.
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

    private static readonly AsyncLocal<int?> WidthFlow = new();

    /// <summary>Columns a TextDoc shown through Spectre wraps at: COLUMNS or the terminal's width; null in a pipe (never wrap).</summary>
    public static int? Width
    {
        get => WidthFlow.Value;
        set => WidthFlow.Value = value;
    }
}
