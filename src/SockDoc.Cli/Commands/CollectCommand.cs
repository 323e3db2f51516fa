using System.CommandLine;

namespace SockDoc.Cli.Commands;

public static class CollectCommand
{
    public static Command Create(CliIo io)
    {
        var cmd = new Command("collect", "Write a snapshot of this host's socket signals to a JSON file.");
        cmd.SetAction(_ => io.Fail("collect: not built yet"));
        return cmd;
    }
}
