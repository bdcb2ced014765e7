#!/usr/bin/env bash
# What the status page costs the gateway's cache hits (not a test; prints
# figures). Two Deno entries on loopback in front of the simulator, the same in
# all but DASHBOARD_HISTORY: "1 s" (five times the default rate), with a viewer
# asking /status.json every second as an open page does (each takes a reading
# and the shared budget from Deno KV), and "off" with no viewer. wrk loads /esi/status (a cache hit) on each in
# turn, the order swapped every round so that a busy moment of a shared machine
# falls on both; the medians are compared. Besides requests per second, each
# round reads the gateway's CPU time (/proc) per request answered: on a machine
# others load too, throughput swings by tens of percent from run to run, while
# CPU time per request holds.
#
#   bench/dashboard_load.sh                          # 7 rounds of 5 s, 50 connections
#   ROUNDS=3 DURATION=3s bench/dashboard_load.sh
#
# Needs wrk (Debian: apt-get update && apt-get install -y wrk).
set -euo pipefail

DURATION=${DURATION:-5s}
ROUNDS=${ROUNDS:-7}
CONNECTIONS=${CONNECTIONS:-50}
TOKEN=dashboard-bench-token-0123456789

cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get update && apt-get install -y wrk" >&2; exit 1; }

free_port() {
  deno eval 'const l = Deno.listen({ hostname: "127.0.0.1", port: 0 }); console.log(l.addr.port); l.close();'
}

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait "${pids[@]}" 2>/dev/null || true' EXIT
start() { # port history
  ESIKIT_UPSTREAM=simulator PORT=$1 HOST=127.0.0.1 DENO_KV_PATH=:memory: \
    RATE_LIMIT=1000000000 RATE_LIMIT_WINDOW="60 s" METRICS_TOKEN=$TOKEN DASHBOARD_HISTORY="$2" \
    exec timeout 30m deno run -A worker/deno.ts >/dev/null 2>&1 &
  pids+=($!)
}
ON=$(free_port)
start "$ON" "1 s"
OFF=$(free_port)
start "$OFF" off
for port in "$ON" "$OFF"; do
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
    sleep 0.1
  done
  for _ in 1 2; do curl -fsS -o /dev/null "http://127.0.0.1:$port/esi/status"; done
done

# The gateway's CPU time in clock ticks (user + system), from /proc.
ticks() { awk '{print $14 + $15}' "/proc/$(pgrep -P "$1" deno)/stat"; }
HZ=$(getconf CLK_TCK)
# The open page: one /status.json a second.
(while :; do
  curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$ON/status.json" || true
  sleep 1
done) &
pids+=($!)

run() { # port pid → "req/s µs-of-CPU-per-request"
  local before out
  before=$(ticks "$2")
  out=$(timeout 5m wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "http://127.0.0.1:$1/esi/status")
  awk -v t0="$before" -v t1="$(ticks "$2")" -v hz="$HZ" '
    /requests in/ {n = $1} /^Requests\/sec/ {rps = $2}
    END {printf "%s %.1f\n", rps, 1e6 * (t1 - t0) / hz / n}' <<<"$out"
}

echo "wrk -t1 -c$CONNECTIONS -d$DURATION per run, $ROUNDS rounds, loopback, $(nproc) CPUs, $(deno --version | head -1)"
on=() off=() on_cpu=() off_cpu=()
for round in $(seq 1 "$ROUNDS"); do
  if ((round % 2)); then
    read -r a ac < <(run "$ON" "${pids[0]}")
    read -r b bc < <(run "$OFF" "${pids[1]}")
  else
    read -r b bc < <(run "$OFF" "${pids[1]}")
    read -r a ac < <(run "$ON" "${pids[0]}")
  fi
  on+=("$a") off+=("$b") on_cpu+=("$ac") off_cpu+=("$bc")
  printf 'round %2d: history on %9s req/s %6s µs CPU/req   off %9s req/s %6s µs CPU/req\n' \
    "$round" "$a" "$ac" "$b" "$bc"
done

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
m_on=$(median "${on[@]}")
m_off=$(median "${off[@]}")
readings=$(curl -fsS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$ON/status.json" |
  deno eval 'const s = JSON.parse(await new Response(Deno.stdin.readable).text()); console.log(s.series.t.length)')
awk -v a="$m_on" -v b="$m_off" -v c="$(median "${on_cpu[@]}")" -v d="$(median "${off_cpu[@]}")" \
  -v n="$readings" 'BEGIN {
  printf "medians: history on %.0f req/s, %.1f µs CPU/req; off %.0f req/s, %.1f µs CPU/req\n", a, c, b, d
  printf "history on: throughput %.1f%% of off; CPU per request %.1f%% of off (%d readings kept)\n", 100 * a / b, 100 * c / d, n
}'
