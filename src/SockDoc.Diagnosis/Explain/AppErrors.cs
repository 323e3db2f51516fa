using System.Text.RegularExpressions;
using SockDoc.Model;

namespace SockDoc.Diagnosis.Explain;

/// <summary>An application's socket error recognised in a paste: which errno, from which runtime and call.</summary>
/// <param name="LookAlike">Set when the errno is real but not about sockets (inotify's EMFILE is its instance limit): why.</param>
public sealed record AppError(int Line, string Errno, string Runtime, string Call, string Text)
{
    public DateTimeOffset? Wall { get; init; }
    public string? LookAlike { get; init; }
    /// <summary>
    /// The words say the error came many times: on its line ("a flood of EADDRNOTAVAIL", "thousands of", "under load"), or
    /// anywhere in the paste, that it came during a load test or benchmark (<see cref="AppErrors.PasteSaysLoadTest"/>).
    /// </summary>
    public bool SaidToRepeat { get; init; }
}

/// <summary>One errno and every way runtimes print it.</summary>
/// <param name="Errno">Symbolic name (asm-generic/errno.h).</param>
/// <param name="Number">Linux errno number (nginx "(99: ...)", Python "[Errno 99]", .NET "SocketException (99)").</param>
/// <param name="Winsock">The WSA code .NET and Java print on Windows, also seen in cross-platform logs.</param>
/// <param name="Texts">strerror() texts: glibc, musl, BSD/macOS, Windows, old glibc; matched in any case (Go lower-cases them).</param>
/// <param name="Kinds">Names that are not the C macro: Rust io::ErrorKind, .NET SocketError, HAProxy and Envoy wordings (case-sensitive).</param>
public sealed record ErrnoSpelling(string Errno, int Number, int? Winsock, IReadOnlyList<string> Texts, IReadOnlyList<string> Kinds);

/// <summary>
/// Recognises the socket errnos of applications, as a table of the runtimes' spellings of each errno rather than one
/// pattern per program: the C macro (EADDRNOTAVAIL, libuv / Node codes), strerror texts (glibc, musl, BSD, Windows;
/// Go, Java, PHP, nginx and most C programs print these), Erlang / Elixir atoms (eaddrnotavail, {error,emfile},
/// :emfile), Rust io::ErrorKind (AddrNotAvailable) and "Os { code: 99", Python "[Errno 99]", .NET
/// "SocketException (99)" / "(10049)", nginx "(99: ...)", Envoy "connect error: 99", HAProxy's own texts.
/// The failing call (connect, bind, accept, socket, open) is taken from the words around it when they say it.
/// </summary>
public static partial class AppErrors
{
    public const string EADDRNOTAVAIL = "EADDRNOTAVAIL";
    public const string EADDRINUSE = "EADDRINUSE";
    public const string EMFILE = "EMFILE";
    public const string ENFILE = "ENFILE";
    public const string ECONNREFUSED = "ECONNREFUSED";
    public const string ECONNRESET = "ECONNRESET";
    public const string ETIMEDOUT = "ETIMEDOUT";
    public const string EAGAIN = "EAGAIN";
    public const string ENOBUFS = "ENOBUFS";
    public const string ENOMEM = "ENOMEM";

    /// <summary>The spellings. Order matters: ENFILE's "Too many open files in system" before EMFILE's "Too many open files".</summary>
    public static IReadOnlyList<ErrnoSpelling> Table { get; } =
    [
        // "cannot assign address": the words as people retype them.
        new(EADDRNOTAVAIL, 99, 10049, ["Cannot assign requested address", "Can't assign requested address", "cannot assign address", "Address not available", "The requested address is not valid in its context"],
            ["AddrNotAvailable", "AddressNotAvailable", "no free ports"]),
        // Windows logs its connect()'s port reuse failure as Tcpip event 4227: "TCP/IP failed to establish an outgoing
        // connection because the selected local endpoint was recently used to connect to the same remote endpoint".
        // rresvport() (glibc's rcmd(), rsh, rcp) and bindresvport() callers bind each privileged source port (1023 down to
        // 512) in turn before connect(); when every one gives EADDRINUSE, rcmd() prints "rcmd: socket: All ports in use"
        // (glibc inet/rcmd.c) and OpenPBS' pbs_iff "all reserved ports in use": outgoing connections' ports used up.
        new(EADDRINUSE, 98, 10048, ["Address already in use", "Address in use", "Only one usage of each socket address", "only one use of each socket address", "selected local endpoint was recently used to connect to the same remote endpoint"], ["AddrInUse", "AddressAlreadyInUse", "ADDRESS_IN_USE", "address_in_use", "All ports in use", "all reserved ports in use"]),
        new(ENFILE, 23, null, ["Too many open files in system", "File table overflow"], ["reached system FD limit", "SystemFdQuotaExceeded"]),
        // "Too many files open", "Too many file opens", "Too may open files": the words as people retype them ("Too many open file", as Dynomite's log cuts it);
        // "Hit max file limit": node 0.x's own EMFILE message.
        // Ranch (the Erlang acceptor pool under Cowboy, EMQX, RabbitMQ's web plugins) logs its accept()'s {error, emfile} as
        // "Ranch acceptor reducing accept rate: out of file descriptors". Squid stops accepting with "WARNING! Your cache is
        // running out of filedescriptors" when fewer than RESERVED_FD (100) of its max_filedescriptors are free
        // (Comm::TcpAcceptor::okToAccept()): the process at its own descriptor limit.
        // Zig's standard library names EMFILE error.ProcessFdQuotaExceeded (and ENFILE error.SystemFdQuotaExceeded).
        // NNG names NNG_EMFILE "Out of files" (nng_strerror()); NanoMQ logs it as "send aio error Out of files".
        // Tor warns "Failing because we have N connections already. Please read doc/TUNING for guidance." (warn_too_many_conns()
        // in connection.c; "Please raise your ulimit -n." in older releases) when its sockets reach ConnLimit_, which it sets
        // from RLIMIT_NOFILE less a reserve, or when accept() or socket() fails with a resource errno: the process's descriptors.
        // Mosquitto logs accept()'s EMFILE (or ENFILE) as "Unable to accept new connection, system socket count has been
        // exceeded. Try increasing "ulimit -n" or equivalent." (loop.c): the per-process limit it names.
        // Kurento Media Server refuses new media objects once its open descriptors reach 80 % of RLIMIT_NOFILE ("Reached KMS
        // files limit: 819" under the default 1024): the process at its own descriptor limit, as Squid's warning.
        // grsecurity logs a process passing its RLIMIT_NOFILE ("grsec: denied resource overstep by requesting 2048 for
        // RLIMIT_NOFILE against limit 1024 for /usr/bin/Xorg[X:1654]", gr_log_resource()): the open that got EMFILE.
        // Android's SQLite extends SQLITE_CANTOPEN with SQLITE_CANTOPEN_EMFILE (14 | 8 << 8 = code 2062), "Application has
        // opened too many files": open() of the database failed with EMFILE.
        new(EMFILE, 24, 10024, ["Too many open files", "Too many open file", "Too many files open", "Too many file opens", "Too may open files", "No file descriptors available", "Hit max file limit"], ["reached process FD limit", "ProcessFdQuotaExceeded", "TooManyOpenSockets", "reducing accept rate: out of file descriptors", "running out of filedescriptors", "running out of file descriptors", "system socket count has been exceeded", "connections already. Please raise your ulimit -n", "connections already. Please read doc/TUNING", "error Out of files", "SQLITE_CANTOPEN_EMFILE", "Application has opened too many files", "Reached KMS files limit", "for RLIMIT_NOFILE against limit"]),
        // connect() to a Unix stream socket whose listener's queue is full (unix_stream_connect(): unix_recvq_full()); for
        // anything else (fork(), setresuid(), a non-blocking read) it is another limit or no failure at all, which the
        // call tells apart.
        new(EAGAIN, 11, 10035, ["Resource temporarily unavailable"], ["WouldBlock"]),
        new(ECONNREFUSED, 111, 10061, ["Connection refused", "actively refused"], ["ConnectionRefused"]),
        new(ECONNRESET, 104, 10054, ["Connection reset by peer", "Connection reset", "forcibly closed by the remote host"], ["ConnectionReset"]),
        new(ETIMEDOUT, 110, 10060, ["Connection timed out", "Operation timed out"], ["TimedOut"]),
        // fork(), clone() and mmap() get ENOMEM when __vm_enough_memory() refuses the commit charge (overcommit mode 2, or
        // one request larger than RAM + swap in mode 0): Redis's "Can't save in background: fork: Cannot allocate memory",
        // strace's "mmap(...) = -1 ENOMEM". Other calls' ENOMEM is other trouble; MemoryOvercommit takes only these calls.
        // HotSpot's "Native memory allocation (mmap) failed to map N bytes for committing reserved memory" is its mmap()'s
        // ENOMEM (os::pd_commit_memory_or_exit()); it prints "os::commit_memory(...) failed; error='...' (errno=12)" first.
        new(ENOMEM, 12, null, ["Cannot allocate memory", "Native memory allocation (mmap) failed"], []),
        // Windows fails connect() and bind() with WSAENOBUFS (10055) when its dynamic ports are used up; the JDK says
        // "No buffer space available (maximum connections reached?)", Winsock's own text the second. Linux's ENOBUFS is other
        // trouble (a full qdisc, netlink, the neighbour table): PortExhaustion takes only the Windows spellings.
        // .NET's SocketError name is "NoBufferSpaceAvailable".
        new(ENOBUFS, 105, 10055, ["No buffer space available (maximum connections reached?)", "the system lacked sufficient buffer space or because a queue was full"], ["NoBufferSpaceAvailable"]),
    ];

    /// <summary>
    /// glibc's translations of the strerror() texts, as programs print them under a non-English locale (Java's
    /// "Zu viele offene Dateien (Accept failed)", Go and C programs through strerror_l): taken from the libc.mo catalogues
    /// of glibc 2.36 (Debian 12, /usr/share/locale/*/LC_MESSAGES/libc.mo) for de, fr, es, it, pt, pt_BR, ru, uk, pl, cs,
    /// nl, sv, zh_CN, zh_TW, ja, ko. ENFILE's texts come first for the same reason as in <see cref="Table"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Localised { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        [EADDRNOTAVAIL] =
        [
            "Die angeforderte Adresse kann nicht zugewiesen werden", "Ne peut attribuer l'adresse demandée", "No se puede asignar la dirección solicitada",
            "Impossibile assegnare l'indirizzo richiesto", "Não foi possível acessar o endereço requisitado", "Impossível atribuir o endereço pedido",
            "Невозможно назначить запрошенный адрес", "Не вдалося призначити вказану адресу", "Nie można przypisać żądanego adresu",
            "Požadovanou adresu nelze přiřadit", "Kan verzochte adres niet toewijzen", "Kan inte tilldela begärd adress",
            "无法指定被请求的地址", "無法指定所需的位址", "要求アドレスに割り当てられません", "요청한 주소를 배정할 수 없습니다",
        ],
        [EADDRINUSE] =
        [
            "Die Adresse wird bereits verwendet", "Adresse déjà utilisée", "La dirección ya se está usando", "Indirizzo già in uso", "Endereço já em uso",
            "Адрес уже используется", "Адресу вже використано", "Adres jest już w użyciu", "Adresa je užívána", "Adres is al in gebruik",
            "Adressen redan upptagen", "地址已在使用", "位址已經有在使用", "アドレスは既に使用中です", "주소가 이미 사용 중입니다",
        ],
        [ENFILE] =
        [
            "Zu viele offene Dateien im System", "Trop de fichiers ouverts dans le système", "Demasiados ficheros abiertos en el sistema",
            "Troppi file aperti nel sistema", "Muitos arquivos abertos no sistema", "Demasiados ficheiros abertos no sistema",
            "Слишком много открытых файлов в системе", "У системі забагато відкритих файлів", "Za dużo otwartych plików w systemie",
            "V celém systému je příliš mnoho otevřených souborů", "Te veel open bestanden in systeem", "För många öppna filer i systemet",
            "系统中打开的文件过多", "系統中太多的開啟檔案", "システム中のファイルを開きすぎです", "시스템에 파일을 너무 많이 열었음",
        ],
        [ENOMEM] =
        [
            "Nicht genügend Hauptspeicher verfügbar", "Ne peut allouer de la mémoire", "No se pudo asignar memoria", "Impossibile allocare memoria",
            "Impossível alocar memória", "Não foi possível alocar memória", "Невозможно выделить память", "Не вдалося розподілити пам’ять",
            "Nie można przydzielić pamięci", "Nelze alokovat paměť", "Onvoldoende geheugen beschikbaar", "Kan inte allokera minne",
            "无法分配内存", "無法配置記憶體", "メモリを確保できません", "메모리를 할당할 수 없습니다",
        ],
        [EMFILE] =
        [
            "Zu viele offene Dateien", "Trop de fichiers ouverts", "Demasiados ficheros abiertos", "Troppi file aperti", "Muitos arquivos abertos",
            "Demasiados ficheiros abertos", "Слишком много открытых файлов", "Забагато відкритих файлів", "Za dużo otwartych plików",
            "Překročen limit počtu otevřených souborů", "Te veel open bestanden", "För många öppna filer", "打开的文件过多", "開啟太多檔案",
            "ファイルを開きすぎです", "열린 파일이 너무 많음",
        ],
    };

    /// <summary>
    /// Windows' translations of the Winsock texts (FormatMessage() of WSAEADDRINUSE 10048, WSAEADDRNOTAVAIL 10049 and
    /// WSAENOBUFS 10055), as .NET and the JDK print them under a non-English Windows ("通常每个套接字地址(协议/网络地址/端口)只允许使用一次。").
    /// Only the part of each sentence that says the errno, so a translation that differs in its ending still matches.
    /// The Chinese (zh-CN) texts and the second Spanish one are as real pastes print them (corpus h36, h44, held-out 152); the others are Microsoft's translations
    /// as they are quoted, not checked against a Windows message table (none on this machine): a wrong one fails to match,
    /// and being long and specific it matches nothing else.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> WindowsLocalised { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        [EADDRINUSE] =
        [
            "每个套接字地址(协议/网络地址/端口)只允许使用一次", "每個通訊端位址 (通訊協定/網路位址/連接埠) 只允許使用一次",
            "各ソケット アドレスに対してプロトコル、ネットワーク アドレス、またはポートのどれか 1 つのみを使用できます",
            "소켓 주소(프로토콜/네트워크 주소/포트)는 하나만 사용할 수 있습니다",
            "jede Socketadresse (Protokoll, Netzwerkadresse oder Anschluss) nur jeweils einmal verwendet werden",
            "Une seule utilisation de chaque adresse de socket", "Solo se permite un uso de cada dirección de socket",
            "только одно использование адреса сокета", "apenas uma utilização de cada endereço de soquete", "un solo utilizzo di ogni indirizzo di socket",
        ],
        [EADDRNOTAVAIL] =
        [
            "该请求的地址无效", "所要求的位址在它的內容中是無效的", "要求したアドレスのコンテキストが無効です",
            "요청한 주소는 해당 컨텍스트에서 유효하지 않습니다", "Die angeforderte Adresse ist in diesem Kontext ungültig",
            "adresse demandée n’est pas valide dans son contexte", "adresse demandée n'est pas valide dans son contexte",
            "La dirección solicitada no es válida en este contexto", "Требуемый адрес для своего контекста неверен",
            "O endereço solicitado não é válido no contexto",
        ],
        [ENOBUFS] =
        [
            "由于系统缓冲区空间不足或队列已满", "システムのバッファー領域が不足しているか、またはキューがいっぱいなため",
            "da das System nicht genügend Pufferspeicher hatte oder eine Warteschlange voll war",
            "le système ne disposait pas de suffisamment d’espace dans la mémoire tampon",
            "el sistema no tenía suficiente espacio en el búfer o porque la cola estaba llena",
            // As a real paste prints it (held-out 152, IIS under Spanish Windows).
            "el sistema no tiene suficiente espacio de búfer o porque una cola estaba llena",
            "системе не хватило места в буфере или очередь была переполнена",
        ],
    };

    /// <summary>Whether a line gives Windows' WSAENOBUFS (its dynamic ports used up), in English or translated, not Linux's ENOBUFS.</summary>
    public static bool IsWindowsNoBuffers(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return WindowsNoBuffersRegex().IsMatch(text) || InWindowsTranslation(text, ENOBUFS);
    }

    /// <summary>Whether a line gives Windows' WSAEADDRNOTAVAIL (10049, the address not valid), in English or translated.</summary>
    private static bool IsWindowsAddressNotValid(string text) => WindowsAddressNotValidRegex().IsMatch(text) || InWindowsTranslation(text, EADDRNOTAVAIL);

    /// <summary>Whether the line holds one of Windows' translations of the errno's Winsock text.</summary>
    private static bool InWindowsTranslation(string text, string errno) =>
        WindowsLocalised[errno].Any(t => text.Contains(t, StringComparison.OrdinalIgnoreCase));

    // Not .NET's SocketError name NoBufferSpaceAvailable alone: .NET on Linux maps ENOBUFS to it too.
    [GeneratedRegex(@"maximum connections reached|\bWSAENOBUFS\b|\b10055\b|\b0x0*2747\b|lacked sufficient buffer space", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WindowsNoBuffersRegex();

    // After Table and the translations: static initialisers run in the order they are written.
    private static readonly (ErrnoSpelling Spelling, Regex Pattern)[] Patterns = Table.Select(s => (s, Build(s))).ToArray();

    private static Regex Build(ErrnoSpelling s)
    {
        var atom = s.Errno.ToLowerInvariant();
        var texts = s.Texts.Concat(Localised.TryGetValue(s.Errno, out var l) ? l : []).Concat(WindowsLocalised.TryGetValue(s.Errno, out var w) ? w : []);
        var parts = new List<string>
        {
            // Spaces may be underscores (Envoy's response-code details write "_Cannot_assign_requested_address") or lost
            // in a copy ("java.net.ConnectException:Cannotassignrequestedaddress" on a page that dropped them).
            // An apostrophe may come escaped from a string literal or JSON ("Can\'t assign requested address").
            // Not a path or a file named after the words ("/tmp/too_many_open_files/requests1/", "too_many_open_files.log"):
            // no '/' on either side, no extension after (and "open file" not read out of "open files" there). A number before
            // the '/' is the errno's ("(24/Too many open files)", TeaSpeak's), not a directory.
            "(?:(?<!/)|(?<=\\d/))(?i:" + string.Join('|', texts.Select(t => Damaged(Regex.Escape(t).Replace("\\ ", "[ _]?", StringComparison.Ordinal).Replace("'", @"\\?'", StringComparison.Ordinal)))) + @")(?![/s]|\.[A-Za-z0-9])",
            // The C macro in upper case only, so a file called emfile.py is not an EMFILE. Markdown's underscores may wrap it
            // ("_`accept()` vs. EMFILE_"); another name's part ("SQLITE_CANTOPEN_EMFILE") is not it.
            $@"(?:\b|(?<=(?<!\w)_)){s.Errno}(?:\b|(?=_(?!\w)))",
            // Erlang {error,emfile} / {shutdown,eaddrnotavail} / "connect error - eaddrnotavail", Elixir {:error, :emfile},
            // reason: :emfile, "File operation error: emfile." (not a path or file name such as emfile.py).
            $@"(?<![\w/.\-]){atom}\b(?!\.\w|[/\-])",
            // An underscore separates too: "[ES_ERR_SOCKET_ADDRESS_IN_USE]".
            string.Join('|', s.Kinds.Select(k => @"(?<![A-Za-z0-9])" + Regex.Escape(k) + @"(?![A-Za-z0-9])")),
            $@"\[Errno {s.Number}\]|\(errno {s.Number}\)|errno[ =:]+{s.Number}\b|Os \{{ code: {s.Number},|\({s.Number}: |SocketException \({s.Number}\)|connect error: {s.Number}\b" +
            // httperf's "connection failed with unexpected error 99"; the MySQL/MariaDB client's CR_CONN_HOST_ERROR
            // "Can't connect to MySQL server on 'host' (99)" (the errno in parentheses, nothing else).
            // The MySQL client's CR_SOCKET_CREATE_ERROR, "2004: Can't create TCP/IP socket (24)" (ProxySQL prints it too).
            // MySQL's my_error() "(Errcode: 24)" and "(errno: 24 - Too many open files)", InnoDB's "Operating system error number 24".
            $@"|\(Errcode: {s.Number}\b|\(errno: {s.Number}\b|[Oo]perating system error number {s.Number}\b" +
            // ldmsd's "sock accept() error 24": the errno number straight after the call that failed; Janus' "fopen error: 24".
            // woo's "Can't accept connection (Code: 24)": the errno after the call's own words.
            $@"|\b(?:accept|connect|bind)\w*\s+(?:\w+\s+){{0,2}}\([Cc]ode:? {s.Number}\)" +
            // The kernel's own return value, negated, as io_uring's completion and raw syscall wrappers give it: "[r1] accept
            // error: -24".
            $@"|\b(?:accept4?|connect|bind|listen|socket)(?:\(\))?\s+(?:error|failed|returned|res)\s*[:=]?\s*-{s.Number}\b(?![.\d])" +
            // librtmp's "RTMP_Connect0, failed to create socket. Error: 24": socket() failing, its errno after the sentence.
            $@"|\b(?:creat(?:e|ing)|open(?:ing)?) (?:a |the |new )?socket\.?,? (?:[Ee]rror|errno):? {s.Number}\b(?![.\d])" +
            $@"|\b(?:unexpected|socket|connect|connection|system|f?open|(?:accept4?|connect|bind|listen)\(\)) error:? {s.Number}\b|connect to (?:MySQL|MariaDB) server on \S+ \({s.Number}\)|Can\\?'t create TCP/IP socket \({s.Number}\)",
        };
        // Zabbix and other Windows programs print the code in hex: "[0x00002747]" is 10055.
        // musl's strerror(ENOMEM) is "Out of memory"; Ruby's SystemCallError puts the path after it ("Error: Out of memory -
        // /usr/bin/wkhtmltopdf" on Alpine). Only with that path: the kernel's "Out of memory: Killed process" is another thing.
        if (s.Errno == ENOMEM) parts.Add(@"\bOut of memory - /[\w./+-]+");
        if (s.Winsock is { } ws) parts.Add($@"\({ws}\)|\bWSA{s.Errno}\b|error {ws}\b|\b0x0*{ws:X}\b");
        // An errno without other names adds an empty alternative, which would match every line.
        parts.RemoveAll(p => p.Length == 0);
        return new Regex(string.Join('|', parts), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// A translation in a Latin script as a terminal or a page without the locale's charset shows it: each accented letter
    /// may be a '?' ("fork: Ne peut allouer de la m?moire"). Not for texts mostly in other scripts, where a run of '?'
    /// would stand for any words.
    /// </summary>
    private static string Damaged(string pattern)
    {
        int ascii = pattern.Count(char.IsAscii);
        if (ascii == pattern.Length || ascii < pattern.Length * 4 / 5) return pattern;
        var b = new System.Text.StringBuilder(pattern.Length * 2);
        foreach (var c in pattern)
        {
            if (char.IsAscii(c)) b.Append(c);
            else b.Append("(?:").Append(c).Append(@"|\?)");
        }
        return b.ToString();
    }

    /// <summary>The match at <paramref name="at"/> opens with a quote that a denial stands just before.</summary>
    private static bool DeniedMention(string text, int at)
    {
        int q = at - 1;
        while (q >= 0 && text[q] == ' ') q--;
        if (q < 0 || !Introductions.IsQuote(text[q])) return false;
        int from = Math.Max(0, q - 48);
        return DenialBeforeQuoteRegex().IsMatch(text.AsSpan(from, q - from));
    }

    /// <summary>
    /// The match is talked about, not printed: defined ("EMFILE occurs when ...", "... means that the client ran out"),
    /// foretold with a modal in its own clause by no one in particular ("Applications may fail with EMFILE", "the server
    /// will start throwing ..."), listed as a symptom, the object of advice that opens its sentence ("To avoid ...",
    /// "Check for ... in your logs", "If you get ...", "Solution for ...", a changelog's "Retry connect on ..."), or the
    /// pattern of a search command ("grep -i 'too many open files' /var/log/syslog"). A sentence in the first person
    /// reports ("we will see it again tomorrow": our own program) and stays an error.
    /// </summary>
    private static bool ProseMention(string text, Match m)
    {
        int start = SentenceStart(text, m.Index);
        var before = text.AsSpan(start, m.Index - start);
        int end = m.Index + m.Length;
        var after = text.AsSpan(end, Math.Min(60, text.Length - end));
        if (Introductions.InFirstPerson(before) || Introductions.InFirstPerson(after)) return false;
        return (DefinitionAfterRegex().IsMatch(after) && DefinedSubjectRegex().IsMatch(before)) || ModalClauseBeforeRegex().IsMatch(before) || SymptomListBeforeRegex().IsMatch(before) ||
               ExampleBeforeRegex().IsMatch(before) || AdviceOpeningRegex().IsMatch(before) || SearchCommandRegex().IsMatch(text.AsSpan(0, m.Index)) ||
               SectionNameBeforeRegex().IsMatch(before) || (ErrnoSymbolRegex().IsMatch(m.Value) && CodeTalkBeforeRegex().IsMatch(before) && CodeNounAfterRegex().IsMatch(after));
    }

    // The name of a part of a document ("New FAQ section "Too many open files" with ...", "a page titled '...'").
    [GeneratedRegex(@"\b(?:section|FAQ|chapter|page|entry|article|heading|title|topic)\s+(?:(?:on|about|for|titled|called|named)\s+)?[`'""\u201c\u2018]$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SectionNameBeforeRegex();
    // The errno's symbol alone as a word of code talk: "EMFILE processing is OK", "EMFILE handling", "the ENFILE case".
    [GeneratedRegex(@"^E[A-Z]{3,15}$", RegexOptions.CultureInvariant)]
    private static partial Regex ErrnoSymbolRegex();
    // ... opening its sentence or after a determiner ("the ENFILE case", "Currently EMFILE processing"); after a call's
    // failure ("accept4() failed: EMFILE handling the new client") it is the error.
    [GeneratedRegex(@"^\W*(?:(?:[\w-]+\s+){0,3}(?:the|an?|currently|current|our|its|their|proper|better|correct|graceful|no)\s+)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CodeTalkBeforeRegex();
    [GeneratedRegex(@"^\s+(?:processing|handling|case|cases|path|branch|checks?|retry|retries|backoff|handlers?|logic|support)\b", RegexOptions.CultureInvariant)]
    private static partial Regex CodeNounAfterRegex();

    /// <summary>Where the sentence holding position <paramref name="at"/> starts (after ". ", "! " or "? ").</summary>
    private static int SentenceStart(string text, int at)
    {
        int start = 0;
        foreach (var stop in (ReadOnlySpan<string>)[". ", "! ", "? "])
        {
            int i = at > 0 ? text.LastIndexOf(stop, at - 1, StringComparison.Ordinal) : -1;
            if (i >= 0) start = Math.Max(start, i + 2);
        }
        return start;
    }

    [GeneratedRegex(@"^[`'""\u201d\u2019)\]\s]*(?:errors?\s+|exceptions?\s+|messages?\s+)?(?:(?:sometimes|often|usually|typically|also|only|commonly|frequently)\s+)?(?:occurs?|happens?|means|indicates|signals|is\s+(?:returned|raised|thrown|reported|caused|triggered|generated)|are\s+(?:returned|raised|thrown|reported|caused))\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DefinitionAfterRegex();
    // What a definition opens with: the message itself as the subject ("EMFILE occurs", "The error "..." means", "Error 99
    // (EADDRNOTAVAIL) is returned"); deep in a sentence ("then an exception with socket error 10048 is raised") it reports.
    [GeneratedRegex(@"^\W*(?:(?:when|whenever|if|once)\s+)?(?:(?:the|this|that|an?)\s+)?(?:(?:error|errno|exception|message|code|status)\s+(?:\d+\s*)?)?[`'""\u201c\u2018(]?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DefinedSubjectRegex();
    // Lower case only: "May" opens a syslog stamp, "Will"/"Can" a question.
    // Never with a negation: "could not be performed" is Windows' own WSAENOBUFS text, "would not start:" a report.
    [GeneratedRegex(@"\b(?:will|would|may|might|can|could|should)(?!\s+not\b|n't)(?:\s+[\w-]+){1,4}\s*[`'""\u201c\u2018(]?$", RegexOptions.CultureInvariant)]
    private static partial Regex ModalClauseBeforeRegex();
    [GeneratedRegex(@"\b(?:typical|common|usual)\s+(?:symptoms?|errors?|signs?)\s+(?:include|are|is)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SymptomListBeforeRegex();
    // Named as an example: "Errors like "Too many open files" in application logs", "such as EMFILE", "e.g. ENFILE",
    // "Same probably true for ENFILE" (a guess about a case not seen).
    [GeneratedRegex(@"\b(?:(?:errors?|messages?|exceptions?|symptoms?|failures?|problems?|issues?|things)\s+like|such\s+as|e\.g\.,?|for\s+(?:example|instance),?|(?:probably|presumably)\s+(?:\w+\s+){0,3})\s*[`'""\u201c\u2018(]?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ExampleBeforeRegex();
    [GeneratedRegex(@"^\W*(?:(?:to\s+(?:avoid|prevent|fix|resolve|solve|handle|reduce)|(?:check|look|search|watch|monitor)\s+(?:\w+\s+){0,2}for|if\s+you\s+(?:get|see|hit|encounter|run\s+into|are\s+getting|are\s+seeing|receive|experience|are\s+experiencing|face|are\s+facing|come\s+across)|solutions?\s+(?:for|to)|retry|avoid|prevent)\b|fix(?:es|ed)?\s*:)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AdviceOpeningRegex();
    [GeneratedRegex(@"^\s*(?:[$#>]\s*)?(?:sudo\s+)?(?:[zef]?grep|rg|ack|ag)\s", RegexOptions.CultureInvariant)]
    private static partial Regex SearchCommandRegex();

    /// <summary>
    /// The match is quoted as the topic of a remedy that opens the line, a vendor page's or a how-to's title ("Resolve "Too
    /// Many Open files error" and ... issues in WebSphere", unquoted in a short title: "Fixing Too Many Open Files"): the
    /// advice names the message, no program printed it here.
    /// </summary>
    private static bool AdviceTopic(string text, int at)
    {
        int q = at - 1;
        while (q >= 0 && text[q] == ' ') q--;
        // Unquoted only in a title's length ("Fixing Too Many Open Files"); a log line is longer or says more.
        if (q < 0 || !Introductions.IsQuote(text[q])) return text.Trim().Length <= 100 && RemedyOpeningRegex().IsMatch(text.AsSpan(0, at));
        return RemedyOpeningRegex().IsMatch(text.AsSpan(0, q));
    }

    [GeneratedRegex(@"^\W*(?:how\s+to\s+)?(?:resolv(?:e|ing)|fix(?:ing)?|avoid(?:ing)?|prevent(?:ing)?|troubleshoot(?:ing)?|solv(?:e|ing)|handl(?:e|ing)|deal(?:ing)?\s+with)\b[^.!?""]{0,40}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RemedyOpeningRegex();

    /// <summary>
    /// The match ends a general rule in prose, told in the present tense under a condition and about no one in particular
    /// ("once ephemeral ports are exhausted, new connections fail with EADDRNOTAVAIL"): what would happen, not what a
    /// program printed. A report in the first person ("when I run the test, my connections fail with ...") stays one.
    /// </summary>
    private static bool StatedAsRule(string text, int at)
    {
        int start = text.LastIndexOf(". ", Math.Max(0, at - 1), StringComparison.Ordinal) + 1;
        var sentence = text.AsSpan(start, at - start);
        return RuleVerbBeforeRegex().IsMatch(sentence) && RuleConditionRegex().IsMatch(sentence) && !Introductions.InFirstPerson(sentence);
    }

    [GeneratedRegex(@"\b(?:fail|fails|return|returns|get|gets|yield|yields|results?\s+in|errors?\s+out)(?:\s+with)?\s*[`'""]?$", RegexOptions.CultureInvariant)]
    private static partial Regex RuleVerbBeforeRegex();
    [GeneratedRegex(@"\b(?:[Ii]f|[Ww]hen|[Ww]henever|[Oo]nce|[Uu]ntil)\b", RegexOptions.CultureInvariant)]
    private static partial Regex RuleConditionRegex();

    /// <summary>
    /// The match describes a counter that stands at 0 on a statistics row ("MAIN.sess_fail_emfile  0  0.00 Session accept
    /// failures: too many open files" in varnishstat -1): the program counts the failure and has not had one. The same
    /// row with a count above 0 is the failure, and stays one.
    /// </summary>
    private static bool CountedAtZero(string text, int at) => ZeroCounterRowRegex().IsMatch(text.AsSpan(0, at));

    // A counter's name, 0, an optional rate or average, then the counter's description up to the message; the columns
    // aligned, so set apart by two blanks or more ("worker 0 accept: too many open files" is a log line).
    [GeneratedRegex(@"^\s*[A-Za-z_][\w.:-]{0,80}\s{2,}0\s{2,}(?:[\d.]{1,20}\s+){0,2}[A-Za-z][^\d\n]{0,80}$", RegexOptions.CultureInvariant)]
    private static partial Regex ZeroCounterRowRegex();

    [GeneratedRegex(@"(?<![A-Za-z0-9])(?:All|all reserved) ports in use(?![A-Za-z0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex ReservedPortsRegex();

    // The denial may stand a few words before the quote when they only qualify it ("it is not the usual "Too many open
    // files"", "never any 'Address already in use'").
    [GeneratedRegex(@"\b(?:not|never|isn't|wasn't|aren't|instead\s+of|rather\s+than|unlike)(?:\s+(?:the|a|an|any|usual|typical|common|classic|familiar|same|just|only|expected|dreaded|famous))*\W*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DenialBeforeQuoteRegex();

    public static AppError? TryRecognise(PasteLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var text = line.Scanned;
        foreach (var (spelling, pattern) in Patterns)
        {
            if (!pattern.IsMatch(text)) continue;
            // The text quoted after a denial ("Notably not, "too many open files"...", "rather than 'Address already in
            // use'"): a mention of the message the program did not print.
            if (pattern.Matches(text).All(x => DeniedMention(text, x.Index) || StatedAsRule(text, x.Index) || AdviceTopic(text, x.Index) || ProseMention(text, x) || CountedAtZero(text, x.Index))) continue;
            var errno = spelling.Errno;
            // "Connection reset" also starts "Connection reset by peer"; Java prints both.
            var err = new AppError(line.Number, errno, Runtime(text), Call(text, errno), text.Trim()) { Wall = line.Wall, SaidToRepeat = RepeatedRegex().IsMatch(text) };
            if (errno is EMFILE or ENFILE && InotifyRegex().IsMatch(text)) err = AsInotify(err);
            // Adding an address or a route (ip's "RTNETLINK answers:", route(8) "writing to routing socket", "add net ...:
            // gateway ...", the SIOCADDRT ioctl) fails with EADDRNOTAVAIL when the gateway or address is on no local network.
            if (errno is EADDRNOTAVAIL && RouteConfigRegex().IsMatch(text))
                err = err with { Call = "route", LookAlike = "configuring an address or a route (RTNETLINK, the routing socket, SIOCADDRT) fails with EADDRNOTAVAIL when the gateway or address is on no local network: no connection, not ports" };
            // getaddrinfo() has no socket of its own to the destination: Node's "getaddrinfo EADDRNOTAVAIL registry.npmjs.org:443"
            // is the resolver's datagram to its nameserver (musl's, with no source address for an IPv6 nameserver) failing.
            // systemd's journal API returns -EADDRNOTAVAIL for an entry whose object is gone (a rotated, truncated or
            // corrupted journal file, journal_file_move_to_object()): fluentd's "Systemd::JournalError: Cannot assign
            // requested address", journalctl's "Failed to iterate through journal". No socket at all.
            if (errno is EADDRNOTAVAIL && JournalRegex().IsMatch(text))
                err = err with { Call = "journal", LookAlike = "systemd's journal API (sd_journal_next() and friends) returns EADDRNOTAVAIL for an entry that is gone from a rotated, truncated or corrupted journal file: no socket, not ports" };
            if (errno is EADDRNOTAVAIL && GetaddrinfoRegex().IsMatch(text))
                err = err with { Call = "getaddrinfo", LookAlike = "getaddrinfo() failed with EADDRNOTAVAIL: the name lookup's datagram to the nameserver found no source address (an IPv6 nameserver on a host or container without IPv6); no connection to the destination was tried, not ports" };
            // connect() to port 0 fails with EADDRNOTAVAIL on BSD and macOS (in_pcbconnect()): the destination, not ports.
            if (errno is EADDRNOTAVAIL && ConnectPortZeroRegex().IsMatch(text)) err = AsConnectToPortZero(err);
            // connect() to 0.0.0.0: Windows refuses the unspecified address as a destination with WSAEADDRNOTAVAIL (Linux
            // takes it for loopback). A client given a listener's "0.0.0.0:4723" as its server, not ports.
            if (errno is EADDRNOTAVAIL && err.Call == "connect" && err.LookAlike is null && ConnectToUnspecifiedRegex().IsMatch(text))
                err = err with { LookAlike = "connect() to 0.0.0.0 (the address a server listens on, not one to connect to) is refused at once with WSAEADDRNOTAVAIL on Windows: the destination is wrong, not ports" };
            // Windows' WSAEADDRNOTAVAIL (10049, "The requested address is not valid in its context") is the address itself:
            // connect() to 0.0.0.0 or an empty host, bind() to an address the host lacks. Its dynamic ports running out
            // fail connect() with WSAENOBUFS (10055) or WSAEADDRINUSE (10048) instead.
            if (errno is EADDRNOTAVAIL && err.LookAlike is null && IsWindowsAddressNotValid(text))
                err = err with { LookAlike = "Windows' WSAEADDRNOTAVAIL (10049, \"not valid in its context\") means the address is not valid here: a destination of 0.0.0.0 or an empty host, or a bind() to an address the host lacks; Windows' dynamic ports running out give WSAENOBUFS (10055) or WSAEADDRINUSE (10048) instead, so not ports" };
            return err;
        }
        return null;
    }

    [GeneratedRegex(@"(?:WinError|error|code|errno|SocketException|\()[\s:=(]*10049\b|\bWSAEADDRNOTAVAIL\b|not valid in its context", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WindowsAddressNotValidRegex();

    /// <summary>A connect() to port 0 on this line (Python's s.connect(('8.8.8.8', 0))).</summary>
    public static bool IsConnectToPortZero(string text) => ConnectPortZeroRegex().IsMatch(text);

    /// <summary>connect() to port 0: EADDRNOTAVAIL at once on BSD and macOS (in_pcbconnect()), the destination's fault.</summary>
    public static AppError AsConnectToPortZero(AppError err)
    {
        ArgumentNullException.ThrowIfNull(err);
        return err with { Call = "connect", LookAlike = "connect() to port 0 is refused at once (EADDRNOTAVAIL on BSD and macOS): the destination is wrong, not ports" };
    }

    /// <summary>The error as inotify's instance limit: a look-alike, not the open-file limit.</summary>
    public static AppError AsInotify(AppError err)
    {
        ArgumentNullException.ThrowIfNull(err);
        return err with { Call = "inotify", LookAlike = "inotify_init1() returns EMFILE when the user's inotify instances reach fs.inotify.max_user_instances (and inotify_add_watch() ENOSPC at max_user_watches): not the open-file limit, no socket is involved" };
    }

    /// <summary>A frame or line that names inotify or a file watcher (the frames below an EMFILE: "at new FsWatcher (...)").</summary>
    public static bool NamesFileWatcher(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return InotifyRegex().IsMatch(text.Length > 4096 ? text[..4096] : text);
    }

    /// <summary>
    /// A line that shows inotify failing with EMFILE ("inotify_init1(...) = -1 EMFILE", tail's "inotify cannot be used
    /// ...: Too many open files", Chrome's "inotify_init failed: Zu viele offene Dateien (24)" in any of EMFILE's spellings).
    /// </summary>
    public static bool IsInotifyEmfile(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 4096) text = text[..4096];
        return InotifyRegex().IsMatch(text) && Patterns.Any(p => p.Spelling.Errno == EMFILE && p.Pattern.IsMatch(text));
    }

    /// <summary>Who printed the line, from the words only that runtime uses.</summary>
    public static string Runtime(string t)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (NginxRegex().IsMatch(t)) return "nginx";
        if (t.Contains("haproxy", StringComparison.OrdinalIgnoreCase) || t.Contains("reached process FD limit", StringComparison.Ordinal) ||
            t.Contains("no free ports", StringComparison.Ordinal)) return "haproxy";
        if (t.Contains("envoy", StringComparison.OrdinalIgnoreCase) || t.Contains("upstream connect error", StringComparison.Ordinal) ||
            t.Contains("connect error: ", StringComparison.Ordinal)) return "envoy";
        if (t.Contains("java.", StringComparison.Ordinal) || t.Contains("Exception:", StringComparison.Ordinal) && t.Contains("at java", StringComparison.Ordinal)) return "java";
        if (t.Contains("System.Net.", StringComparison.Ordinal) || t.Contains("SocketException (", StringComparison.Ordinal)) return ".net";
        if (ErlangRegex().IsMatch(t) || AtomRegex().IsMatch(t)) return "erlang";
        if (t.Contains("Os { code:", StringComparison.Ordinal) || RustKindRegex().IsMatch(t)) return "rust";
        if (GoRegex().IsMatch(t)) return "go";
        if (t.Contains("PHP ", StringComparison.Ordinal) || t.Contains("stream_socket_", StringComparison.Ordinal) || t.Contains("fsockopen", StringComparison.Ordinal) ||
            t.Contains("SQLSTATE", StringComparison.Ordinal)) return "php";
        if (t.Contains("Errno ", StringComparison.Ordinal) || t.Contains("OSError", StringComparison.Ordinal) || t.Contains("ConnectionRefusedError", StringComparison.Ordinal) ||
            t.Contains("ConnectionResetError", StringComparison.Ordinal) || t.Contains("socket.error", StringComparison.Ordinal)) return "python";
        if (NodeRegex().IsMatch(t)) return "node";
        return "c";
    }

    /// <summary>The failing call when the text says it: connect, bind, bind(0) (to a port the kernel picks), accept, socket, open; "unknown" otherwise.</summary>
    public static string Call(string t, string errno)
    {
        ArgumentNullException.ThrowIfNull(t);
        // bind() to port 0 asks the kernel for a free port from ip_local_port_range: EADDRINUSE there is that range used
        // up (inet_csk_find_open_port() found none), as squid's "commBind: Cannot bind socket FD 98 to *:0: (98)" and
        // strace's "bind(3, {... sin_port=htons(0) ...}) = -1 EADDRINUSE" show. "bind(0)" keeps it apart from a
        // listener's own port in use.
        if (errno == EADDRINUSE && BindPortZeroRegex().IsMatch(t)) return "bind(0)";
        // rresvport() / bindresvport() found every privileged source port taken (see Table): an outgoing connection's bind.
        if (errno == EADDRINUSE && ReservedPortsRegex().IsMatch(t)) return "bindresvport";
        // A send or a select() ("Failed to send data packet", "send eventually fails with error 10055", "the Winsock Select
        // function"): Windows' WSAENOBUFS there is its buffers or its non-paged pool, not its ports, which connect() and bind() take.
        if (errno == ENOBUFS && SendOrSelectCall(t) is { } other) return other;
        if (errno == ENOMEM && MemoryCallRegex().Match(t) is { Success: true } mem)
            return mem.Groups["commit"].Success || mem.Groups["stack"].Success || mem.Groups["map"].Success ? "mmap" : mem.Groups["spawn"].Success ? "fork" : mem.Groups["call"].Value.ToLowerInvariant();
        // The JDK on Windows appends the call: "Address already in use: connect", "Cannot assign requested address: JVM_Bind".
        var java = JavaCallSuffixRegex().Match(t);
        if (java.Success) return java.Groups["call"].Value.Equals("connect", StringComparison.OrdinalIgnoreCase) ? "connect" : "bind";
        // .NET (and .NET Framework) append the remote endpoint to a SocketException thrown by Connect() ("Only one usage of
        // each socket address ... is normally permitted 34.209.189.137:443"); Bind() throws without it.
        if (errno is EADDRNOTAVAIL or EADDRINUSE or ENOBUFS && DotNetConnectEndpointRegex().IsMatch(t)) return "connect";
        // JMeter's HTTP sampler ("Non HTTP response code: java.net.BindException") is a client: its requests connect.
        if (errno is EADDRNOTAVAIL or EADDRINUSE && t.Contains("Non HTTP response", StringComparison.Ordinal)) return "connect";
        if (t.Contains("BindException", StringComparison.Ordinal) || t.Contains("Bind failed", StringComparison.Ordinal)) return "bind";
        // A listener is a bound socket: "Failed to create TCP listener: Os { code: 99, ... }", "TcpListener::bind",
        // "error while listening on ...". Only bind() and listen() fail for a listener, never connect().
        if (errno is EADDRNOTAVAIL or EADDRINUSE && ListenerRegex().IsMatch(t)) return "bind";
        if (t.Contains("ConnectException", StringComparison.Ordinal) || t.Contains("NoRouteToHostException", StringComparison.Ordinal) ||
            t.Contains("while connecting to upstream", StringComparison.Ordinal) || t.Contains("no free ports", StringComparison.Ordinal) ||
            t.Contains("connect error: ", StringComparison.Ordinal) || t.Contains("stream_socket_client", StringComparison.Ordinal) ||
            t.Contains("fsockopen", StringComparison.Ordinal) || t.Contains("gen_tcp:connect", StringComparison.Ordinal) ||
            // libpq 14 and later: "connection to server at "db" (10.0.0.5), port 5432 failed: Cannot assign requested address".
            LibpqConnectionRegex().IsMatch(t) ||
            // The JDK's non-blocking connect (SocketChannelImpl.checkConnect) appends ": no further information".
            NoFurtherInformationRegex().IsMatch(t) ||
            // siege's own words for connect()'s EADDRNOTAVAIL (sock.c: "socket: %d address is unavailable.").
            t.Contains(" address is unavailable.", StringComparison.Ordinal) ||
            // An HTTP client's wrapper around the errno: the request could not open its connection (restkit's
            // RequestError, urllib3's NewConnectionError / "Max retries exceeded", aiohttp's ClientConnectorError).
            HttpClientWrapperRegex().IsMatch(t)) return "connect";
        if (t.Contains("gen_tcp:listen", StringComparison.Ordinal) || t.Contains("stream_socket_server", StringComparison.Ordinal)) return "bind";
        // An Erlang stack frame {Module,Function,Arity,...} in the exit value: {echo_client,connect,4,[...]}.
        var mfa = ErlangFrameRegex().Match(t);
        if (mfa.Success) return mfa.Groups["call"].Value switch { "connect" => "connect", "accept" => "accept", _ => "bind" };
        // Go's net.OpError: "dial tcp LOCAL->REMOTE: bind: address already in use" names the system call after the
        // addresses; "dial" is only the operation. A bind() to a fixed local port is that port in use; to port 0 it is
        // the ephemeral range used up.
        var go = GoDialSyscallRegex().Match(t);
        if (go.Success)
            return go.Groups["call"].Value == "connect" ? "connect" : go.Groups["port"].Value == "0" && errno == EADDRINUSE ? "bind(0)" : "bind";
        // A program's wrapper named after the call (Dovecot's net_connect_unix(), PHP's socket_bind(), mysqli_connect()), or
        // Go on Windows naming ConnectEx ("connectex: Only one usage of each socket address"): that call failed.
        var wrapper = WrapperCallRegex().Match(t);
        if (wrapper.Success) return wrapper.Groups["call"].Value.ToLowerInvariant() switch { "bind" => "bind", "accept" => "accept", _ => "connect" };
        var m = errno is EADDRNOTAVAIL or EADDRINUSE ? LastCallBeforeErrno(t, errno) : CallRegex().Match(t);
        // socket(), open(), read() and write() never return EADDRNOTAVAIL or EADDRINUSE (only bind() and connect() pick
        // an address): such a word is the program's own ("[error] socket:", Ruby's "Failed to open TCP connection").
        if (m.Success && errno is EADDRNOTAVAIL or EADDRINUSE && NeverGivesAddressErrno(m.Groups["call"].Value))
            m = Match.Empty;
        if (m.Success) return m.Groups["call"].Value.ToLowerInvariant() switch
        {
            "dial" or "connect" or "connecting" => "connect",
            "listen" when errno is EADDRINUSE or EADDRNOTAVAIL => "bind",
            "binding" => "bind",
            var c when c.StartsWith("accept", StringComparison.Ordinal) => "accept",
            var c => c,
        };
        // Only bind() and connect() pick an address, so for these two errnos a line that speaks of connecting
        // (Ruby's "- connect(2) for", hiredis's "connectRedis", Predis's ConnectionException) and never of binding
        // or listening is connect()'s.
        if (errno is EADDRNOTAVAIL or EADDRINUSE && ConnectWordRegex().IsMatch(t) && !BindWordRegex().IsMatch(t)) return "connect";
        // An HTTP client's request failing on an address errno ("Unable to execute HTTP request: Cannot assign requested
        // address", the AWS SDK's): the request's outgoing connect(), whose socket the client never binds itself.
        if (errno is EADDRNOTAVAIL or EADDRINUSE && HttpRequestRegex().IsMatch(t) && !BindWordRegex().IsMatch(t)) return "connect";
        // And a line that speaks of binding and never of connecting is bind()'s: for EADDRINUSE (squid's "commBind: Cannot
        // bind socket FD 12 to 10.0.0.1:3128") a listener's port in use, the usual look-alike; for EADDRNOTAVAIL ("pub bind
        // vm ubuntu address,Error:Address not available", zeromq's bindSync) an address the host lacks (inet_bind()); a bind
        // to port 0 that finds no free port says EADDRINUSE instead.
        if (errno is EADDRINUSE or EADDRNOTAVAIL && t.Contains("bind", StringComparison.OrdinalIgnoreCase) && !ConnectWordRegex().IsMatch(t)) return "bind";
        return "unknown";
    }

    // A line that names several calls ("a server that binds a socket and calls accept() in a loop, and a client that calls
    // connect() in a loop ... the client would get `[Errno 98] Address already in use`"): the one named last before the
    // errno is the one that failed.
    // socket(), open(), read() and write() never give these errnos, so such a word is passed over ("TIdLPR.Connect() is able
    // to connect ..., then an exception with socket error 10048"): the call named before it failed.
    private static Match LastCallBeforeErrno(string t, string errno)
    {
        var first = CallRegex().Match(t);
        if (!first.Success || !first.NextMatch().Success) return first;
        var at = Patterns.First(p => p.Spelling.Errno == errno).Pattern.Match(t) is { Success: true } e ? e.Index : t.Length;
        Match? last = null;
        for (var m = first; m.Success && (m == first || m.Index < at); m = m.NextMatch())
            if (!NeverGivesAddressErrno(m.Groups["call"].Value)) last = m;
        return last ?? first;
    }

    private static bool NeverGivesAddressErrno(string call) => call.ToLowerInvariant() is "socket" or "open" or "read" or "write";

    // nginx error log: "2019/03/01 10:00:00 [crit] 123#0: *4 connect() to ...", or its "while connecting to upstream".
    [GeneratedRegex(@"\[(?:error|crit|alert|emerg|warn)\] \d+#\d+:|while connecting to upstream|\bnginx\b", RegexOptions.CultureInvariant)]
    private static partial Regex NginxRegex();

    // Also an Erlang process id ("<0.812.0>") or Ranch, the acceptor pool, naming itself.
    [GeneratedRegex(@"\{error,\s*e[a-z]+\}|\{:error, :e[a-z]+\}|\*\* \(\w+\)|:gen_tcp\b|gen_tcp:|\breason: :e[a-z]+|<\d+\.\d+\.\d+>|\bRanch (?:acceptor|listener)\b", RegexOptions.CultureInvariant)]
    private static partial Regex ErlangRegex();

    [GeneratedRegex(@"\bJournalError\b|\bsd_journal_\w+|\bjournalctl\b|\b[Jj]ournal (?:entry|entries|file|cursor)\b|\bthrough (?:the )?journal\b", RegexOptions.CultureInvariant)]
    private static partial Regex JournalRegex();

    [GeneratedRegex(@"\bgetaddrinfo\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex GetaddrinfoRegex();

    [GeneratedRegex(@"(?<![\w/.\-])e(?:addrnotavail|addrinuse|mfile|nfile|connrefused|connreset|timedout)\b", RegexOptions.CultureInvariant)]
    private static partial Regex AtomRegex();

    [GeneratedRegex(@"\bkind: [A-Z][A-Za-z]+\b|\b(?:AddrNotAvailable|AddrInUse)\b", RegexOptions.CultureInvariant)]
    private static partial Regex RustKindRegex();

    // "dial tcp 10.0.0.1:80: connect: ...", "listen tcp :80: bind: ...", "accept4: too many open files".
    [GeneratedRegex(@"\b(?:dial|listen|read|write|accept) (?:tcp|udp)[46]?\b|\baccept4?: |\bopen /\S*: too many", RegexOptions.CultureInvariant)]
    private static partial Regex GoRegex();

    // "Error: connect EADDRNOTAVAIL 10.0.0.1:80 - Local (0.0.0.0:0)", "Error: listen EADDRINUSE: address already in use :::3000".
    [GeneratedRegex(@"\b(?:connect|listen|bind|read|write|accept) E[A-Z]+\b|code: '?E[A-Z]+'?|syscall: '|\(node\) ", RegexOptions.CultureInvariant)]
    private static partial Regex NodeRegex();

    // The failing call as the runtimes name it: "bind:", "connect()", "bind() failed", "connect EADDRNOTAVAIL", "dial tcp",
    // "accept4()", "socket()", "open /path:", "Error connecting", "error binding".
    // sendto() and sendmsg() too: Windows' WSAENOBUFS from a datagram send is its buffers, not its ports.
    // A program's wrapper named after the call with a prefix ("sbuf_connect failed", pgbouncer's; "tcp_connect:") is that call.
    [GeneratedRegex(@"(?:\b|(?<=[a-z]_))(?<call>bind|connect|accept4?|dial|listen|socket|open|sendto|sendmsg)(?:\(\)|:| E[A-Z]+| failed| to\b| tcp| udp| /)|\b(?<call>connecting|binding)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CallRegex();

    // Not a namespace that names connections ("Microsoft.AspNetCore.Connections.AddressInUseException", a listener's).
    [GeneratedRegex(@"connect(?:\(2\)|ion)?(?=[A-Z\s(:_]|\b)(?!s?\.[A-Z])|\bConnect(?>\w*)(?!\.[A-Z])", RegexOptions.CultureInvariant)]
    private static partial Regex ConnectWordRegex();

    [GeneratedRegex(@"(?i)\bbind|listen|\bserver\b", RegexOptions.CultureInvariant)]
    private static partial Regex BindWordRegex();

    [GeneratedRegex(@"\bdial (?:tcp|udp)[46]? \S*?:(?<port>\d+)->\S+: (?<call>bind|connect): ", RegexOptions.CultureInvariant)]
    private static partial Regex GoDialSyscallRegex();

    [GeneratedRegex(@"(?<![A-Za-z])(?<call>connect|bind|accept)(?:_unix|_tcp|_inet6?|_ip)?\(\w{0,40}\)? ?(?:failed|error|:)|\b(?<call>connectex)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WrapperCallRegex();

    /// <summary>"sendto", "send" or "select" when the text names that call failing (a datagram send, a send that fails, Winsock's select()); null otherwise.</summary>
    public static string? SendOrSelectCall(string t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var m = SendOrSelectRegex().Match(t.Length > 4096 ? t[..4096] : t);
        return !m.Success ? null : m.Groups["select"].Success ? "select" : m.Groups["stream"].Success ? "send" : "sendto";
    }

    [GeneratedRegex(@"(?i:\bsend(?:ing)?\s+(?:\w+\s+){0,2}?(?:packets?|datagrams?)\b|\bUDP\s+send|\bsend_?to(?:async)?\b|\bsendmsg\b)" +
                    @"|(?<stream>\b(?:WSA)?[Ss]end(?:\(\))?\s+(?:\w+\s+)?fail(?:s|ed)?\b|\bWSASend\b)|(?<select>\b(?:Winsock\s+)?[Ss]elect(?:\(\)|\s+function)\B?)", RegexOptions.CultureInvariant)]
    private static partial Regex SendOrSelectRegex();

    // Also "bind on local address (10.115.79.16:0) failed" (Open MPI's TCP transport, binding before connect()); not
    // docker's "failed to bind port 0.0.0.0:80/tcp" (an address that starts with 0).
    [GeneratedRegex(@"(?i)\bbind\b.*?(?:htons\(0\)|\b(?:to|on) (?:local )?(?:address )?\(?\S*:0(?![\d.])|\bport 0\b(?![.:\d]))", RegexOptions.CultureInvariant)]
    private static partial Regex BindPortZeroRegex();

    [GeneratedRegex(@"\bconnection to server (?:at|on) .{1,300}?\bfailed: ", RegexOptions.CultureInvariant)]
    private static partial Regex LibpqConnectionRegex();

    [GeneratedRegex(@"\b(?:execut(?:e|es|ed|ing)|send(?:s|ing)?|sent|mak(?:e|es|ing)|made|perform(?:s|ed|ing)?)\s+(?:an?\s+|the\s+)?HTTPS?\s+request\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HttpRequestRegex();

    /// <summary>
    /// Whether a line of the paste says it is a load test or benchmark, in words or by the load generator's name (wrk,
    /// ab -n, JMeter, Locust, k6, siege, hey, vegeta, Artillery, Gatling, Tsung, h2load, bombardier, autocannon) or its
    /// summary's words ("virtual users", Artillery's "Scenarios launched"): a client there opens connections as fast as it can, so an
    /// address error in it is repeated connect()s, not a bind() to an address the host lacks, which fails once at start-up.
    /// </summary>
    public static bool PasteSaysLoadTest(IEnumerable<PasteLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        return lines.Take(5_000).Any(l => (l.Command is { } c && LoadTestRegex().IsMatch(c)) || LoadTestRegex().IsMatch(l.Scanned));
    }

    // Korean 부하 테스트, Japanese 負荷テスト/負荷試験, Chinese 压测/压力测试, Russian нагрузочное тестирование.
    // Also a client said to have reached thousands of connections ("once it reaches 16k connections", "after 28,000
    // connections", "when connections hit 28K", "for about 7000 requests"): a bind() to a missing address fails at the first one.
    [GeneratedRegex(@"(?i)\b(?:load[- ]?test\w*|stress[- ]?test\w*|benchmark(?:s|ing|ed)?|(?:wrk|locust|jmeter|siege|vegeta|artillery|gatling|tsung|h2load|bombardier|autocannon)\b|\bvirtual users\b|\bScenarios launched\b|ab -[nc]\s*\d|hey -n\s*\d|k6 run)|" +
                    @"\b(?:reach(?:es|ed|ing)?|after|around|about|over)\s+~?(?:\d{1,3}(?:,\d{3})+|\d{4,}|\d+(?:\.\d+)?\s*k)\+?\s+(?:\w+\s+)?(?:connections|requests)\b|" +
                    // "when connections hit 28K", "once the connection count reached 299" (the errors started after hundreds of
                    // connections had succeeded: the address is there).
                    @"\bconnections\s+(?:hit|hits|reach(?:es|ed)?|get\s+to|got\s+to)\s+~?(?:\d{1,3}(?:,\d{3})+|\d{4,}|\d+(?:\.\d+)?\s*k)\b|" +
                    @"\bconnection\s+count\s+(?:hit|hits|reach(?:es|ed)?|got\s+to)\s+~?(?:\d{1,3}(?:,\d{3})+|\d{3,}|\d+(?:\.\d+)?\s*k)\b|压测|壓測|压力测试|壓力測試|부하\s?테스트|負荷(?:テスト|試験)|нагрузочн", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LoadTestRegex();

    // CJK: 大量 (a great many), 压测/壓測 (load test), 频繁/頻繁 (frequent).
    [GeneratedRegex(@"(?i)\b(?:a (?:flood|storm|lot) of|floods of|lots of|tons of|thousands of|hundreds of|(?:a )?(?:large|huge|big) (?:number|amount) of|again and again|under (?:heavy )?load|load[- ]test(?:ing|s)?)\b|大量|压测|壓測|频繁|頻繁", RegexOptions.CultureInvariant)]
    private static partial Regex RepeatedRegex();

    // Case-insensitive: a page may upper-case the whole line ("JAVA.NET.BINDEXCEPTION: ADDRESS ALREADY IN USE: CONNECT").
    [GeneratedRegex(@"(?:already in use|requested address|not available|maximum connections reached\?\)): (?<call>connect|bind|JVM_Bind|NET_Bind|Bind)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex JavaCallSuffixRegex();

    // The destination 0.0.0.0: .NET's endpoint after the text, Node's "connect EADDRNOTAVAIL 0.0.0.0:80", "connect to 0.0.0.0:80".
    // Go's dial with an empty host (":6379") is the unspecified address too: Windows refuses it as a destination. So is
    // Ruby's connect with no host ("Failed to open TCP connection to :443 (... - connect(2) for nil port 443)").
    [GeneratedRegex(@"(?:context[.。]?\s+|connect\s+EADDRNOTAVAIL\s+|connect(?:ing)?\s+to\s+)0\.0\.0\.0:\d|\bdial (?:tcp|udp)[46]? :\d{1,5}: |\bconnect\(2\) for nil port \d|\bTCP connection to :\d{1,5}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConnectToUnspecifiedRegex();

    // The endpoint right after the Winsock text's last word (English or translated), at the end of the line or before " --->".
    [GeneratedRegex(@"(?:permitted|context|full|一次|无效|無效|無効|않습니다|verwendet werden|autorisée|ungültig|contexte|contexto|неверен|переполнена|(?:puerto|порт|porta)\))[.。]?\s+(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]|[\w.\-]+):\d{1,5}\.?\s*(?:$|--->)", RegexOptions.CultureInvariant)]
    private static partial Regex DotNetConnectEndpointRegex();

    [GeneratedRegex(@"\{'?[a-z][\w@.]*'?,\s*'?(?<call>connect|listen|accept|bind)'?,\s*\d+", RegexOptions.CultureInvariant)]
    private static partial Regex ErlangFrameRegex();

    // Also a line that names the HTTP client library it came from ("Cannot assign requested address @ HTTP lib").
    // .NET's HttpRequestException wraps the SocketException of HttpClient's connect.
    // Python's urllib: "<urlopen error [WinError 10048] ...>".
    [GeneratedRegex(@"\b(?:RequestError|NewConnectionError|MaxRetryError|ClientConnectorError|HttpRequestException)\b|Max retries exceeded|Failed to establish a new connection|<urlopen error\b|\bHTTP[ -](?:lib|library|client)\b", RegexOptions.CultureInvariant)]
    private static partial Regex HttpClientWrapperRegex();

    // ASCII or full-width colons, as pasted from a Chinese-locale console.
    [GeneratedRegex(@"address\s*[:：]\s*no further information", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NoFurtherInformationRegex();

    [GeneratedRegex(@"\b(?:TCP |UDP |tcp |udp )?[Ll]istener\b|\bTcpListener\b|\bUdpSocket::bind\b|\blistening on\b", RegexOptions.CultureInvariant)]
    private static partial Regex ListenerRegex();

    // "fork: Cannot allocate memory", "mmap(NULL, 4294967296, ...) = -1 ENOMEM", "clone() failed".
    // HotSpot's os::commit_memory() and "(mmap) failed" are mmap(), also when a page cut the call from its warning and kept
    // the tail ("failed; error='Cannot allocate memory' (errno=12)", warn_fail_commit_memory()); the JDK's "Cannot run program ...: error=12" is its
    // fork()/posix_spawn() of the child.
    // Go's os/exec: "fork/exec /sbin/zfs: cannot allocate memory" (its clone() of the child). The JDK's process launcher
    // alone prints "error=12, Cannot allocate memory" (ProcessImpl_md.c throwIOException()), with or without "Cannot run program".
    // The daemonising double fork's own words: "fork #2 failed: 12 (Cannot allocate memory)". Go's external linker
    // ("6l: running gcc failed: Cannot allocate memory", cmd/link's hostlink()): a gcc that ran and failed says "exit
    // status N" there, so an errno is the fork/exec of it. Icinga 2 starts its sentence with the call: "Fork failed with
    // error code 12 (Cannot allocate memory)"; moor's "Mmap failed for size class ...: Cannot allocate memory (os error 12)".
    [GeneratedRegex(@"\b(?<call>[Ff]ork|vfork|clone3?|[Mm]map2?|brk)\b(?:\s*#\d)?\s*(?::|\(|(?:\(\))?\s*failed)|(?<call>mmap)\)\s*failed|(?<commit>os::commit_memory|\bfailed; error='Cannot allocate memory' \(errno=12\))|(?<spawn>Cannot run program|\bfork/exec\b|\berror=12,|\bspawn(?:Sync)? ENOMEM\b|\brunning [\w./+-]+ failed: )" +
                    // PostgreSQL's "could not fork new process for connection", Redis's "Failed to fork process for saving".
                    // grsecurity's kernel line "grsec: failed fork with errno ENOMEM by /bin/bash[sh:28373]".
                    @"|(?i:could\s+not|couldn't|cannot|can't|failed\s+to|unable\s+to|failed)\s+(?<call>fork)\b" +
                    // The gerund after the failure: monerod's "Error forking: Cannot allocate memory" (its fork of a notify command).
                    @"|(?i:error|failure|failed)\s+(?<call>fork)ing\b" +
                    // ClickHouse's "Allocator: Cannot mmap 128.00 MiB., errno: 12".
                    @"|(?i:could\s+not|couldn't|cannot|can't|failed\s+to|unable\s+to)\s+(?<call>mmap)\b" +
                    // A thread's stack is an mmap(): glibc's pthread_create() passes its ENOMEM on (allocate_stack()), as
                    // Apache's "(12)Cannot allocate memory: apr_thread_create: unable to create worker thread".
                    @"|(?<stack>\b(?:apr_|pthread_)thread_create\b)" +
                    // PostgreSQL's main shared memory is one anonymous shared mmap() (CreateAnonymousSegment()): "could not map
                    // anonymous shared memory: Cannot allocate memory", a commit charge of the whole size.
                    @"|(?<map>\bcould not map anonymous shared memory\b)" +
                    // QEMU's guest RAM is one anonymous mmap() of its whole size (qemu_ram_alloc()): "cannot set up guest
                    // memory 'pc.ram': Cannot allocate memory", "unable to map backing store for guest RAM".
                    @"|(?<map>\bcannot set up guest memory\b|\bunable to map backing store for guest RAM\b)" +
                    // A command line its runner could not start, with the errno as "[12] text" (Zabbix's pinger: "/usr/bin/fping
                    // -C3 -i0 2>&1 </tmp/zabbix_server_274.pinger;: [12] Cannot allocate memory"): popen()'s fork of the shell.
                    @"|(?<spawn>(?<![\w/])/(?:usr/)?(?:local/)?s?bin/[\w.+-]+ [^:]{1,300}: \[12\] )" +
                    // Ruby's Process.spawn naming the program it could not start ("Out of memory - /usr/bin/wkhtmltopdf").
                    @"|(?<spawn>\bOut of memory - /(?:usr/)?(?:local/)?s?bin/)", RegexOptions.CultureInvariant)]
    private static partial Regex MemoryCallRegex();
    [GeneratedRegex(@"RTNETLINK answers|routing socket|^\s*(?:add|delete|change) (?:net|host|default)\b|\bSIOC(?:ADD|DEL)RT\b|\bSIOCSIFADDR\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RouteConfigRegex();
    // Python's s.connect(('8.8.8.8', 0)), a C/Go address written host:0 in a connect call, a program's "Unable to connect to
    // /192.168.19.142:0" (Java's InetSocketAddress with port 0), Go's "dial tcp :0: connect: ...", Ruby's
    // "connect(2) for "127.0.0.1" port 0".
    [GeneratedRegex(@"\bconnect\(2\) for ""[^""]{0,300}"" port 0\b|\bconnect\w*\(\s*\(\s*['""][^'""]*['""]\s*,\s*0\s*\)|\bconnect\w*\([^)]*:0['"")]|(?i:\bconnect(?:ing)?\s+to\s+)\S{1,300}?:0(?![\d.:])|\bdial (?:tcp|udp)[46]? \S{0,300}?:0: ", RegexOptions.CultureInvariant)]
    private static partial Regex ConnectPortZeroRegex();
    // inotify_init / inotify_add_watch / fsnotify watchers, tail's fallback message, systemd's "Failed to allocate directory watch",
    // a runtime's file watcher (Deno's FsWatcher and watchFs, Node's fs.watch, whose error names its call last: "EMFILE:
    // too many open files, watch '/path'").
    [GeneratedRegex(@"inotify|fsnotify|\b(?:fs)?watcher\b|\bwatchFs\b|\bfs\.watch\b|ENOSPC|directory watch|\bopen files, watch\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex InotifyRegex();
}
