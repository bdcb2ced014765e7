/**
 * What existing EVE tools send (EsiPy, eseye, SeAT): versioned paths with a
 * trailing slash, `?datasource=tranquility`, and a language. The gateway
 * answers them as ESI does, from the spec's route.
 *
 * @module
 */

import assert from "node:assert/strict";
import { errorOf, withSimulator } from "./helpers.ts";

Deno.test("legacy: versioned paths, trailing slashes and datasource reach the spec's route", async (t) => {
  await withSimulator({}, async ({ app, sim }) => {
    for (
      const target of [
        "/esi/status/",
        "/esi/v1/status/",
        "/esi/latest/status/",
        "/esi/legacy/status/",
        "/esi/dev/status",
        "/esi/status?datasource=tranquility",
        "/esi/latest/status/?datasource=tranquility",
      ]
    ) {
      await t.step(target, async () => {
        const res = await app.request(target);
        assert.equal(res.status, 200, await res.clone().text());
        assert.equal(typeof (await res.json()).players, "number");
      });
    }
    await t.step("a paged route, with its query", async () => {
      const res = await app.request(
        "/esi/v1/markets/10000002/orders/?datasource=tranquility&order_type=sell&page=1",
      );
      assert.equal(res.status, 200);
      await res.body?.cancel();
    });
    // Upstream, only the spec's form was sent: no version, no slash, no datasource.
    assert.deepEqual([...new Set(sim.requests.map((r) => r.path))].sort(), [
      "/markets/10000002/orders",
      "/status",
    ]);
    assert.ok(sim.requests.every((r) => !("datasource" in r.query)));
  });
});

Deno.test("legacy: another datasource, or a version segment alone, is refused", async (t) => {
  await withSimulator({}, async ({ app, sim }) => {
    await t.step("datasource=singularity", async () => {
      const res = await app.request("/esi/status?datasource=singularity");
      assert.equal(res.status, 400);
      assert.match(await errorOf(res), /datasource "singularity"/);
    });
    await t.step("/esi/latest/", async () => {
      const res = await app.request("/esi/latest/");
      assert.ok(res.status === 404 || res.status === 400);
      await res.body?.cancel();
    });
    await t.step("two trailing slashes", async () => {
      const res = await app.request("/esi/status//");
      assert.equal(res.status, 400);
      await res.body?.cancel();
    });
    assert.equal(sim.requests.length, 0);
  });
});

Deno.test("language: Accept-Language and ?language= reach ESI, and each is cached apart", async () => {
  await withSimulator({}, async ({ app, sim }) => {
    const ask = async (init: RequestInit, query = "") => {
      const res = await app.request(`/esi/universe/types/34${query}`, init);
      assert.equal(res.status, 200);
      const body = await res.json();
      return { res, body };
    };
    const de = await ask({ headers: { "Accept-Language": "de-DE,de;q=0.9,en;q=0.5" } });
    assert.equal(de.res.headers.get("content-language"), "de");
    assert.match(de.res.headers.get("vary") ?? "", /Accept-Language/);
    const fr = await ask({}, "?language=fr");
    assert.equal(fr.res.headers.get("content-language"), "fr");
    const en = await ask({});
    assert.equal(en.res.headers.get("content-language"), "en");
    assert.deepEqual(sim.requests.map((r) => r.headers["accept-language"]), ["de", "fr", "en"]);
    assert.ok(sim.requests.every((r) => !("language" in r.query)));
    // Asked again, each language is a hit of its own.
    const deAgain = await ask({ headers: { "Accept-Language": "de" } });
    assert.equal(deAgain.res.headers.get("content-language"), "de");
    assert.equal(deAgain.res.headers.get("x-esikit-cache"), "hit");
    assert.deepEqual(deAgain.body, de.body);
    const enAgain = await ask({ headers: { "Accept-Language": "en-US" } });
    assert.equal(enAgain.res.headers.get("content-language"), "en");
    assert.equal(sim.requests.length, 3);
  });
});
