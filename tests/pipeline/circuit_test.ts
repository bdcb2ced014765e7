/**
 * The circuit breaker: while ESI keeps failing on a route group, calls fail
 * fast; one probe at a time learns when it is back.
 */
import assert from "node:assert/strict";
import { type CircuitEvent, EsiCircuitOpenError } from "../../mod.ts";
import { CircuitBreaker } from "../../src/limits/circuit.ts";
import { EsiMetrics, mergeHooks } from "../../src/observe/metrics.ts";
import { withEsi } from "../support/esi.ts";

const ids = Array.from({ length: 60 }, (_, i) => ({ path: { type_id: 700_000 + i } }));

Deno.test("a dead route fails fast: 60 calls in an outage make a handful of requests", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /universe/types/{type_id}", { statuses: [503], times: Infinity });
    const results = await esi.manyOf("/universe/types/{type_id}", ids, { concurrency: 1 });
    assert.ok(results.every((r) => !r.ok));
    const fast = results.filter((r) => !r.ok && r.error instanceof EsiCircuitOpenError);
    assert.ok(fast.length >= 55, `${fast.length} failed fast`);
    assert.ok(sim.stats.requests <= 12, `${sim.stats.requests} requests`);
  }, { autoAdvance: true }));

Deno.test("an open circuit lets one probe through once its time is up, and closes on success", () =>
  withEsi(async ({ sim, esi, clock }) => {
    sim.fault("GET /universe/types/{type_id}", { statuses: [503], times: Infinity });
    const once = esi.withRetry(0);
    for (let i = 0; i < 3; i++) await once.get("/universe/types/{type_id}", ids[i]).catch(() => {});
    const refused = await once.get("/universe/types/{type_id}", ids[3]).catch((e) => e);
    assert.ok(refused instanceof EsiCircuitOpenError, String(refused));
    assert.equal(sim.stats.requests, 3);
    sim.clearFaults();
    await clock.setTime(refused.retryAt);
    // Two calls at once: one is the probe, the other fails fast until it answers.
    const [probe, other] = await Promise.allSettled([
      once.get("/universe/types/{type_id}", ids[4]),
      once.get("/universe/types/{type_id}", ids[5]),
    ]);
    assert.equal(probe.status, "fulfilled");
    assert.ok(other.status === "rejected" && other.reason instanceof EsiCircuitOpenError);
    const after = await once.get("/universe/types/{type_id}", ids[6]);
    assert.equal(typeof after, "object");
    assert.equal(sim.stats.requests, 5);
  }, { client: { limits: { circuit: { failures: 3, openMs: 10_000 } } } }));

Deno.test("an open circuit serves a stale-if-error entry where one exists", () =>
  withEsi(async ({ sim, esi, clock }) => {
    sim.route("GET /status", {
      body: { players: 7 },
      headers: { "cache-control": "public, max-age=30, stale-if-error=600" },
    });
    const once = esi.withRetry(0);
    const first = await once.request("GET", "/status");
    await clock.setTime(first.meta.expires!.getTime() + 1);
    sim.fault("GET /status", { statuses: [503], times: Infinity });
    assert.equal((await once.request("GET", "/status")).meta.cache, "stale"); // opens it
    const sent = sim.stats.requests;
    const res = await once.request("GET", "/status");
    assert.equal(res.meta.cache, "stale");
    assert.deepEqual(res.data, { players: 7 });
    assert.equal(sim.stats.requests, sent, "nothing sent while open");
  }, { client: { limits: { circuit: { failures: 1 } } } }));

Deno.test("the circuit's changes reach the hooks and the metrics", async () => {
  const metrics = new EsiMetrics();
  const events: CircuitEvent[] = [];
  const hooks = mergeHooks(metrics.hooks(), { circuit: [(e) => void events.push(e)] });
  await withEsi(async ({ sim, esi, clock }) => {
    sim.fault("GET /universe/types/{type_id}", { statuses: [503], times: 2 });
    const once = esi.withRetry(0);
    for (let i = 0; i < 2; i++) await once.get("/universe/types/{type_id}", ids[i]).catch(() => {});
    assert.deepEqual(metrics.snapshot().openCircuits, ["/universe/types/{type_id}"]);
    assert.match(
      metrics.toPrometheus(),
      /esi_circuit_open\{group="\/universe\/types\/\{type_id\}"\} 1/,
    );
    await clock.setTime(events[0].retryAt!);
    await once.get("/universe/types/{type_id}", ids[2]);
    assert.deepEqual(events.map((e) => e.state), ["open", "half-open", "closed"]);
    assert.deepEqual(metrics.snapshot().openCircuits, []);
  }, { client: { hooks, limits: { circuit: { failures: 2 } } } });
});

Deno.test("an abandoned probe gives its place to the next call; aborts never open a circuit", () => {
  const breaker = new CircuitBreaker({ failures: 1, openMs: 1_000 });
  for (let i = 0; i < 5; i++) breaker.settle("g", undefined, 0); // aborted calls
  assert.equal(breaker.state("g", 0), "closed");
  breaker.settle("g", false, 0);
  assert.equal(breaker.refusal("g", 500), 1_000);
  assert.equal(breaker.admit("g", 1_000), true, "the probe goes");
  assert.notEqual(breaker.refusal("g", 1_000), undefined, "others wait for it");
  breaker.settle("g", undefined, 1_001, true); // the probe was abandoned
  assert.equal(breaker.refusal("g", 1_001), undefined, "the next call may probe");
  assert.equal(breaker.admit("g", 1_001), true);
});
