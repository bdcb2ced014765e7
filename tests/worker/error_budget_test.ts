import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import type { ErrorBudget, ErrorBudgetStore } from "../../src/limits/error_limit.ts";
import { EsiSimulator, FakeClock } from "../../src/testing/mod.ts";
import { serve } from "../../src/testing/deno.ts";
import { type EnvRecord, loadConfig } from "../../worker/config.ts";
import { DenoKvBudgetStore } from "../../src/limits/budget_deno_kv.ts";
import { UpstashBudgetStore } from "../../src/limits/budget_upstash.ts";
import { createGateway, type GatewayOptions } from "../../worker/gateway.ts";
import { redisTest, startRedisServer } from "../support/redis_server.ts";
import { UpstashEmulator } from "../support/upstash_emulator.ts";
import { until } from "../support/until.ts";

const RESERVE = 3;

/** Concurrent saves in one window, from four instances: the lowest remainder is what stays. */
async function concurrentSavesKeepTheLowest(newStore: () => ErrorBudgetStore, now: number) {
  const stores = [newStore(), newStore(), newStore(), newStore()];
  const store = stores[0];
  const resetAt = now + 30_000;
  const remains = Array.from({ length: 24 }, (_, i) => 50 - i * 2); // 50 … 4
  await Promise.all(
    remains.map((remain, i) => stores[i % 4].save({ remain, resetAt, blockedUntil: 0 })),
  );
  assert.deepEqual(await store.load(), { remain: 4, resetAt, blockedUntil: 0 });
  // A later, higher report of the same window does not raise it; a new window does.
  await store.save({ remain: 40, resetAt: resetAt + 1_000, blockedUntil: 0 });
  assert.equal((await store.load())!.remain, 4);
  const next: ErrorBudget = { remain: 99, resetAt: resetAt + 60_000, blockedUntil: 0 };
  await store.save(next);
  assert.deepEqual(await store.load(), next);
  // A 420 block outlasts a report without one.
  await store.save({ remain: 0, resetAt: next.resetAt, blockedUntil: next.resetAt });
  await store.save({ remain: 50, resetAt: next.resetAt, blockedUntil: 0 });
  assert.deepEqual(await store.load(), {
    remain: 0,
    resetAt: next.resetAt,
    blockedUntil: next.resetAt,
  });
}

/**
 * Instance A spends ESI's error budget down to the reserve against a failing
 * route; instance B, sharing only the store, then refuses without sending.
 */
async function twoInstancesShareOneBudget(
  gateway: (clock: FakeClock, env: EnvRecord) => Omit<GatewayOptions, "config" | "clock">,
  store: (clock: FakeClock) => ErrorBudgetStore,
  env: EnvRecord = {},
) {
  const clock = new FakeClock();
  const sim = new EsiSimulator({ clock, errorLimit: 10 });
  await serve(sim);
  try {
    sim.fault("GET /status", { statuses: [500], times: Infinity });
    const config = loadConfig({
      ESI_USER_AGENT: "esikit-tests/1.0 (tests@example.com)",
      ESI_BASE_URL: sim.url,
      RATE_LIMIT: "1000",
      ...env,
    });
    const build = () =>
      createGateway({
        config,
        clock,
        logger: () => {},
        errorLimit: { reserve: RESERVE, storeSyncMs: 0 },
        ...gateway(clock, env),
      }).app;
    const a = build();
    const b = build();
    const status = async (app: typeof a) => {
      const res = await app.request("/esi/status");
      await res.body?.cancel();
      return res.status;
    };

    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push(await status(a));
    // 10 errors allowed, 3 kept in reserve: 7 went out and failed, then A held back.
    assert.deepEqual(statuses, [500, 500, 500, 500, 500, 500, 500, 503, 503, 503]);
    assert.equal(sim.requests.length, 7);

    // The guard saves in the background: wait (on store reads, not time) for the last save.
    const shared = store(clock);
    for (let i = 0; i < 100 && (await shared.load())?.remain !== RESERVE; i++);
    assert.equal((await shared.load())?.remain, RESERVE);

    const res = await b.request("/esi/status");
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get("retry-after")) > 0);
    assert.match((await res.json()).error, /error/i);
    assert.equal(sim.requests.length, 7, "B sent nothing");
  } finally {
    await sim.close();
  }
}

Deno.test("error budget in Deno KV: merges atomically, shared by two gateway instances", async (t) => {
  const kv = await Deno.openKv(":memory:");
  try {
    await t.step("concurrent saves never raise the remainder", async () => {
      const clock = new FakeClock();
      const key = ["t", crypto.randomUUID()];
      await concurrentSavesKeepTheLowest(
        () => new DenoKvBudgetStore({ kv, key, clock }),
        clock.now(),
      );
    });
    await t.step("A spends the budget to the reserve; B holds its calls", async () => {
      await kv.delete(["esikit-gateway", "esi-error-budget"]);
      await twoInstancesShareOneBudget(
        () => ({ kv }),
        (clock) => new DenoKvBudgetStore({ kv, clock }),
      );
    });
  } finally {
    kv.close();
  }
});

redisTest(
  "error budget in Upstash (real redis-server): merged by a Lua script, shared by two instances",
  async (t) => {
    const server = await startRedisServer();
    const emulator = await UpstashEmulator.start({ redisPort: server.port });
    const redis = () =>
      new Redis({
        url: emulator.url,
        token: emulator.token,
        retry: false,
        enableTelemetry: false,
        automaticDeserialization: false,
      });
    try {
      await t.step("concurrent saves never raise the remainder", async () => {
        const clock = new FakeClock();
        const key = `t:${crypto.randomUUID()}`;
        await concurrentSavesKeepTheLowest(
          () => new UpstashBudgetStore({ redis: redis(), key, clock }),
          clock.now(),
        );
      });
      await t.step("A spends the budget to the reserve; B holds its calls", async () => {
        await twoInstancesShareOneBudget(
          () => ({}),
          (clock) => new UpstashBudgetStore({ redis: redis(), clock }),
          { UPSTASH_REDIS_REST_URL: emulator.url, UPSTASH_REDIS_REST_TOKEN: emulator.token },
        );
      });
      await t.step("a stalled store fails each call after the deadline", async () => {
        const clock = new FakeClock();
        const store = new UpstashBudgetStore({ redis: redis(), key: "t:stalled", clock });
        emulator.mode = "stall";
        try {
          const load = store.load();
          const save = store.save({ remain: 10, resetAt: clock.now() + 60_000, blockedUntil: 0 });
          const settled = Promise.allSettled([load, save]);
          await until(() => emulator.stalled === 2, "both calls to reach the store");
          await clock.advance(999);
          await clock.advance(1);
          const outcomes = await settled;
          assert.deepEqual(outcomes.map((o) => o.status), ["rejected", "rejected"]);
          for (const o of outcomes) {
            assert.equal((o as PromiseRejectedResult).reason.name, "StoreTimeoutError");
          }
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
