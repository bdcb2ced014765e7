#!/usr/bin/env bash
# Load test of the gateway's Deno entry on loopback (not a test; prints figures).
#
# Cache-hit throughput of /esi/<path> against a bare Hono route, in the same
# run, with wrk: each target for $DURATION with $THREADS threads and
# $CONNECTIONS connections. A second bare route answers with the very headers
# and body of an /esi/status hit (cloned, as the gateway does): what a hit's
# headers alone cost, whatever the gateway does besides. The gateway runs as `deno task start` does (Deno
# KV cache, embedded limiter on Deno KV, one JSON log line per request, to
# /dev/null here), in front of the ESI simulator; the limit is raised so the
# limiter counts every request but never refuses one.
#
#   bench/worker_load.sh                       # 10 s, 2 threads, 50 connections
#   DURATION=5s CONNECTIONS=20 bench/worker_load.sh
#
# Needs wrk (Debian: apt-get update && apt-get install -y wrk).
set -euo pipefail

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}

cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is missing: apt-get update && apt-get install -y wrk" >&2; exit 1; }

free_port() {
  deno eval 'const l = Deno.listen({ hostname: "127.0.0.1", port: 0 }); console.log(l.addr.port); l.close();'
}
GW_PORT=$(free_port)
BARE_PORT=$(free_port)

ESIKIT_UPSTREAM=simulator PORT=$GW_PORT HOST=127.0.0.1 DENO_KV_PATH=:memory: \
  RATE_LIMIT=1000000000 RATE_LIMIT_WINDOW="60 s" \
  deno run -A worker/deno.ts >/dev/null 2>&1 &
GW_PID=$!
deno eval "
  import { Hono } from 'hono';
  const app = new Hono();
  app.get('/', (c) => c.json({ ok: true }));
  Deno.serve({ hostname: '127.0.0.1', port: $BARE_PORT, onListen() {} }, app.fetch);
" >/dev/null 2>&1 &
BARE_PID=$!
HEADERS_PID=
trap 'kill $GW_PID $BARE_PID $HEADERS_PID 2>/dev/null || true; wait $GW_PID $BARE_PID $HEADERS_PID 2>/dev/null || true' EXIT

for url in "http://127.0.0.1:$GW_PORT/healthz" "http://127.0.0.1:$BARE_PORT/"; do
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && break
    sleep 0.1
  done
done

ORDERS="/esi/markets/10000002/orders?order_type=all&type_id=34"
# Warm the cache: the first call of each goes to the simulator, the rest are hits.
for path in /esi/status "$ORDERS"; do
  cache=$(curl -fsS -o /dev/null -D - "http://127.0.0.1:$GW_PORT$path" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-esikit-cache"{print $2}')
  echo "warm-up $path: x-esikit-cache=$cache"
done

# The bare route with a hit's headers: everything but what the server adds itself.
HIT_HEADERS=$(curl -fsS -o /tmp/esikit_hit_body -D - "http://127.0.0.1:$GW_PORT/esi/status" | tr -d '\r' |
  awk -F': ' 'NR > 1 && NF == 2 && tolower($1) != "date" && tolower($1) != "content-length" { printf "%s\t%s\n", $1, $2 }')
HEADERS_PORT=$(free_port)
HIT_HEADERS=$HIT_HEADERS deno eval "
  import { Hono } from 'hono';
  const headers = Deno.env.get('HIT_HEADERS')!.trim().split('\\n').map((l) => l.split('\\t'));
  const hit = new Response(Deno.readFileSync('/tmp/esikit_hit_body'), { headers });
  const app = new Hono();
  app.get('/', () => hit.clone());
  Deno.serve({ hostname: '127.0.0.1', port: $HEADERS_PORT, onListen() {} }, app.fetch);
" >/dev/null 2>&1 &
HEADERS_PID=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$HEADERS_PORT/" 2>/dev/null && break
  sleep 0.1
done
echo "a hit carries $(grep -c . <<<"$HIT_HEADERS") headers besides date and content-length"

run() {
  local name=$1 url=$2
  local out rps lat
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url")
  rps=$(awk '/^Requests\/sec/{print $2}' <<<"$out")
  lat=$(awk '$1=="99%"{print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/{$1=$1; print}' <<<"$out" | paste -sd';' -)
  printf '%-44s %12s req/s   p99 %8s   %s\n' "$name" "$rps" "$lat" "${errors:-}"
  echo "$rps"  >"/tmp/esikit_wrk_$name"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, loopback, $(nproc) CPUs, $(deno --version | head -1)"
run bare-hono "http://127.0.0.1:$BARE_PORT/"
run bare-hono-hit-headers "http://127.0.0.1:$HEADERS_PORT/"
run gateway-healthz "http://127.0.0.1:$GW_PORT/healthz"
run esi-status-hit "http://127.0.0.1:$GW_PORT/esi/status"
run esi-orders-hit "http://127.0.0.1:$GW_PORT$ORDERS"

bare=$(cat /tmp/esikit_wrk_bare-hono)
hit=$(cat /tmp/esikit_wrk_esi-status-hit)
floor=$(cat /tmp/esikit_wrk_bare-hono-hit-headers)
awk -v h="$hit" -v b="$bare" -v f="$floor" 'BEGIN {
  printf "cache-hit /esi/status vs bare Hono: %.0f%% (bare Hono with a hit'"'"'s headers: %.0f%%)\n", 100 * h / b, 100 * f / b
}'
rm -f /tmp/esikit_wrk_* /tmp/esikit_hit_body
