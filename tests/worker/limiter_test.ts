import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import { FakeClock } from "../../src/testing/fake_clock.ts";
import type { TierLimit } from "../../worker/config.ts";
import type { CallerLimiter } from "../../worker/limiter/types.ts";
import { embeddedLimiter } from "../../worker/limiter/embedded.ts";
import { upstashLimiter } from "../../worker/limiter/upstash.ts";
import type { WindowStore } from "../../worker/stores/types.ts";
import { MemoryStore } from "../../worker/stores/memory.ts";
import { DenoKvStore } from "../../worker/stores/deno_kv.ts";
import { UpstashNonceStore } from "../../worker/stores/upstash.ts";
import { redisTest, startRedisServer } from "../support/redis_server.ts";
import { UpstashEmulator } from "../support/upstash_emulator.ts";
import { until } from "../support/until.ts";

const tier = (limit: number, algorithm: "sliding" | "fixed" = "sliding"): TierLimit => ({
  limit,
  window: "60 s",
  windowMs: 60_000,
  algorithm,
});

async function hits(
  limiter: CallerLimiter,
  id: string,
  n: number,
  tierName = "t",
): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < n; i++) out.push((await limiter.limit(id, tierName)).success);
  return out;
}

const stores: [string, (clock: FakeClock) => Promise<{ store: WindowStore; close(): void }>][] = [
  ["memory", (clock) => Promise.resolve({ store: new MemoryStore({ clock }), close() {} })],
  ["deno kv", async (clock) => {
    const kv = await Deno.openKv(":memory:");
    return { store: new DenoKvStore({ kv, clock }), close: () => kv.close() };
  }],
];

for (const [name, open] of stores) {
  Deno.test(`embedded limiter (${name}): the sliding window weighs the previous window`, async () => {
    // Start exactly at a window boundary.
    const clock = new FakeClock({ start: 60_000 * 29_000_000 });
    const { store, close } = await open(clock);
    try {
      const limiter = embeddedLimiter({ store, tiers: { t: tier(10) }, clock });
      const first = await limiter.limit("ip:1", "t");
      assert.deepEqual(
        { ...first, pending: undefined },
        { success: true, limit: 10, remaining: 9, reset: clock.now() + 60_000, pending: undefined },
      );
      assert.deepEqual(await hits(limiter, "ip:1", 10), [...Array(9).fill(true), false]);
      const refused = await limiter.limit("ip:1", "t");
      assert.equal(refused.remaining, 0);
      assert.deepEqual(await hits(limiter, "ip:2", 1), [true]); // callers are apart

      // Half-way through the next window, half of the previous one still counts.
      await clock.advance(90_000);
      assert.deepEqual(await hits(limiter, "ip:1", 6), [true, true, true, true, true, false]);
      // Two windows on, nothing is left of it.
      await clock.advance(60_000);
      const fresh = await hits(limiter, "ip:1", 11);
      assert.equal(fresh.filter(Boolean).length, 10 - Math.floor(5 * 0.5));
    } finally {
      close();
    }
  });

  Deno.test(`embedded limiter (${name}): the fixed window resets at its end`, async () => {
    const clock = new FakeClock({ start: 60_000 * 29_000_000 + 59_000 });
    const { store, close } = await open(clock);
    try {
      const limiter = embeddedLimiter({ store, tiers: { t: tier(3, "fixed") }, clock });
      assert.deepEqual(await hits(limiter, "k", 4), [true, true, true, false]);
      await clock.advance(1_000);
      assert.deepEqual(await hits(limiter, "k", 4), [true, true, true, false]);
    } finally {
      close();
    }
  });

  Deno.test(`embedded limiter (${name}): a limit of N lets exactly N of 3N concurrent through`, async () => {
    const clock = new FakeClock({ start: 60_000 * 29_000_000 });
    const { store, close } = await open(clock);
    try {
      const limiter = embeddedLimiter({ store, tiers: { t: tier(20) }, clock });
      const results = await Promise.all(Array.from({ length: 60 }, () => limiter.limit("x", "t")));
      assert.equal(results.filter((r) => r.success).length, 20);
    } finally {
      close();
    }
  });
}

Deno.test("embedded limiter: an unknown tier is an error, not a pass", async () => {
  const limiter = embeddedLimiter({ store: new MemoryStore(), tiers: { t: tier(1) } });
  await assert.rejects(limiter.limit("x", "gold"), /tier "gold" is not configured/);
});

Deno.test("nonces: each is claimed once, and again after its TTL", async () => {
  const clock = new FakeClock();
  const kv = await Deno.openKv(":memory:");
  try {
    for (const store of [new MemoryStore({ clock }), new DenoKvStore({ kv, clock })]) {
      assert.equal(await store.claim("a", 1_000), true);
      assert.equal(await store.claim("a", 1_000), false);
      assert.equal(await store.claim("b", 1_000), true);
      await clock.advance(1_001);
      assert.equal(await store.claim("a", 1_000), true, store.name);
      await store.ping();
    }
    // Concurrent claims of one nonce: exactly one wins.
    const store = new DenoKvStore({ kv, clock });
    const wins = await Promise.all(Array.from({ length: 20 }, () => store.claim("race", 5_000)));
    assert.equal(wins.filter(Boolean).length, 1);
  } finally {
    kv.close();
  }
});

redisTest(
  "upstash limiter: N of 3N concurrent, shared by two instances, over a real redis-server",
  async (t) => {
    const server = await startRedisServer();
    const emulator = await UpstashEmulator.start({ redisPort: server.port });
    const redis = () =>
      new Redis({ url: emulator.url, token: emulator.token, retry: false, enableTelemetry: false });
    const tiers = {
      t: { limit: 25, window: "1 h" as const, windowMs: 3_600_000, algorithm: "sliding" as const },
    };
    try {
      await t.step("a limit of N lets exactly N of 3N concurrent through", async () => {
        const limiter = upstashLimiter({
          redis: redis(),
          tiers,
          prefix: `p${crypto.randomUUID()}`,
        });
        const results = await Promise.all(
          Array.from({ length: 75 }, () => limiter.limit("ip:1", "t")),
        );
        assert.equal(results.filter((r) => r.success).length, 25);
        await Promise.all(results.map((r) => r.pending));
        const last = results.find((r) => !r.success)!;
        assert.equal(last.limit, 25);
        assert.equal(last.remaining, 0);
      });

      await t.step("two gateway instances on one store share one limit", async () => {
        const prefix = `p${crypto.randomUUID()}`;
        const a = upstashLimiter({ redis: redis(), tiers, prefix });
        const b = upstashLimiter({ redis: redis(), tiers, prefix });
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).limit("key:app", "t")),
        );
        assert.equal(results.filter((r) => r.success).length, 25);
      });

      await t.step("nonces in Upstash are claimed once", async () => {
        const store = new UpstashNonceStore({ redis: redis(), prefix: crypto.randomUUID() });
        const wins = await Promise.all(
          Array.from({ length: 10 }, () => store.claim("sig", 60_000)),
        );
        assert.equal(wins.filter(Boolean).length, 1);
        await store.ping();
      });

      await t.step("an outage makes the limiter throw (the middleware decides)", async () => {
        const limiter = upstashLimiter({
          redis: redis(),
          tiers,
          prefix: `p${crypto.randomUUID()}`,
        });
        emulator.mode = "error";
        await assert.rejects(limiter.limit("ip:9", "t"));
        emulator.mode = "normal";
        assert.equal((await limiter.limit("ip:9", "t")).success, true);
      });

      await t.step("a stalled store fails the limiter and the nonces after 1 s", async () => {
        const clock = new FakeClock();
        const limiter = upstashLimiter({ redis: redis(), tiers, prefix: "stalled", clock });
        const nonces = new UpstashNonceStore({ redis: redis(), prefix: "stalled", clock });
        emulator.mode = "stall";
        try {
          const settled = Promise.allSettled([limiter.limit("ip:8", "t"), nonces.claim("n", 1)]);
          await until(() => emulator.stalled === 2, "both calls to reach the store");
          await clock.advance(999);
          await clock.advance(1);
          const outcomes = await settled;
          assert.deepEqual(
            outcomes.map((o) => o.status === "rejected" && o.reason.name),
            ["StoreTimeoutError", "StoreTimeoutError"],
          );
        } finally {
          emulator.mode = "normal";
          await emulator.idle();
        }
      });
    } finally {
      await emulator.close();
      await server.stop();
    }
  },
);

Deno.test("embedded limiter: two instances on one Deno KV share one limit", async () => {
  const clock = new FakeClock({ start: 60_000 * 29_000_000 });
  const kv = await Deno.openKv(":memory:");
  try {
    const tiers = { t: tier(15) };
    const a = embeddedLimiter({ store: new DenoKvStore({ kv, clock }), tiers, clock });
    const b = embeddedLimiter({ store: new DenoKvStore({ kv, clock }), tiers, clock });
    const results = await Promise.all(
      Array.from({ length: 45 }, (_, i) => (i % 2 ? a : b).limit("key:app", "t")),
    );
    assert.equal(results.filter((r) => r.success).length, 15);
  } finally {
    kv.close();
  }
});

Deno.test("embedded limiter: a lease admits without asking the store, never over the limit", async () => {
  const clock = new FakeClock({ start: 60_000 * 29_000_000 });
  const kv = await Deno.openKv(":memory:");
  try {
    let asked = 0;
    const counting = (store: WindowStore): WindowStore => ({
      name: store.name,
      hit: (hit) => (asked++, store.hit(hit)),
    });
    const tiers = { t: tier(1_000) };
    const solo = embeddedLimiter({ store: counting(new MemoryStore({ clock })), tiers, clock });
    const first = await hits(solo, "k", 100);
    assert.ok(first.every(Boolean));
    assert.ok(asked <= 2, `asked the store ${asked} times for 100 requests`);
    assert.equal((await solo.limit("k", "t")).remaining, 1_000 - 101);

    // Two instances taking turns, one request at a time: the leases of both
    // never add up to more than the limit, and the last requests ask the store.
    asked = 0;
    const a = embeddedLimiter({ store: counting(new DenoKvStore({ kv, clock })), tiers, clock });
    const b = embeddedLimiter({ store: counting(new DenoKvStore({ kv, clock })), tiers, clock });
    let admitted = 0;
    for (let i = 0; i < 1_500; i++) {
      if ((await (i % 2 ? a : b).limit("shared", "t")).success) admitted++;
    }
    assert.ok(admitted <= 1_000 && admitted >= 990, `admitted ${admitted}`);
    assert.ok(asked < 1_500, `asked ${asked}`);

    // Without a lease every request asks the store.
    asked = 0;
    const exact = embeddedLimiter({
      store: counting(new MemoryStore({ clock })),
      tiers,
      clock,
      lease: 0,
    });
    await hits(exact, "k", 10);
    assert.equal(asked, 10);
  } finally {
    kv.close();
  }
});

Deno.test("embedded limiter: forgetting ended windows keeps a longer tier's live slots", async () => {
  const clock = new FakeClock({ start: 60_000 * 29_000_000 + 1_000 });
  const tiers = {
    anonymous: tier(60),
    gold: { limit: 60, window: "1 h", windowMs: 3_600_000, algorithm: "sliding" } as TierLimit,
  };
  const limiter = embeddedLimiter({ store: new MemoryStore({ clock }), tiers, clock });
  assert.ok((await limiter.limit("key:gold", "gold")).success); // reserves part of the hour
  for (let i = 0; i < 9_999; i++) await limiter.limit(`ip:${i}`, "anonymous"); // 10,000 slots
  // A minute on, a new caller makes the limiter forget the minute that ended, not the hour.
  await clock.advance(60_000);
  await limiter.limit("ip:new", "anonymous");
  assert.deepEqual(await hits(limiter, "key:gold", 60, "gold"), [...Array(59).fill(true), false]);
});

Deno.test("embedded limiter: a store that hangs fails the request after the timeout", async () => {
  const clock = new FakeClock();
  const hanging: WindowStore = { name: "hanging", hit: () => new Promise(() => {}) };
  const limiter = embeddedLimiter({
    store: hanging,
    tiers: { t: tier(10) },
    clock,
    timeoutMs: 500,
  });
  const decision = limiter.limit("ip:1", "t");
  let settled = false;
  decision.then(() => settled = true, () => settled = true);
  await clock.advance(499);
  assert.equal(settled, false);
  await clock.advance(1);
  await assert.rejects(decision, {
    name: "StoreTimeoutError",
    message: "Cannot count a request: the store did not answer within 500 ms",
  });
});
