/**
 * Cache-hit latency per store, for a 1 KiB and a 500 KiB entry, and the same
 * ESI call served warm from each store.
 *
 *     deno bench -A bench/cache_bench.ts
 *
 * Starts what it needs and stops it at exit: a Deno KV database on disk in a
 * temp dir, a `redis-server` on a free 127.0.0.1 port with the Upstash REST
 * emulator in front of it (over loopback) and `RedisCache` straight on it, a
 * named Deno Cache API cache. Without `redis-server`, the Upstash and Redis
 * benchmarks are left out, with a warning.
 *
 * @module
 */

import { MemoryCache } from "../src/cache/memory.ts";
import { DenoKvCache } from "../src/cache/deno_kv.ts";
import { UpstashCache } from "../src/cache/upstash.ts";
import { RedisCache } from "../src/cache/redis.ts";
import { WebCache } from "../src/cache/web_cache.ts";
import type { CacheEntry, CacheStore } from "../src/cache/store.ts";
import { EsiClient } from "../src/client/client.ts";
import { redisServerBinary, startRedisServer } from "../tests/support/redis_server.ts";
import { UpstashEmulator } from "../tests/support/upstash_emulator.ts";

const KiB = 1024;
const TTL = 3_600_000;

// ---- Stores, set up once, torn down at exit ----

const dir = await Deno.makeTempDir({ prefix: "esikit-bench-" });
const kvCache = await DenoKvCache.open({ path: `${dir}/cache.sqlite3` });
// Deno keeps Cache API caches on disk in DENO_DIR: one name, emptied per run.
const webCacheName = "esikit-bench";
await caches.delete(webCacheName);
const stores: [string, CacheStore][] = [
  ["memory", new MemoryCache({ maxBytes: 256 * 1024 * 1024 })],
  ["deno-kv (disk)", kvCache],
  ["web-cache (Deno)", new WebCache({ name: webCacheName })],
];

let redis: Awaited<ReturnType<typeof startRedisServer>> | undefined;
let emulator: UpstashEmulator | undefined;
let redisCache: RedisCache | undefined;
if (redisServerBinary) {
  redis = await startRedisServer();
  emulator = await UpstashEmulator.start({ redisPort: redis.port });
  stores.push([
    "upstash (emulator, loopback)",
    new UpstashCache({
      url: emulator.url,
      token: emulator.token,
    }),
  ]);
  redisCache = new RedisCache({ url: `redis://${redis.hostname}:${redis.port}` });
  stores.push(["redis (ioredis, loopback)", redisCache]);
} else {
  console.warn("redis-server is not installed: the Upstash and Redis benchmarks are left out");
}

globalThis.addEventListener("unload", () => {
  kvCache.close();
  void redisCache?.close();
  redis?.kill();
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch {
    // Gone already.
  }
});

// ---- Cache hits: 1 KiB and 500 KiB ----

function entryOf(size: number): CacheEntry {
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31) & 0xff;
  return {
    status: 200,
    headers: {
      "content-type": "application/json; charset=UTF-8",
      etag: '"0123456789abcdef"',
      expires: new Date(Date.now() + TTL).toUTCString(),
      "last-modified": new Date().toUTCString(),
      "x-pages": "1",
    },
    body,
    storedAt: Date.now(),
    expiresAt: Date.now() + TTL,
  };
}

for (const [size, label] of [[KiB, "1 KiB"], [500 * KiB, "500 KiB"]] as const) {
  const entry = entryOf(size);
  for (const [name, store] of stores) {
    const key = `GET https://esi.evetech.net/bench/${size}`;
    await store.set(key, entry, TTL);
    if (!(await store.get(key))) throw new Error(`The ${name} store did not keep the entry`);
    Deno.bench({
      name: `${name}: hit, ${label}`,
      group: `cache hit, ${label}`,
      baseline: name === "memory",
      async fn() {
        if (!(await store.get(key))) throw new Error("miss");
      },
    });
  }
}

// ---- The same ESI call, served warm from each store ----

const statusBody = JSON.stringify({
  players: 23456,
  server_version: "2986633",
  start_time: "2026-07-17T11:05:00Z",
});
const orders = JSON.stringify(
  Array.from({ length: 2_400 }, (_, i) => ({
    duration: 90,
    is_buy_order: i % 2 === 0,
    issued: "2026-07-17T10:00:00Z",
    location_id: 60003760,
    min_volume: 1,
    order_id: 6_800_000_000 + i,
    price: 5.12 + i,
    range: "region",
    system_id: 30000142,
    type_id: 34 + (i % 50),
    volume_remain: 1000 + i,
    volume_total: 100000,
  })),
);

/** ESI, as far as these calls need: fresh for an hour, so every later call is a hit. */
let upstreamCalls = 0;
const fakeEsi: typeof fetch = (input) => {
  upstreamCalls++;
  const url = new URL(input instanceof Request ? input.url : String(input));
  const body = url.pathname.startsWith("/markets/") ? orders : statusBody;
  return Promise.resolve(
    new Response(body, {
      status: 200,
      headers: {
        "content-type": "application/json; charset=UTF-8",
        etag: '"abc"',
        expires: new Date(Date.now() + TTL).toUTCString(),
        "last-modified": new Date().toUTCString(),
        "x-pages": "1",
      },
    }),
  );
};

for (const [name, store] of stores) {
  const esi = new EsiClient({
    userAgent: "esikit-bench/1.0 (bench@example.com)",
    cache: store,
    fetch: fakeEsi,
  });
  const before = upstreamCalls;
  await esi.get("/status");
  await esi.get("/markets/{region_id}/orders", {
    path: { region_id: 10000002 },
    query: { order_type: "all" },
  });
  if (upstreamCalls !== before + 2) throw new Error(`Unexpected upstream calls for ${name}`);
  Deno.bench({
    name: `${name}: warm GET /status`,
    group: "warm ESI call, /status (~90 B JSON)",
    baseline: name === "memory",
    async fn() {
      await esi.get("/status");
    },
  });
  Deno.bench({
    name: `${name}: warm GET /markets/{region_id}/orders`,
    group: `warm ESI call, market orders page (${Math.round(orders.length / KiB)} KiB JSON)`,
    baseline: name === "memory",
    async fn() {
      await esi.get("/markets/{region_id}/orders", {
        path: { region_id: 10000002 },
        query: { order_type: "all" },
      });
    },
  });
}
