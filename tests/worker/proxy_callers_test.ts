/**
 * One caller must not take ESI from the others: its errors spend its own
 * share of the error budget, bad ids are remembered, its abandoned calls
 * free their upstream slots, it holds only its share of them, and no request
 * (a hung upstream, a half-sent body) outlives the request deadline.
 *
 * @module
 */

import assert from "node:assert/strict";
import { EsiSimError } from "../../src/testing/mod.ts";
import { until } from "../support/until.ts";
import { errorOf, withSimulator } from "./helpers.ts";

/** A request from one address (the tests trust one proxy hop). */
const from = (ip: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...init.headers as Record<string, string>, "X-Forwarded-For": ip },
});

/** Settles `pending` if it already has, else `undefined` (a hang guard, not a timing). */
async function settled<T>(pending: Promise<T>): Promise<T | undefined> {
  let done = false;
  pending.then(() => done = true, () => done = true);
  await until(() => done, "the answer").catch(() => {});
  return done ? await pending : undefined;
}

/** A fetch for the client that records which upstream calls were aborted. */
function watchAborts() {
  const aborted: string[] = [];
  const watched: typeof fetch = (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    signal?.addEventListener("abort", () => aborted.push(url), { once: true });
    return fetch(input, init);
  };
  return { fetch: watched, aborted };
}

const unknownType = {
  body: () => {
    throw new EsiSimError(404, "Type not found!");
  },
};

Deno.test("callers: one caller's errors spend its own share of the error budget, not everyone's", async () => {
  await withSimulator({ env: { TRUST_PROXY: "1", CALLER_ERROR_BUDGET: "5" } }, async (gw) => {
    const { app, sim } = gw;
    sim.route("GET /universe/types/{type_id}", unknownType);
    const statuses: number[] = [];
    for (let id = 1; id <= 10; id++) {
      const res = await app.request(`/esi/universe/types/${id}`, from("203.0.113.1"));
      statuses.push(res.status);
      if (res.status === 429) {
        assert.match(await errorOf(res), /errors/);
        assert.ok(Number(res.headers.get("retry-after")) >= 1);
      } else await res.body?.cancel();
    }
    assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429, 429, 429, 429, 429]);
    assert.equal(sim.requests.length, 5);
    // Everyone else still reaches ESI.
    const other = await app.request("/esi/status", from("198.51.100.7"));
    assert.equal(other.status, 200);
    await other.body?.cancel();
    // The share comes back with the next window.
    await gw.clock.advance(60_000);
    const later = await app.request("/esi/universe/types/11", from("203.0.113.1"));
    assert.equal(later.status, 404);
    await later.body?.cancel();
  });
});

Deno.test("callers: ESI's 404 is remembered, so the same bad id is asked once", async () => {
  await withSimulator({}, async ({ app, sim, clock }) => {
    sim.route("GET /universe/types/{type_id}", unknownType);
    for (let i = 0; i < 3; i++) {
      const res = await app.request("/esi/universe/types/0");
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), { error: "Type not found!" });
    }
    assert.equal(sim.requests.length, 1);
    // Another language is another answer, and so is the same id once forgotten.
    await clock.advance(61_000);
    const again = await app.request("/esi/universe/types/0");
    assert.equal(again.status, 404);
    await again.body?.cancel();
    assert.equal(sim.requests.length, 2);
  });
});

Deno.test("callers: a caller that leaves cancels its upstream call", async () => {
  const upstream = watchAborts();
  await withSimulator({ fetch: upstream.fetch }, async ({ app, sim }) => {
    sim.fault("GET /alliances", { hang: true });
    const leave = new AbortController();
    const pending = Promise.resolve(
      app.request(new Request("http://gw/esi/alliances", { signal: leave.signal })),
    );
    pending.catch(() => {});
    await sim.waitForRequests(1);
    assert.equal(sim.stats.inFlight, 1);
    leave.abort();
    await until(() => upstream.aborted.length === 1, "the upstream call to be aborted");
    const res = await settled(pending).catch(() => undefined);
    await res?.body?.cancel();
  });
});

Deno.test("callers: one caller holds at most its share of the upstream slots", async () => {
  const upstream = watchAborts();
  await withSimulator(
    { env: { TRUST_PROXY: "1" }, fetch: upstream.fetch },
    async ({ app, sim }) => {
      sim.fault("GET /alliances/{alliance_id}", { hang: true });
      const leave = new AbortController();
      const held = Array.from({ length: 5 }, (_, i) =>
        Promise.resolve(
          app.request(
            new Request(`http://gw/esi/alliances/${99000001 + i}`, {
              ...from("203.0.113.1"),
              signal: leave.signal,
            }),
          ),
        ).catch(() => undefined));
      await until(() => sim.stats.inFlight === 5, "five calls upstream");
      const sixth = await settled(Promise.resolve(app.request("/esi/status", from("203.0.113.1"))));
      assert.equal(sixth?.status, 429);
      assert.match(await errorOf(sixth!), /in flight/);
      const other = await app.request("/esi/status", from("198.51.100.7"));
      assert.equal(other.status, 200);
      await other.body?.cancel();
      leave.abort();
      await until(() => upstream.aborted.length === 5, "the held calls to be aborted");
      for (const res of await Promise.all(held)) await res?.body?.cancel();
    },
  );
});

Deno.test("callers: a hung upstream is answered 504 with Retry-After at the request deadline", async () => {
  const upstream = watchAborts();
  await withSimulator(
    { env: { ESI_TIMEOUT_MS: "30000", REQUEST_DEADLINE_MS: "10000" }, fetch: upstream.fetch },
    async ({ app, sim, clock }) => {
      sim.fault("GET /status", { hang: true });
      const pending = Promise.resolve(app.request("/esi/status"));
      await sim.waitForRequests(1);
      await clock.advance(10_000);
      const res = await settled(pending);
      assert.equal(res?.status, 504);
      assert.equal(res!.headers.get("retry-after"), "10");
      assert.match(await errorOf(res!), /within 10000 ms/);
      await until(() => upstream.aborted.length === 1, "the upstream call to be aborted");
      if (!res) {
        await clock.advance(30_000);
        await (await pending).body?.cancel();
      }
    },
  );
});

Deno.test("callers: a body that never ends is answered 408 at the request deadline", async () => {
  await withSimulator({ env: { REQUEST_DEADLINE_MS: "10000" } }, async ({ app, clock, sim }) => {
    const stop = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("[30000142"));
        stop.signal.addEventListener("abort", () => {
          try {
            controller.close();
          } catch { /* cancelled by the reader already */ }
        });
      },
    });
    const pending = Promise.resolve(app.request("/esi/universe/names", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    }));
    await until(() => clock.pending > 0, "the deadline to be set").catch(() => {});
    await clock.advance(10_000);
    const res = await settled(pending);
    stop.abort();
    assert.equal(res?.status, 408);
    assert.match(await errorOf(res!), /body/);
    assert.equal(sim.requests.length, 0);
    if (!res) await (await pending).body?.cancel();
  });
});
