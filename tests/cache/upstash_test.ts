import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import { UpstashCache } from "../../src/cache/upstash.ts";
import type { CacheEntry } from "../../src/cache/store.ts";
import type { StoreErrorEvent } from "../../src/observe/hooks.ts";
import { FakeClock } from "../../src/testing/fake_clock.ts";
import { type RedisServer, redisTest, startRedisServer } from "../support/redis_server.ts";
import { UpstashEmulator } from "../support/upstash_emulator.ts";
import { cacheConformance, type Damage } from "./conformance.ts";

const decoder = new TextDecoder();

interface Backend {
  server: RedisServer;
  emulator: UpstashEmulator;
  close(): Promise<void>;
}

async function startBackend(): Promise<Backend> {
  const server = await startRedisServer();
  const emulator = await UpstashEmulator.start({ redisPort: server.port });
  return {
    server,
    emulator,
    async close() {
      await emulator.close();
      await server.stop();
    },
  };
}

let prefixes = 0;

cacheConformance("UpstashCache (emulator over a real redis-server)", async () => {
  const backend = await startBackend();
  return {
    name: "upstash",
    canDamage: true,
    create({ clock, hooks }) {
      const prefix = `t${++prefixes}:`;
      const store = new UpstashCache({
        url: backend.emulator.url,
        token: backend.emulator.token,
        prefix,
        clock,
        hooks,
      });
      return Promise.resolve({
        store,
        damage: (_key, how) => damagePrefix(backend.server, prefix, how),
        close: () => Promise.resolve(),
      });
    },
    broken({ clock, hooks }) {
      // A port nothing listens on: every request is refused.
      const store = new UpstashCache({ url: "http://127.0.0.1:1", token: "t", clock, hooks });
      return Promise.resolve({ store, close: () => Promise.resolve() });
    },
    close: () => backend.close(),
  };
}, { register: redisTest });

/** Damages every value under a prefix, straight in Redis (each test stores one key there). */
async function damagePrefix(server: RedisServer, prefix: string, how: Damage): Promise<void> {
  const conn = await server.connect();
  try {
    const keys = await conn.command("KEYS", `${prefix}*`) as Uint8Array[];
    for (const key of keys) {
      const value = decoder.decode(await conn.command("GET", key) as Uint8Array);
      const damaged = how === "truncate"
        ? value.slice(0, value.length - 8)
        : value.slice(0, 60) + (value[60] === "A" ? "B" : "A") + value.slice(61);
      await conn.command("SET", key, damaged, "KEEPTTL");
    }
  } finally {
    conn.close();
  }
}

function entryOf(body: string, clock: FakeClock): CacheEntry {
  return {
    status: 200,
    headers: { etag: '"e"' },
    body: new TextEncoder().encode(body),
    storedAt: clock.now(),
    expiresAt: clock.now() + 60_000,
  };
}

redisTest("UpstashCache", async (t) => {
  const backend = await startBackend();
  const { emulator, server } = backend;
  const clock = new FakeClock();
  const events: StoreErrorEvent[] = [];
  const hooks = { storeError: [(e: StoreErrorEvent) => void events.push(e)] };
  try {
    await t.step("values are written with PX ttl, so Redis drops them itself", async () => {
      const cache = new UpstashCache({ url: emulator.url, token: emulator.token, clock });
      await cache.set("GET /status", entryOf("{}", clock), 90_000);
      const conn = await server.connect();
      try {
        const pttl = await conn.command("PTTL", "esikit:cache:k:GET /status") as number;
        // Redis counts down on its own clock: set to 90 s, it has only run since.
        assert.ok(pttl > 45_000 && pttl <= 90_000, `PTTL ${pttl}`);
      } finally {
        conn.close();
      }
    });

    await t.step("every operation is one request", async () => {
      const cache = new UpstashCache({ url: emulator.url, token: emulator.token, clock });
      const before = emulator.requestCount;
      await cache.set("one", entryOf("x".repeat(100_000), clock), 60_000);
      await cache.get("one");
      await cache.delete("one");
      assert.equal(emulator.requestCount, before + 3);
    });

    await t.step("a large entry is sent alone, as bytes: read back whole, with PX", async () => {
      const cache = new UpstashCache({ url: `${emulator.url}/`, token: emulator.token, clock });
      // Every byte value, at each length modulo 3 (base64's padding cases).
      for (const length of [300_000, 300_001, 300_002]) {
        const body = Uint8Array.from({ length }, (_, i) => (i * 7) % 256);
        const before = emulator.requestCount;
        await cache.set("big", { ...entryOf("", clock), body }, 90_000);
        assert.equal(emulator.requestCount, before + 1);
        assert.deepEqual((await cache.get("big"))?.body, body);
      }
      const conn = await server.connect();
      try {
        const pttl = await conn.command("PTTL", "esikit:cache:k:big") as number;
        assert.ok(pttl > 45_000 && pttl <= 90_000, `PTTL ${pttl}`);
      } finally {
        conn.close();
      }
    });

    await t.step("a large entry refused by Upstash is reported, naming no key", async () => {
      events.length = 0;
      const cache = new UpstashCache({ url: emulator.url, token: "not-the-token", clock, hooks });
      await cache.set("secret-session-id", entryOf("x".repeat(100_000), clock), 60_000);
      assert.equal(events.length, 1);
      assert.doesNotMatch(events[0].error.message, /secret-session-id|not-the-token/);
      assert.match(events[0].error.message, /Cannot SET a cache entry in Upstash/);
    });

    await t.step("concurrent operations share one round trip (auto-pipelining)", async () => {
      const cache = new UpstashCache({ url: emulator.url, token: emulator.token, clock });
      const keys = Array.from({ length: 20 }, (_, i) => `page ${i + 1}`);
      let before = emulator.requestCount;
      await Promise.all(keys.map((k) => cache.set(k, entryOf(k, clock), 60_000)));
      assert.equal(emulator.requestCount, before + 1, "20 writes, one request");
      before = emulator.requestCount;
      const read = await Promise.all(keys.map((k) => cache.get(k)));
      assert.equal(emulator.requestCount, before + 1, "20 reads, one request");
      assert.deepEqual(read.map((e) => decoder.decode(e?.body)), keys);
    });

    await t.step("a client of the caller's, with automatic deserialisation on, works", async () => {
      const redis = new Redis({ url: emulator.url, token: emulator.token, enableTelemetry: false });
      const cache = new UpstashCache({ redis, clock, prefix: "own:" });
      await cache.set("k", entryOf("[1,2,3]", clock), 60_000);
      assert.equal(decoder.decode((await cache.get("k"))?.body), "[1,2,3]");
    });

    await t.step("a Redis that does not answer in time is a miss", async () => {
      const cache = new UpstashCache({
        url: emulator.url,
        token: emulator.token,
        clock,
        hooks,
        timeoutMs: 500,
      });
      await cache.set("slow", entryOf("x", clock), 60_000);
      emulator.mode = "stall";
      try {
        events.length = 0;
        const read = cache.get("slow");
        const write = cache.set("slow", entryOf("y", clock), 60_000);
        await clock.advance(500);
        assert.equal(await read, undefined);
        await write;
        assert.deepEqual(events.map((e) => [e.operation, e.error.message]), [
          ["get", 'Cannot read from the "upstash" cache store: no answer within 500 ms'],
          ["set", 'Cannot write to the "upstash" cache store: no answer within 500 ms'],
        ]);
      } finally {
        emulator.mode = "normal";
        await emulator.idle();
      }
      assert.ok(await cache.get("slow"), "back to normal");
    });

    await t.step("an erroring Redis is a miss; the token never shows", async () => {
      const cache = new UpstashCache({ url: emulator.url, token: emulator.token, clock, hooks });
      emulator.mode = "error";
      try {
        events.length = 0;
        assert.equal(await cache.get("k"), undefined);
        await cache.set("k", entryOf("x", clock), 60_000);
        await cache.delete("k");
      } finally {
        emulator.mode = "normal";
      }
      assert.deepEqual(events.map((e) => e.operation), ["get", "set", "delete"]);
      for (const { error } of events) {
        assert.ok(!error.message.includes(emulator.token));
        assert.ok(!String((error.cause as Error)?.message).includes(emulator.token));
      }
    });

    await t.step("a wrong token is a reported miss", async () => {
      const cache = new UpstashCache({ url: emulator.url, token: "wrong", clock, hooks });
      events.length = 0;
      assert.equal(await cache.get("k"), undefined);
      assert.equal(events.length, 1);
    });

    await t.step("without a client or both url and token, construction fails", () => {
      assert.throws(
        () => new UpstashCache({ url: emulator.url }),
        /Cannot create an Upstash cache: pass "redis", or both "url" and "token"/,
      );
    });
  } finally {
    await backend.close();
  }
});
