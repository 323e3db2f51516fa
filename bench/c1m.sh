#!/usr/bin/env bash
# C1M on one machine, side by side: a minimal C epoll client/server (bench/lib/c1m-ref.c) and
# `sockdoc load c1m`, same topology (SO_REUSEPORT server workers on 8 ports of 127.0.0.1, client workers with one
# 127.x source address each and IP_BIND_ADDRESS_NO_PORT, 512 connects in flight per worker, ≤16,000 fds per worker),
# run one after the other in this script. Order: SockDoc, C, SockDoc, C (ROUNDS=2): SockDoc takes the cold first run
# (fresh slab pages cost the first run a lot on this VM), and each rate is the mean of its runs.
#
# Usage: bench/c1m.sh [CONNECTIONS]      (default 1000000; HOLD=seconds to hold, default 10)
# SockDoc runs as the native binary (scripts/dist; SOCKDOC_NATIVE=path to use one already built), so every worker is
# the NativeAOT executable entering the worker directly (no runtime to load, no command tree).
# Prints: establishment-rate ratio (target ≥ 0.8), connections held (target = CONNECTIONS), user-space memory of all
# workers per connection (target ≤ 600 B, PSS: the binary's and libc's shared pages counted once, as the machine
# pays for them; RSS, which counts them once per worker, beside it), user-space bytes per idle connection per side
# (target ≤ 256), total memory per connection against the kernel floor.
set -euo pipefail
N="${1:-1000000}"
HOLD="${HOLD:-10}"
DUR="${DUR:-600}"
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
repo="$(dirname "$here")"
tmp="$(mktemp -d /tmp/sdk-c1m.XXXXXX)"
pids=()

cleanup() {
  # Only what this script started, by pid (each c1m-ref/sockdoc kills its own workers; PDEATHSIG covers the rest).
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
  native_cleanup "${sd_bin:-}"
}
trap cleanup EXIT INT TERM

tcp_inuse() { awk '/^TCP:/ {print $3}' /proc/net/sockstat; }
settle() {
  # Wait until the previous run's sockets are gone, so runs do not overlap in memory or in the hash tables.
  local base="$1" i
  for i in $(seq 1 60); do
    [ "$(tcp_inuse)" -le $((base + 200)) ] && return 0
    sleep 1
  done
  echo "c1m.sh: sockets of the previous run still open after 60 s ($(tcp_inuse) in use)" >&2
}

gcc -O2 -Wall -o "$tmp/c1m-ref" "$here/lib/c1m-ref.c"
. "$here/lib/native.sh"
sd_bin="$(native_binary)"                      # built first (not timed)
"$sd_bin" load c1m --help >/dev/null
# Listening ports below the ephemeral range, away from the 20000s other tools on this VM use.
SD_PORT="${SD_PORT:-27000}"
C_PORT="${C_PORT:-28000}"

# The machine around each run, printed beside it (no measure uses it): rates are only comparable when the machine
# was as quiet for both. The CPU time other processes took while a run lasted (other users' work, kernel threads):
# all non-idle user+system time minus this run's own (its reaped children). Softirq time is left out (mostly this
# run's loopback traffic) and ksoftirqd counts as "other", so it is approximate. Steal: CPU time the hypervisor gave
# to someone else. (The load average is printed once, before the first run: later, it counts the previous run's workers.)
ctx_start() { ctx0=("$(date +%s.%N)" $(awk '/^cpu /{print $2+$3+$4, $9}' /proc/stat) $(awk '{print $16+$17}' /proc/$$/stat)); }
ctx_end() {
  local t1 b1 s1 o1
  t1="$(date +%s.%N)"; read -r b1 s1 < <(awk '/^cpu /{print $2+$3+$4, $9}' /proc/stat); o1="$(awk '{print $16+$17}' /proc/$$/stat)"
  awk -v t0="${ctx0[0]}" -v t1="$t1" -v b0="${ctx0[1]}" -v b1="$b1" -v s0="${ctx0[2]}" -v s1="$s1" -v o0="${ctx0[3]}" -v o1="$o1" \
      -v n="$(nproc)" -v hz="$(getconf CLK_TCK)" -v who="$1" 'BEGIN {
    cap = (t1 - t0) * n * hz; other = (b1 - b0) - (o1 - o0); if (other < 0) other = 0
    printf "machine during %-18s other processes %3.0f%% of the %d CPUs, steal %.0f%%\n", who, 100 * other / cap, n, 100 * (s1 - s0) / cap }' \
    >> "$tmp/context.txt"
}

run_c() {
  local before; before="$(tcp_inuse)"
  ctx_start
  "$tmp/c1m-ref" "$N" 16000 8 "$C_PORT" "$HOLD" "$DUR" > "$tmp/c.$1.txt" &
  pids+=($!)
  wait $! || { echo "c1m.sh: C reference failed" >&2; cat "$tmp/c.$1.txt" >&2; exit 3; }
  ctx_end "C reference $1"
  cat "$tmp/c.$1.txt"
  settle "$before"
}
run_sd() {
  local before; before="$(tcp_inuse)"
  ctx_start
  "$sd_bin" load c1m --connections "$N" --hold "$HOLD" --duration "$DUR" --base-port "$SD_PORT" --json > "$tmp/sd.$1.json" 2> "$tmp/sd.$1.err" &
  pids+=($!)
  wait $! || true   # exit 1 means "held less than planned or errors": still report
  ctx_end "sockdoc $1"
  tail -n 2 "$tmp/sd.$1.err"
  settle "$before"
}

ROUNDS="${ROUNDS:-2}"
echo "load average before the first run: $(cut -d' ' -f1-3 /proc/loadavg)" > "$tmp/context.txt"
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r: sockdoc load c1m --connections $N"
  run_sd "$r"
  echo "== round $r: C reference"
  run_c "$r"
done

python3 - "$tmp" "$N" "$ROUNDS" <<'PY'
import json, re, sys
tmp, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def c(run):
    line = open(f"{tmp}/c.{run}.txt").read()
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}
cs = [c(r) for r in range(1, rounds + 1)]
sds = [json.load(open(f"{tmp}/sd.{r}.json")) for r in range(1, rounds + 1)]
c1 = cs[0]
sd = sds[-1]   # memory figures from the last SockDoc run
c_rate = sum(x["rate"] for x in cs) / rounds
sd_rates = [x.get("connects_per_second") or 0 for x in sds]
rate = sum(sd_rates) / rounds
held = min(x.get("held", 0) for x in sds)
print()
print(f"connections planned             {n:,}")
held_list = ", ".join(f"{x.get('held', 0):,}" for x in sds)
c_est = ", ".join(f"{int(x['established']):,}" for x in cs)
print(f"connections held (sockdoc)      {held_list}   (C reference established {c_est})")
for x in sds:
    if x.get("stopped_by"): print(f"sockdoc stopped by              {x['stopped_by']}")
c_rates = ", ".join(f"{x['rate']:,.0f}" for x in cs)
print(f"establishment rate, C reference {c_rates} connects/s (mean {c_rate:,.0f})")
sd_list = ", ".join(f"{r:,.0f}" for r in sd_rates)
print(f"establishment rate, sockdoc     {sd_list} connects/s (mean {rate:,.0f}; workers start in {sd.get('startup_seconds', 0):.1f} s, not timed, like the C forks)")
print(f"ratio sockdoc / C               {rate / c_rate:.2f}   (target >= 0.80)")
per_round = ", ".join(f"{s / c['rate']:.2f}" for s, c in zip(sd_rates, cs))
print(f"ratio per round (sockdoc r / C r) {per_round}")
print(open(f"{tmp}/context.txt").read().rstrip())
print(f"connect latency p50/p99/max     {sd.get('connect_p50_micros')} / {sd.get('connect_p99_micros')} / {sd.get('connect_max_micros')} us")
print(f"errors                          {sd.get('failed', 0)} {sd.get('errors', {})}")
uc, us = sd.get("user_client_delta_per_connection"), sd.get("user_server_delta_per_connection")
print(f"user space per idle connection  client {uc or 0:.0f} B, server {us or 0:.0f} B   (target <= 256 per side; RSS growth ready -> holding)")
cref_user = (c1["rss_client"] + c1["rss_server"]) / max(1, c1["established"])
cref_pss = (c1.get("pss_client", 0) + c1.get("pss_server", 0)) / max(1, c1["established"])
sd_pss = sd.get("user_pss_per_connection") or 0
print(f"user space PSS, all workers     sockdoc {sd_pss:,.0f} B/conn; C reference {cref_pss:,.0f} B/conn   (target <= 600; {sd['client_workers'] + sd['server_workers']} sockdoc workers)")
print(f"user space RSS, all workers     sockdoc {sd.get('user_total_per_connection') or 0:,.0f} B/conn; C reference {cref_user:,.0f} B/conn   (shared pages once per worker)")
print(f"kernel slab per connection      {sd.get('slab_per_connection') or 0:,.0f} B (both ends)")
print(f"kernel buffers per connection   {sd.get('buffer_per_connection') or 0:,.0f} B")
print(f"total memory per connection     {sd.get('total_per_connection') or 0:,.0f} B vs kernel floor {sd.get('kernel_floor_per_connection', 0):,} B")
PY
