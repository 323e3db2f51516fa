using SockDoc.Kernel.Tracing;

namespace SockDoc.Tests.Trace;

public class TraceFormatReaderTests
{
    public static TraceEventFormat Load(string system, string name)
    {
        var bytes = File.ReadAllBytes(Fixtures.Dir("tracefs", "linux-6.18-x86_64", "events", system, name, "format"));
        var f = TraceFormatReader.Parse(system, bytes, out var problem);
        Assert.True(f is not null, problem);
        return f!;
    }

    [Fact]
    public void InetSockSetState_FieldsAndStatesFromTheFormatFile()
    {
        var f = Load("sock", "inet_sock_set_state");
        Assert.Equal(2287, f.Id);
        Assert.Equal("sock:inet_sock_set_state", f.FullName);
        var sk = f.Field("skaddr")!;
        Assert.Equal((8, 8), (sk.Offset, sk.Size));
        Assert.Equal((20, 4, true), (f.Field("newstate")!.Offset, f.Field("newstate")!.Size, f.Field("newstate")!.Signed));
        Assert.Equal((32, 4), (f.Field("saddr")!.Offset, f.Field("saddr")!.Size));
        Assert.Equal((56, 16), (f.Field("daddr_v6")!.Offset, f.Field("daddr_v6")!.Size));
        Assert.Equal("const void *", sk.Type);
        Assert.Equal(7, f.ValueOf("newstate", "TCP_CLOSE"));
        Assert.Equal("TCP_SYN_SENT", f.SymbolOf("oldstate", 2));
        Assert.Equal(6, f.ValueOf("protocol", "IPPROTO_TCP"));
        Assert.Equal(10, f.ValueOf("family", "AF_INET6"));
    }

    [Fact]
    public void KfreeSkb_DropReasonsByName()
    {
        var f = Load("skb", "kfree_skb");
        var reasons = f.Symbols["reason"];
        // On this 6.18 kernel NOT_SPECIFIED is 2 and NO_SOCKET 3; older kernels number them differently, which is why
        // names are read from the file and never compiled in.
        Assert.Equal("NOT_SPECIFIED", reasons[2]);
        Assert.Equal("NO_SOCKET", reasons[3]);
        Assert.Equal("TCP_LISTEN_OVERFLOW", reasons[40]);
        Assert.Equal("PROTO_MEM", reasons[20]);
        Assert.Equal("MAX", reasons.Values.Last());
        Assert.True(reasons.Count > 120);
        Assert.Equal((36, 4), (f.Field("reason")!.Offset, f.Field("reason")!.Size));
    }

    [Fact]
    public void TcpSendReset_ReasonsNumericStatesSymbolicAreSkipped()
    {
        var f = Load("tcp", "tcp_send_reset");
        Assert.Equal(13, f.ValueOf("reason", "TCP_ABORT_ON_MEMORY"));
        // The state table here uses macro names (TCP_ESTABLISHED) instead of numbers: nothing to read, nothing invented.
        Assert.False(f.Symbols.ContainsKey("state"));
        Assert.Equal(28, f.Field("saddr")!.Size);
    }

    [Fact]
    public void SysExitConnect_RetIsEightBytesSigned()
    {
        var f = Load("syscalls", "sys_exit_connect");
        var ret = f.Field("ret")!;
        Assert.Equal((16, 8, true), (ret.Offset, ret.Size, ret.Signed));
        Assert.Empty(f.Symbols);
    }

    [Fact]
    public void SockExceedBufLimit_ArrayFieldAndKind()
    {
        var f = Load("sock", "sock_exceed_buf_limit");
        Assert.Equal((40, 24), (f.Field("sysctl_mem")!.Offset, f.Field("sysctl_mem")!.Size));
        Assert.Equal((8, 32), (f.Field("name")!.Offset, f.Field("name")!.Size));
        Assert.Equal("SK_MEM_RECV", f.SymbolOf("kind", 1));
    }

    [Fact]
    public void DamagedInput_ClearProblemNeverThrows()
    {
        var good = File.ReadAllBytes(Fixtures.Dir("tracefs", "linux-6.18-x86_64", "events", "sock", "inet_sock_set_state", "format"));
        foreach (var bad in Fixtures.Damaged(good))
        {
            var f = TraceFormatReader.Parse("sock", bad, out var problem);
            if (f is null) Assert.False(string.IsNullOrEmpty(problem));
        }
        Assert.Null(TraceFormatReader.Parse("x", Fixtures.Text("name: x\nID: 12a\n"), out var p1));
        Assert.Contains("line 2", p1);
        Assert.Null(TraceFormatReader.Parse("x", Fixtures.Text("name: x\nID: 1\n\tfield:int a;\toffset:zz;\tsize:4;\n"), out var p2));
        Assert.Contains("line 3", p2);
        Assert.Null(TraceFormatReader.Parse("x", Fixtures.Text("name: x\nID: 1\n"), out var p3));
        Assert.Equal("no field lines", p3);
        Assert.Null(TraceFormatReader.Parse("x", new byte[TraceFormatReader.MaxBytes + 1], out var p4));
        Assert.Contains("more than", p4);
    }

    [Fact]
    public void PrintSymbolic_TruncatedTableKeepsWhatIsComplete()
    {
        var t = TraceFormatReader.ParseSymbolic("\"%s\", __print_symbolic(REC->reason, { 2, \"A\" }, { 0x10, \"B\" }, { 4, \"C");
        Assert.Equal("A", t["reason"][2]);
        Assert.Equal("B", t["reason"][16]);
        Assert.False(t["reason"].ContainsKey(4));
    }
}
