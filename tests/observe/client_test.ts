// Metrics and spans fed by a real EsiClient: a scripted run against a fake ESI behind an
// injected fetch (no network), on a fake clock so every duration is exact.
import assert from "node:assert/strict";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { SpanStatusCode } from "@opentelemetry/api";
import { EsiClient } from "../../src/client/client.ts";
import { MemoryCache } from "../../src/cache/memory.ts";
import { EsiHttpError } from "../../src/errors.ts";
import { mergeHooks } from "../../src/observe/hooks.ts";
import { EsiMetrics } from "../../src/observe/metrics.ts";
import { EsiTracing } from "../../src/observe/otel.ts";
import { FakeClock } from "../../src/testing/fake_clock.ts";
import { parsePrometheus, samplesOf, sampleValue } from "../support/prometheus_parser.ts";

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  latencyMs: number;
}

interface Sent {
  method: string;
  url: string;
  headers: Headers;
}

/** ESI behind a fetch: each route answers its scripted replies in order. */
function fakeEsi(clock: FakeClock, script: Record<string, Reply[]>) {
  const sent: Sent[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    sent.push({ method, url: url.href, headers: new Headers(init?.headers) });
    const reply = script[`${method} ${url.pathname}`]?.shift();
    if (!reply) throw new Error(`Unscripted call ${method} ${url.pathname}`);
    await clock.advance(reply.latencyMs);
    const body = reply.status === 304 ? null : JSON.stringify(reply.body ?? {});
    return new Response(body, {
      status: reply.status,
      headers: { "content-type": "application/json", ...reply.headers },
    });
  };
  return { fetch, sent };
}

function jwtOf(payload: Record<string, unknown>): string {
  const part = (v: unknown) =>
    btoa(JSON.stringify(v)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  return `${part({ alg: "RS256", kid: "JWT-Signature-Key", typ: "JWT" })}.${part(payload)}.c2ln`;
}

const accessToken = jwtOf({
  scp: ["esi-assets.read_assets.v1"],
  sub: "CHARACTER:EVE:2112625428",
  name: "Some Bloke",
  exp: 4102444800,
});

const limits = (remain: number) => ({
  "x-esi-error-limit-remain": String(remain),
  "x-esi-error-limit-reset": "42",
});
const group = (name: string, limit: string, remaining: number, used: number) => ({
  "x-ratelimit-group": name,
  "x-ratelimit-limit": limit,
  "x-ratelimit-remaining": String(remaining),
  "x-ratelimit-used": String(used),
});

Deno.test("a scripted client run: metrics, snapshot and spans tell exactly what happened", async (t) => {
  const clock = new FakeClock({ autoAdvance: true });
  const esi = fakeEsi(clock, {
    "GET /status": [
      {
        status: 200,
        latencyMs: 50,
        body: { players: 23456 },
        headers: {
          "cache-control": "public, max-age=30",
          etag: '"v1"',
          ...limits(100),
          ...group("status", "600/15m", 598, 2),
        },
      },
      {
        status: 304,
        latencyMs: 20,
        headers: { "cache-control": "public, max-age=30", etag: '"v1"' },
      },
    ],
    "GET /universe/types/34": [
      { status: 503, latencyMs: 10, headers: { "retry-after": "1", ...limits(100) } },
      {
        status: 200,
        latencyMs: 30,
        body: { type_id: 34 },
        headers: { "cache-control": "public, max-age=3600", ...limits(100) },
      },
    ],
    "GET /universe/types/999999999": [
      {
        status: 404,
        latencyMs: 15,
        body: { error: "Type not found" },
        headers: { "x-esi-request-id": "req-404", ...limits(98) },
      },
    ],
    "GET /characters/2112625428/assets": [
      {
        status: 200,
        latencyMs: 40,
        body: [],
        headers: {
          "cache-control": "public, max-age=3600",
          ...group("char-asset", "1800/15m", 1798, 2),
        },
      },
    ],
  });
  const metrics = new EsiMetrics();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracing = new EsiTracing({ tracerProvider: provider });
  const client = new EsiClient({
    userAgent: "esikit-tests/1.0 (observe)",
    fetch: esi.fetch,
    clock,
    cache: new MemoryCache(),
    timeoutMs: 0,
    hooks: mergeHooks(metrics.hooks(), tracing.hooks()),
  });

  await client.request("GET", "/status"); // miss
  await client.request("GET", "/status"); // hit
  await clock.advance(31_000);
  await client.request("GET", "/status"); // revalidated by a 304
  await client.request("GET", "/universe/types/{type_id}", { path: { type_id: 34 } }); // 503, then 200
  await assert.rejects(
    client.request("GET", "/universe/types/{type_id}", { path: { type_id: 999999999 } }),
    EsiHttpError,
  );
  await client.withToken(accessToken).request("GET", "/characters/{character_id}/assets", {
    path: { character_id: 2112625428 },
  });

  const families = parsePrometheus(metrics.toPrometheus());
  const v = (name: string, labels: Record<string, string> = {}) =>
    sampleValue(families, name, labels);

  await t.step("requests by method, route, status and cache", () => {
    assert.deepEqual(
      samplesOf(families, "esi_requests_total").map((s) => [
        s.labels.route,
        s.labels.status,
        s.labels.cache,
        s.value,
      ]),
      [
        ["/status", "200", "miss", 1],
        ["/status", "200", "hit", 1],
        ["/status", "200", "revalidated", 1],
        ["/universe/types/{type_id}", "200", "miss", 1],
        ["/universe/types/{type_id}", "404", "miss", 1],
        ["/characters/{character_id}/assets", "200", "miss", 1],
      ],
    );
  });

  await t.step("durations, retries, errors, cache outcomes and limits", () => {
    const retried = { method: "GET", route: "/universe/types/{type_id}", cache: "miss" };
    assert.equal(v("esi_request_duration_seconds_sum", retried), 1.055); // 10 + 1000 + 30, and 15
    assert.equal(v("esi_request_duration_seconds_bucket", { ...retried, le: "0.025" }), 1);
    assert.equal(v("esi_request_duration_seconds_bucket", { ...retried, le: "2.5" }), 2);
    assert.equal(v("esi_retries_total", { route: "/universe/types/{type_id}", reason: "503" }), 1);
    assert.equal(
      v("esi_errors_total", { route: "/universe/types/{type_id}", code: "ERR_NOT_FOUND" }),
      1,
    );
    assert.equal(v("esi_cache_events_total", { outcome: "miss" }), 4);
    assert.equal(v("esi_cache_events_total", { outcome: "hit" }), 1);
    assert.equal(v("esi_cache_events_total", { outcome: "revalidated" }), 1);
    assert.equal(v("esi_error_limit_remaining"), 98);
    assert.equal(v("esi_rate_limit_remaining", { group: "status" }), 598);
    assert.equal(v("esi_rate_limit_remaining", { group: "char-asset" }), 1798);
  });

  await t.step("the snapshot", () => {
    const snapshot = metrics.snapshot();
    assert.equal(snapshot.requests, 6);
    assert.deepEqual(snapshot.byStatus, { "200": 5, "404": 1 });
    assert.deepEqual(snapshot.cache, { hit: 1, revalidated: 1, miss: 4, stale: 0 });
    assert.equal(snapshot.errors, 1);
    assert.equal(snapshot.retries, 1);
    assert.equal(snapshot.averageRequestMs, 194.167); // (50 + 0 + 20 + 1040 + 15 + 40) / 6
    assert.equal(snapshot.errorLimitRemaining, 98);
    assert.deepEqual(snapshot.rateLimitRemaining, { status: 598, "char-asset": 1798 });
  });

  const spans = exporter.getFinishedSpans();

  await t.step("one span per call, with the call's attributes", () => {
    assert.deepEqual(
      spans.map((s) => [s.name, s.attributes["esi.cache"], s.attributes["esi.attempts"]]),
      [
        ["GET /status", "miss", 1],
        ["GET /status", "hit", 0],
        ["GET /status", "revalidated", 1],
        ["GET /universe/types/{type_id}", "miss", 2],
        ["GET /universe/types/{type_id}", "miss", 1],
        ["GET /characters/{character_id}/assets", "miss", 1],
      ],
    );
    assert.equal(spans[0].attributes["esi.rate_limit.group"], "status");
    assert.equal(spans[0].attributes["url.full"], "https://esi.evetech.net/status");
    assert.equal(spans[0].attributes["server.address"], "esi.evetech.net");
    assert.equal(spans[0].attributes["server.port"], 443);
    assert.deepEqual(spans[3].events.map((e) => [e.name, e.attributes]), [
      ["retry", { "esi.retry.attempt": 1, "esi.retry.delay_ms": 1000, "esi.retry.reason": "503" }],
    ]);
    assert.equal(spans[4].attributes["http.response.status_code"], 404);
    assert.equal(spans[4].attributes["error.type"], "404");
    assert.equal(spans[4].attributes["esi.request_id"], "req-404");
    assert.equal(spans[4].status.code, SpanStatusCode.ERROR);
    assert.equal(spans[5].attributes["esi.rate_limit.group"], "char-asset");
    assert.equal(tracing.openSpans, 0);
  });

  await t.step("every upstream try carried its call's traceparent", () => {
    const parentOf = (sent: Sent) => sent.headers.get("traceparent");
    const of = (i: number) =>
      `00-${spans[i].spanContext().traceId}-${spans[i].spanContext().spanId}-01`;
    assert.deepEqual(esi.sent.map(parentOf), [of(0), of(2), of(3), of(3), of(4), of(5)]);
    assert.equal(esi.sent[5].headers.get("authorization"), `Bearer ${accessToken}`);
  });

  await t.step("no token appears in the metrics, the snapshot or the spans", () => {
    const everything = [
      metrics.toPrometheus(),
      JSON.stringify(metrics.snapshot()),
      JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events, s.status])),
    ].join("\n");
    for (const secret of [accessToken, accessToken.split(".")[1], "Bearer"]) {
      assert.equal(everything.includes(secret), false);
    }
  });
});
