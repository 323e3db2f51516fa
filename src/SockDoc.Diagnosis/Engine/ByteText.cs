namespace SockDoc.Diagnosis.Engine;

/// <summary>Bytes as every command prints them: "952 KiB", "2.2 GiB" (the one formatter, <see cref="Text.Quantities.Bytes"/>).</summary>
public static class ByteText
{
    public static string Format(long bytes) => Text.Quantities.Bytes(bytes);
}
