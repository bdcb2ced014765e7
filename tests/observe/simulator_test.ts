// End to end: a real EsiClient against the ESI simulator on 127.0.0.1, with metrics and tracing
// attached. After a scripted run (hits, a miss, a revalidation, a retried 503, a 404, a token
// call) the metrics, the snapshot and the spans must tell exactly what happened, and hold no
// secret. Time is a FakeClock shared by client and simulator, so durations are exact.
import assert from "node:assert/strict";
import { SpanStatusCode } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { EsiClient } from "../../src/client/client.ts";
import { MemoryCache } from "../../src/cache/memory.ts";
import { EsiHttpError } from "../../src/errors.ts";
import { mergeHooks } from "../../src/observe/hooks.ts";
import { EsiMetrics } from "../../src/observe/metrics.ts";
import { EsiTracing } from "../../src/observe/otel.ts";
import { EsiSimulator, FakeClock } from "../../src/testing/mod.ts";
import { serve } from "../../src/testing/deno.ts";
import { parsePrometheus, samplesOf, sampleValue } from "../support/prometheus_parser.ts";

const characterId = 2112625428;

function jwtOf(payload: Record<string, unknown>): string {
  const part = (v: unknown) =>
    btoa(JSON.stringify(v)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  return `${part({ alg: "RS256", kid: "JWT-Signature-Key", typ: "JWT" })}.${part(payload)}.c2ln`;
}

Deno.test("against the simulator, metrics, snapshot and spans tell exactly what happened", async (t) => {
  const clock = new FakeClock({ autoAdvance: true });
  await using sim = new EsiSimulator({ clock, latencyMs: 25 });
  await serve(sim);
  const accessToken = jwtOf({
    scp: ["esi-assets.read_assets.v1"],
    sub: `CHARACTER:EVE:${characterId}`,
    name: "Some Bloke",
    exp: Math.floor(clock.now() / 1000) + 1200,
  });

  const metrics = new EsiMetrics();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracing = new EsiTracing({ tracerProvider: provider });
  const client = new EsiClient({
    baseUrl: sim.url,
    userAgent: "esikit-tests/1.0 (observe)",
    clock,
    cache: new MemoryCache(),
    // Real sockets take real time: no deadline on the fake clock, which jumps while they work.
    timeoutMs: 0,
    hooks: mergeHooks(metrics.hooks(), tracing.hooks()),
  });

  await client.request("GET", "/status"); // miss
  const statusAfterFirst = sim.bucket("status").remaining;
  await client.request("GET", "/status"); // hit
  await clock.advance(31_000);
  await client.request("GET", "/status"); // revalidated: 304
  sim.fault("GET /universe/types/{type_id}", { statuses: [503], retryAfter: 1 });
  await client.request("GET", "/universe/types/{type_id}", { path: { type_id: 34 } }); // 503, 200
  await assert.rejects(
    client.requestUntyped("GET", `/not_in_the_spec/${characterId}/things`), // 404
    EsiHttpError,
  );
  await client.withToken(accessToken).request("GET", "/characters/{character_id}/assets", {
    path: { character_id: characterId },
  });

  await t.step("the simulator saw what the script says", () => {
    assert.deepEqual(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`), [
      "GET /status 200",
      "GET /status 304",
      "GET /universe/types/34 503",
      "GET /universe/types/34 200",
      `GET /not_in_the_spec/${characterId}/things 404`,
      `GET /characters/${characterId}/assets 200`,
    ]);
  });

  const families = parsePrometheus(metrics.toPrometheus());
  const v = (name: string, labels: Record<string, string> = {}) =>
    sampleValue(families, name, labels);

  await t.step("esi_requests_total", () => {
    assert.deepEqual(
      samplesOf(families, "esi_requests_total").map((s) => [
        s.labels.method,
        s.labels.route,
        s.labels.status,
        s.labels.cache,
        s.value,
      ]),
      [
        ["GET", "/status", "200", "miss", 1],
        ["GET", "/status", "200", "hit", 1],
        ["GET", "/status", "200", "revalidated", 1],
        ["GET", "/universe/types/{type_id}", "200", "miss", 1],
        ["GET", "/not_in_the_spec/{id}/things", "404", "miss", 1],
        ["GET", "/characters/{character_id}/assets", "200", "miss", 1],
      ],
    );
  });

  await t.step("durations, retries, errors and cache outcomes", () => {
    const retried = { method: "GET", route: "/universe/types/{type_id}", cache: "miss" };
    assert.equal(v("esi_request_duration_seconds_sum", retried), 1.05); // 25 + 1000 + 25 ms
    assert.equal(v("esi_request_duration_seconds_bucket", { ...retried, le: "1" }), 0);
    assert.equal(v("esi_request_duration_seconds_bucket", { ...retried, le: "2.5" }), 1);
    const hit = { method: "GET", route: "/status", cache: "hit" };
    assert.equal(v("esi_request_duration_seconds_bucket", { ...hit, le: "0.005" }), 1);
    assert.equal(v("esi_retries_total", { route: "/universe/types/{type_id}", reason: "503" }), 1);
    assert.equal(
      v("esi_errors_total", { route: "/not_in_the_spec/{id}/things", code: "ERR_NOT_FOUND" }),
      1,
    );
    assert.equal(v("esi_cache_events_total", { outcome: "miss" }), 4);
    assert.equal(v("esi_cache_events_total", { outcome: "hit" }), 1);
    assert.equal(v("esi_cache_events_total", { outcome: "revalidated" }), 1);
  });

  await t.step("the limits as ESI last reported them", () => {
    // Two errors (the 503 and the 404) spent from 100.
    assert.equal(v("esi_error_limit_remaining"), 98);
    assert.equal(sim.stats.errors, 2);
    assert.equal(
      v("esi_rate_limit_remaining", { group: "char-asset" }),
      sim.bucket("char-asset", characterId).remaining,
    );
    // The 304 reports the group too; until the client passes a 304's limit headers on, the
    // gauge holds what the first answer said.
    assert.ok(
      [sim.bucket("status").remaining, statusAfterFirst].includes(
        v("esi_rate_limit_remaining", { group: "status" })!,
      ),
    );
  });

  await t.step("the snapshot", () => {
    const snapshot = metrics.snapshot();
    assert.equal(snapshot.requests, 6);
    assert.deepEqual(snapshot.byStatus, { "200": 5, "404": 1 });
    assert.deepEqual(snapshot.cache, { hit: 1, revalidated: 1, miss: 4, stale: 0 });
    assert.equal(snapshot.errors, 1);
    assert.equal(snapshot.retries, 1);
    // The simulator adds latency only to routes of the spec: (25 + 0 + 25 + 1050 + 0 + 25) / 6.
    assert.equal(snapshot.averageRequestMs, 187.5);
    assert.equal(snapshot.errorLimitRemaining, 98);
  });

  const spans = exporter.getFinishedSpans();

  await t.step("one CLIENT span per call", () => {
    assert.deepEqual(
      spans.map((s) => [
        s.name,
        s.attributes["http.response.status_code"],
        s.attributes["esi.cache"],
        s.attributes["esi.attempts"],
      ]),
      [
        ["GET /status", 200, "miss", 1],
        ["GET /status", 200, "hit", 0],
        ["GET /status", 200, "revalidated", 1],
        ["GET /universe/types/{type_id}", 200, "miss", 2],
        ["GET /not_in_the_spec/{id}/things", 404, "miss", 1],
        ["GET /characters/{character_id}/assets", 200, "miss", 1],
      ],
    );
    const port = Number(new URL(sim.url).port);
    assert.equal(spans[0].attributes["server.address"], "127.0.0.1");
    assert.equal(spans[0].attributes["server.port"], port);
    assert.equal(spans[0].attributes["url.full"], `${sim.url}/status`);
    assert.equal(spans[0].attributes["esi.rate_limit.group"], "status");
    assert.equal(typeof spans[0].attributes["esi.request_id"], "string");
    assert.deepEqual(spans[3].events.map((e) => [e.name, e.attributes]), [
      ["retry", { "esi.retry.attempt": 1, "esi.retry.delay_ms": 1000, "esi.retry.reason": "503" }],
    ]);
    assert.equal(spans[4].attributes["error.type"], "404");
    assert.equal(spans[4].status.code, SpanStatusCode.ERROR);
    assert.equal(spans[5].attributes["esi.rate_limit.group"], "char-asset");
    assert.equal(tracing.openSpans, 0);
  });

  await t.step("each request ESI received carried its call's traceparent", () => {
    const of = (i: number) =>
      `00-${spans[i].spanContext().traceId}-${spans[i].spanContext().spanId}-01`;
    assert.deepEqual(sim.requests.map((r) => r.headers.traceparent), [
      of(0),
      of(2),
      of(3),
      of(3),
      of(4),
      of(5),
    ]);
  });

  await t.step("no token in the metrics, the snapshot or the spans", () => {
    const everything = [
      metrics.toPrometheus(),
      JSON.stringify(metrics.snapshot()),
      JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events, s.status])),
    ].join("\n");
    for (const secret of [accessToken, accessToken.split(".")[1], "Bearer"]) {
      assert.equal(everything.includes(secret), false, `found ${secret}`);
    }
    // Ids stay out of labels (a span's url.full may show them: it is the URL).
    const labels = metrics.toPrometheus() + JSON.stringify(metrics.snapshot());
    assert.equal(labels.includes(String(characterId)), false);
    assert.equal(spans.some((s) => s.name.includes(String(characterId))), false);
  });
});
