namespace SockDoc.Cli.History;

/// <summary>Durations as operators type them: the one parser and formatter (<see cref="Diagnosis.Text.Parse.TryDuration"/>).</summary>
public static class DurationText
{
    public static bool TryParse(string? text, out TimeSpan value) => Diagnosis.Text.Parse.TryDuration(text, out value);

    public static string Format(TimeSpan t) => Diagnosis.Text.Quantities.Duration(t);
}
