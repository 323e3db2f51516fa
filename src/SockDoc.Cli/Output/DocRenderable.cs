using SockDoc.Cli.Views;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace SockDoc.Cli.Output;

/// <summary>
/// A TextDoc where Spectre wants a renderable (the live frames of `watch` and `trace`): laid out by TextDoc at the
/// command's width (Look.Width: COLUMNS or the terminal's; none in a pipe), one segment per line, so Spectre never
/// re-wraps a line inside a command, a path or a number. Colour comes from Spectre's styles, dropped where the console has none.
/// </summary>
public sealed class DocRenderable(TextDoc doc) : IRenderable
{
    public TextDoc Doc { get; } = doc ?? throw new ArgumentNullException(nameof(doc));

    public Measurement Measure(RenderOptions options, int maxWidth) => new(Math.Min(20, maxWidth), maxWidth);

    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
    {
        foreach (var (text, tone, indent) in Doc.Lines(Look.Width))
        {
            if (tone == Tone.Plain || text.Length == 0)
            {
                yield return new Segment(text);
            }
            else
            {
                if (indent > 0) yield return new Segment(text[..indent]);
                yield return new Segment(text[indent..], StyleOf(tone));
            }
            yield return Segment.LineBreak;
        }
    }

    private static Style StyleOf(Tone tone) => tone switch
    {
        Tone.Bold => new Style(decoration: Decoration.Bold),
        Tone.Dim => new Style(Color.Grey),
        Tone.Ok => new Style(Color.Green),
        Tone.Info => new Style(Color.Blue),
        Tone.Warning => new Style(Color.Yellow),
        Tone.Critical => new Style(Color.Red, decoration: Decoration.Bold),
        Tone.Command => new Style(Color.Aqua),
        _ => Style.Plain,
    };
}
