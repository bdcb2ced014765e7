/**
 * Found by a red-team review of the new pipeline: each failed before its fix.
 */
import assert from "node:assert/strict";
import { EsiClient, EsiError, Limits } from "../../mod.ts";
import { FakeClock } from "../../src/testing/mod.ts";

const orders = { path: { region_id: 1 }, query: { order_type: "all" as const } };
const market = {
  method: "GET",
  route: "/markets/{region_id}/orders",
  url: "",
  identity: "app",
  rateLimit: { group: "market-order", maxTokens: 12_000, windowMs: 900_000 },
};

Deno.test("a 304 with a garbage X-Pages is refused, never taken as one page", async () => {
  const clock = new FakeClock();
  let answers = 0;
  const esi = new EsiClient({
    userAgent: "t",
    clock,
    retry: 0,
    fetch: (input) => {
      answers++;
      const page = new URL(String(input)).searchParams.get("page");
      const headers = { "cache-control": "max-age=60", etag: `"${page}"`, "x-pages": "2" };
      if (answers > 2) {
        return Promise.resolve(
          new Response(null, { status: 304, headers: { ...headers, "x-pages": "abc" } }),
        );
      }
      return Promise.resolve(Response.json([Number(page)], { headers }));
    },
  });
  assert.deepEqual(await esi.all("/markets/{region_id}/orders", orders), [1, 2]);
  await clock.advance(120_000);
  await assert.rejects(
    esi.all("/markets/{region_id}/orders", orders),
    (err: unknown) => err instanceof EsiError && /X-Pages "abc"/.test(err.message),
  );
});

Deno.test("a header-less 420 or 429 does not confirm a group's size; a 200 does", () => {
  for (const status of [420, 429]) {
    const limits = new Limits();
    limits.admit(market)!.settle(status, new Headers());
    assert.equal(limits.bucket("market-order", "app").confirmed, false, String(status));
  }
  const limits = new Limits();
  limits.admit(market)!.settle(200, new Headers());
  assert.equal(limits.bucket("market-order", "app").confirmed, true);
});

Deno.test("a 520 (one character's in-game limit) never opens the group's circuit", () => {
  const limits = new Limits({ circuit: { failures: 1 } });
  const confirmed = { "x-ratelimit-limit": "12000/15m" };
  limits.admit(market)!.settle(200, new Headers(confirmed));
  limits.admit({ ...market, identity: "character:1" })!.settle(520, new Headers());
  assert.equal(limits.circuitState(market), "closed");
  limits.admit({ ...market, identity: "character:2" })!.settle(503, new Headers());
  assert.equal(limits.circuitState(market), "open");
});

Deno.test("a store whose save throws at once leaks no gate slot", async () => {
  const limits = new Limits({
    errorLimit: {
      store: {
        load: () => Promise.resolve(undefined),
        save: () => {
          throw new Error("boom");
        },
      },
    },
  });
  const esi = new EsiClient({
    userAgent: "t",
    limits,
    concurrency: 1,
    retry: 0,
    fetch: () => Promise.resolve(Response.json({ error: "x" }, { status: 404 })),
  });
  for (let i = 0; i < 3; i++) {
    await assert.rejects(esi.get("/characters/{character_id}", { path: { character_id: i + 1 } }));
  }
});

Deno.test("a ceiling that could never admit a call is refused when the limits are made", () => {
  assert.throws(
    () => new Limits({ groups: { "market-order": { maxTokens: 1, windowMs: 60_000 } } }),
    /limits.groups\["market-order"\]/,
  );
  assert.throws(() => new Limits({ throttle: { rate: 0, intervalMs: 1_000 } }), /limits.throttle/);
});

Deno.test("raw bytes stay bytes on an error answer with throwOnError: false", async () => {
  const esi = new EsiClient({
    userAgent: "t",
    cache: false,
    fetch: () => Promise.resolve(Response.json({ error: "Not found" }, { status: 404 })),
  });
  const bytes = await esi.get("/status", { raw: "bytes", throwOnError: false });
  assert.ok(bytes instanceof Uint8Array);
});
