namespace SockDoc.Model;

/// <summary>
/// A condition a paste states in words rather than numbers ("we see a lot of listen overflows", "the accept queue was
/// full", "we ran out of ephemeral ports"): the operator's own reading of a counter or symptom. It is never a gauge: a
/// rule takes it as possible evidence, when nothing measured says otherwise, and asks for what would confirm it.
/// </summary>
public sealed record StatedCondition
{
    /// <summary>One of <see cref="StatedConditions"/>.</summary>
    public required string Condition { get; init; }
    /// <summary>The sentence that says it, cut to 200 characters.</summary>
    public string? Sample { get; init; }
    /// <summary>Line number in the paste.</summary>
    public int Line { get; init; }
    /// <summary>
    /// Null when the paste's own words say it. Otherwise the program whose status field reports the kernel event
    /// ("Kubernetes", "Docker", "systemd"): a machine's record of it, not someone's reading, so a likely finding.
    /// </summary>
    public string? Reporter { get; init; }
}

/// <summary>The conditions a paste can state in words, each the kernel event a rule counts.</summary>
public static class StatedConditions
{
    /// <summary>sk_acceptq_is_full() dropped a connection (TcpExt ListenOverflows).</summary>
    public const string ListenQueueOverflow = "listen queue overflow";
    /// <summary>__inet_hash_connect() found no free port in ip_local_port_range (EADDRNOTAVAIL).</summary>
    public const string EphemeralPortsExhausted = "ephemeral ports exhausted";
    /// <summary>nf_conntrack_alloc() found the table at nf_conntrack_max ("table full, dropping packet").</summary>
    public const string ConntrackTableFull = "conntrack table full";
    /// <summary>A process reached RLIMIT_NOFILE (EMFILE): "ran out of file descriptors", RabbitMQ's "file descriptor limit alarm set".</summary>
    public const string FileDescriptorsExhausted = "file descriptors exhausted";
    /// <summary>A datagram dropped entering a UDP socket's receive queue (dropwatch at udp_queue_rcv_skb()): RcvbufErrors mostly.</summary>
    public const string UdpReceiveDrops = "UDP receive queue drops";
    /// <summary>
    /// vm.overcommit_memory is 2 ("once I set vm.overcommit_memory to 2"): __vm_enough_memory() refuses every commit charge
    /// past CommitLimit. A setting, not an event: it names the cause of an ENOMEM beside it.
    /// </summary>
    public const string StrictOvercommit = "strict overcommit (vm.overcommit_memory = 2)";
    /// <summary>
    /// A program's write to a TCP socket blocked: past its deadline (NATS' "Slow Consumer Detected: WriteDeadline of 1s
    /// exceeded", Go's "write tcp A->B: i/o timeout") or stuck in the write (a thread dump said to hang in
    /// SocketOutputStream.socketWrite0, a task's stack in sk_stream_wait_memory()). A write waits only in
    /// sk_stream_wait_memory(), on a full send buffer.
    /// </summary>
    public const string SocketWriteBlocked = "a write to a socket blocked";
    /// <summary>out_of_memory() chose and killed a task: "the OOM killer was invoked / killed dnsmasq".</summary>
    public const string OomKill = "OOM killer ran";
    /// <summary>tcp_syn_flood_action() found a listener's SYN queue full: "the kernel detected a SYN flood", "SYN cookies being sent".</summary>
    public const string SynFlood = "SYN queue full (SYN flood detected)";
}
