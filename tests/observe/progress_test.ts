import assert from "node:assert/strict";
import type { LimitWaitEvent, Progress, ResponseEvent } from "../../mod.ts";
import { systemClock } from "../../src/clock.ts";
import { trackProgress } from "../../src/observe/progress.ts";
import { SsoSimulator } from "../../src/testing/mod.ts";
import { withEsi } from "../support/esi.ts";

const route = "/markets/{region_id}/orders";
const args = { path: { region_id: 10000002 }, query: { order_type: "all" as const } };

Deno.test("all() reports pages, records, bytes and the limits the response hook saw", async () => {
  const seen: Progress[] = [];
  const responses: ResponseEvent[] = [];
  await withEsi(async ({ esi }) => {
    const orders = await esi.all(route, { ...args, onProgress: (p) => seen.push(p) });
    const last = seen.at(-1)!;
    assert.equal(last.finished, true);
    assert.equal(last.unit, "pages");
    assert.equal(last.route, route);
    assert.deepEqual([last.done, last.total], [4, 4]);
    assert.equal(last.records, orders.length);
    assert.equal(last.etaMs, 0);
    assert.deepEqual(seen.filter((p) => !p.finished).map((p) => p.done), [1, 2, 3, 4]);
    assert.ok(seen.slice(0, 3).every((p) => p.etaMs !== undefined));
    // Bytes are the bodies received: the JSON of every page.
    const json = JSON.stringify(orders).length;
    assert.ok(last.bytes >= json && last.bytes <= json + 8, `${last.bytes} vs ${json}`);
    // The same numbers the hooks saw for the page taken last.
    const final = responses.find((e) => e.url.includes("page=4"))!;
    assert.deepEqual(last.errorLimit, final.errorLimit);
    assert.deepEqual(last.rateLimit, final.rateLimit);
    assert.ok(last.rateLimit!.remaining > 0);
  }, {
    sim: { data: { marketPages: 4, ordersPerPage: 10 } },
    client: { hooks: { response: [(e) => void responses.push(e)] } },
  });
});

Deno.test("a turnover mid-fetch counts as a restart and the count starts again", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault(`GET ${route}`, { turnoverAfterPage: 1 });
    const seen: Progress[] = [];
    await esi.all(route, { ...args, onProgress: (p) => seen.push(p) });
    const restart = seen.findIndex((p) => p.restarts === 1);
    assert.ok(restart > 0);
    assert.equal(seen[restart].done, 0);
    assert.equal(seen[restart].records, 0);
    const last = seen.at(-1)!;
    assert.deepEqual([last.restarts, last.done, last.total, last.finished], [1, 3, 3, true]);
  }, { sim: { data: { marketPages: 3, ordersPerPage: 5 } } }));

Deno.test("limit waits are the walk's own limitWait events, with their reason", async () => {
  const hooked: LimitWaitEvent[] = [];
  await withEsi(async ({ esi }) => {
    const seen: Progress[] = [];
    const calls = Array.from({ length: 12 }, (_, i) => ({
      ...args,
      query: { ...args.query, type_id: i + 1 },
    }));
    const results = await esi.manyOf(route, calls, {
      concurrency: 4,
      onProgress: (p) => seen.push(p),
    });
    assert.ok(results.every((r) => r.ok));
    const last = seen.at(-1)!;
    assert.ok(hooked.length > 0, "the group ran out and calls waited");
    assert.equal(last.waits.count, hooked.length);
    assert.equal(last.waits.totalMs, hooked.reduce((sum, e) => sum + e.waitMs, 0));
    assert.equal(last.waits.byLimit["rate-limit"], last.waits.totalMs);
    assert.deepEqual(last.waits.last?.group, "market-order");
    assert.deepEqual([last.done, last.total, last.failed], [12, 12, 0]);
  }, {
    autoAdvance: true,
    sim: {
      rateLimits: { "market-order": { maxTokens: 10, windowMs: 60_000 } },
      data: { marketPages: 1, ordersPerPage: 2 },
    },
    client: { hooks: { limitWait: [(e) => void hooked.push(e)] } },
  });
});

Deno.test("many() counts failed calls against a total known from the start", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /characters/{character_id}", { statuses: [404] });
    const seen: Progress[] = [];
    await esi.many([
      { route: "/characters/{character_id}", path: { character_id: 1 } },
      { route: "/status" },
    ], { onProgress: (p) => seen.push(p) });
    assert.equal(seen[0].total, 2);
    const last = seen.at(-1)!;
    assert.deepEqual([last.unit, last.done, last.failed, last.finished], ["calls", 2, 1, true]);
  }));

Deno.test("cursor and from_id walks count batches and records", async (t) => {
  await using sso = await SsoSimulator.create();
  await t.step("syncCursor", () =>
    withEsi(async ({ esi }) => {
      const token = await sso.mintAccessToken({
        characterId: 1,
        scopes: ["esi-corporations.read_projects.v1"],
      });
      const seen: Progress[] = [];
      const { records } = await esi.withToken(token).syncCursor(
        "/corporations/{corporation_id}/projects",
        {
          path: { corporation_id: 98000001 },
          query: { limit: 10 },
          onProgress: (p) => seen.push(p),
        },
      );
      const last = seen.at(-1)!;
      assert.equal(last.unit, "batches");
      assert.equal(last.total, undefined);
      assert.ok(last.done >= 3);
      assert.equal(last.records, records.length);
      assert.ok(last.bytes > 0);
      assert.equal(last.finished, true);
    }, { sim: { data: { projects: 25 } } }));
  await t.step("walkFromId", () =>
    withEsi(async ({ esi }) => {
      const token = await sso.mintAccessToken({
        characterId: 2112625428,
        scopes: ["esi-wallet.read_character_wallet.v1"],
      });
      const seen: Progress[] = [];
      const all = await esi.withToken(token).walkFromId(
        "/characters/{character_id}/wallet/transactions",
        { path: { character_id: 2112625428 }, onProgress: (p) => seen.push(p) },
      );
      const last = seen.at(-1)!;
      assert.equal(last.records, all.length);
      assert.ok(last.done >= 3);
      assert.ok(last.errorLimit);
    }, { sim: { data: { walletTransactions: 120, walletPageSize: 50 } } }));
});

Deno.test("a listener that throws never breaks the walk; none given, no tracker", () =>
  withEsi(async ({ esi }) => {
    const orders = await esi.all(route, {
      ...args,
      onProgress: () => {
        throw new Error("listener failure");
      },
    });
    assert.equal(orders.length, 4);
    assert.equal(trackProgress(route, "pages", undefined, systemClock), undefined);
  }, { sim: { data: { marketPages: 2, ordersPerPage: 2 } } }));
