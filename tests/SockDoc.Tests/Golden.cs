namespace SockDoc.Tests;

/// <summary>
/// Golden files for output a human or a script reads. A mismatch fails with both texts; set
/// SOCKDOC_UPDATE_GOLDEN=1 to rewrite the files after a deliberate change.
/// </summary>
public static class Golden
{
    public static string Dir => Path.GetFullPath(Path.Combine(Fixtures.Root, "..", "golden"));

    public static void Check(string name, string actual)
    {
        var path = Path.Combine(Dir, name);
        actual = actual.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("SOCKDOC_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Dir);
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"golden file {path} is missing; run the tests with SOCKDOC_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(path), actual);
    }
}
