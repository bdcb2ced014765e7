#!/usr/bin/env bash
# Load test of the gateway's Deno entry on loopback (not a test; prints figures).
#
# Every target in one run, with wrk: each for $DURATION with $THREADS threads
# and $CONNECTIONS connections, $ROUNDS rounds, then a table of each target's
# range and its ratio to bare Hono. With 2 CPUs or more, every server is pinned
# to CPU 0 and wrk to CPU 1 (taskset), so that they do not take turns.
#
#   bare-hono               a bare Hono route answering c.json({ ok: true })
#   bare-hono-hit-headers   a bare Hono route answering a clone of an /esi/status
#                           hit's headers and body (cloned, as the gateway does):
#                           what a hit's headers alone cost
#   gateway-healthz         /healthz (all global middleware)
#   esi-status-hit          /esi/status from the cache
#   esi-status-304          the same with the hit's ETag in If-None-Match
#   esi-orders-hit          a 234 KB market page from the cache
#   nginx-status-hit        nginx proxy_cache (bench/nginx_cache.conf: a log line,
#   nginx-status-304        limit_req, 6 added headers) in front of the same
#   nginx-orders-hit        simulator, one worker
#   upstream-miss           the simulator alone, a path never asked before each time
#   bare-proxy-miss         a bare Deno.serve handler that fetches the same from the
#                           simulator and answers its body: what any Deno gateway's
#                           miss costs before it does anything of its own
#   esi-miss                the gateway, the same: each request goes to the simulator
#
# The gateway runs as `deno task start` does (Deno KV, here in memory, the
# embedded limiter on Deno KV, one JSON log line per request, to /dev/null)
# in front of the ESI simulator in a process of its own; the limit is raised
# so the limiter counts every request but never refuses one. For the misses
# the simulator answers /universe/types/{id} with `no-cache`, and
# bench/unique_path.lua asks for a new id with every request, over
# $MISS_CONNECTIONS connections (one caller's share of the upstream slots). The gateway's
# CPU time per miss is read from /proc/<pid>/stat around the esi-miss run.
#
#   bench/worker_load.sh                           # 10 s, 2 threads, 50 connections, 3 rounds
#   DURATION=5s CONNECTIONS=20 ROUNDS=1 bench/worker_load.sh
#   ONLY="esi-status-hit esi-status-304" bench/worker_load.sh   # some targets only
#
# Needs wrk and nginx (Debian: apt-get update && apt-get install -y wrk nginx-light).
set -euo pipefail

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-50}
ROUNDS=${ROUNDS:-3}
# A caller may have 5 calls to ESI in flight (its share of the 20 upstream slots); more
# connections would measure its 429s, not the misses.
MISS_CONNECTIONS=${MISS_CONNECTIONS:-5}

cd "$(dirname "$0")/.."
for tool in wrk nginx; do
  command -v $tool >/dev/null ||
    { echo "$tool is missing: apt-get update && apt-get install -y wrk nginx-light" >&2; exit 1; }
done
SERVER_CPU=() WRK_CPU=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  SERVER_CPU=(taskset -c 0) WRK_CPU=(taskset -c 1)
fi

free_port() {
  deno eval 'const l = Deno.listen({ hostname: "127.0.0.1", port: 0 }); console.log(l.addr.port); l.close();'
}
GW_PORT=$(free_port)
BARE_PORT=$(free_port)
SIM_PORT=$(free_port)
NGINX_PORT=$(free_port)
WORK=$(mktemp -d /tmp/esikit_load.XXXXXX)
chmod 755 "$WORK" # nginx's worker may run as nobody

"${SERVER_CPU[@]}" deno eval "
  import { EsiSimulator } from './src/testing/mod.ts';
  import { serve } from './src/testing/deno.ts';
  const sim = new EsiSimulator();
  // Never cached: a miss on every request, whatever asks.
  sim.route('GET /universe/types/{type_id}', {
    cacheAge: 0,
    body: (ctx) => ({ type_id: Number(ctx.params.type_id), name: 'Type', published: true, group_id: 18 }),
  });
  await serve(sim, { port: $SIM_PORT });
" >/dev/null 2>&1 &
SIM_PID=$!
ESI_BASE_URL="http://127.0.0.1:$SIM_PORT" PORT=$GW_PORT HOST=127.0.0.1 DENO_KV_PATH=:memory: \
  RATE_LIMIT=1000000000 RATE_LIMIT_WINDOW="60 s" \
  "${SERVER_CPU[@]}" deno run -A worker/deno.ts >/dev/null 2>&1 &
GW_PID=$!
"${SERVER_CPU[@]}" deno eval "
  import { Hono } from 'hono';
  const app = new Hono();
  app.get('/', (c) => c.json({ ok: true }));
  Deno.serve({ hostname: '127.0.0.1', port: $BARE_PORT, onListen() {} }, app.fetch);
" >/dev/null 2>&1 &
BARE_PID=$!
mkdir -p "$WORK/nginx"
sed -e "s|__DIR__|$WORK/nginx|g" -e "s|__PORT__|$NGINX_PORT|g" -e "s|__UPSTREAM__|127.0.0.1:$SIM_PORT|g" \
  bench/nginx_cache.conf >"$WORK/nginx/nginx.conf"
chmod -R a+rwX "$WORK/nginx"
"${SERVER_CPU[@]}" nginx -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
HEADERS_PID=
PROXY_PORT=$(free_port)
"${SERVER_CPU[@]}" deno eval "
  Deno.serve({ hostname: '127.0.0.1', port: $PROXY_PORT, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname.replace(/^\/esi/, '');
    const res = await fetch('http://127.0.0.1:$SIM_PORT' + path, { headers: { 'User-Agent': 'bare' } });
    return new Response(await res.arrayBuffer(), {
      status: res.status,
      headers: { 'Content-Type': 'application/json' },
    });
  });
" >/dev/null 2>&1 &
PROXY_PID=$!
trap 'kill $GW_PID $BARE_PID $SIM_PID $NGINX_PID $HEADERS_PID $PROXY_PID 2>/dev/null || true
  wait $GW_PID $BARE_PID $SIM_PID $NGINX_PID $HEADERS_PID $PROXY_PID 2>/dev/null || true
  rm -rf "$WORK"' EXIT

for url in "http://127.0.0.1:$SIM_PORT/status" "http://127.0.0.1:$GW_PORT/healthz" \
  "http://127.0.0.1:$BARE_PORT/" "http://127.0.0.1:$NGINX_PORT/esi/status" \
  "http://127.0.0.1:$PROXY_PORT/esi/status"; do
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && break
    sleep 0.1
  done
done

header() { # the value of header $1 in the response headers on stdin
  tr -d '\r' | awk -F': ' -v h="$1" 'tolower($1)==h{print $2}'
}
ORDERS="/esi/markets/10000002/orders?order_type=all&type_id=34"
# Warm the caches: the first call of each goes to the simulator, the rest are hits.
for path in /esi/status "$ORDERS"; do
  for _ in 1 2; do
    gw=$(curl -fsS -o /dev/null -D - "http://127.0.0.1:$GW_PORT$path" | header x-esikit-cache)
    ng=$(curl -fsS -o /dev/null -D - "http://127.0.0.1:$NGINX_PORT$path" | header x-cache-status)
  done
  echo "warm-up $path: gateway x-esikit-cache=$gw, nginx x-cache-status=$ng"
done
ETAG=$(curl -fsS -o /dev/null -D - "http://127.0.0.1:$GW_PORT/esi/status" | header etag)
NGINX_ETAG=$(curl -fsS -o /dev/null -D - "http://127.0.0.1:$NGINX_PORT/esi/status" | header etag)
for target in "$GW_PORT $ETAG" "$NGINX_PORT $NGINX_ETAG"; do
  read -r port etag <<<"$target"
  code=$(curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "http://127.0.0.1:$port/esi/status")
  echo "If-None-Match $etag on port $port: $code"
done
for base in "http://127.0.0.1:$SIM_PORT" "http://127.0.0.1:$GW_PORT/esi"; do
  echo "miss $base: $(curl -fsS -o /dev/null -D - "$base/universe/types/7" | header cache-control)"
done

# The bare route with a hit's headers: everything but what the server adds itself.
HIT_HEADERS=$(curl -fsS -o "$WORK/hit_body" -D - "http://127.0.0.1:$GW_PORT/esi/status" | tr -d '\r' |
  awk -F': ' 'NR > 1 && NF == 2 && tolower($1) != "date" && tolower($1) != "content-length" { printf "%s\t%s\n", $1, $2 }')
HEADERS_PORT=$(free_port)
HIT_HEADERS=$HIT_HEADERS "${SERVER_CPU[@]}" deno eval "
  import { Hono } from 'hono';
  const headers = Deno.env.get('HIT_HEADERS')!.trim().split('\\n').map((l) => l.split('\\t'));
  const hit = new Response(Deno.readFileSync('$WORK/hit_body'), { headers });
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

cpu_ticks() { # user + system CPU time of process $1, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))

run() { # name url [wrk options...]: one wrk run, a line, and its req/s kept per round
  local name=$1 url=$2
  shift 2
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then
    REQUESTS=1
    return
  fi
  local out rps lat errors
  out=$("${WRK_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" "$@")
  rps=$(awk '/^Requests\/sec/{print $2}' <<<"$out")
  lat=$(awk '$1=="99%"{print $2}' <<<"$out")
  errors=$(awk '/Non-2xx|Socket errors/{$1=$1; print}' <<<"$out" | paste -sd';' -)
  printf '%-24s %12s req/s   p99 %8s   %s\n' "$name" "$rps" "$lat" "${errors:-}"
  echo "$rps" >>"$WORK/rps_$name"
  REQUESTS=$(awk '/requests in/{print $1}' <<<"$out")
  [ "${REQUESTS:-0}" -gt 0 ] || REQUESTS=1 # per-request figures of a run that failed
}

SIM="http://127.0.0.1:$SIM_PORT"
GW="http://127.0.0.1:$GW_PORT"
NG="http://127.0.0.1:$NGINX_PORT"
TARGETS=(bare-hono bare-hono-hit-headers gateway-healthz esi-status-hit esi-status-304
  esi-orders-hit nginx-status-hit nginx-status-304 nginx-orders-hit upstream-miss bare-proxy-miss
  esi-miss)
echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds, loopback, $(nproc) CPUs," \
  "${SERVER_CPU[*]:-unpinned} servers, $(deno --version | head -1), $(nginx -v 2>&1)"
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round"
  run bare-hono "http://127.0.0.1:$BARE_PORT/"
  run bare-hono-hit-headers "http://127.0.0.1:$HEADERS_PORT/"
  run gateway-healthz "$GW/healthz"
  run esi-status-hit "$GW/esi/status"
  run esi-status-304 "$GW/esi/status" -H "If-None-Match: $ETAG"
  run esi-orders-hit "$GW$ORDERS"
  run nginx-status-hit "$NG/esi/status"
  run nginx-status-304 "$NG/esi/status" -H "If-None-Match: $NGINX_ETAG"
  run nginx-orders-hit "$NG$ORDERS"
  sim_before=$(cpu_ticks $SIM_PID)
  run upstream-miss "$SIM/" -c"$MISS_CONNECTIONS" -s bench/unique_path.lua -- "/universe/types/"
  sim_ticks=$(($(cpu_ticks $SIM_PID) - sim_before))
  [ -f "$WORK/rps_upstream-miss" ] &&
    echo "  simulator CPU per request: $((sim_ticks * TICK_US / REQUESTS)) µs"
  proxy_before=$(cpu_ticks $PROXY_PID)
  run bare-proxy-miss "http://127.0.0.1:$PROXY_PORT/" -c"$MISS_CONNECTIONS" -s bench/unique_path.lua -- \
    "/esi/universe/types/"
  proxy_ticks=$(($(cpu_ticks $PROXY_PID) - proxy_before))
  [ -f "$WORK/rps_bare-proxy-miss" ] &&
    echo "  bare proxy CPU per miss: $((proxy_ticks * TICK_US / REQUESTS)) µs"
  gw_before=$(cpu_ticks $GW_PID)
  sim_before=$(cpu_ticks $SIM_PID)
  run esi-miss "$GW/" -c"$MISS_CONNECTIONS" -s bench/unique_path.lua -- "/esi/universe/types/"
  gw_ticks=$(($(cpu_ticks $GW_PID) - gw_before))
  sim_ticks=$(($(cpu_ticks $SIM_PID) - sim_before))
  [ -f "$WORK/rps_esi-miss" ] || continue
  echo "  per miss: gateway CPU $((gw_ticks * TICK_US / REQUESTS)) µs," \
    "simulator CPU $((sim_ticks * TICK_US / REQUESTS)) µs"
  echo "$((gw_ticks * TICK_US / REQUESTS))" >>"$WORK/miss_cpu"
done

echo
echo "| target | req/s (min–max of $ROUNDS) | vs bare Hono |"
echo "| --- | --- | --- |"
bare=$(cat "$WORK/rps_bare-hono" 2>/dev/null | awk '{ s += $1 } END { print NR ? s / NR : 0 }')
for name in "${TARGETS[@]}"; do
  [ -f "$WORK/rps_$name" ] || continue
  sort -n "$WORK/rps_$name" | awk -v n="$name" -v b="$bare" '
    NR == 1 { min = $1 } { max = $1; s += $1 }
    END { printf "| %s | %.0f–%.0f | %s |\n", n, min, max, b ? sprintf("%.2f", s / NR / b) : "–" }'
done
[ -f "$WORK/miss_cpu" ] &&
  echo "gateway CPU per miss (µs, each round): $(paste -sd' ' "$WORK/miss_cpu")"
