using System.Text.RegularExpressions;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Explain.Recognisers;

/// <summary>
/// Application errors (<see cref="AppErrors"/>), with the failing call looked for around the line when the line
/// itself does not name it: a Python traceback names it above (`s.connect((host, port))`), a wrapped C message
/// starts above ("bind() to 0.0.0.0:80 failed (98:"), Java and .NET print the stack below
/// ("at System.Net.Sockets.Socket.Bind(...)"), a Node error object its syscall ("syscall: 'listen'").
/// </summary>
public sealed partial class AppErrorLines : IPasteRecogniser
{
    public void Command(string command) { }

    public int Read(IReadOnlyList<PasteLine> lines, int i, PasteBuilder into)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(into);
        var line = lines[i];
        if (AppErrors.TryRecognise(line) is not { } err)
        {
            // A mail or a narrow terminal wrapped the errno's text onto the next line ("dial tcp 127.0.0.1:8086: cannot
            // assign" / "requested address"): the two lines are one message.
            if (Unwrapped(lines, i) is not { } joined || AppErrors.TryRecognise(joined) is not { } whole) return 0;
            line = joined;
            err = whole;
        }
        // npm's "npm ERR! code EADDRNOTAVAIL" and "npm ERR! errno EADDRNOTAVAIL" are fields of the error its message
        // tells in full a line or two below ("request to ... failed, reason: getaddrinfo EADDRNOTAVAIL ..."): that line counts.
        if (FieldLineRegex().IsMatch(line.Text) &&
            Enumerable.Range(i + 1, 3).Any(k => k < lines.Count && !FieldLineRegex().IsMatch(lines[k].Text) && AppErrors.TryRecognise(lines[k]) is { } told && told.Errno == err.Errno))
        {
            into.Claim("app-error", line.Number, "application errors");
            return 1;
        }
        // The JDK throws BindException for EADDRNOTAVAIL/EADDRINUSE from connect() too (Net.c handleSocketError()): the
        // frames below ("at sun.nio.ch.Net.connect0") name the call; the class name alone does not.
        if (err.Runtime == "java" && err.Call == "bind" && line.Text.Contains("BindException", StringComparison.Ordinal) &&
            FrameCallBelow(lines, i, clientFrames: false) is { } frame)
        {
            err = err with { Call = frame };
            // A bind() inside a client socket's constructor or factory (new Socket(host, port, localAddr, 0),
            // SocketFactory.createSocket(...)) is an outgoing connection bound before connect(): its EADDRINUSE is the
            // ephemeral ports running out, as for bind(addr, 0) (inet_csk_get_port()).
            if (frame == "bind" && err.Errno == AppErrors.EADDRINUSE && ClientSocketBelow(lines, i)) err = err with { Call = "bind(0)" };
        }
        // No socket frame below, but a client's request is (Elasticsearch-Hadoop's "at ...rest.NetworkClient.execute(",
        // "at ...RestClient.count("), with no server frame: the BindException came from that client's outgoing socket,
        // bound before connect() (to port 0): its EADDRINUSE is the ephemeral ports used up (inet_csk_get_port()).
        if (err.Runtime == "java" && err.Call == "bind" && err.Errno == AppErrors.EADDRINUSE && line.Text.Contains("BindException", StringComparison.Ordinal) &&
            ClientRequestFramesBelow(lines, i))
            err = err with { Call = "bind(0)" };
        // Apache HttpClient binds its outgoing socket before connect() when a local address is configured, and logs a failure
        // while sending as "I/O exception (java.net.BindException) caught when processing request" (3.x HttpMethodDirector,
        // 4.x RetryExec / DefaultRequestDirector). That bind() is to port 0: its EADDRINUSE is the ephemeral ports used up
        // (inet_csk_get_port()), as for any outgoing connection.
        if (err.Errno == AppErrors.EADDRINUSE && err.Call is "bind" or "unknown" && HttpClientRequestRegex().IsMatch(line.Text)) err = err with { Call = "bind(0)" };
        // A BindException a cluster member logs against its connection to a peer ("Removing connection to endpoint
        // [172.20.3.10]:3331 Cause => java.net.BindException {Address already in use}", Hazelcast binding its outbound
        // sockets): the bind of an outgoing connection, before connect(); its EADDRINUSE is the source ports used up.
        if (err.Errno == AppErrors.EADDRINUSE && err.Call is "bind" or "unknown" && line.Text.Contains("BindException", StringComparison.Ordinal) &&
            ConnectionToPeerRegex().IsMatch(line.Text)) err = err with { Call = "bind(0)" };
        // A bind() failing with EADDRINUSE in a paste that says its binds are outgoing connections' (squid's
        // tcp_outgoing_address, IP_BIND_ADDRESS_NO_PORT, "bind(2)+connect(2)"), with no port of its own on the line:
        // a bind to port 0 before connect(), the ephemeral ports used up (inet_csk_get_port()).
        if (err.Errno == AppErrors.EADDRINUSE && err.Call == "bind" && !NonZeroPortRegex().IsMatch(line.Text) && PasteSaysOutgoingBind(lines))
            err = err with { Call = "bind(0)" };
        // The traceback's frame above names a connect() to port 0 (macOS / BSD refuse it with EADDRNOTAVAIL).
        if (err.Errno == AppErrors.EADDRNOTAVAIL && err.LookAlike is null && Enumerable.Range(1, 3).Any(b => i - b >= 0 && AppErrors.IsConnectToPortZero(lines[i - b].Text)))
            err = AppErrors.AsConnectToPortZero(err);
        for (int back = 0; err.Call == "unknown" && back <= 3 && i - back >= 0; back++)
        {
            var above = lines[i - back].Text;
            // A client that only ever connects (telnet, curl, wget, ...) named on the line or just above it.
            if (ConnectOnlyToolRegex().IsMatch(above)) { err = err with { Call = "connect" }; break; }
            if (back == 0) continue;
            // The program's own words for a failed bind() on the line above ("The following port(s) failed to bind:",
            // "Cannot bind address ([1.1.1.1]:0)"): the errno below is that bind()'s; to port 0 with EADDRINUSE it is the
            // range used up (bind(0)), any other bind() error is the address or port asked for.
            if (BindFailedRegex().IsMatch(above))
            {
                err = err with { Call = err.Errno == AppErrors.EADDRINUSE && PortZeroRegex().IsMatch(above) ? "bind(0)" : "bind" };
                break;
            }
            // And its words for a failed connect ("Unable to connect to the remote server", .NET's WebException over the
            // SocketException below it): an address errno under them is connect()'s.
            if (err.Errno is AppErrors.EADDRINUSE or AppErrors.EADDRNOTAVAIL or AppErrors.ENOBUFS && ConnectFailedRegex().IsMatch(above))
            {
                err = err with { Call = "connect" };
                break;
            }
            // A send or a select() named above ("Error for `SendTo`:", "uses the Winsock Select function"): Windows'
            // WSAENOBUFS there is its buffers, a NIC gone or its non-paged pool, not its ports, which only connect() and bind() take.
            if (AppErrors.SendOrSelectCall(above) is { } other)
            {
                err = err with { Call = other };
                break;
            }
            // Erlang's call named on a line of its own above the reason ("brod_client -> kpro_connection -> gen_tcp:connect/4").
            if (above.Contains("gen_tcp:connect", StringComparison.Ordinal) || above.Contains("ssl:connect", StringComparison.Ordinal))
            {
                err = err with { Call = "connect" };
                break;
            }
            if (above.Contains("gen_tcp:listen", StringComparison.Ordinal))
            {
                err = err with { Call = "bind" };
                break;
            }
            if (above.Contains(".connect(", StringComparison.Ordinal) || above.Contains("connect_ex(", StringComparison.Ordinal) ||
                above.Contains("create_connection(", StringComparison.Ordinal) || (back == 1 && above.Contains("connect()", StringComparison.Ordinal)))
                err = err with { Call = "connect" };
            else if (above.Contains(".bind(", StringComparison.Ordinal) || above.Contains("create_server(", StringComparison.Ordinal) ||
                     (back == 1 && above.Contains("bind()", StringComparison.Ordinal)))
                err = err with { Call = "bind" };
            // A traceback frame's header without its source line (an egg or a .pyc-only install: File ".../sock.py",
            // line 53, in connect): the function it names.
            else if (PythonFrameFunctionCall(above) is { } named)
                err = err with { Call = named };
        }
        if (err.Call == "unknown" && FrameCallBelow(lines, i, clientFrames: true) is { } below)
        {
            err = err with { Call = below };
            // .NET's Socket.Bind() frame under a client's Connect() frame (BeetleX's AsyncTcpClient.Connect()): the
            // outgoing socket bound before connect(), so its EADDRINUSE is the ephemeral ports used up, as in Java above.
            if (below == "bind" && err.Errno == AppErrors.EADDRINUSE && ClientSocketBelow(lines, i)) err = err with { Call = "bind(0)" };
        }
        if (err.Call == "unknown" && TracebackBelow(lines, i) is { } call) err = err with { Call = call };
        // An address error over a client's request frames and no server's ("at Minio.MinioClient.ExecuteTaskAsync("): a
        // client only connects, so the errno is its connect()'s.
        if (err.Call == "unknown" && err.Errno is AppErrors.EADDRINUSE or AppErrors.EADDRNOTAVAIL && ClientRequestFramesBelow(lines, i))
            err = err with { Call = "connect" };
        // ENOMEM under a stack that starts a program (Ruby's "in `popen'", Python's subprocess _execute_child, the JDK's
        // ProcessBuilder.start, Node's child_process.spawn): the fork()/clone() of the child, above or below the message;
        // or an indented stack frame anywhere in the paste starts one (a traceback further down ending in
        // "self.pid = os.fork()", its exception line cut off).
        if (err.Call == "unknown" && err.Errno == AppErrors.ENOMEM &&
            (Enumerable.Range(i - 12, 25).Any(k => k >= 0 && k < lines.Count && k != i && SpawnFrameRegex().IsMatch(lines[k].Text)) ||
             AnyLine(ref _spawnFrames, lines, l => l.Text.Length > 0 && char.IsWhiteSpace(l.Text[0]) && SpawnFrameRegex().IsMatch(l.Text))))
            err = err with { Call = "fork" };
        if (err.Call == "unknown" && err.Errno is AppErrors.EADDRNOTAVAIL or AppErrors.EADDRINUSE && CallOfPasteFrames(lines) is { } framed)
            err = err with { Call = framed };
        if (err.Call == "unknown" && err.Errno is AppErrors.EADDRNOTAVAIL or AppErrors.EADDRINUSE && PasteCodeOnlyConnects(lines))
            err = err with { Call = "connect" };
        // An EADDRNOTAVAIL the paste says comes and goes ("It seems to be intermittent", "from time to time"): a bind() to an
        // address the host lacks fails every time, as the program starts; one that fails now and then is a connect() that
        // found no free port at that moment.
        if (err.Call == "unknown" && err.Errno is AppErrors.EADDRNOTAVAIL && AnyLine(ref _intermittent, lines, l => IntermittentRegex().IsMatch(l.Scanned)))
            err = err with { Call = "connect", SaidToRepeat = true };
        // connect() to ::1 or a link-local address on a host (or container) without IPv6 has no source address at all:
        // ip6_route_output() finds none and connect() fails with EADDRNOTAVAIL on the first try; not ports. libpq prints
        // the address on the line below ("Is the server running on host "localhost" (::1) and accepting").
        // connect() to [::] is connect() to ::1 (tcp_v6_connect() turns the unspecified address into loopback).
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && Enumerable.Range(i, 3).Any(k => k < lines.Count && Ipv6NoSourceRegex().IsMatch(lines[k].Text)))
            err = err with { LookAlike = "connect() to ::1, [::] or a link-local (fe80::) address fails with EADDRNOTAVAIL at once when the host or container has no IPv6 address to send from (ip6_route_output() finds no source): not ports" };
        // A UDP socket's EADDRNOTAVAIL ("udp connect failed", Go's "dial udp", "write udp6"): a UDP socket takes its port
        // when it first connects or sends, and when no port is free that autobind fails with EAGAIN (inet_dgram_connect(),
        // inet_send_prepare()); EADDRNOTAVAIL there comes from the route or the source address, never from ports.
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && err.Call is not ("bind" or "bind(0)") && UdpSocketRegex().IsMatch(line.Text))
            err = err with { LookAlike = "a UDP socket failed with EADDRNOTAVAIL: its port is taken at autobind on the first connect() or send, which fails with EAGAIN when no port is free (inet_dgram_connect(), inet_send_prepare()); EADDRNOTAVAIL is its route or source address (no IPv6 address, an address the host lacks), not ports" };
        // The address is a file: a Unix socket ("Cannot assign requested address /tmp/CoreFxPipe_X", .NET's named pipe on
        // Linux) has no ports to run out of.
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && UnixSocketPathRegex().IsMatch(line.Text))
            err = err with { LookAlike = "the address is a file, a Unix socket (a .NET named pipe is one on Linux): it has no ports to run out of; the path is missing or wrong" };
        // A paste about a load test or benchmark: its address errors came from a client connecting as fast as it can.
        // After the IPv6 no-source look-alike above (connect() to ::1 without IPv6 fails under load too), before the one below.
        if (err.Errno is AppErrors.EADDRNOTAVAIL or AppErrors.EADDRINUSE && err.LookAlike is null && !err.SaidToRepeat && PasteSaysLoadTest(lines))
            err = err with { SaidToRepeat = true };
        // The address may be a name, and the paste's words say IPv6 is what the host cannot reach ("deno deploy serverless
        // cannot access ipv6 network", connecting to api6.ipify.org): the same single failure.
        // connect() to any other IPv6 address fails the same way, at once, where a route exists but no usable source address
        // does (none configured, or still tentative in DAD: ip6_dst_lookup_tail() gets -EADDRNOTAVAIL from
        // ipv6_dev_get_saddr()). Ports to an IPv6 destination run out too, but then connect() fails again and again: only an
        // error seen once or twice, not said to repeat, is taken for the missing source address.
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && err.Call is "connect" or "unknown" && !err.SaidToRepeat &&
            (Ipv6LiteralRegex().IsMatch(line.Text) || AnyLine(ref _speaksOfIpv6, lines, l => Ipv6WordRegex().IsMatch(l.Scanned))) && AddressErrorLines(lines) < 3)
            err = err with { LookAlike = "connect() to an IPv6 address failed with EADDRNOTAVAIL once: the host has a route but no usable IPv6 source address (none configured, or tentative during DAD: ip6_dst_lookup_tail()); ports that ran out fail again and again" };
        // One connect() EADDRNOTAVAIL in a paste that says it comes as the program starts ("every time I started a new
        // deployment", "at startup"), with no load and no repetition: the pod's or host's address or route is not up yet
        // (ip_route_connect() finds no source address). Ports run out only after many connections, and then fail again and again.
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && err.Call is "connect" or "unknown" && !err.SaidToRepeat &&
            AddressErrorLines(lines) < 2 && PasteSaysStartup(lines))
            err = err with { LookAlike = "connect() failed once as the program started: its network (an address or a route, a new pod's interface) was not up yet; ports that ran out fail again and again, after many connections" };
        // One try by hand (telnet, curl, nc) failing with EADDRNOTAVAIL on macOS, in a paste that never speaks of TIME_WAIT or
        // ephemeral ports: there it is what a destination no local address can reach gives at once (a Docker Desktop
        // container's bridge IP, which lives inside its VM; a VPN's route). A program's client that ran its ports out
        // (corpus h76, h85) fails again and again, after many connections.
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && err.Call is "connect" or "unknown" && !err.SaidToRepeat &&
            AddressErrorLines(lines) < 2 && Enumerable.Range(0, 3).Any(b => i - b >= 0 && OneTryToolRegex().IsMatch(lines[i - b].Text)) &&
            AnyLine(ref _onMacos, lines, l => MacosRegex().IsMatch(l.Scanned)) && !AnyLine(ref _speaksOfPorts, lines, l => PortsWordRegex().IsMatch(l.Scanned)))
            err = err with { LookAlike = "one connect() failed with EADDRNOTAVAIL on macOS: there a destination no local address can reach (a Docker Desktop container's bridge IP inside its VM, a VPN route) fails at once this way; ports that ran out fail again and again, after many connections" };
        // One or two connect() EADDRNOTAVAIL in a paste that shows the network unreachable (ping's "sendto: Network is
        // unreachable", ENETUNREACH): the host has no route, or no address on it, to that destination; ports that ran out
        // fail again and again, and leave the route alone.
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && err.Call is "connect" or "unknown" && !err.SaidToRepeat &&
            AddressErrorLines(lines) < 3 && AnyLine(ref _unreachable, lines, l => UnreachableRegex().IsMatch(l.Scanned)))
            err = err with { LookAlike = "connect() failed with EADDRNOTAVAIL once, and the paste shows the network unreachable (ENETUNREACH): no route or no source address towards it, not ports" };
        // connect() to one host failing once on each of several ports, with no load: connect() needs a free port per
        // destination only (__inet_hash_connect() checks the 4-tuple), so ports used up towards one port leave the next
        // port free. Every port failing at once, each a single time, is the source address (a bind() to an address the
        // host lacks, no usable route), not ports.
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && err.Call is "connect" or "unknown" && !err.SaidToRepeat &&
            AddressErrors(lines).OneHostEachPortOnce)
            err = err with { LookAlike = "connect() to one host failed once on each of several ports: ports are used up per destination (__inet_hash_connect()), so each new port would have free ones; all failing at once is the source address (a bind to an address the host lacks, no usable route), not ports" };
        // A client the paste binds to a loopback source (whois' :bind_host => "127.0.0.1", a local_address of localhost)
        // connecting to another host: no route leaves loopback from 127.0.0.1 (Linux refuses the martian source with
        // EINVAL, macOS and BSD with EADDRNOTAVAIL), at once and every time; not ports.
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && err.Call is "connect" or "unknown" &&
            !LoopbackRegex().IsMatch(line.Text) && AnyLine(ref _bindsLoopback, lines, l => LoopbackSourceRegex().IsMatch(l.Scanned)))
            err = err with { LookAlike = "the client is bound to a loopback source address (127.0.0.1) and connects to another host: no route leaves loopback from it, so connect() fails at once every time; not ports" };
        // connect() EADDRNOTAVAIL to several IPv6 hosts, each once, in a paste that says the host has IPv6 disabled
        // (Transmission trying IPv6 peers): no IPv6 source address to send from (ip6_dst_lookup_tail()), however many
        // times; ports are used up per destination (__inet_hash_connect()), and each new host would have free ones.
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && err.Call is "connect" or "unknown" &&
            AddressErrors(lines).EachToAnotherIpv6Host && AnyLine(ref _ipv6Disabled, lines, l => Ipv6DisabledRegex().IsMatch(l.Scanned)))
            err = err with { LookAlike = "connect() failed with EADDRNOTAVAIL towards several IPv6 hosts, each once, and the paste says IPv6 is disabled: there is no IPv6 source address to send from (ip6_dst_lookup_tail()); ports are used up per destination, so each new host would have free ones; not ports" };
        // connect() EADDRNOTAVAIL towards several IPv6 hosts, each once, while connects to IPv4 addresses in the same paste got
        // as far as sending their SYN (they timed out or were refused, so a port was found for them): postfix trying each
        // MX over IPv6 and then IPv4. tcp_v6_connect() fails at the route (ip6_dst_lookup_tail(), no IPv6 source address)
        // before it looks for a port; ports used up per destination (__inet_hash_connect()) would leave each new host free
        // ones anyway. Not ports.
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && err.Call is "connect" or "unknown" &&
            AddressErrors(lines).EachToAnotherIpv6Host && AnyLine(ref _ipv4GotPort, lines, l => Ipv4SynSentRegex().IsMatch(l.Text)))
            err = err with { LookAlike = "connect() failed with EADDRNOTAVAIL towards several IPv6 hosts, each once, while connects to IPv4 addresses got a port and sent their SYN (they timed out or were refused): the host has no IPv6 source address (ip6_dst_lookup_tail()), and ports are used up per destination, so each new host would have free ones; not ports" };
        // One connect() to the name "localhost" failing with EADDRNOTAVAIL in a container ("Error 99 connecting to
        // localhost:6379" under docker compose): the name resolves to ::1 first, and a container without IPv6 has no source
        // address for it (ip6_route_output()); ports that ran out fail again and again.
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && err.Call is "connect" or "unknown" && !err.SaidToRepeat &&
            AddressErrorLines(lines) < 2 && LocalhostNameRegex().IsMatch(line.Text) && AnyLine(ref _inContainer, lines, l => ContainerWordRegex().IsMatch(l.Scanned)))
            err = err with { LookAlike = "one connect() to \"localhost\" failed in a container: the name resolves to ::1 first, and a container without IPv6 has no source address for it (ip6_route_output()); ports that ran out fail again and again" };
        // A client whose code fills its destination with INADDR_ANY ("connection->address.sin_addr.s_addr = INADDR_ANY"):
        // BSD and macOS refuse the unspecified address as a destination with EADDRNOTAVAIL (Linux takes it for loopback),
        // at once and every time; not ports. Only for an error seen once or twice: a load test's client may share the
        // paste with a server's INADDR_ANY.
        if (err.Errno is AppErrors.EADDRNOTAVAIL && err.LookAlike is null && err.Call is "connect" or "unknown" && !err.SaidToRepeat &&
            AddressErrorLines(lines) < 3 && AnyLine(ref _destinationAny, lines, l => InaddrAnyRegex().IsMatch(l.Scanned)))
            err = err with { LookAlike = "the client connects to INADDR_ANY (0.0.0.0), the address a server binds to: BSD and macOS refuse it as a destination with EADDRNOTAVAIL at once (Linux takes it for loopback); not ports" };
        // A paste that shows inotify failing with EMFILE (strace's inotify_init1() = -1 EMFILE, tail's fallback) explains
        // its other EMFILE lines that name no call ("Failed to get journal fd: Too many open files"): the same instance limit.
        if (err.Errno is AppErrors.EMFILE && err.Call == "unknown" && err.LookAlike is null && PasteShowsInotifyEmfile(lines)) err = AppErrors.AsInotify(err);
        // The stack below names the file watcher that failed ("at new FsWatcher", "at Object.watchFs"): inotify_init1()'s
        // EMFILE at the user's instance limit.
        if (err.Errno is AppErrors.EMFILE && err.Call == "unknown" && err.LookAlike is null &&
            Enumerable.Range(i + 1, 3).Any(k => k < lines.Count && AppErrors.NamesFileWatcher(lines[k].Text)))
            err = AppErrors.AsInotify(err);
        // OpenVZ's beancounters refuse a container's allocation with ENOMEM at their own limits (shmpages, privvmpages,
        // kmemsize), counted in /proc/user_beancounters' failcnt: the container's limit, not the host's commit accounting.
        if (err.Errno is AppErrors.ENOMEM && err.LookAlike is null && PasteShowsBeancounters(lines))
            err = err with { LookAlike = "an OpenVZ container's beancounter (shmpages, privvmpages, kmemsize in /proc/user_beancounters, its failcnt rising) refuses allocations with ENOMEM at its own limit: not the host's overcommit accounting" };
        // lwIP (ESP-IDF, FreeRTOS, Zephyr's socket layer) keeps its own socket table and errno values: "Unable to accept
        // connection: errno 23" on an ESP32 is its LWIP_MAX_SOCKETS (CONFIG_LWIP_MAX_SOCKETS) full, not Linux's file-max,
        // and no Linux sysctl changes it. The line in ESP-IDF's log format, or a paste that names the stack, says so.
        if (err.LookAlike is null && (EmbeddedLogRegex().IsMatch(line.Text) || PasteNamesEmbeddedStack(lines)))
            err = err with { LookAlike = "an embedded TCP/IP stack (lwIP under ESP-IDF, FreeRTOS or Zephyr) has its own socket table (LWIP_MAX_SOCKETS) and errno numbers: not a Linux kernel limit, no sysctl changes it" };
        // A sentence about any program introduces the error ("Any process exceeding this limit is immediately killed
        // with:"): the text's example of what happens, not a failure it shows.
        if (err.LookAlike is null && IntroducedAsAnyProgramsError(lines, i))
            err = err with { LookAlike = "the text introduces the error as what happens to any program past a limit (an example in an explanation), not a failure it shows" };
        // Introduced on the lines just above as what one may see under a condition ("If a process exceeds it, you may
        // see:"): the kernel lines' rule (Introductions.AsPossible), for the same reason.
        // The introduction reaches every line of the block of errors under it ("Typical Error Messages" over five sample
        // lines), not only the first.
        int top = BlockTop(lines, i);
        if (err.LookAlike is null && Introductions.AsPossible(PasteText.Introduction(lines, top), lines[top].Text))
            err = err with { LookAlike = "the text introduces the error as what one may see if a condition holds (an example in an explanation), not a failure it shows" };
        // An article on fixing the error, written to the reader: its errors are examples.
        if (err.LookAlike is null && into.IsRemedyArticle(lines))
            err = err with { LookAlike = "the paste is an article on a remedy (its title fixes or explains the error, no one's own incident in it): its errors are examples for the reader" };
        // A line of a diff's hunk is the content of a file being changed (a docs page quoting the error), not output.
        if (err.LookAlike is null && PasteText.InDiffHunk(lines, i))
            err = err with { LookAlike = "a line of a diff: the content of a file being changed (a page or a comment that quotes the error), not a program's output" };
        into.Claim("app-error", line.Number, "application errors");
        // Node prints `code: 'E…'` and `errno: 'E…'` for one error: count it once.
        if (into.Errors.Count > 0 && into.Errors[^1] is { } prev && prev.Line >= line.Number - 2 && prev.Errno == err.Errno && NodeFieldRegex().IsMatch(line.Text.Trim()))
            return 1;
        into.Errors.Add(err);
        return 1;
    }

    private static readonly string[] WrappablePhrases =
        ["Cannot assign requested address", "Too many open files", "Address already in use", "Cannot allocate memory", "No buffer space available"];

    /// <summary>
    /// The line joined with the next when it ends with the first words of an errno's text and the next starts with the
    /// rest; null otherwise.
    /// </summary>
    private static PasteLine? Unwrapped(IReadOnlyList<PasteLine> lines, int i)
    {
        if (i + 1 >= lines.Count) return null;
        var text = lines[i].Text.TrimEnd();
        var next = lines[i + 1].Text.TrimStart();
        if (text.Length == 0 || next.Length == 0) return null;
        foreach (var phrase in WrappablePhrases)
        {
            for (int cut = phrase.IndexOf(' ', StringComparison.Ordinal); cut > 0; cut = phrase.IndexOf(' ', cut + 1))
            {
                var head = phrase.AsSpan(0, cut);
                if (text.AsSpan().EndsWith(head, StringComparison.OrdinalIgnoreCase) &&
                    (text.Length == head.Length || !char.IsLetter(text[^(head.Length + 1)])) &&
                    next.StartsWith(phrase[(cut + 1)..], StringComparison.OrdinalIgnoreCase))
                    return lines[i] with { Text = text + " " + next };
            }
        }
        return null;
    }

    /// <summary>
    /// The call the first socket frame within four lines below names (Java / .NET stacks, Node's syscall field); with
    /// clientFrames, also a traceback printed below its message whose frames are an HTTP client opening its connection
    /// (urllib's urlopen(), http.client's connect(), socket.create_connection()).
    /// </summary>
    private static string? FrameCallBelow(IReadOnlyList<PasteLine> lines, int i, bool clientFrames)
    {
        for (int ahead = 1; ahead <= 4 && i + ahead < lines.Count; ahead++)
        {
            var m = StackCallRegex().Match(lines[i + ahead].Text);
            if (m.Success) return CallOfFrame(m.Groups["c"].Value);
            if (clientFrames && ClientFrameRegex().IsMatch(lines[i + ahead].Text)) return "connect";
        }
        return null;
    }

    /// <summary>Within the six lines below, a frame of a client class (Java or .NET) ("at ...NetworkClient.execute(") and none of a server or a listener.</summary>
    private static bool ClientRequestFramesBelow(IReadOnlyList<PasteLine> lines, int i)
    {
        bool client = false;
        for (int k = i + 1; k <= i + 6 && k < lines.Count; k++)
        {
            var text = lines[k].Text;
            if (ServerFrameRegex().IsMatch(text)) return false;
            client |= ClientClassFrameRegex().IsMatch(text);
        }
        return client;
    }

    /// <summary>A frame within 15 lines below that opens a client socket (java.net.Socket's constructor, a socket factory).</summary>
    private static bool ClientSocketBelow(IReadOnlyList<PasteLine> lines, int i)
    {
        for (int ahead = 1; ahead <= 15 && i + ahead < lines.Count; ahead++)
        {
            if (ClientSocketFrameRegex().IsMatch(lines[i + ahead].Text)) return true;
        }
        return false;
    }

    private static string CallOfFrame(string c) => c.ToLowerInvariant() switch
    {
        var x when x.Contains("connect", StringComparison.Ordinal) => "connect",
        var x when x.StartsWith('b') || x == "listen" => "bind",
        var x when x.StartsWith('a') => "accept",
        _ => "connect",
    };

    /// <summary>
    /// A Python traceback that starts within two lines below the message (a logger's "msg: [Errno 99] …" then
    /// logging.exception's traceback): its innermost frame that opens or binds a socket names the call.
    /// </summary>
    private static string? TracebackBelow(IReadOnlyList<PasteLine> lines, int i)
    {
        int start = -1;
        for (int ahead = 1; ahead <= 3 && i + ahead < lines.Count; ahead++)
        {
            if (lines[i + ahead].Text.TrimStart().StartsWith("Traceback (most recent call last)", StringComparison.Ordinal)) { start = i + ahead; break; }
        }
        if (start < 0) return null;
        string? call = null;
        // Frames are indented; the block ends at the first line that is not (the exception line). Bounded: 200 lines.
        for (int k = start + 1; k < lines.Count && k <= start + 200; k++)
        {
            var text = lines[k].Text;
            if (text.Length == 0 || !char.IsWhiteSpace(text[0])) break;
            call = FrameCall(text) ?? call;
        }
        return call;
    }

    /// <summary>What one traceback frame line does with a socket: "connect", "bind", or null when neither.</summary>
    private static string? FrameCall(string text) =>
        ClientFrameRegex().IsMatch(text) || text.Contains(".connect(", StringComparison.Ordinal) || text.Contains(" in create_connection", StringComparison.Ordinal) ? "connect"
        : text.Contains(".bind(", StringComparison.Ordinal) || text.Contains("create_server(", StringComparison.Ordinal) || text.Contains(" in create_server", StringComparison.Ordinal) ? "bind"
        : PythonFrameFunctionCall(text);

    /// <summary>The call a Python frame header names by its function (File "...", line 53, in connect), or null.</summary>
    private static string? PythonFrameFunctionCall(string text) =>
        PythonFrameFunctionRegex().Match(text) is { Success: true } m ? (m.Groups["connect"].Success ? "connect" : "bind") : null;

    // Functions that open a client's connection (socket.create_connection, http.client's connect, urllib3's _new_conn,
    // restkit's make_connection, asyncio's open_connection) or bind a server's socket (socketserver's server_bind, asyncio's create_server).
    [GeneratedRegex(@"^\s*File ""[^""]*"", line \d+, in (?:(?<connect>_?connect|create_connection|_create_connection|make_connection|_new_conn|open_connection|connect_tcp)|(?<bind>_?bind|server_bind|create_server))\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex PythonFrameFunctionRegex();

    /// <summary>
    /// The first line of the run of error lines that <paramref name="i"/> ends: up through the lines just above it (no blank
    /// line between) while each is an application error too, at most 30 of them.
    /// </summary>
    private int BlockTop(IReadOnlyList<PasteLine> lines, int i)
    {
        // Errors come in long runs in a log: the run the line before belongs to, when it was asked last, goes on.
        int top = i;
        if (_lastBlock is { } last && last.Line == i - 1 && lines[i - 1].Text.Trim().Length > 0) top = i - last.Top < 30 ? last.Top : i;
        else
            while (top > 0 && i - top < 30 && lines[top - 1].Text.Trim().Length > 0 && AppErrors.TryRecognise(lines[top - 1]) is not null) top--;
        _lastBlock = (i, top);
        return top;
    }

    private (int Line, int Top)? _lastBlock;

    private (int Lines, bool OneHostEachPortOnce, bool EachToAnotherIpv6Host)? _addressErrors;

    /// <summary>How many of the paste's first 5,000 lines give EADDRNOTAVAIL; counted once per paste.</summary>
    private int AddressErrorLines(IReadOnlyList<PasteLine> lines) => AddressErrors(lines).Lines;

    /// <summary>
    /// The paste's EADDRNOTAVAIL lines, and whether there are three or more, each naming one endpoint of the same host on
    /// a port no other line names (a client trying one server's ports in turn), and whether two or more name an address
    /// and each of those a different IPv6 one; worked out once per paste.
    /// </summary>
    private (int Lines, bool OneHostEachPortOnce, bool EachToAnotherIpv6Host) AddressErrors(IReadOnlyList<PasteLine> lines)
    {
        if (_addressErrors is { } known) return known;
        var failing = lines.Take(5_000).Where(l => AppErrors.TryRecognise(l) is { Errno: AppErrors.EADDRNOTAVAIL }).Select(l => l.Text).ToList();
        var endpoints = failing.Select(t => EndpointRegex().Match(t)).ToList();
        bool oneHost = endpoints.Count >= 3 && endpoints.All(m => m.Success) &&
                       endpoints.Select(m => m.Value).Distinct().Count() == endpoints.Count &&
                       endpoints.Select(m => m.Groups["host"].Value).Distinct().Count() == 1;
        // Lines that name no address at all (a title retelling the error) say nothing about the family: passed over.
        var v6 = failing.Select(t => BareIpv6Regex().Match(t)).Where((m, k) => m.Success || Ipv4AddressRegex().IsMatch(failing[k])).ToList();
        bool eachV6 = v6.Count >= 2 && v6.All(m => m.Success) && v6.Select(m => m.Value.ToLowerInvariant()).Distinct().Count() == v6.Count;
        _addressErrors = (endpoints.Count, oneHost, eachV6);
        return _addressErrors.Value;
    }

    private bool? _loadTest;

    /// <summary>Whether the paste says it is a load test or benchmark; read once per paste.</summary>
    private bool PasteSaysLoadTest(IReadOnlyList<PasteLine> lines)
    {
        _loadTest ??= AppErrors.PasteSaysLoadTest(lines);
        return _loadTest.Value;
    }

    private bool? _startup;
    private bool? _onMacos;
    private bool? _speaksOfPorts;

    /// <summary>Whether the paste's first 5,000 lines say the failure comes at start-up; read once per paste.</summary>
    private bool PasteSaysStartup(IReadOnlyList<PasteLine> lines) => AnyLine(ref _startup, lines, l => StartupRegex().IsMatch(l.Scanned));

    private bool? _inotifyEmfile;

    /// <summary>
    /// Whether any of the paste's first 5,000 lines shows inotify failing with EMFILE, or the operator counting inotify
    /// instances (`lsof | grep inotify`) or changing inotify's limits (fs.inotify.max_user_instances / max_user_watches):
    /// then the paste is about inotify. Read once per paste.
    /// </summary>
    private bool PasteShowsInotifyEmfile(IReadOnlyList<PasteLine> lines) =>
        AnyLine(ref _inotifyEmfile, lines, l => AppErrors.IsInotifyEmfile(l.Text) || InotifyLimitRegex().IsMatch(l.Scanned));

    private bool? _beancounters;

    /// <summary>Whether the paste's first 5,000 lines show OpenVZ's beancounters (user_beancounters, a failcnt beside a resource); read once per paste.</summary>
    private bool PasteShowsBeancounters(IReadOnlyList<PasteLine> lines) => AnyLine(ref _beancounters, lines, l => BeancounterRegex().IsMatch(l.Scanned));

    private bool? _spawnFrames;

    private bool? _bindsLoopback;
    private bool? _destinationAny;
    private bool? _intermittent;
    private bool? _inContainer;
    private bool? _ipv6Disabled;
    private bool? _ipv4GotPort;
    private bool? _unreachable;
    private bool? _speaksOfIpv6;

    private bool? _outgoingBind;

    /// <summary>Whether the paste's first 5,000 lines say binds are made for outgoing connections; read once per paste.</summary>
    private bool PasteSaysOutgoingBind(IReadOnlyList<PasteLine> lines) => AnyLine(ref _outgoingBind, lines, l => OutgoingBindRegex().IsMatch(l.Scanned));

    private bool? _embeddedStack;

    /// <summary>Whether the paste's first 5,000 lines name an embedded TCP/IP stack (lwIP, ESP-IDF, FreeRTOS, Zephyr); read once per paste.</summary>
    private bool PasteNamesEmbeddedStack(IReadOnlyList<PasteLine> lines) => AnyLine(ref _embeddedStack, lines, l => EmbeddedStackRegex().IsMatch(l.Scanned));

    /// <summary>Whether any of the paste's first 5,000 lines passes <paramref name="test"/>, worked out once and kept in <paramref name="cache"/>.</summary>
    private static bool AnyLine(ref bool? cache, IReadOnlyList<PasteLine> lines, Func<PasteLine, bool> test) =>
        cache ??= lines.Take(5_000).Any(test);

    private bool? _codeOnlyConnects;

    /// <summary>
    /// Whether the code the paste quotes only makes outgoing connections (http.get(), requests.get(), fetch(),
    /// net.Dial(), HttpClient, curl_exec()) and never listens or binds (listen(), bind(), createServer(),
    /// ListenAndServe, ServerSocket): then an address error the lines do not attribute came from its connect().
    /// Bounded: the first 5,000 lines; read once per paste.
    /// </summary>
    private bool PasteCodeOnlyConnects(IReadOnlyList<PasteLine> lines)
    {
        if (_codeOnlyConnects is { } known) return known;
        bool client = false, server = false;
        foreach (var l in lines.Take(5_000))
        {
            var text = l.Scanned;
            client |= ClientCodeRegex().IsMatch(text);
            server |= ServerCodeRegex().IsMatch(text);
        }
        _codeOnlyConnects = client && !server;
        return _codeOnlyConnects.Value;
    }

    // The paste's frames are the same for every error line in it: read once (a recogniser lives for one paste).
    private bool _pasteFramesRead;
    private string? _pasteFramesCall;

    /// <summary>
    /// The call a Python traceback anywhere in the paste names, when its frames only connect or only bind: an issue
    /// quotes the error in its title and the traceback further down (or cut before its last line). Bounded: the
    /// first 5,000 lines.
    /// </summary>
    private string? CallOfPasteFrames(IReadOnlyList<PasteLine> lines)
    {
        if (_pasteFramesRead) return _pasteFramesCall;
        _pasteFramesRead = true;
        bool connect = false, bind = false;
        for (int k = 0; k < lines.Count && k < 5_000; k++)
        {
            var text = lines[k].Text;
            if (!text.StartsWith(' ') && !text.StartsWith('\t')) continue;
            switch (FrameCall(text))
            {
                case "connect": connect = true; break;
                case "bind": bind = true; break;
            }
        }
        _pasteFramesCall = connect == bind ? null : connect ? "connect" : "bind";
        return _pasteFramesCall;
    }

    // Java / .NET frames, also inside a JSON-serialised exception ("StackTraceString": "   at ...ConnectAsync(...)").
    // sun.nio.ch.Net.pollConnect / SocketChannelImpl.finishConnect: a non-blocking connect() completing with its error.
    // .NET Framework's asynchronous connect: Socket.BeginConnect / UnsafeBeginConnect / DoBeginConnect. A page may have lost
    // the space after "at" ("atsun.nio.ch.Net.connect0(Native Method)").
    // Node's frames put a space before the parenthesis and may have no receiver ("at doConnect (net.js:555:5)",
    // "at Socket.connect (net.js:718:20)"); Node 0.2 named its modules without ".js" ("at doConnect (net:821:19)").
    /// <summary>The nearest text above the error (within two lines) is a sentence about any program that ends in a colon.</summary>
    private static bool IntroducedAsAnyProgramsError(IReadOnlyList<PasteLine> lines, int i)
    {
        for (int k = i - 1; k >= 0 && k >= i - 2; k--)
        {
            var t = lines[k].Text.Trim();
            if (t.Length == 0) continue;
            return t.EndsWith(':') && AnyProgramRegex().IsMatch(t);
        }
        return false;
    }

    [GeneratedRegex(@"\bany\s+(?:[\w-]+\s+)?(?:process|program|application|app|service|daemon|server|client|thread)s?\s+(?:that|which|exceeding|trying|opening|using|going\s+over|over)\b",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AnyProgramRegex();

    // .NET prints "at" in the installed UI language: "en" (es, fr), "bei" (de), "em" (pt), "в" (ru), "在" (zh).
    [GeneratedRegex(@"(?:^|"":\s*"")\s*(?:at\s*|(?:en|bei|em|в|在)\s+)\S*?\.(?<c>bind0?|Bind|connect0?|(?:Do|Unsafe)?(?:Begin)?Connect(?:Async)?|pollConnect(?:Now)?|finishConnect|accept0?|Accept(?:Async)?)\(|^\s*syscall: '(?<c>listen|bind|connect|accept)'" +
                    @"|^\s*at\s+(?:\w+\.)?(?<c>doConnect|connect|createConnection|bind|listen)\s\([\w./\\:-]+?(?:\.js)?:\d+:\d+\)" +
                    // A C++ program's source location under its message ("src\Socket.cpp:oss::Socket::connect:581").
                    @"|\.(?:cpp|cc|cxx|h|hpp):(?:\w+::)+(?<c>connect|bind|accept)(?::\d+|\(|\s*$)")]
    private static partial Regex StackCallRegex();
    // Also .NET's HTTP clients, whose request opens the outgoing connection ("at System.Net.WebRequest.<>c.<GetResponseAsync>",
    // "at System.Net.HttpWebRequest.GetResponse()", "at System.Net.Http.HttpClient.SendAsync").
    [GeneratedRegex(@"\burlopen\(|\bhttp\.client\b.*\bconnect\b|\bcreate_connection\(|\bself\.connect\(\)|\bsock\.connect\(" +
                    @"|\bat\s+System\.Net\.(?:Http\.HttpClient\.\S*Send|HttpWebRequest\.\S*GetResponse|WebRequest\.\S*GetResponse)", RegexOptions.CultureInvariant)]
    private static partial Regex ClientFrameRegex();
    // And a .NET client's own Connect()/ConnectAsync() frame (not System.Net.Sockets.Socket's, which a listener never has either).
    [GeneratedRegex(@"\bat\s+(?:java\.net\.Socket\.<init>|\S*SocketFactory\.createSocket\(|\S*\.HttpConnection\.open\(|(?!System\.Net\.Sockets\.Socket\.)\S+\.Connect(?:Async)?\()")]
    private static partial Regex ClientSocketFrameRegex();
    [GeneratedRegex(@"\btcp_outgoing_address\b|\bIP_BIND_ADDRESS_NO_PORT\b|\bbind\s*(?:\(2?\))?\s*(?:\+|and|before|then)\s*connect\b|\bbind[- ]before[- ]connect\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex OutgoingBindRegex();
    // A client's source address set to loopback: bind_host, bind_address, source_address, local_address, localAddress.
    [GeneratedRegex(@"(?i)\b(?:bind_?host|bind_?address|source_?address|local_?address|src_?addr)\b\W{1,6}(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost)\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LoopbackSourceRegex();
    [GeneratedRegex(@"\b127\.\d{1,3}\.\d{1,3}\.\d{1,3}\b|\blocalhost\b|\[::1\]", RegexOptions.CultureInvariant)]
    private static partial Regex LoopbackRegex();
    // "10.0.0.1:3128", "[::]:3128", "*:3128", "localhost:3128", "port 80": a port of its own (not 0) on the line; not a time ("10:42:15").
    [GeneratedRegex(@"(?:\b\d{1,3}(?:\.\d{1,3}){3}|\]|\*|[A-Za-z]):(?!0\b)\d{1,5}\b|\bport\s+(?!0\b)\d{1,5}\b", RegexOptions.CultureInvariant)]
    private static partial Regex NonZeroPortRegex();
    // Also a Python module's frame as an embedding JVM prints it (pemja): "at /venv/.../llm/client/llm_client.invoke(llm_client.py:147)".
    [GeneratedRegex(@"^\s*at\s+[\w.$/-]*(?:Client|_client)\.(?!<init>)\w+\(", RegexOptions.CultureInvariant)]
    private static partial Regex ClientClassFrameRegex();
    [GeneratedRegex(@"^\s*at\s+[\w.$]*(?:Server|Listen|Acceptor|Connector|Endpoint)\w*\.", RegexOptions.CultureInvariant)]
    private static partial Regex ServerFrameRegex();
    [GeneratedRegex(@"\bhttps?\.(?:get|request)\(|\brequests\.(?:get|post|put|delete|head|request)\(|\burlopen\(|\bfetch\(|\baxios\.\w+\(|\bnet\.(?:connect|createConnection|Dial(?:Timeout)?)\(|\bhttp\.(?:Get|Post|Head|NewRequest)\(|\bnew HttpClient\(|\.(?:GetAsync|PostAsync|SendAsync)\(|\bcurl_exec\(|\bsocket\.connect\(", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ClientCodeRegex();
    [GeneratedRegex(@"\.listen\(|\bbind\(|createServer\(|ListenAndServe|\bserve_forever\(|\bServerSocket\b|\bTcpListener\b|\bnet\.Listen\(|\bapp\.run\(", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ServerCodeRegex();
    // Command-line clients that never bind or listen: an address error from them is their connect().
    // Not an argument of another program ("cargo run telnet localhost 6142", "target/debug/tokio-review telnet ...").
    [GeneratedRegex(@"(?:^|[\s:`'(?])(?<!\brun\s)(?<!/[\w.-]{1,80}\s)(?:telnet|curl|wget|redis-cli|redis-benchmark|psql|wrk|siege)(?=[\s:`')]|$)")]
    private static partial Regex ConnectOnlyToolRegex();
    // A Unix socket path straight after the errno text or in a unix: URL.
    [GeneratedRegex(@"(?i:Cannot assign requested address|Address not available)\)?:?\s+/(?:tmp|run|var|dev/shm)/\S+|\bunix:/\S+|\bCoreFxPipe_\w+", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex UnixSocketPathRegex();
    // The error line names a UDP socket and no TCP one.
    [GeneratedRegex(@"^(?!.*\btcp[46]?\b).*\b(?:udp[46]?\s+(?:connect|socket|client|send|sendto|sendmsg)|(?:dial|write|read|connect|send(?:to|msg)?)\s+udp[46]?)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex UdpSocketRegex();
    // curl writes the address bare: "Failed to connect to ::1: Cannot assign requested address", "connect to ::1 port 9200 failed".
    [GeneratedRegex(@"\[::1?\]|\(::1\)|""::1""|'::1'|\b[fF][eE]80::|\bconnect to ::1(?=:\s|\s+port\b)")]
    private static partial Regex Ipv6NoSourceRegex();
    // An IPv6 literal in brackets, parentheses or quotes (Ruby's connect(2) for "2404:6800:4003:c01::1a"), not a v4-mapped
    // one; "::" or five groups, so a time ("[12:34:56]") is not one.
    [GeneratedRegex(@"(?:[\[(](?!::ffff:)(?=[0-9a-fA-F:]*::|(?:[0-9a-fA-F]{1,4}:){4})[0-9a-fA-F:]{2,39}[\])]|([""'])(?!::ffff:)(?=[0-9a-fA-F:]*::|(?:[0-9a-fA-F]{1,4}:){4})[0-9a-fA-F:]{2,39}\1)")]
    private static partial Regex Ipv6LiteralRegex();
    [GeneratedRegex(@"\b(?:cannot|can't|could\s+not|couldn't|unable\s+to|failed\s+to|fails?\s+to)\s+bind\b|\bbind(?:ing)?\s+(?:failed|error)\b|\bbind\s+(?:on|to)\s+[^;]{1,80}?\s+failed\b|\berror\s+binding\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BindFailedRegex();
    // Also urllib3's NewConnectionError, whose "Failed to establish a new connection:" a page may wrap above the errno.
    [GeneratedRegex(@"\b(?:cannot|can't|could\s+not|couldn't|unable\s+to|failed\s+to)\s+connect\b|\bfailed\s+to\s+establish\s+a\s+new\s+connection\b|\bNewConnectionError\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConnectFailedRegex();
    [GeneratedRegex(@":0(?:\)|\s|$)")]
    private static partial Regex PortZeroRegex();
    [GeneratedRegex(@"caught when processing request|\bHttpMethodDirector\b|\bRetryExec\b|\bDefaultRequestDirector\b", RegexOptions.CultureInvariant)]
    private static partial Regex HttpClientRequestRegex();
    [GeneratedRegex(@"\b(?:[Cc]onnection|[Cc]onnecting|[Cc]onnect)\s+to\s+(?:endpoint\s+|member\s+|peer\s+|node\s+)?(?:\[[0-9A-Fa-f:.]+\]|\d{1,3}(?:\.\d{1,3}){3}|[\w.-]+:\d{1,5})", RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionToPeerRegex();
    // ESP-IDF's log line: level letter, tick count in parentheses, tag ("E (39868) tcp_server: Unable to accept ...").
    [GeneratedRegex(@"^\s*[EWI] \(\d+\) [\w.\-]+: ")]
    private static partial Regex EmbeddedLogRegex();
    [GeneratedRegex(@"\blwip\b|\bLWIP_[A-Z_]+|\bESP-IDF\b|\besp_idf\b|\bsdkconfig\b|\bFreeRTOS\b|\bZephyr\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex EmbeddedStackRegex();
    [GeneratedRegex(@"inotify[/._]max_user_(?:instances|watches)|\bgrep\s+(?:-\w+\s+)*inotify\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex InotifyLimitRegex();
    // The paste says it runs on macOS: "macOS", "Mac OS X", "OS X", "Darwin", "MacBook", "Docker for Mac", "on a mac".
    [GeneratedRegex(@"\bmacOS\b|\bMac\s?OS(?:\s?X)?\b|\bOS\s?X\b|\bDarwin\b|\bMacBook|\bDocker (?:Desktop )?for Mac\b|\b[Oo]n (?:a |my |the )?[Mm]ac\b(?![-:])", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex MacosRegex();
    // A client one runs by hand for one connection (not a load tool).
    [GeneratedRegex(@"(?:^|[\s`'(])(?:telnet|curl|wget|nc|ncat|psql|redis-cli)(?::|\s|$)", RegexOptions.CultureInvariant)]
    private static partial Regex OneTryToolRegex();
    [GeneratedRegex(@"(?i)\bTIME[_-]?WAIT\b|\bephemeral\b|\bport\s+exhaust|\bportrange\b|\bip_local_port_range\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex PortsWordRegex();
    [GeneratedRegex(@"(?i)\b(?:at|on|during)\s+start[- ]?up\b|\bevery\s+time\s+(?:I|we)\s+start(?:ed)?\b|\bwhen\s+(?:I|we|it)\s+start(?:s|ed)?\b|\bnew\s+deployment\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex StartupRegex();
    // Words that say the host or the destination is on its own in IPv6 ("cannot access ipv6 network", "IPv6-only", "no
    // IPv6", "IPv6 is disabled"); not the word alone, which ss -s prints in its header.
    [GeneratedRegex(@"\bIPv6[- ]only\b|\b(?:no|without|lacks?|disabled?)\s+IPv6\b|\bIPv6\s+(?:is\s+|was\s+)?(?:disabled|not\s+(?:enabled|supported|available|configured))\b|\b(?:access|reach)\s+(?:the\s+|an\s+)?IPv6\s+(?:network|hosts?|addresses|internet)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Ipv6WordRegex();

    // A destination filled with the unspecified address in C: "sin_addr.s_addr = INADDR_ANY", "sin6_addr = in6addr_any".
    [GeneratedRegex(@"\bsin6?_addr(?:\.s_addr)?\s*=\s*(?:htonl\s*\(\s*)?(?:INADDR_ANY|in6addr_any)\b", RegexOptions.CultureInvariant)]
    private static partial Regex InaddrAnyRegex();
    [GeneratedRegex(@"\bNetwork is unreachable\b|\bENETUNREACH\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex UnreachableRegex();
    [GeneratedRegex(@"^\s*(?:npm (?:ERR!|error) )?(?:code|errno):?\s+'?E[A-Z]+'?,?\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex FieldLineRegex();
    [GeneratedRegex(@"^(?:code|errno): '?E[A-Z]+'?,?$")]
    private static partial Regex NodeFieldRegex();

    // An IPv6 address written bare ("to 2001:0:9d38:6ab8:24d7:368b:743d:bc26, port 14844"): five groups or more, or a
    // "::", so a clock ("03:40:09") is not one.
    [GeneratedRegex(@"(?<![\w:.])(?:(?:[0-9a-fA-F]{1,4}:){4,7}[0-9a-fA-F]{1,4}|(?:[0-9a-fA-F]{1,4}:){1,6}:(?:[0-9a-fA-F]{1,4}:){0,5}[0-9a-fA-F]{1,4})(?![\w:])", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex BareIpv6Regex();

    [GeneratedRegex(@"\blocalhost(?::\d{1,5})?\b(?![.-])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LocalhostNameRegex();
    [GeneratedRegex(@"\b(?:docker(?:-compose)?|containers?|compose|podman)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ContainerWordRegex();

    [GeneratedRegex(@"\bintermittent(?:ly)?\b|\bsporadic(?:ally)?\b|\bfrom\s+time\s+to\s+time\b|\bevery\s+(?:now\s+and\s+then|once\s+in\s+a\s+while)\b|\b(?:comes|came)\s+up\s+(?:a\s+few|several|many)\s+times\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex IntermittentRegex();

    // The host without IPv6: "no IPv6", "IPv6 is disabled", "ipv6 addresses are disabled".
    [GeneratedRegex(@"\b(?:no|without|lacks?|disabled?)\s+IPv6\b|\bIPv6\s+(?:\w+\s+)?(?:is\s+|are\s+|was\s+|were\s+)?(?:disabled|not\s+(?:enabled|supported|available|configured))\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Ipv6DisabledRegex();

    [GeneratedRegex(@"(?<![\w.:])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Ipv4AddressRegex();
    // A connect to an IPv4 address that timed out or was refused: it had its port and sent a SYN.
    [GeneratedRegex(@"(?<![\w.:])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])[^\n]{0,80}?\b(?:timed\s+out|refused|ETIMEDOUT|ECONNREFUSED)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Ipv4SynSentRegex();

    // host:port, IPv4 or a bracketed IPv6 address.
    [GeneratedRegex(@"(?<host>\b\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):(?<port>\d{1,5})\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex EndpointRegex();

    [GeneratedRegex(@"user_beancounters|\b(?:privvmpages|shmpages|kmemsize|physpages|vmguarpages|lockedpages)\b.{0,120}?\bfailcnt\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex BeancounterRegex();

    // And a program's words for starting one ("error: could not exec the linker `cc`", rustc's Command::spawn()), or
    // Node's frame of it ("at ChildProcess.spawn (internal/child_process.js:407:11)"), .NET's Interop.Sys.ForkAndExecProcess
    // under Process.Start, Ruby's backtick (a frame "in ``'"); a process pool starting its
    // workers (multiprocessing's and billiard's _create_worker_process, _repopulate_pool, popen_fork.py); Ruby's Open3
    // library (open3.rb: popen3, capture3), which only starts programs.
    [GeneratedRegex(@"\b(?:could\s+not|couldn't|cannot|can't|failed\s+to|unable\s+to)\s+(?:exec|spawn)\b|\bin [`'](?:popen|popen3|spawn|system|fork|capture[23]e?|`)'|\b(?:popen[23]?|open3)\.rb\b|\b_execute_child\b|\bos\.(?:fork|popen|system|spawn[lv]p?e?)\(|\bsubprocess\.(?:Popen|run|call|check_call|check_output)\b|\bposix_spawnp?\b|\bProcessBuilder\.start\b|\bForkAndExecProcess\b|\b_create_worker_process\b|\b_repopulate_pool\b|\bpopen_fork\.py\b|\bRuntime\.exec\b|\bchild_process\.(?:spawn|exec|fork)|\bat ChildProcess\.spawn\b|\b(?:spawn|exec)Sync\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SpawnFrameRegex();
}
