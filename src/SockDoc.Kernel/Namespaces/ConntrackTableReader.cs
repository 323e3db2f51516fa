using System.Globalization;
using System.Text;
using SockDoc.Model;

namespace SockDoc.Kernel.Namespaces;

/// <summary>
/// /proc/net/nf_conntrack (CONFIG_NF_CONNTRACK_PROCFS; per network namespace, ct_seq_show() in
/// net/netfilter/nf_conntrack_standalone.c): one line per entry,
/// "ipv4 2 tcp 6 431999 ESTABLISHED src=A dst=B sport=P dport=Q … src=B dst=A …". The first src/dst/dport are
/// the original direction. Summarised by protocol and by original destination; bounded in bytes read.
/// </summary>
public static class ConntrackTableReader
{
    public const string NetPath = "net/nf_conntrack";
    public const int MaxBytes = 64 * 1024 * 1024;

    public static ConntrackFlows? Read(ProcRoot root, int top)
    {
        var r = ProcFile.ReadAll(root.PathOf(NetPath), MaxBytes);
        if (!r.Ok) return null;
        return Parse(r.Value!, top, r.Partial);
    }

    public static ConntrackFlows Parse(ReadOnlySpan<byte> data, int top, bool partial = false)
    {
        var byProto = new Dictionary<string, long>(StringComparer.Ordinal);
        var byDest = new Dictionary<(string, string, int), long>();
        long entries = 0;
        while (!data.IsEmpty)
        {
            int nl = data.IndexOf((byte)'\n');
            var line = nl < 0 ? data : data[..nl];
            data = nl < 0 ? default : data[(nl + 1)..];
            if (line.IsEmpty) continue;
            var text = Encoding.ASCII.GetString(line);
            var f = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 4) continue;
            entries++;
            var proto = f[2];
            byProto[proto] = byProto.GetValueOrDefault(proto) + 1;
            string? dst = null;
            int port = 0;
            foreach (var x in f)
            {
                if (dst is null && x.StartsWith("dst=", StringComparison.Ordinal)) dst = x[4..];
                else if (port == 0 && x.StartsWith("dport=", StringComparison.Ordinal)) int.TryParse(x.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out port);
                if (dst is not null && port != 0) break;
            }
            if (dst is not null)
            {
                var key = (proto, dst, port);
                byDest[key] = byDest.GetValueOrDefault(key) + 1;
            }
        }
        return new ConntrackFlows
        {
            Entries = entries,
            ByProtocol = byProto,
            TopDestinations = byDest.OrderByDescending(kv => kv.Value).Take(Math.Max(1, top))
                .Select(kv => new ConntrackDestination(kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Value)).ToList(),
            Partial = partial,
        };
    }
}
