import assert from "node:assert/strict";
import {
  EsiClient,
  EsiErrorLimitError,
  EsiPaginationError,
  EsiServerError,
  type LimitWaitEvent,
} from "../../mod.ts";
import { SsoSimulator } from "../../src/testing/mod.ts";
import { withEsi } from "../support/esi.ts";
import { until } from "../support/until.ts";

Deno.test("a 5xx storm, 20-way concurrent over two windows, never earns a 420", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /characters/{character_id}", { statuses: [500], times: Infinity });
    const calls = Array.from({ length: 200 }, (_, i) => ({
      route: "/characters/{character_id}",
      path: { character_id: 90_000_000 + i },
    }));
    const results = await esi.many(calls, { concurrency: 20 });
    assert.equal(results.length, 200);
    assert.ok(results.every((r) => !r.ok && r.error instanceof EsiServerError));
    assert.equal(sim.stats.status420, 0);
    assert.equal(sim.stats.byStatus[500], 200);
    assert.ok(sim.stats.maxInFlight > 1, "calls ran concurrently");
    // 200 errors with a reserve of 10 need at least three windows.
    assert.ok(esi.clock.now() - sim.requests[0].at >= 120_000);
    // The error budget alone is tested: no circuit breaker to fail calls fast.
  }, { autoAdvance: true, sim: { latencyMs: 50 }, client: { limits: { circuit: false } } }));

Deno.test("calls queued behind the gate never wait for the error window when nothing fails", () =>
  withEsi(async ({ sim, esi }) => {
    const waits: LimitWaitEvent[] = [];
    const client = new EsiClient({
      userAgent: "t",
      baseUrl: sim.url,
      clock: esi.clock,
      timeoutMs: 0,
      hooks: { limitWait: [(e) => void waits.push(e)] },
    });
    await client.get("/status"); // the budget is now known: 100 left
    const started = esi.clock.now();
    const results = await client.many(
      Array.from({ length: 150 }, (_, i) => ({
        route: "/characters/{character_id}",
        path: { character_id: 90_000_000 + i },
      })),
      { concurrency: 150 },
    );
    assert.ok(results.every((r) => r.ok));
    // No error-limit wait ever reached the window's reset.
    assert.ok(
      waits.every((w) => w.limit !== "error-limit" || w.waitMs < 1_000),
      JSON.stringify(waits.slice(0, 3)),
    );
    assert.ok(esi.clock.now() - started < 60_000);
  }, { autoAdvance: true }));

Deno.test('policy "throw" refuses a call once the budget is down to the reserve', () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /characters/{character_id}", { statuses: [500], times: Infinity });
    for (let i = 0; i < 5; i++) {
      await assert.rejects(
        esi.get("/characters/{character_id}", { path: { character_id: i + 1 } }),
        EsiServerError,
      );
    }
    await assert.rejects(
      esi.get("/characters/{character_id}", { path: { character_id: 99 } }),
      (err: unknown) => {
        assert.ok(err instanceof EsiErrorLimitError);
        assert.equal(err.remain, 5);
        return true;
      },
    );
    assert.equal(sim.requests.length, 5);
  }, {
    sim: { errorLimit: 10 },
    client: { limits: { policy: "throw", errorLimit: { reserve: 5 }, circuit: false } },
  }));

Deno.test("a proxy's 502s without ESI's headers still spend the budget: no 420", () =>
  withEsi(async ({ sim, esi }) => {
    await esi.get("/status"); // the budget is known: 10 left
    sim.fault("GET /characters/{character_id}", { statuses: [502], proxy: true, times: Infinity });
    let refused: EsiErrorLimitError | undefined;
    for (let i = 0; i < 20 && !refused; i++) {
      await esi.get("/characters/{character_id}", { path: { character_id: i + 1 } }).catch(
        (err: unknown) => {
          if (err instanceof EsiErrorLimitError) refused = err;
          else assert.ok(err instanceof EsiServerError, String(err));
        },
      );
    }
    assert.equal(refused?.remain, 5, "refused at the reserve");
    const proxied = sim.requests.filter((r) => r.status === 502);
    assert.equal(proxied.length, 5);
    assert.equal(sim.stats.status420, 0);
  }, {
    sim: { errorLimit: 10 },
    client: { retry: 0, limits: { policy: "throw", errorLimit: { reserve: 5 } } },
  }));

Deno.test("a group at 150/15m with 200 calls queued never earns a 429", () =>
  withEsi(async ({ sim, esi }) => {
    const calls = Array.from({ length: 200 }, (_, i) => ({
      path: { region_id: 10000002 },
      query: { order_type: "all" as const, type_id: i + 1 },
    }));
    const results = await esi.manyOf("/markets/{region_id}/orders", calls, { concurrency: 20 });
    assert.ok(results.every((r) => r.ok));
    assert.equal(sim.stats.status429, 0);
    assert.equal(sim.requests.length, 200);
    // 400 tokens at 150 per floating 15 minutes: the last call waits for the third window.
    assert.ok(esi.clock.now() - sim.requests[0].at >= 30 * 60_000);
  }, {
    autoAdvance: true,
    sim: {
      rateLimits: { "market-order": { maxTokens: 150, windowMs: 900_000 } },
      data: { marketPages: 1, ordersPerPage: 2 },
    },
  }));

Deno.test("429 with Retry-After: 2 is retried exactly two seconds later", () =>
  withEsi(async ({ sim, esi, clock }) => {
    sim.fault("GET /status", { statuses: [429], retryAfter: 2 });
    const res = await esi.request("GET", "/status");
    assert.equal(res.status, 200);
    assert.deepEqual(sim.requests.map((r) => r.status), [429, 200]);
    assert.equal(sim.requests[1].at - sim.requests[0].at, 2_000);
    assert.ok(clock.sleeps.includes(2_000));
  }, { autoAdvance: true }));

Deno.test("a 429 without headers backs off before the route is called again", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /status", { statuses: [429] });
    await esi.get("/status");
    assert.deepEqual(sim.requests.map((r) => r.status), [429, 200]);
    assert.equal(sim.requests[1].at - sim.requests[0].at, 1_000);
  }, { autoAdvance: true }));

Deno.test("all() returns every record of one consistent version", async (t) => {
  const route = "/markets/{region_id}/orders" as const;
  const args = { path: { region_id: 10000002 }, query: { order_type: "all" as const } };
  await t.step("every page, in order", () =>
    withEsi(async ({ sim, esi }) => {
      const orders = await esi.all(route, args);
      assert.equal(orders.length, 5 * 100);
      assert.deepEqual(sim.requests.map((r) => r.query.page ?? "1").sort(), [
        "1",
        "2",
        "3",
        "4",
        "5",
      ]);
    }, { sim: { data: { marketPages: 5, ordersPerPage: 100 } } }));

  await t.step(
    "the cache turning over between pages gives one version, never a mix",
    () =>
      withEsi(async ({ sim, esi }) => {
        sim.fault("GET /markets/{region_id}/orders", { turnoverAfterPage: 1 });
        const orders = await esi.all(route, args);
        const again = await esi.all(route, args); // the whole new version, from the cache
        assert.deepEqual(orders, again);
        assert.ok(sim.requests.length > 5, "the pages were fetched again after the turnover");
      }, { sim: { data: { marketPages: 5, ordersPerPage: 100 } } }),
  );

  await t.step(
    "a resource that keeps changing throws EsiPaginationError",
    () =>
      withEsi(async ({ sim, esi }) => {
        sim.fault("GET /markets/{region_id}/orders", { turnoverAfterPage: 1, turnovers: 100 });
        await assert.rejects(esi.all(route, args), (err: unknown) => {
          assert.ok(err instanceof EsiPaginationError);
          assert.match(err.message, /changed mid-fetch 4 times/);
          return true;
        });
      }, { sim: { data: { marketPages: 5, ordersPerPage: 10 } } }),
  );

  await t.step(
    "a page that keeps failing fails the whole call, naming the page",
    () =>
      withEsi(async ({ sim, esi }) => {
        sim.fault("GET /markets/{region_id}/orders", { page: 3, statuses: [503], times: Infinity });
        await assert.rejects(
          esi.withRetry({ limit: 2, backoffMs: 0 }).all(route, args),
          (err: unknown) => {
            assert.ok(err instanceof EsiPaginationError);
            assert.equal(err.page, 3);
            assert.match(err.message, /^Cannot fetch page 3 of "\/markets\/\{region_id\}\/orders"/);
            return true;
          },
        );
      }, { sim: { data: { marketPages: 5, ordersPerPage: 10 } } }),
  );

  await t.step(
    "page 1 seconds from expiry: the next version is fetched instead",
    () =>
      withEsi(async ({ sim, esi, clock }) => {
        const first = await esi.request("GET", route, args);
        const expiry = first.meta.expires!.getTime();
        await clock.setTime(expiry - 2_000);
        const pending = esi.all(route, args);
        // The walk waits out the 2 s left, and 1 s more, before it asks for anything.
        await until(() => clock.sleeps.includes(3_000), "the walk to wait for the next version");
        const before = sim.requests.length;
        assert.ok(sim.requests.every((r) => (r.query.page ?? "1") === "1"), "page 1 only, so far");
        await clock.advance(3_000);
        const orders = await pending;
        assert.equal(orders.length, 30);
        const walk = sim.requests.slice(before);
        assert.deepEqual(walk.map((r) => r.query.page).sort(), ["1", "2", "3"]);
        assert.ok(walk.every((r) => r.at > expiry), "the whole walk is of the next version");
      }, { sim: { data: { marketPages: 3, ordersPerPage: 10 } } }),
  );
  await t.step(
    "an abort ends the wait for the next version at once",
    () =>
      withEsi(async ({ esi, clock }) => {
        const first = await esi.request("GET", route, args);
        await clock.setTime(first.meta.expires!.getTime() - 2_000);
        const stop = new AbortController();
        const pending = esi.all(route, { ...args, signal: stop.signal });
        // Not `clock.pending`: the per-try timeout of page 1's request is pending too.
        await until(() => clock.sleeps.includes(3_000), "the walk to wait for the next version");
        stop.abort(new Error("the caller left"));
        await assert.rejects(pending, /the caller left/);
        assert.equal(clock.now(), first.meta.expires!.getTime() - 2_000, "no time passed");
      }, { sim: { data: { marketPages: 3, ordersPerPage: 10 } } }),
  );
});

Deno.test("pages() streams in order and throws rather than yield a mix", async (t) => {
  const route = "/markets/{region_id}/orders" as const;
  const args = { path: { region_id: 10000002 }, query: { order_type: "all" as const } };
  await t.step("in order", () =>
    withEsi(async ({ esi }) => {
      const seen: number[] = [];
      for await (const page of esi.pages(route, args)) seen.push(page.page);
      assert.deepEqual(seen, [1, 2, 3, 4]);
    }, { sim: { data: { marketPages: 4, ordersPerPage: 5 } } }));
  await t.step("turnover after page 1 was yielded", () =>
    withEsi(async ({ sim, esi }) => {
      sim.fault("GET /markets/{region_id}/orders", { turnoverAfterPage: 1 });
      await assert.rejects(async () => {
        for await (const _ of esi.pages(route, args)) { /* consume */ }
      }, EsiPaginationError);
    }, { sim: { data: { marketPages: 4, ordersPerPage: 5 } } }));
});

Deno.test("cursor and from_id walks return every record once", async (t) => {
  const sso = await SsoSimulator.create();
  try {
    await t.step("cursor: initial then incremental sync", () =>
      withEsi(async ({ sim, esi }) => {
        const token = await sso.mintAccessToken({
          characterId: 1,
          scopes: ["esi-corporations.read_projects.v1"],
        });
        const me = esi.withToken(token);
        const first = await me.syncCursor("/corporations/{corporation_id}/projects", {
          path: { corporation_id: 98000001 },
          query: { limit: 10 },
        });
        assert.equal(first.records.length, 25);
        assert.ok(first.cursor.after);
        const later = await me.syncCursor("/corporations/{corporation_id}/projects", {
          path: { corporation_id: 98000001 },
          query: { limit: 10 },
          cursor: { state: first.cursor },
        });
        assert.equal(later.records.length, 0);
        assert.ok(sim.requests.length >= 4);
      }, { sim: { data: { projects: 25 } } }));
    await t.step("from_id: back to the oldest transaction", () =>
      withEsi(async ({ esi }) => {
        const token = await sso.mintAccessToken({
          characterId: 2112625428,
          scopes: ["esi-wallet.read_character_wallet.v1"],
        });
        const all = await esi.withToken(token).walkFromId(
          "/characters/{character_id}/wallet/transactions",
          { path: { character_id: 2112625428 } },
        );
        assert.equal(all.length, 120);
        const ids = all.map((t) => t.transaction_id);
        assert.equal(new Set(ids).size, 120);
        assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
      }, { sim: { data: { walletTransactions: 120, walletPageSize: 50 } } }));
  } finally {
    await sso.close();
  }
});

Deno.test("many() settles each call on its own, in input order", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /characters/{character_id}", { statuses: [404] });
    const results = await esi.many([
      { route: "/characters/{character_id}", path: { character_id: 1 } },
      { route: "/status" },
      { method: "POST", route: "/universe/names", body: [30000142] },
    ]);
    assert.deepEqual(results.map((r) => r.ok), [false, true, true]);
  }));
