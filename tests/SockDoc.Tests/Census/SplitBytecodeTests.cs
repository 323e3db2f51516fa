using System.Buffers.Binary;
using SockDoc.Kernel.Netlink.SockDiag;

namespace SockDoc.Tests.Census;

/// <summary>
/// The port-split filter program, run through a transcription of the kernel's inet_diag_bc_audit() and
/// inet_diag_bc_run() (net/ipv4/inet_diag.c): it must pass the audit and its two halves must partition every
/// (local port, peer port) pair.
/// </summary>
public class SplitBytecodeTests
{
    // inet_diag_bc_run(): yes → advance op->yes, no → advance op->no; accepted iff exactly the end is reached.
    private static bool Run(byte[] bc, int sport, int dport)
    {
        int at = 0, len = bc.Length;
        while (len > 0)
        {
            byte code = bc[at];
            int yes = bc[at + 1];
            int no = BinaryPrimitives.ReadUInt16LittleEndian(bc.AsSpan(at + 2));
            int operand = code is >= 2 and <= 5 ? BinaryPrimitives.ReadUInt16LittleEndian(bc.AsSpan(at + 6)) : 0;
            bool ok = code switch
            {
                InetDiag.INET_DIAG_BC_JMP => false,
                InetDiag.INET_DIAG_BC_S_GE => sport >= operand,
                InetDiag.INET_DIAG_BC_S_LE => sport <= operand,
                InetDiag.INET_DIAG_BC_D_GE => dport >= operand,
                InetDiag.INET_DIAG_BC_D_LE => dport <= operand,
                _ => throw new InvalidOperationException($"op {code}"),
            };
            int step = ok ? yes : no;
            len -= step;
            at += step;
        }
        return len == 0;
    }

    // inet_diag_bc_audit(): every op's yes and no are ≥ its size, ≤ len + 4, multiples of 4, and a "no" target
    // inside the program lies on the chain of "yes" steps (valid_cc()).
    private static void Audit(byte[] bc)
    {
        var onYesChain = new HashSet<int>();
        for (int at = 0; at < bc.Length; at += bc[at + 1]) onYesChain.Add(at);
        int pos = 0;
        while (pos < bc.Length)
        {
            int len = bc.Length - pos;
            byte code = bc[pos];
            int min = code == InetDiag.INET_DIAG_BC_JMP ? 4 : 8;
            int yes = bc[pos + 1];
            int no = BinaryPrimitives.ReadUInt16LittleEndian(bc.AsSpan(pos + 2));
            Assert.True(no >= min && no <= len + 4 && no % 4 == 0, $"op at {pos}: no {no}");
            if (no < len) Assert.Contains(pos + no, onYesChain);
            Assert.True(yes >= min && yes <= len + 4 && yes % 4 == 0, $"op at {pos}: yes {yes}");
            pos += yes;
        }
        Assert.Equal(bc.Length, pos);
    }

    [Fact]
    public void Both_halves_pass_the_kernel_audit()
    {
        Audit(InetDiag.SplitBytecode(0));
        Audit(InetDiag.SplitBytecode(1));
    }

    [Fact]
    public void The_halves_partition_every_port_pair_and_balance_ephemeral_ports()
    {
        var a = InetDiag.SplitBytecode(0);
        var b = InetDiag.SplitBytecode(1);
        int inA = 0, total = 0;
        var rng = new Random(7);
        for (int i = 0; i < 20000; i++)
        {
            int sport = i < 1000 ? 443 : rng.Next(0, 65536);
            int dport = rng.Next(32768, 61000);
            bool ra = Run(a, sport, dport), rb = Run(b, sport, dport);
            Assert.True(ra ^ rb, $"sport {sport} dport {dport}: part0 {ra} part1 {rb}");
            if (ra) inA++;
            total++;
        }
        foreach (int edge in new[] { 0, 8191, 8192, 16383, 16384, 32767, 32768, 65535 })
            Assert.True(Run(a, edge, 0) ^ Run(b, edge, 0));
        double share = (double)inA / total;
        Assert.InRange(share, 0.35, 0.65);
    }
}
