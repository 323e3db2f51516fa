#!/usr/bin/env python3
"""Writes a syslog-style file (RFC 3164, "Mon dd hh:mm:ss host tag: ...") of a given size for bench/logs.sh.

Realistic noise: sshd, systemd, CRON, nginx, kernel driver and audit lines, a few noise lines that contain
"TCP:" (so grep has matches), and rare socket-resource incidents (about 1 in 20,000 lines) with rate-limit
notices, in the wording of the 6.18 capture in tests/SockDoc.Tests/fixtures/kernellog. Bounded: stops at
--size-mb; deterministic for a given --seed. Written in 4 MiB blocks, so memory stays small."""
import argparse, random, sys

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
NOISE = [
    "sshd[{pid}]: Accepted publickey for deploy from 10.{a}.{b}.{c} port {port} ssh2: ED25519 SHA256:Qm9vYmFyYmF6cXV4",
    "sshd[{pid}]: pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)",
    "sshd[{pid}]: Connection closed by authenticating user root 10.{a}.{b}.{c} port {port} [preauth]",
    "systemd[1]: Started session-{n}.scope - Session {n} of User deploy.",
    "systemd[1]: logrotate.service: Deactivated successfully.",
    "systemd[1]: Starting apt-daily.service - Daily apt download activities...",
    "CRON[{pid}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
    "nginx[{pid}]: 10.{a}.{b}.{c} - - \"GET /api/v1/items/{n} HTTP/1.1\" 200 {port} \"-\" \"okhttp/4.9.3\"",
    "nginx[{pid}]: upstream response time 0.0{a} s for /api/v1/orders",
    "kernel: [{up}] audit: type=1400 audit({n}.{a}:{b}): apparmor=\"DENIED\" operation=\"open\" profile=\"snap.lxd\" name=\"/proc/{pid}/mounts\"",
    "kernel: [{up}] IPv6: ADDRCONF(NETDEV_CHANGE): veth{a}: link becomes ready",
    "kernel: [{up}] eth0: renamed from veth{b}",
    "kernel: [{up}] docker0: port {a}(veth{c}) entered forwarding state",
    "kernel: [{up}] TCP: eth0: Driver has suspect GRO implementation, TCP performance may be compromised.",
    "kernel: [{up}] IPVS: rr: TCP 10.{a}.{b}.{c}:{port} - no destination available",
    "dockerd[{pid}]: time=\"2026-11-24T12:00:00.{n}Z\" level=info msg=\"ignoring event\" container={a}{b}{c}",
    "kubelet[{pid}]: I1124 12:00:00.{n} {pid} kubelet_pods.go:{a}] \"Clean up probes for terminated pods\"",
    "postgres[{pid}]: [{n}-1] LOG:  checkpoint complete: wrote {a} buffers ({b}.{c}%)",
    "rsyslogd[{pid}]: imuxsock: Acquired UNIX socket '/run/systemd/journal/syslog' (fd 3) from systemd.",
    "chronyd[{pid}]: Selected source 10.{a}.{b}.{c} (ntp.internal)",
]
INCIDENTS = [
    ["kernel: [{up}] TCP: too many orphaned sockets"] * 10 + ["kernel: [{up}] net_ratelimit: {n} callbacks suppressed"],
    ["kernel: [{up}] TCP: out of memory -- consider tuning tcp_mem"] * 5,
    ["kernel: [{up}] TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:{port}. Sending cookies."],
    ["kernel: [{up}] nf_conntrack: nf_conntrack: table full, dropping packet"] * 10 + ["kernel: [{up}] net_ratelimit: {n} callbacks suppressed"],
    ["kernel: [{up}] java invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0",
     "kernel: [{up}] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/app.service,task=java,pid={pid},uid=1000",
     "kernel: [{up}] Out of memory: Killed process {pid} (java) total-vm:{n}kB, anon-rss:{port}kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:512kB oom_score_adj:0"],
]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    if not 1 <= args.size_mb <= 8192:
        sys.exit("genlog: --size-mb must be 1..8192")
    rnd = random.Random(args.seed)
    # A pool of rendered noise lines (without timestamps), reused at random: keeps generation fast.
    pool = []
    for _ in range(20000):
        t = rnd.choice(NOISE)
        pool.append(t.format(pid=rnd.randint(300, 4000000), a=rnd.randint(0, 255), b=rnd.randint(0, 255),
                             c=rnd.randint(0, 255), port=rnd.randint(1024, 65535), n=rnd.randint(1, 999999),
                             up="{up}"))
    limit = args.size_mb * 1024 * 1024
    written = 0
    secs = 0  # seconds since 2026-01-01 00:00:00
    uptime = 1000.0
    incidents = 0
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        while written < limit:
            block = []
            for _ in range(40000):
                secs += rnd.random() < 0.02
                uptime += 0.00137
                day, rem = divmod(secs, 86400)
                month = min(day // 31, 11)
                stamp = f"{MONTHS[month]} {day % 31 + 1:2d} {rem // 3600:02d}:{rem % 3600 // 60:02d}:{rem % 60:02d} web-7 "
                if rnd.random() < 0.00005:
                    incidents += 1
                    for t in rnd.choice(INCIDENTS):
                        block.append(stamp + t.format(up=f"{uptime:12.6f}", n=rnd.randint(1, 5000), port=rnd.randint(1024, 65535),
                                                      pid=rnd.randint(300, 4000000)))
                else:
                    line = rnd.choice(pool)
                    block.append(stamp + (line.replace("{up}", f"{uptime:12.6f}") if "{up}" in line else line))
            data = "\n".join(block) + "\n"
            if written + len(data) > limit:
                data = data[: limit - written]
                data = data[: data.rfind("\n") + 1]
                if not data:
                    break
            f.write(data)
            written += len(data)
    print(f"genlog: wrote {written} bytes, {incidents} incident bursts, to {args.out}", file=sys.stderr)

if __name__ == "__main__":
    main()
