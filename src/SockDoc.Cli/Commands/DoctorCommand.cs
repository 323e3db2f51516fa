using System.CommandLine;

namespace SockDoc.Cli.Commands;

public static class DoctorCommand
{
    public static Command Create(CliIo io)
    {
        var cmd = new Command("doctor", "Diagnose this host's socket resources from the kernel's own signals.");
        cmd.SetAction(_ => io.Fail("doctor: not built yet"));
        return cmd;
    }
}
