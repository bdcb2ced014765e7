import assert from "node:assert/strict";
import { EsiTokenInvalidError } from "../../src/sso/errors.ts";
import { MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from "../../src/observe/registry.ts";
import { EsiSimulator, FakeClock } from "../../src/testing/mod.ts";
import { serve } from "../../src/testing/deno.ts";
import { loadConfig } from "../../worker/config.ts";
import { createGateway } from "../../worker/gateway.ts";
import { GatewayMetrics } from "../../worker/metrics.ts";
import type { CallerLimiter } from "../../worker/limiter/types.ts";
import { parsePrometheus, sampleValue } from "../support/prometheus_parser.ts";
import { testGateway } from "./helpers.ts";

const METRICS_TOKEN = "metrics-token-0123456789abcdef";
const BAD_TOKEN = "eyJhbGciOiJSUzI1NiJ9.bad-token-payload.c2ln";

Deno.test("metrics: after scripted traffic the exposition has exact counts, parses, and holds no secret", async () => {
  const clock = new FakeClock();
  const sim = new EsiSimulator({ clock });
  await serve(sim);
  try {
    const registry = new MetricsRegistry();
    const { app } = createGateway({
      config: loadConfig({
        ESI_USER_AGENT: "esikit-tests/1.0 (tests@example.com)",
        ESI_BASE_URL: sim.url,
        METRICS_TOKEN,
        RATE_LIMIT: "3",
      }),
      clock,
      registry,
      logger: () => {},
      verifyToken: () =>
        Promise.reject(
          new EsiTokenInvalidError("signature", "Cannot verify the token: bad signature"),
        ),
    });
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const res = await app.request(path, { headers });
      await res.body?.cancel();
      return res.status;
    };
    assert.equal(await get("/esi/status"), 200); // miss: one upstream call
    assert.equal(await get("/esi/status"), 200); // hit
    assert.equal(
      await get("/esi/characters/1/skills", { Authorization: `Bearer ${BAD_TOKEN}` }),
      401,
    );
    assert.equal(await get("/esi/nowhere"), 404);
    assert.equal(await get("/esi/status"), 200); // the limit's third
    assert.equal(await get("/esi/status"), 429); // over the limit of 3
    assert.equal(await get("/metrics"), 401);
    assert.equal(await get("/metrics", { Authorization: "Bearer wrong-token-wrong-token" }), 401);
    // Made-up methods are counted, under one label.
    for (const method of ["ZZTOP1", "ZZTOP2"]) {
      const made = await app.request("/healthz", { method });
      await made.body?.cancel();
    }

    const res = await app.request("/metrics", {
      headers: { Authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
    const text = await res.text();
    const families = parsePrometheus(text);
    const value = (name: string, labels: Record<string, string>) =>
      sampleValue(families, name, labels);

    const req = (route: string, status: number, method = "GET") =>
      value("gateway_requests_total", { route, method, status: String(status) });
    assert.equal(req("/esi/status", 200), 3);
    assert.equal(req("/esi/status", 429), 1);
    assert.equal(req("/esi/characters/{character_id}/skills", 401), 1);
    assert.equal(req("other", 404), 1);
    assert.equal(req("/metrics", 401), 2);
    assert.equal(req("/healthz", 404, "other"), 2);
    assert.ok(!text.includes("ZZTOP"), "a caller's method is no label");
    assert.equal(value("gateway_rate_limited_total", { tier: "anonymous" }), 1);
    assert.equal(value("gateway_auth_failures_total", { reason: "token_invalid" }), 1);

    // The client's series, on the same registry: one call went upstream, the
    // next was a hit; the third, a request seen before, the gateway answered
    // from its prepared hit without calling the client.
    const esiCalls = families.get("esi_requests_total")!.samples;
    assert.deepEqual(
      esiCalls.map((s) => [s.labels.route, s.labels.status, s.labels.cache, s.value]),
      [["/status", "200", "miss", 1], ["/status", "200", "hit", 1]],
    );
    assert.equal(value("gateway_prepared_hits_total", { route: "/status" }), 1);
    assert.equal(sim.requests.length, 1);

    for (const secret of [METRICS_TOKEN, BAD_TOKEN, "bad-token-payload", "wrong-token"]) {
      assert.ok(!text.includes(secret), "no secret or token in the exposition");
    }
  } finally {
    await sim.close();
  }
});

Deno.test("metrics: a limiter outage counts as a store error", async () => {
  const registry = new MetricsRegistry();
  const gatewayMetrics = new GatewayMetrics({ registry });
  const failing: CallerLimiter = {
    name: "broken",
    limit: () => Promise.reject(new Error("store down")),
  };
  const { app } = testGateway({
    env: { RATE_LIMIT_ON_STORE_ERROR: "closed" },
    deps: { limiter: failing, gatewayMetrics },
  });
  const res = await app.request("/esi/status");
  assert.equal(res.status, 503);
  await res.body?.cancel();
  const families = parsePrometheus(registry.toPrometheus());
  assert.equal(
    sampleValue(families, "gateway_store_errors_total", { store: "broken", operation: "limit" }),
    1,
  );
  assert.equal(
    sampleValue(families, "gateway_requests_total", {
      route: "/esi/status",
      method: "GET",
      status: "503",
    }),
    1,
  );
});
