using SockDoc.Diagnosis.Engine;
using SockDoc.Model.Config;

namespace SockDoc.Diagnosis.Lint;

/// <summary>
/// limits.conf / limits.d and systemd LimitNOFILE= against fs.nr_open: setrlimit(RLIMIT_NOFILE) above
/// nr_open fails with EPERM (do_prlimit(), kernel/sys.c). What the caller then does: pam_limits refuses
/// the session (setup_limits() fails → pam_sm_open_session() returns PAM_PERM_DENIED) and lowers a soft
/// limit above the hard one to the hard one first; systemd's setrlimit_closest() (src/basic/rlimit-util.c)
/// clamps to the manager's own hard limit.
/// </summary>
public static class LimitsLint
{
    public static List<LintFinding> Check(LimitsConfig limits, SystemdConfig systemd, long? nrOpen, string nrOpenSource)
    {
        var findings = new List<LintFinding>();
        foreach (var p in limits.Problems) findings.Add(new LintFinding("damaged_file", Severity.Warning, p.File, p.Line, null, p.Message));
        foreach (var p in systemd.Problems) findings.Add(new LintFinding("damaged_file", Severity.Warning, p.File, p.Line, null, p.Message));

        // Effective soft and hard per domain: later lines override ("-" sets both).
        var soft = new Dictionary<string, LimitEntry>(StringComparer.Ordinal);
        var hard = new Dictionary<string, LimitEntry>(StringComparer.Ordinal);
        foreach (var e in limits.Entries)
        {
            if (e.Item != "nofile") continue;
            if (e.Unlimited)
            {
                findings.Add(new LintFinding("nofile_unlimited", Severity.Warning, e.File, e.Line, "nofile",
                    $"{e.Domain} {e.Type} nofile {e.Value}: RLIMIT_NOFILE cannot be infinite; the kernel refuses anything above fs.nr_open ({Show(nrOpen)}, {nrOpenSource}) with EPERM, and pam_limits then refuses the session")
                { Fix = $"write a number no larger than fs.nr_open, e.g. {Show(nrOpen)}" });
            }
            else if (nrOpen is { } n && e.Number > n)
            {
                // A soft limit alone is lowered to the hard one by pam_limits before setrlimit(); only a
                // hard limit above nr_open makes setrlimit fail.
                findings.Add(e.Type == "soft"
                    ? new LintFinding("nofile_above_nr_open", Severity.Warning, e.File, e.Line, "nofile",
                        $"{e.Domain} soft nofile {e.Number:N0} is above fs.nr_open = {n:N0} ({nrOpenSource}): it can never take effect (pam_limits lowers a soft limit to the hard one, and no hard limit may exceed nr_open)")
                    { Fix = $"raise fs.nr_open to at least {e.Number} in sysctl.d and the hard limit with it, or lower this value" }
                    : new LintFinding("nofile_above_nr_open", Severity.Critical, e.File, e.Line, "nofile",
                        $"{e.Domain} {e.Type} nofile {e.Number:N0} is above fs.nr_open = {n:N0} ({nrOpenSource}): setrlimit fails with EPERM and pam_limits refuses the session (PAM_PERM_DENIED): logins through PAM fail")
                    { Fix = $"raise fs.nr_open to at least {e.Number} in sysctl.d, or lower this value" });
            }
            if (e.Type is "soft" or "-") soft[e.Domain] = e;
            if (e.Type is "hard" or "-") hard[e.Domain] = e;
        }
        foreach (var (domain, s) in soft)
        {
            if (!hard.TryGetValue(domain, out var h) || s.Number is not { } sv) continue;
            if (h.Number is { } hv && sv > hv)
            {
                var at = s.Line > h.Line || s.File != h.File ? s : h;
                findings.Add(new LintFinding("soft_above_hard", Severity.Warning, at.File, at.Line, "nofile",
                    $"{domain}: soft nofile {sv:N0} ({s.File}:{s.Line}) is above hard nofile {hv:N0} ({h.File}:{h.Line}): pam_limits lowers the soft limit to the hard one (setup_limits()), so {sv:N0} is never used")
                { Fix = "make the soft limit <= the hard limit" });
            }
        }

        foreach (var u in systemd.Limits)
        {
            if (u.Soft is { } us && u.Hard is { } uh && us > uh)
            {
                findings.Add(new LintFinding("unit_soft_above_hard", Severity.Warning, u.File, u.Line, "LimitNOFILE",
                    $"{u.Unit}: LimitNOFILE={u.Value} has the soft limit above the hard limit; systemd ignores the setting"));
            }
            var top = u.Hard ?? u.Soft;
            if (top is { } t && nrOpen is { } n && t > n)
            {
                findings.Add(new LintFinding("unit_nofile_above_nr_open", Severity.Warning, u.File, u.Line, "LimitNOFILE",
                    $"{u.Unit}: LimitNOFILE={u.Value} is above fs.nr_open = {n:N0} ({nrOpenSource}); the kernel refuses it with EPERM and systemd's setrlimit_closest() clamps it to the manager's own hard limit: the service silently gets less than written")
                { Fix = $"raise fs.nr_open to at least {t} or lower LimitNOFILE" });
            }
        }
        return findings;
    }

    private static string Show(long? v) => v is { } n ? n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "unknown";
}
