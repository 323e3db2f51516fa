using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SockDoc.Kernel.KernelLog;

/// <summary>
/// The part of a log line before the kernel's message: an optional container / node prefix, the
/// timestamp in whatever form the source wrote it, the host and "kernel:" tag. Parsed only for lines
/// that matched an incident, so it favours clarity over speed.
/// </summary>
public readonly record struct LogLineHead(LogTime Time, string? Prefix, string? Host, string Message)
{
    private const double MicrosPerSecond = 1_000_000d;

    public static LogLineHead Parse(string line, LogTimeContext ctx)
    {
        if (line.Length > 0 && line[0] == '{')
        {
            var json = TryJournalJson(Encoding.UTF8.GetBytes(line), ctx);
            if (json is { } j) return j;
        }
        if (TryKmsg(line, ctx, out var kmsg)) return kmsg;

        int p = 0;
        string? prefix = null;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            if (TryStamp(line, ref p, ctx, out var time, out var host))
                return new LogLineHead(time, prefix, host, line[p..]);
            if (attempt == 0 && TryPrefix(line, ref p, ctx, out prefix)) continue;
            break;
        }
        return new LogLineHead(LogTime.None, null, null, line);
    }

    /// <summary>journalctl -o json (one object per line): MESSAGE, __REALTIME_TIMESTAMP, _SOURCE_MONOTONIC_TIMESTAMP.</summary>
    public static LogLineHead? TryJournalJson(ReadOnlySpan<byte> line, LogTimeContext ctx)
    {
        string? message = null, host = null;
        long? realtime = null, monotonic = null;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { AllowTrailingCommas = true });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                if (!reader.Read()) break;
                switch (name)
                {
                    case "MESSAGE" when reader.TokenType == JsonTokenType.String:
                        message = reader.GetString();
                        break;
                    case "MESSAGE" when reader.TokenType == JsonTokenType.StartArray:
                        // journald stores non-UTF-8 messages as an array of byte values.
                        var bytes = new List<byte>();
                        while (reader.Read() && reader.TokenType == JsonTokenType.Number)
                            bytes.Add(reader.TryGetByte(out var b) ? b : (byte)'?');
                        message = Encoding.UTF8.GetString(bytes.ToArray());
                        break;
                    case "__REALTIME_TIMESTAMP":
                        realtime = JsonLong(ref reader);
                        break;
                    case "_SOURCE_MONOTONIC_TIMESTAMP":
                        monotonic = JsonLong(ref reader);
                        break;
                    case "_HOSTNAME" when reader.TokenType == JsonTokenType.String:
                        host = reader.GetString();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        catch (JsonException)
        {
            if (message is null) return null;
        }
        if (message is null) return null;
        DateTimeOffset? wall = realtime is { } us ? DateTimeOffset.UnixEpoch.AddTicks(us * 10) : null;
        double? uptime = monotonic is { } m ? m / MicrosPerSecond : null;
        if (wall is null && uptime is { } u && ctx.BootTime is { } boot) wall = boot.AddSeconds(u);
        return new LogLineHead(new LogTime(LogTimeForm.JournalJson, wall, uptime), null, host, message);
    }

    private static long? JsonLong(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String &&
            long.TryParse(reader.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var v)) return v;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n)) return n;
        return null;
    }

    /// <summary>/dev/kmsg record: "prio,seq,usec,flags[,more];message" (Documentation/ABI/testing/dev-kmsg).</summary>
    private static bool TryKmsg(string line, LogTimeContext ctx, out LogLineHead head)
    {
        head = default;
        int semi = line.IndexOf(';', StringComparison.Ordinal);
        if (semi < 5 || !char.IsAsciiDigit(line[0])) return false;
        var fields = line.AsSpan(0, semi);
        int c1 = fields.IndexOf(',');
        if (c1 < 1) return false;
        int c2 = fields[(c1 + 1)..].IndexOf(',');
        if (c2 < 1) return false;
        c2 += c1 + 1;
        int c3 = fields[(c2 + 1)..].IndexOf(',');
        if (c3 < 1) return false;
        c3 += c2 + 1;
        if (!IsDigits(fields[..c1]) || !IsDigits(fields[(c1 + 1)..c2])) return false;
        if (!long.TryParse(fields[(c2 + 1)..c3], NumberStyles.None, CultureInfo.InvariantCulture, out var usec)) return false;
        double uptime = usec / MicrosPerSecond;
        DateTimeOffset? wall = ctx.BootTime?.AddTicks(usec * 10);
        head = new LogLineHead(new LogTime(LogTimeForm.Kmsg, wall, uptime), null, null, line[(semi + 1)..]);
        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return false;
        foreach (var c in s) if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    /// <summary>A timestamp at p in any supported form; on success p is at the message.</summary>
    private static bool TryStamp(string line, ref int p, LogTimeContext ctx, out LogTime time, out string? host)
    {
        time = LogTime.None;
        host = null;
        int q = p;
        SkipSyslogPriority(line, ref q);
        if (TryUptime(line, ref q, out var up))
        {
            time = new LogTime(LogTimeForm.KernelUptime, ctx.BootTime?.AddSeconds(up), up);
            p = SkipSpaces(line, q);
            return true;
        }
        if (TryCtime(line, ref q, ctx, out var ctime))
        {
            time = new LogTime(LogTimeForm.DmesgCtime, ctime, null);
            p = SkipSpaces(line, q);
            return true;
        }
        LogTimeForm form;
        DateTimeOffset wall;
        if (TryIso(line, ref q, ctx, out wall)) form = LogTimeForm.Iso8601;
        else if (TrySyslog(line, ref q, ctx, out wall)) form = LogTimeForm.Syslog;
        else return false;

        // After a wall-clock stamp: "host tag: " (syslog, journalctl) or "stdout F " (CRI container log).
        q = SkipSpaces(line, q);
        var first = Token(line, q);
        if (first is "stdout" or "stderr")
        {
            q = SkipSpaces(line, q + first.Length);
            var flag = Token(line, q);
            if (flag is "F" or "P") q = SkipSpaces(line, q + 1);
        }
        else if (first.Length > 0 && !first.EndsWith(':') && first[0] != '[')
        {
            var second = Token(line, SkipSpaces(line, q + first.Length));
            if (second.EndsWith(':'))
            {
                host = first;
                q = SkipSpaces(line, SkipSpaces(line, q + first.Length) + second.Length);
            }
        }
        else if (first.EndsWith(':') && first.StartsWith("kernel", StringComparison.Ordinal))
        {
            q = SkipSpaces(line, q + first.Length);
        }
        double? uptime = null;
        int r = q;
        if (TryUptime(line, ref r, out var inner))
        {
            uptime = inner;
            q = SkipSpaces(line, r);
        }
        time = new LogTime(form, wall, uptime);
        p = q;
        return true;
    }

    private static string Token(string line, int p)
    {
        int e = p;
        while (e < line.Length && line[e] != ' ' && line[e] != '\t') e++;
        return line[p..e];
    }

    private static int SkipSpaces(string line, int p)
    {
        while (p < line.Length && (line[p] == ' ' || line[p] == '\t')) p++;
        return p;
    }

    /// <summary>"&lt;6&gt;" of `dmesg -r` and raw syslog.</summary>
    private static void SkipSyslogPriority(string line, ref int p)
    {
        if (p >= line.Length || line[p] != '<') return;
        int e = p + 1;
        while (e < line.Length && e - p <= 4 && char.IsAsciiDigit(line[e])) e++;
        if (e > p + 1 && e < line.Length && line[e] == '>') p = e + 1;
    }

    /// <summary>"[12345.678901]", spaces allowed after '['.</summary>
    private static bool TryUptime(string line, ref int p, out double seconds)
    {
        seconds = 0;
        if (p >= line.Length || line[p] != '[') return false;
        int close = line.IndexOf(']', p + 1);
        if (close < 0 || close - p > 32) return false;
        var inner = line.AsSpan(p + 1, close - p - 1).Trim();
        if (inner.IsEmpty || inner.IndexOf('.') < 0) return false;
        foreach (var c in inner) if (!char.IsAsciiDigit(c) && c != '.') return false;
        if (!double.TryParse(inner, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out seconds)) return false;
        p = close + 1;
        return true;
    }

    private static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    private static int Month(ReadOnlySpan<char> s)
    {
        for (int i = 0; i < Months.Length; i++) if (s.SequenceEqual(Months[i])) return i + 1;
        return 0;
    }

    /// <summary>dmesg -T: "[Tue Nov 24 12:18:18 2026]" (ctime of local time).</summary>
    private static bool TryCtime(string line, ref int p, LogTimeContext ctx, out DateTimeOffset wall)
    {
        wall = default;
        if (p >= line.Length || line[p] != '[') return false;
        int close = line.IndexOf(']', p + 1);
        if (close < 0 || close - p > 40) return false;
        var parts = line[(p + 1)..close].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 5) return false;
        int month = Month(parts[1]);
        if (month == 0 || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var day)) return false;
        if (!TryClock(parts[3], out var tod) || !int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var year)) return false;
        if (!TryDate(year, month, day, tod, ctx.LocalOffset, out wall)) return false;
        p = close + 1;
        return true;
    }

    private static bool TryDate(int year, int month, int day, TimeSpan tod, TimeSpan offset, out DateTimeOffset wall)
    {
        wall = default;
        if (year < 1970 || year > 9999 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        wall = new DateTimeOffset(year, month, day, 0, 0, 0, offset) + tod;
        return true;
    }

    /// <summary>"hh:mm:ss" with an optional fraction.</summary>
    private static bool TryClock(ReadOnlySpan<char> s, out TimeSpan tod)
    {
        tod = default;
        if (s.Length < 8 || s[2] != ':' || s[5] != ':') return false;
        if (!int.TryParse(s[..2], NumberStyles.None, CultureInfo.InvariantCulture, out var h) ||
            !int.TryParse(s[3..5], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ||
            !int.TryParse(s[6..8], NumberStyles.None, CultureInfo.InvariantCulture, out var sec)) return false;
        if (h > 23 || m > 59 || sec > 60) return false;
        long ticks = 0;
        if (s.Length > 8)
        {
            if (s[8] != '.' && s[8] != ',') return false;
            var frac = s[9..];
            if (frac.IsEmpty || frac.Length > 9 || !IsDigits(frac)) return false;
            ticks = long.Parse(frac, NumberStyles.None, CultureInfo.InvariantCulture);
            for (int i = frac.Length; i < 7; i++) ticks *= 10;
            for (int i = frac.Length; i > 7; i--) ticks /= 10;
        }
        tod = new TimeSpan(h, m, Math.Min(sec, 59)) + TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>RFC 3339 / ISO 8601: "2026-11-24T12:00:00[.ffffff][Z|+hh:mm|+hhmm]", 'T' or ' ' between.</summary>
    private static bool TryIso(string line, ref int p, LogTimeContext ctx, out DateTimeOffset wall)
    {
        wall = default;
        var s = line.AsSpan(p);
        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ')) return false;
        if (!int.TryParse(s[..4], NumberStyles.None, CultureInfo.InvariantCulture, out var year) ||
            !int.TryParse(s[5..7], NumberStyles.None, CultureInfo.InvariantCulture, out var month) ||
            !int.TryParse(s[8..10], NumberStyles.None, CultureInfo.InvariantCulture, out var day)) return false;
        if (month is < 1 or > 12) return false;
        int e = 11;
        while (e < s.Length && (char.IsAsciiDigit(s[e]) || s[e] == ':' || s[e] == '.' || s[e] == ',')) e++;
        if (!TryClock(s[11..e], out var tod)) return false;
        var offset = ctx.LocalOffset;
        if (e < s.Length && s[e] == 'Z')
        {
            offset = TimeSpan.Zero;
            e++;
        }
        else if (e < s.Length && (s[e] == '+' || s[e] == '-') && e + 3 <= s.Length && IsDigits(s.Slice(e + 1, 2)))
        {
            int sign = s[e] == '-' ? -1 : 1;
            int hh = int.Parse(s.Slice(e + 1, 2), NumberStyles.None, CultureInfo.InvariantCulture);
            int mm = 0;
            int z = e + 3;
            if (z < s.Length && s[z] == ':') z++;
            if (z + 2 <= s.Length && IsDigits(s.Slice(z, 2)))
            {
                mm = int.Parse(s.Slice(z, 2), NumberStyles.None, CultureInfo.InvariantCulture);
                z += 2;
            }
            if (hh > 14 || mm > 59) return false;
            offset = sign * new TimeSpan(hh, mm, 0);
            e = z;
        }
        if (!TryDate(year, month, day, tod, offset, out wall)) return false;
        p += e;
        return true;
    }

    /// <summary>RFC 3164: "Aug 31 18:25:36" or journalctl short-precise "Aug 31 18:25:36.123456"; no year.</summary>
    private static bool TrySyslog(string line, ref int p, LogTimeContext ctx, out DateTimeOffset wall)
    {
        wall = default;
        var s = line.AsSpan(p);
        if (s.Length < 15 || s[3] != ' ') return false;
        int month = Month(s[..3]);
        if (month == 0) return false;
        int d = 4;
        if (s[d] == ' ') d++;
        int de = d;
        while (de < s.Length && char.IsAsciiDigit(s[de])) de++;
        if (de == d || de - d > 2 || de >= s.Length || s[de] != ' ') return false;
        int day = int.Parse(s[d..de], NumberStyles.None, CultureInfo.InvariantCulture);
        int t = de + 1;
        int te = t;
        while (te < s.Length && (char.IsAsciiDigit(s[te]) || s[te] == ':' || s[te] == '.')) te++;
        if (!TryClock(s[t..te], out var tod)) return false;
        // The year is not in the line: take the latest date not after the reference (file time or now).
        var reference = ctx.Reference.ToOffset(ctx.LocalOffset);
        int year = reference.Year;
        if (!TryDate(year, month, day, tod, ctx.LocalOffset, out wall) && !TryDate(year - 1, month, day, tod, ctx.LocalOffset, out wall)) return false;
        if (wall > reference.AddDays(1) && TryDate(year - 1, month, day, tod, ctx.LocalOffset, out var earlier)) wall = earlier;
        p += te;
        return true;
    }

    /// <summary>
    /// A container or node prefix before the timestamp: "[pod/web-1/app] ", "node-1 | ", "ip-10-0-0-1: ",
    /// "ip-10-0-0-1 " - accepted only when a timestamp follows it.
    /// </summary>
    private static bool TryPrefix(string line, ref int p, LogTimeContext ctx, out string? prefix)
    {
        prefix = null;
        int end;
        int next;
        if (line.Length > 0 && line[0] == '[')
        {
            end = line.IndexOf(']', StringComparison.Ordinal);
            if (end < 0 || end > 256) return false;
            prefix = line[1..end];
            next = end + 1;
        }
        else
        {
            int bar = line.IndexOf(" | ", StringComparison.Ordinal);
            if (bar > 0 && bar < 256)
            {
                prefix = line[..bar].Trim();
                next = bar + 3;
            }
            else
            {
                end = 0;
                while (end < line.Length && end < 256 && line[end] != ' ' && line[end] != '\t') end++;
                if (end == 0 || end >= line.Length) return false;
                prefix = line[..end].TrimEnd(':');
                next = end;
            }
        }
        next = SkipSpaces(line, next);
        int probe = next;
        if (!TryStamp(line, ref probe, ctx, out _, out _))
        {
            prefix = null;
            return false;
        }
        p = next;
        return true;
    }
}
