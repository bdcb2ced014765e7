import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisCache } from "../../src/cache/redis.ts";
import type { CacheEntry } from "../../src/cache/store.ts";
import type { StoreErrorEvent } from "../../src/observe/hooks.ts";
import { FakeClock } from "../../src/testing/fake_clock.ts";
import { type RedisServer, redisTest, startRedisServer } from "../support/redis_server.ts";
import { cacheConformance, type Damage } from "./conformance.ts";

const decoder = new TextDecoder();
let prefixes = 0;

cacheConformance("RedisCache (ioredis over a real redis-server)", async () => {
  const server = await startRedisServer();
  const url = `redis://${server.hostname}:${server.port}`;
  return {
    name: "redis",
    canDamage: true,
    create({ clock, hooks }) {
      const prefix = `t${++prefixes}:`;
      const store = new RedisCache({ url, prefix, clock, hooks });
      return Promise.resolve({
        store,
        damage: (_key, how) => damagePrefix(server, prefix, how),
        close: () => store.close(),
      });
    },
    broken({ clock, hooks }) {
      // A port nothing listens on: every connection attempt is refused.
      const store = new RedisCache({ url: "redis://127.0.0.1:1", clock, hooks });
      return Promise.resolve({ store, close: () => store.close() });
    },
    close: () => server.stop(),
  };
}, { register: redisTest });

/** Damages every value under a prefix, straight in Redis (each test stores one key there). */
async function damagePrefix(server: RedisServer, prefix: string, how: Damage): Promise<void> {
  const conn = await server.connect();
  try {
    const keys = await conn.command("KEYS", `${prefix}*`) as Uint8Array[];
    for (const key of keys) {
      const value = await conn.command("GET", key) as Uint8Array;
      const damaged = how === "truncate" ? value.slice(0, value.length - 8) : value.slice();
      if (how === "flip") damaged[60] ^= 0x01;
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

/** A TCP server on 127.0.0.1 that accepts connections and never answers. */
function stalledServer(): { port: number; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) conns.push(conn);
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      listener.close();
      for (const conn of conns) conn.close();
      void accepting.catch(() => {});
    },
  };
}

redisTest("RedisCache", async (t) => {
  const server = await startRedisServer();
  const url = `redis://${server.hostname}:${server.port}`;
  const clock = new FakeClock();
  const events: StoreErrorEvent[] = [];
  const hooks = { storeError: [(e: StoreErrorEvent) => void events.push(e)] };
  try {
    await t.step("values are the codec's bytes, written with PX ttl", async () => {
      await using cache = new RedisCache({ url, clock });
      await cache.set("GET /status", entryOf("{}", clock), 90_000);
      const conn = await server.connect();
      try {
        const key = "esikit:cache:k:GET /status";
        const pttl = await conn.command("PTTL", key) as number;
        // Redis counts down on its own clock: set to 90 s, it has only run since.
        assert.ok(pttl > 45_000 && pttl <= 90_000, `PTTL ${pttl}`);
        const raw = await conn.command("GET", key) as Uint8Array;
        assert.equal(decoder.decode(raw.subarray(0, 4)), "ESIC", "raw bytes, no base64");
      } finally {
        conn.close();
      }
    });

    await t.step("a Redis that accepts and never answers is a miss within timeoutMs", async () => {
      const stalled = stalledServer();
      const cache = new RedisCache({
        url: `redis://127.0.0.1:${stalled.port}`,
        clock,
        hooks,
        timeoutMs: 500,
      });
      try {
        events.length = 0;
        const read = cache.get("k");
        const write = cache.set("k", entryOf("y", clock), 60_000);
        const removal = cache.delete("k");
        await clock.advance(500);
        assert.equal(await read, undefined);
        await write;
        await removal;
        assert.deepEqual(events.map((e) => [e.operation, e.error.message]), [
          ["get", 'Cannot read from the "redis" cache store: no answer within 500 ms'],
          ["set", 'Cannot write to the "redis" cache store: no answer within 500 ms'],
          ["delete", 'Cannot delete from the "redis" cache store: no answer within 500 ms'],
        ]);
      } finally {
        await cache.close();
        stalled.close();
      }
    });

    await t.step("a user and password in the URL are used, and never shown", async () => {
      const secret = "s3cret-pa55word-9f1c";
      const conn = await server.connect();
      try {
        await conn.command("ACL", "SETUSER", "esikit", "on", `>${secret}`, "~*", "+@all");
      } finally {
        conn.close();
      }
      {
        await using cache = new RedisCache({
          url: `redis://esikit:${secret}@127.0.0.1:${server.port}`,
          clock,
          hooks,
        });
        events.length = 0;
        await cache.set("auth", entryOf("x", clock), 60_000);
        assert.equal(decoder.decode((await cache.get("auth"))?.body), "x");
        assert.equal(events.length, 0);
      }
      const wrong = "wrong-pa55word-77aa";
      await using cache = new RedisCache({
        url: `redis://esikit:${wrong}@127.0.0.1:${server.port}`,
        clock,
        hooks,
      });
      events.length = 0;
      assert.equal(await cache.get("auth"), undefined);
      assert.equal(events.length, 1);
      const shown = `${events[0].error.message} ${
        String((events[0].error.cause as Error)?.message)
      }`;
      assert.ok(!shown.includes(wrong), shown);
    });

    await t.step("a client of the caller's works, and close() leaves it open", async () => {
      const redis = new Redis(url, { commandTimeout: 500 });
      try {
        const cache = new RedisCache({ redis, clock, prefix: "own:" });
        await cache.set("k", entryOf("[1,2,3]", clock), 60_000);
        assert.equal(decoder.decode((await cache.get("k"))?.body), "[1,2,3]");
        await cache.close();
        assert.equal(await redis.ping(), "PONG");
      } finally {
        redis.disconnect();
      }
    });

    await t.step("without a url or a client, construction fails", () => {
      assert.throws(() => new RedisCache({}), /Cannot create a Redis cache: pass "url" or "redis"/);
    });
  } finally {
    await server.stop();
  }
});
