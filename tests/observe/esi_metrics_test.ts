import assert from "node:assert/strict";
import { emit, mergeHooks } from "../../src/observe/hooks.ts";
import { esiDurationBuckets, EsiMetrics, MetricsRegistry } from "../../src/observe/metrics.ts";
import { parsePrometheus, samplesOf, sampleValue } from "../support/prometheus_parser.ts";
import { JWT, runScript, SECRET } from "./scripted_calls.ts";

const markets = "/markets/{region_id}/orders";
const assets = "/characters/{character_id}/assets";

Deno.test("after a scripted run the exposition holds exact counts", async (t) => {
  const metrics = new EsiMetrics();
  runScript(metrics.hooks());
  const text = metrics.toPrometheus();
  const families = parsePrometheus(text);
  const v = (name: string, labels: Record<string, string> = {}) =>
    sampleValue(families, name, labels);

  await t.step("esi_requests_total{method,route,status,cache}", () => {
    const rows = samplesOf(families, "esi_requests_total").map((s) => [
      s.labels.method,
      s.labels.route,
      s.labels.status,
      s.labels.cache,
      s.value,
    ]);
    assert.deepEqual(rows, [
      ["GET", "/status", "200", "hit", 1],
      ["GET", markets, "200", "miss", 1],
      ["GET", markets, "200", "revalidated", 1],
      ["GET", assets, "200", "miss", 1],
      ["GET", "/universe/types/{type_id}", "404", "miss", 1],
      ["GET", "/characters/{id}/new_thing", "200", "miss", 1],
    ]);
  });

  await t.step("esi_request_duration_seconds", () => {
    const labels = { method: "GET", route: markets, cache: "miss" };
    assert.equal(v("esi_request_duration_seconds_bucket", { ...labels, le: "0.1" }), 0);
    assert.equal(v("esi_request_duration_seconds_bucket", { ...labels, le: "0.25" }), 1);
    assert.equal(v("esi_request_duration_seconds_bucket", { ...labels, le: "+Inf" }), 1);
    assert.equal(v("esi_request_duration_seconds_sum", labels), 0.12);
    const slow = { method: "GET", route: assets, cache: "miss" };
    assert.equal(v("esi_request_duration_seconds_bucket", { ...slow, le: "1" }), 0);
    assert.equal(v("esi_request_duration_seconds_bucket", { ...slow, le: "2.5" }), 1);
    const les = samplesOf(families, "esi_request_duration_seconds_bucket")
      .filter((s) => s.labels.route === "/status")
      .map((s) => s.labels.le);
    assert.deepEqual(les, [...esiDurationBuckets.map(String), "+Inf"]);
    assert.equal(les[0], "0.005");
    assert.equal(les.at(-2), "30");
    const total = samplesOf(families, "esi_request_duration_seconds_count")
      .reduce((n, s) => n + s.value, 0);
    assert.equal(total, 6);
  });

  await t.step("retries, errors and cache events", () => {
    assert.equal(v("esi_retries_total", { route: assets, reason: "503" }), 1);
    assert.equal(v("esi_retries_total", { route: "/universe/names", reason: "ERR_TIMEOUT" }), 1);
    assert.equal(samplesOf(families, "esi_retries_total").length, 2);
    assert.equal(
      v("esi_errors_total", { route: "/universe/types/{type_id}", code: "ERR_NOT_FOUND" }),
      1,
    );
    assert.equal(v("esi_errors_total", { route: "/universe/names", code: "ERR_TIMEOUT" }), 1);
    assert.equal(v("esi_cache_events_total", { outcome: "hit" }), 1);
    assert.equal(v("esi_cache_events_total", { outcome: "miss" }), 3);
    assert.equal(v("esi_cache_events_total", { outcome: "revalidated" }), 1);
    assert.equal(v("esi_cache_events_total", { outcome: "stale" }), undefined);
  });

  await t.step("limits, waits, token refreshes and store errors", () => {
    assert.equal(v("esi_error_limit_remaining"), 97);
    assert.equal(v("esi_rate_limit_remaining", { group: "market-order" }), 11997);
    assert.equal(v("esi_rate_limit_remaining", { group: "char-asset" }), 1790);
    assert.equal(v("esi_limit_wait_seconds_total", { limit: "rate-limit" }), 0.25);
    assert.equal(v("esi_limit_wait_seconds_total", { limit: "concurrency" }), 0.05);
    assert.equal(v("esi_token_refreshes_total", { outcome: "success" }), 2);
    assert.equal(v("esi_token_refreshes_total", { outcome: "failure" }), 1);
    assert.equal(v("esi_store_errors_total", { store: "UpstashCache", operation: "get" }), 1);
  });

  await t.step("every family is typed and helped", () => {
    assert.deepEqual(
      [...families.values()].map((f) => [f.name, f.type, (f.help ?? "").length > 0]),
      [
        ["esi_requests_total", "counter", true],
        ["esi_request_duration_seconds", "histogram", true],
        ["esi_retries_total", "counter", true],
        ["esi_errors_total", "counter", true],
        ["esi_cache_events_total", "counter", true],
        ["esi_error_limit_remaining", "gauge", true],
        ["esi_rate_limit_remaining", "gauge", true],
        ["esi_limit_wait_seconds_total", "counter", true],
        ["esi_token_refreshes_total", "counter", true],
        ["esi_store_errors_total", "counter", true],
        ["esi_circuit_open", "gauge", true],
      ],
    );
  });
});

Deno.test("after a scripted run the snapshot tells the totals", () => {
  const metrics = new EsiMetrics();
  runScript(metrics.hooks());
  assert.deepEqual(metrics.snapshot(), {
    requests: 6,
    byStatus: { "200": 5, "404": 1 },
    cache: { hit: 1, revalidated: 1, miss: 3, stale: 0 },
    errors: 2,
    retries: 2,
    averageRequestMs: 258.667, // (2 + 120 + 40 + 1300 + 80 + 10) / 6
    errorLimitRemaining: 97,
    rateLimitRemaining: { "market-order": 11997, "char-asset": 1790 },
    limitWaitSeconds: { "rate-limit": 0.25, concurrency: 0.05 },
    tokenRefreshes: { success: 2, failure: 1 },
    storeErrors: 1,
    openCircuits: [],
  });
});

Deno.test("an empty snapshot has zeros and no error-limit reading", () => {
  const snapshot = new EsiMetrics().snapshot();
  assert.equal(snapshot.requests, 0);
  assert.equal(snapshot.averageRequestMs, 0);
  assert.equal("errorLimitRemaining" in snapshot, false);
  assert.deepEqual(snapshot.cache, { hit: 0, revalidated: 0, miss: 0, stale: 0 });
  parsePrometheus(new EsiMetrics().toPrometheus());
});

Deno.test("no secret, raw id or URL reaches the metrics or the snapshot", () => {
  const metrics = new EsiMetrics();
  runScript(metrics.hooks());
  // A client that failed to redact: the raw URL carries the token.
  emit(metrics.hooks().response, {
    method: "GET",
    route: `/characters/2112625428/wallet?token=${SECRET}`,
    url: `https://esi.evetech.net/characters/2112625428/wallet?token=${SECRET}`,
    status: 200,
    elapsedMs: 5,
    cache: "miss",
    attempt: 1,
  });
  emit(metrics.hooks().retry, {
    method: "GET",
    route: "/status",
    url: "https://esi.evetech.net/status",
    attempt: 1,
    delayMs: 1,
    reason: `Bearer ${JWT}`,
  });
  const text = metrics.toPrometheus();
  const snapshot = JSON.stringify(metrics.snapshot());
  for (const secret of [SECRET, JWT, "Bearer", "token=", "2112625428", "10000002", "https://"]) {
    assert.equal(text.includes(secret), false, `exposition holds ${secret}`);
    assert.equal(snapshot.includes(secret), false, `snapshot holds ${secret}`);
  }
  const families = parsePrometheus(text);
  assert.equal(
    sampleValue(families, "esi_requests_total", {
      method: "GET",
      route: "/characters/{id}/wallet",
      status: "200",
      cache: "miss",
    }),
    1,
  );
  assert.equal(
    sampleValue(families, "esi_retries_total", { route: "/status", reason: "other" }),
    1,
  );
});

Deno.test("odd methods, statuses and outcomes fall into bounded labels", () => {
  const metrics = new EsiMetrics();
  const info = { route: "/status", url: "https://esi.evetech.net/status" };
  const hooks = metrics.hooks();
  emit(hooks.response, {
    ...info,
    method: "get",
    status: 200,
    elapsedMs: NaN,
    cache: "hit",
    attempt: 0,
  });
  emit(hooks.response, {
    ...info,
    method: "BREW",
    status: 418,
    elapsedMs: -5,
    cache: "hit",
    attempt: 0,
  });
  emit(hooks.response, {
    ...info,
    method: "GET",
    status: 0,
    elapsedMs: 1,
    cache: "x" as "hit",
    attempt: 0,
  });
  emit(hooks.response, {
    ...info,
    method: "GET",
    status: 1000,
    elapsedMs: 1,
    cache: "miss",
    attempt: 1,
  });
  emit(hooks.response, {
    ...info,
    method: "GET",
    route: "not a path",
    status: 200,
    elapsedMs: 1,
    cache: "miss",
    attempt: 1,
  });
  emit(hooks.response, {
    ...info,
    method: "GET",
    route: `/${"x".repeat(300)}`,
    status: 200,
    elapsedMs: 1,
    cache: "miss",
    attempt: 1,
  });
  const rows = metrics.requests.samples().map((s) => Object.values(s.labels).join(" "));
  assert.deepEqual(rows, [
    "GET /status 200 hit",
    "other /status 418 hit",
    "GET /status other other",
    "GET /status other miss",
    "GET other 200 miss",
  ]);
  assert.equal(
    metrics.requests.get({ method: "GET", route: "other", status: 200, cache: "miss" }),
    2,
  );
  assert.deepEqual(metrics.duration.sum(), { count: 6, sum: 0.004 });
});

Deno.test("a stream of distinct untyped paths cannot grow the series past the cap", () => {
  const metrics = new EsiMetrics({ maxSeries: 50 });
  const hooks = metrics.hooks();
  for (let i = 0; i < 20_000; i++) {
    const route = `/things/t${i.toString(36)}/x`;
    const url = `https://esi.evetech.net${route}`;
    emit(hooks.response, {
      method: "GET",
      route,
      url,
      status: 200,
      elapsedMs: 1,
      cache: "miss",
      attempt: 1,
    });
    emit(hooks.retry, { method: "GET", route, url, attempt: 1, delayMs: 1, reason: "503" });
    emit(hooks.error, { method: "GET", route, url, attempt: 1, error: new Error("x") });
  }
  assert.equal(metrics.requests.samples().length, 51);
  assert.equal(metrics.duration.samples().length, 51);
  assert.equal(metrics.retries.samples().length, 51);
  assert.equal(metrics.errors.samples().length, 51);
  assert.equal(
    metrics.requests.get({ method: "GET", route: "other", status: 200, cache: "miss" }),
    19_950,
  );
  assert.equal(metrics.snapshot().requests, 20_000);
  parsePrometheus(metrics.toPrometheus());
});

Deno.test("several producers share one registry and one exposition", () => {
  const registry = new MetricsRegistry();
  const first = new EsiMetrics({ registry });
  const second = new EsiMetrics({ registry });
  const worker = registry.counter({
    name: "worker_requests_total",
    help: "Requests the worker served.",
    labelNames: ["route", "status"],
  });
  worker.inc({ route: "/esi/*", status: 200 });
  runScript(first.hooks());
  runScript(second.hooks());
  assert.equal(first.snapshot().requests, 12); // the same series, fed twice
  const families = parsePrometheus(registry.toPrometheus());
  assert.equal(
    sampleValue(families, "worker_requests_total", { route: "/esi/*", status: "200" }),
    1,
  );
  assert.equal(sampleValue(families, "esi_error_limit_remaining"), 97);
});

Deno.test("hooks() joins with other hooks through mergeHooks", () => {
  const metrics = new EsiMetrics();
  const seen: number[] = [];
  const hooks = mergeHooks(metrics.hooks(), { response: [(e) => void seen.push(e.status)] });
  runScript(hooks);
  assert.deepEqual(seen, [200, 200, 200, 200, 404, 200]);
  assert.equal(metrics.snapshot().requests, 6);
  assert.notEqual(metrics.hooks().response, metrics.hooks().response);
});
