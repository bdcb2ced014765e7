import assert from "node:assert/strict";
import { EsiSimError } from "../../src/testing/mod.ts";
import { errorOf, fakeJwt, withSimulator } from "./helpers.ts";

const passedHeaders = [
  "etag",
  "expires",
  "last-modified",
  "cache-control",
  "content-language",
  "x-compatibility-date",
  "x-esi-request-id",
  "x-esi-error-limit-remain",
  "x-esi-error-limit-reset",
  "x-ratelimit-group",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-used",
];

Deno.test("proxy: GET passes ESI's body and headers, then answers from the cache", async () => {
  await withSimulator({}, async ({ app, sim }) => {
    const first = await app.request("/esi/status");
    assert.equal(first.status, 200);
    const direct = await fetch(`${sim.url}/status`, {
      headers: { "X-Compatibility-Date": "2026-07-17" },
    });
    const body = await first.json();
    assert.deepEqual(body, await direct.json());
    for (const name of passedHeaders) assert.ok(first.headers.has(name), name);
    assert.equal(first.headers.get("X-Esikit-Cache"), "miss");
    assert.equal(first.headers.get("x-ratelimit-group"), "status");
    assert.match(first.headers.get("content-type")!, /application\/json/);
    // What the gateway sent upstream: the spec's route, its own user agent, no caller headers.
    const sent = sim.requests[0];
    assert.equal(sent.path, "/status");
    assert.match(sent.headers["user-agent"], /^esikit-tests\/1\.0 .* esikit\//);
    assert.equal(sent.headers["x-compatibility-date"], "2026-07-17");

    const second = await app.request("/esi/status");
    assert.equal(second.status, 200);
    assert.equal(second.headers.get("X-Esikit-Cache"), "hit");
    assert.equal(second.headers.get("etag"), first.headers.get("etag"));
    // Freshness from a fixed point: a hit served later must not restart ESI's max-age.
    assert.equal(direct.headers.get("cache-control"), "public, max-age=30");
    assert.equal(first.headers.get("cache-control"), "public");
    assert.equal(second.headers.get("cache-control"), "public");
    assert.equal(second.headers.get("expires"), first.headers.get("expires"));
    assert.deepEqual(await second.json(), body);
    assert.equal(sim.requests.filter((r) => r.path === "/status").length, 2); // ours + the direct one
  });
});

Deno.test("proxy: If-None-Match matching the ETag gets a 304", async () => {
  await withSimulator({}, async ({ app }) => {
    const first = await app.request("/esi/status");
    await first.body?.cancel();
    const etag = first.headers.get("etag")!;
    for (const value of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
      const res = await app.request("/esi/status", { headers: { "If-None-Match": value } });
      assert.equal(res.status, 304, value);
      assert.equal(res.headers.get("etag"), etag);
      assert.ok(res.headers.has("expires"));
      assert.equal(await res.text(), "");
    }
    const other = await app.request("/esi/status", { headers: { "If-None-Match": '"nope"' } });
    assert.equal(other.status, 200);
    await other.body?.cancel();
  });
});

Deno.test("proxy: HEAD answers with GET's headers, from the cache, without a body", async () => {
  await withSimulator({}, async ({ app, sim }) => {
    const get = await app.request("/esi/status");
    await get.body?.cancel();
    const head = await app.request("/esi/status", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("etag"), get.headers.get("etag"));
    assert.equal(head.headers.get("X-Esikit-Cache"), "hit");
    assert.equal(await head.text(), "");
    assert.equal(sim.requests.length, 1);
  });
});

Deno.test("proxy: query parameters pass through, typed; X-Pages passes back", async () => {
  await withSimulator({}, async ({ app, sim }) => {
    sim.setPages("GET /markets/{region_id}/orders", [[{ order_id: 1 }], [{ order_id: 2 }], [{
      order_id: 3,
    }]]);
    const res = await app.request("/esi/markets/10000002/orders?order_type=sell&page=2&type_id=34");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-pages"), "3");
    assert.deepEqual(await res.json(), [{ order_id: 2 }]);
    const sent = sim.requests.at(-1)!;
    assert.equal(sent.path, "/markets/10000002/orders");
    assert.deepEqual(sent.query, { order_type: "sell", page: "2", type_id: "34" });
  });
});

Deno.test("proxy: all=true merges every page of an X-Pages route", async () => {
  await withSimulator({}, async ({ app, sim }) => {
    const pages = [[{ order_id: 1 }, { order_id: 2 }], [{ order_id: 3 }], [{ order_id: 4 }]];
    sim.setPages("GET /markets/{region_id}/orders", pages);
    const res = await app.request("/esi/markets/10000002/orders?order_type=all&all=true");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), pages.flat());
    assert.equal(res.headers.get("x-pages"), "3");
    assert.equal(res.headers.get("etag"), null); // no single ESI response carries this body
    assert.ok(res.headers.has("last-modified"));
    const asked = sim.requests.map((r) => r.query.page).sort();
    assert.deepEqual(asked, ["1", "2", "3"]);
  });
});

Deno.test("proxy: all=true over MAX_ALL_PAGES is refused after page 1", async () => {
  await withSimulator({ env: { MAX_ALL_PAGES: "2" } }, async ({ app, sim }) => {
    sim.setPages("GET /markets/{region_id}/orders", [[{ order_id: 1 }], [], []]);
    const res = await app.request("/esi/markets/10000002/orders?order_type=all&all=true");
    assert.equal(res.status, 400);
    assert.equal(
      await errorOf(res),
      'Cannot merge the 3 pages of "/markets/{region_id}/orders": the gateway merges at most 2; read them with "page"',
    );
    // Page 1 was asked for (its X-Pages is the count), no other.
    assert.deepEqual(sim.requests.map((r) => r.query.page), ["1"]);
  });
});

Deno.test("proxy: POST routes take a JSON body and are not cached", async () => {
  await withSimulator({}, async ({ app, sim }) => {
    for (let i = 0; i < 2; i++) {
      const res = await app.request("/esi/universe/names", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "[30000142]",
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("X-Esikit-Cache"), null);
      assert.deepEqual(await res.json(), [{
        category: "solar_system",
        id: 30000142,
        name: "Jita",
      }]);
    }
    assert.equal(sim.requests.length, 2);
  });
});

Deno.test("proxy: ESI's errors keep their status and body", async (t) => {
  await withSimulator({}, async ({ app, sim }) => {
    await t.step("404 from ESI", async () => {
      sim.route("GET /universe/types/{type_id}", {
        body: () => {
          throw new EsiSimError(404, "Type not found!");
        },
      });
      const res = await app.request("/esi/universe/types/0");
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), { error: "Type not found!" });
      assert.ok(res.headers.has("x-esi-request-id"));
      assert.ok(res.headers.has("x-esi-error-limit-remain"));
    });
    await t.step("503 during downtime", async () => {
      sim.fault("GET /alliances", { statuses: [503] });
      const res = await app.request("/esi/alliances");
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { error: "Service unavailable" });
    });
    await t.step("429 of a route group, with Retry-After", async () => {
      sim.fault("GET /universe/races", { statuses: [429], retryAfter: 7 });
      const res = await app.request("/esi/universe/races");
      assert.equal(res.status, 429);
      assert.equal(res.headers.get("retry-after"), "7");
      await res.body?.cancel();
    });
  });
});

Deno.test("proxy: network failures are 502, timeouts 504, with a JSON error", async (t) => {
  await t.step("nothing listens upstream", async () => {
    const { testGateway } = await import("./helpers.ts");
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close();
    const { app } = testGateway({ baseUrl: `http://127.0.0.1:${port}` });
    const res = await app.request("/esi/status");
    assert.equal(res.status, 502);
    assert.match(await errorOf(res), /^Cannot reach ESI: /);
  });
  await t.step("ESI does not answer in time", async () => {
    await withSimulator({ env: { ESI_TIMEOUT_MS: "5000" } }, async ({ app, sim, clock }) => {
      sim.fault("GET /status", { hang: true });
      const pending = app.request("/esi/status");
      await sim.waitForRequests(1);
      await clock.advance(5_000);
      const res = await pending;
      assert.equal(res.status, 504);
      assert.match(await errorOf(res), /did not answer in time/);
    });
  });
});

Deno.test("proxy: a character's cached answer is never served to another", async () => {
  const scopes = ["esi-universe.read_structures.v1"];
  await withSimulator({
    verifyToken: (jwt) => {
      const payload = JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return Promise.resolve({ characterId: Number(payload.sub.split(":")[2]), scopes });
    },
  }, async ({ app, sim, clock }) => {
    sim.route("GET /universe/structures/{structure_id}", {
      body: (ctx) => ({
        name: `seen by ${ctx.characterId}`,
        owner_id: 1,
        solar_system_id: 30000142,
      }),
    });
    const exp = Math.floor(clock.now() / 1000) + 1200;
    const ask = async (characterId: number) => {
      const res = await app.request("/esi/universe/structures/1035466617946", {
        headers: { Authorization: `Bearer ${fakeJwt(characterId, scopes, exp)}` },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("cache-control"), "private");
      assert.equal(
        res.headers.get("vary"),
        "Authorization, Cookie, Accept-Language, X-Compatibility-Date",
      );
      return [(await res.json()).name, res.headers.get("X-Esikit-Cache")];
    };
    assert.deepEqual(await ask(1001), ["seen by 1001", "miss"]);
    assert.deepEqual(await ask(1002), ["seen by 1002", "miss"]);
    assert.deepEqual(await ask(1001), ["seen by 1001", "hit"]);
    // Hit after hit, each character keeps its own (token calls always go through the client).
    assert.deepEqual(await ask(1002), ["seen by 1002", "hit"]);
    assert.deepEqual(await ask(1001), ["seen by 1001", "hit"]);
    assert.deepEqual(await ask(1002), ["seen by 1002", "hit"]);
    assert.equal(sim.requests.length, 2);
    assert.equal(sim.requests[0].headers["authorization"], "Bearer <redacted>");
  });
});

Deno.test("proxy: ESI refusing the caller's token ends the call with 401", async () => {
  const scopes = ["esi-assets.read_assets.v1"];
  await withSimulator({
    verifyToken: () => Promise.resolve({ characterId: 2112625428, scopes }),
  }, async ({ app, sim, clock }) => {
    const expired = fakeJwt(2112625428, scopes, Math.floor(clock.now() / 1000) - 10);
    const res = await app.request("/esi/characters/2112625428/assets", {
      headers: { Authorization: `Bearer ${expired}` },
    });
    assert.equal(res.status, 401);
    assert.match(await errorOf(res), /ESI refused it/);
    assert.equal(sim.requests.length, 1); // not retried: the gateway cannot refresh a caller's token
  });
});

Deno.test("proxy: X-Compatibility-Date from the caller is sent and varies the cache", async () => {
  await withSimulator({}, async ({ app, sim }) => {
    const a = await app.request("/esi/status", {
      headers: { "X-Compatibility-Date": "2025-08-26" },
    });
    assert.equal(a.status, 200);
    await a.body?.cancel();
    const b = await app.request("/esi/status");
    assert.equal(b.headers.get("X-Esikit-Cache"), "miss");
    await b.body?.cancel();
    assert.deepEqual(sim.requests.map((r) => r.headers["x-compatibility-date"]), [
      "2025-08-26",
      "2026-07-17",
    ]);
  });
});
