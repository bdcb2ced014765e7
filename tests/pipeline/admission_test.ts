/**
 * One admission, at the wire: whatever method the caller picked, and however
 * many calls it started at once, ESI never answers 420 or 429.
 */
import assert from "node:assert/strict";
import {
  type ErrorBudgetStore,
  EsiClient,
  EsiErrorLimitError,
  EsiServerError,
  Limits,
} from "../../mod.ts";
import { FakeClock } from "../../src/testing/mod.ts";
import { withEsi } from "../support/esi.ts";

const types = Array.from({ length: 150 }, (_, i) => ({ path: { type_id: 600_000 + i } }));

Deno.test("a fresh client's burst of 150 get() on a failing route earns no 420", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /universe/types/{type_id}", { statuses: [502], times: Infinity });
    const results = await Promise.allSettled(
      types.map((call) => esi.get("/universe/types/{type_id}", call)),
    );
    assert.ok(results.every((r) => r.status === "rejected"));
    assert.equal(sim.stats.status420, 0);
    assert.ok(sim.stats.byStatus[502] >= 100, "the calls reached ESI");
  }, { autoAdvance: true, client: { retry: 0, limits: { circuit: false } } }));

Deno.test("the same burst through manyOf() earns no 420 either", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /universe/types/{type_id}", { statuses: [502], times: Infinity });
    const results = await esi.manyOf("/universe/types/{type_id}", types, {
      concurrency: Infinity,
    });
    assert.ok(results.every((r) => !r.ok && r.error instanceof EsiServerError));
    assert.equal(sim.stats.status420, 0);
  }, { autoAdvance: true, client: { retry: 0, limits: { circuit: false } } }));

Deno.test("a route group smaller than the spec says earns no 429: one probe learns its size", () =>
  withEsi(async ({ sim, esi }) => {
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        esi.get("/markets/{region_id}/orders", {
          path: { region_id: 10_000_000 + i },
          query: { order_type: "all" },
        })),
    );
    assert.ok(results.every((r) => r.status === "fulfilled"));
    assert.equal(sim.stats.status429, 0);
  }, {
    autoAdvance: true,
    sim: { rateLimits: { "market-order": { maxTokens: 150, windowMs: 900_000 } } },
  }));

Deno.test('all() over 150 healthy pages succeeds under policy "throw"', () =>
  withEsi(async ({ sim, esi }) => {
    const orders = await esi.all("/markets/{region_id}/orders", {
      path: { region_id: 10000002 },
      query: { order_type: "all" },
    });
    assert.equal(orders.length, 150 * 10);
    assert.equal(sim.stats.status420, 0);
  }, {
    sim: { data: { marketPages: 150, ordersPerPage: 10 } },
    client: { limits: { policy: "throw" } },
  }));

Deno.test('policy "throw" still refuses once the budget itself is down to the reserve', () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /universe/types/{type_id}", { statuses: [502], times: Infinity });
    const results = await esi.manyOf("/universe/types/{type_id}", types.slice(0, 40), {
      concurrency: 40,
    });
    assert.ok(results.some((r) => !r.ok && r.error instanceof EsiErrorLimitError));
    assert.equal(sim.stats.status420, 0);
    assert.ok(sim.stats.byStatus[502] <= 20 - 5, `${sim.stats.byStatus[502]} errors sent`);
  }, {
    sim: { errorLimit: 20 },
    client: {
      retry: 0,
      limits: { policy: "throw", errorLimit: { reserve: 5, limit: 20 }, circuit: false },
    },
  }));

Deno.test("a stalled error-budget store delays a call by its deadline, never for ever", async () => {
  const clock = new FakeClock({ autoAdvance: true });
  const stalled: ErrorBudgetStore = {
    load: () => new Promise(() => {}),
    save: () => new Promise(() => {}),
  };
  const limits = new Limits({ clock, errorLimit: { store: stalled } });
  const esi = new EsiClient({
    userAgent: "t",
    clock,
    limits,
    fetch: () => Promise.resolve(Response.json({ players: 1 })),
  });
  const status = await esi.get("/status");
  assert.equal(status.players, 1);
});

Deno.test("groups given by the user only ever tighten: ESI's larger size does not loosen them", () =>
  withEsi(async ({ sim, esi }) => {
    const started = esi.clock.now();
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        esi.get("/markets/{region_id}/orders", {
          path: { region_id: 10_000_000 + i },
          query: { order_type: "all" },
        })),
    );
    // 10 tokens per 15 minutes: five 200s (2 tokens each) fit, the sixth waits a window.
    assert.ok(esi.clock.now() - started >= 900_000, "the sixth call waited for the window");
    assert.equal(sim.stats.status429, 0);
  }, {
    autoAdvance: true,
    client: { limits: { groups: { "market-order": { maxTokens: 10, windowMs: 900_000 } } } },
  }));

Deno.test("calls without a group are throttled to the user's rate", () =>
  withEsi(async ({ sim, esi }) => {
    const started = esi.clock.now();
    await Promise.all(
      types.slice(0, 7).map((call) => esi.get("/universe/types/{type_id}", call)),
    );
    // 3 per second: seven calls need three seconds' windows.
    assert.ok(esi.clock.now() - started >= 2_000, `${esi.clock.now() - started} ms`);
    assert.equal(sim.stats.requests, 7);
  }, { autoAdvance: true, client: { limits: { throttle: { rate: 3, intervalMs: 1_000 } } } }));

Deno.test("a group whose answers never state its size is probed once, then its calls go together", () => {
  let inFlight = 0;
  let most = 0;
  const clock = new FakeClock({ autoAdvance: true });
  const esi = new EsiClient({
    userAgent: "t",
    clock,
    timeoutMs: 0,
    // An answer without X-Ratelimit-* headers (a proxy, a private ESI).
    fetch: async () => {
      most = Math.max(most, ++inFlight);
      await clock.sleep(5);
      inFlight--;
      return Response.json([]);
    },
  });
  return Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      esi.get("/markets/{region_id}/orders", {
        path: { region_id: 10_000_000 + i },
        query: { order_type: "all" },
      })),
  ).then(() => assert.ok(most > 1, `at most ${most} in flight`));
});
