import assert from "node:assert/strict";
import { errorOf, testGateway, withSimulator } from "./helpers.ts";

const METRICS_TOKEN = "metrics-token-0123456789";

Deno.test("healthz answers without touching ESI or the store", async () => {
  const { app, upstream } = testGateway();
  const res = await app.request("/healthz");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok" });
  assert.equal(res.headers.get("Cache-Control"), "no-store");
  assert.deepEqual(upstream, []);
});

Deno.test("readyz: ready when the store and ESI's /status answer", async () => {
  await withSimulator({}, async ({ app }) => {
    const res = await app.request("/readyz");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      status: "ready",
      checks: {
        store: { ok: true, store: "memory" },
        esi: { ok: true, status: 200, cache: "miss" },
      },
    });
  });
});

Deno.test("readyz: 503 with details when the store or ESI fails", async (t) => {
  await t.step("store down", async () => {
    await withSimulator({
      deps: { checkStore: () => Promise.reject(new Error("connection refused")) },
    }, async ({ app }) => {
      const res = await app.request("/readyz");
      assert.equal(res.status, 503);
      const body = await res.json();
      assert.equal(body.status, "not ready");
      assert.deepEqual(body.checks.store, {
        store: "memory",
        ok: false,
        error: "connection refused",
      });
      assert.equal(body.checks.esi.ok, true);
    });
  });
  await t.step("ESI answers 503", async () => {
    await withSimulator({}, async ({ app, sim }) => {
      sim.fault("GET /status", { statuses: [503] });
      const res = await app.request("/readyz");
      assert.equal(res.status, 503);
      assert.deepEqual((await res.json()).checks.esi, { ok: false, error: "ESI answered 503" });
    });
  });
  await t.step("the store hangs past the deadline", async () => {
    await withSimulator(
      { deps: { checkStore: () => new Promise(() => {}) } },
      async ({ app, clock }) => {
        const pending = app.request("/readyz");
        await clock.advance(3_000);
        const res = await pending;
        assert.equal(res.status, 503);
        assert.deepEqual((await res.json()).checks.store, {
          store: "memory",
          ok: false,
          error: "no answer within 3000 ms",
        });
      },
    );
  });
});

Deno.test("metrics: off without a token, bearer-protected with one", async (t) => {
  await t.step("no METRICS_TOKEN: 404", async () => {
    const { app } = testGateway();
    const res = await app.request("/metrics", {
      headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });
  const { app } = testGateway({ env: { METRICS_TOKEN } });
  await t.step("missing or wrong token: 401", async () => {
    const variants: Record<string, string>[] = [{}, { Authorization: "Bearer nope" }, {
      Authorization: METRICS_TOKEN,
    }];
    for (const headers of variants) {
      const res = await app.request("/metrics", { headers });
      assert.equal(res.status, 401);
      assert.match(res.headers.get("WWW-Authenticate")!, /^Bearer/);
      await res.body?.cancel();
    }
  });
  await t.step("right token, no source yet: 501", async () => {
    const res = await app.request("/metrics", {
      headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(res.status, 501);
    await res.body?.cancel();
  });
  await t.step("right token and a source: Prometheus text", async () => {
    const { app } = testGateway({
      env: { METRICS_TOKEN },
      deps: { metrics: () => "# TYPE up gauge\nup 1\n" },
    });
    const res = await app.request("/metrics", {
      headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("Content-Type")!, /^text\/plain; version=0\.0\.4/);
    assert.equal(await res.text(), "# TYPE up gauge\nup 1\n");
  });
});

Deno.test("every answer: a request id, secure headers, one JSON log line", async () => {
  await withSimulator({}, async ({ app, logs }) => {
    const res = await app.request("/esi/status", { headers: { "X-Request-Id": "caller-id-42" } });
    await res.body?.cancel();
    assert.equal(res.headers.get("X-Request-Id"), "caller-id-42");
    assert.equal(res.headers.get("X-Content-Type-Options"), "nosniff");
    assert.equal(res.headers.get("X-Frame-Options"), "DENY");
    assert.ok(res.headers.has("Strict-Transport-Security"));
    assert.equal(res.headers.get("Access-Control-Allow-Origin"), null); // CORS is off by default

    const bad = await app.request("/esi/nope?token=secret123", {
      headers: { "X-Request-Id": "bad id with spaces" },
    });
    await bad.body?.cancel();
    const generated = bad.headers.get("X-Request-Id")!;
    assert.match(generated, /^[0-9a-f-]{36}$/);

    const lines = logs.filter((l) => l.msg === "request");
    assert.equal(lines.length, 2);
    const [ok, notFound] = lines;
    assert.equal(ok.requestId, "caller-id-42");
    assert.equal(ok.status, 200);
    assert.equal(ok.route, "/status");
    assert.equal(ok.cache, "miss");
    assert.equal(ok.level, "info");
    assert.ok(typeof ok.esiRequestId === "string");
    assert.equal(notFound.requestId, generated);
    assert.equal(notFound.status, 404);
    assert.equal(notFound.level, "warn");
    assert.equal(notFound.path, "/esi/nope?token=<redacted>");
    for (const line of lines) JSON.parse(JSON.stringify(line)); // serialisable as one line
  });
});

Deno.test("CORS: on only for the configured origins", async () => {
  const { app } = testGateway({ env: { CORS_ORIGINS: "https://app.example" } });
  const preflight = await app.request("/esi/status", {
    method: "OPTIONS",
    headers: {
      Origin: "https://app.example",
      "Access-Control-Request-Method": "GET",
      "Access-Control-Request-Headers": "x-api-key",
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("Access-Control-Allow-Origin"), "https://app.example");
  assert.match(preflight.headers.get("Access-Control-Allow-Headers")!, /X-Api-Key/i);
  const stranger = await app.request("/healthz", { headers: { Origin: "https://evil.example" } });
  assert.equal(stranger.headers.get("Access-Control-Allow-Origin"), null);
  await stranger.body?.cancel();
});

Deno.test("unknown routes and failures answer JSON", async () => {
  const { app, logs } = testGateway({
    deps: { checkStore: () => Promise.resolve(), metrics: () => Promise.reject(new Error("boom")) },
    env: { METRICS_TOKEN },
  });
  const missing = await app.request("/nope");
  assert.equal(missing.status, 404);
  assert.equal(await errorOf(missing), 'Cannot find "/nope"');
  const failing = await app.request("/metrics", {
    headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
  });
  assert.equal(failing.status, 500);
  assert.equal(await errorOf(failing), "The gateway failed to answer; the log has the details");
  assert.ok(logs.some((l) => l.msg === "unhandled error" && String(l.error).includes("boom")));
});

Deno.test("a cache store outage degrades to misses and never fails a call", async () => {
  const down = () => Promise.reject(new Error("cache store down"));
  await withSimulator(
    { cache: { get: down, set: down, delete: down } },
    async ({ app, sim }) => {
      for (let i = 0; i < 2; i++) {
        const res = await app.request("/esi/status");
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("X-Esikit-Cache"), "miss");
        await res.body?.cancel();
      }
      assert.equal(sim.requests.length, 2);
    },
  );
});
