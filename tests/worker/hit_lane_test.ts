import assert from "node:assert/strict";
import { MetricsRegistry } from "../../src/observe/registry.ts";
import { EsiTokenInvalidError } from "../../src/sso/errors.ts";
import { signRequest } from "../../src/signing/sign.ts";
import { embeddedLimiter } from "../../worker/limiter/embedded.ts";
import type { CallerLimiter } from "../../worker/limiter/types.ts";
import { loadConfig } from "../../worker/config.ts";
import { GatewayMetrics } from "../../worker/metrics.ts";
import { MemoryStore } from "../../worker/stores/memory.ts";
import { parsePrometheus, sampleValue } from "../support/prometheus_parser.ts";
import { SECRET, withSimulator } from "./helpers.ts";

/** A request that counts how often its signal is read. */
class WatchedRequest extends Request {
  signalReads = 0;
  override get signal(): AbortSignal {
    this.signalReads++;
    return super.signal;
  }
}

/** The embedded limiter, counting which way each request was admitted. */
function countingLimiter(env: Record<string, string> = {}) {
  const tiers = loadConfig({ ESI_USER_AGENT: "t/1", ...env }).tiers;
  const inner = embeddedLimiter({ store: new MemoryStore(), tiers });
  const counts = { limit: 0, admitNow: 0 };
  const limiter: CallerLimiter = {
    name: inner.name,
    limit(id, tier) {
      counts.limit++;
      return inner.limit(id, tier);
    },
    admitNow(id, tier) {
      const admitted = inner.admitNow!(id, tier);
      if (admitted) counts.admitNow++;
      return admitted;
    },
  };
  return { limiter, counts };
}

/** Headers that describe one request, not the answer. */
const perRequest = /^(x-request-id|ratelimit-remaining|ratelimit-reset|date)$/;

function comparable(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([name]) => !perRequest.test(name)));
}

Deno.test("hit lane: a remembered hit skips the chain and answers as the chain did", async () => {
  const registry = new MetricsRegistry();
  const { limiter, counts } = countingLimiter();
  await withSimulator({
    deps: { limiter, gatewayMetrics: new GatewayMetrics({ registry }) },
  }, async ({ app, logs }) => {
    await (await app.request("/esi/status")).text(); // miss
    const chain = await app.request("/esi/status"); // a hit through the client, remembered
    const chainBody = await chain.text();
    assert.equal(counts.limit, 2);
    counts.limit = 0;

    const watched = new WatchedRequest("http://localhost/esi/status");
    const lane = await app.request(watched);
    assert.equal(await lane.text(), chainBody);
    assert.deepEqual([counts.limit, counts.admitNow], [0, 1], "admitted from the lease");
    assert.equal(watched.signalReads, 0, "nothing waited: the request's signal was never read");
    assert.deepEqual(comparable(lane), comparable(chain));
    assert.match(lane.headers.get("x-request-id")!, /^[\w-]{36}$/);
    assert.equal(lane.headers.get("ratelimit-limit"), chain.headers.get("ratelimit-limit"));

    const [chainLine, laneLine] = logs.filter((l) => l.msg === "request").slice(1);
    const strip = ({ requestId: _, durationMs: __, ...rest }: Record<string, unknown>) => rest;
    assert.deepEqual(strip(laneLine), { ...strip(chainLine), attempts: 0 });
    assert.equal(laneLine.requestId, lane.headers.get("x-request-id"));

    const samples = parsePrometheus(registry.toPrometheus());
    const labels = { route: "/esi/status", method: "GET", status: "200" };
    assert.equal(sampleValue(samples, "gateway_requests_total", labels), 3);
    assert.equal(sampleValue(samples, "gateway_prepared_hits_total", { route: "/status" }), 1);
  });
});

Deno.test("hit lane: a caller's If-None-Match is answered 304 from the remembered entry", async () => {
  await withSimulator({}, async ({ app, sim }) => {
    await (await app.request("/esi/status")).text();
    const hit = await app.request("/esi/status");
    await hit.text();
    const etag = hit.headers.get("etag")!;
    const upstream = sim.requests.length;
    for (const given of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const res = await app.request("/esi/status", { headers: { "If-None-Match": given } });
      assert.equal(res.status, 304, given);
      assert.equal(await res.text(), "");
      assert.equal(res.headers.get("etag"), etag);
      assert.equal(res.headers.get("content-type"), null);
      assert.ok(res.headers.has("ratelimit-remaining"));
      assert.ok(res.headers.has("x-request-id"));
    }
    const other = await app.request("/esi/status", { headers: { "If-None-Match": '"other"' } });
    assert.equal(other.status, 200);
    assert.equal(await other.text(), await (await app.request("/esi/status")).text());
    assert.equal(sim.requests.length, upstream, "ESI was not asked again");
  });
});

Deno.test("hit lane: callers the chain treats otherwise still go through it", async (t) => {
  const keys = JSON.stringify({ app: { secret: SECRET, tier: "partner" } });
  const env = {
    API_KEYS: keys,
    RATE_LIMIT_TIERS: JSON.stringify({ partner: { limit: 7777, window: "60 s" } }),
    TRUST_PROXY: "1",
  };
  const { limiter, counts } = countingLimiter(env);
  await withSimulator({
    env,
    deps: {
      limiter,
      verifyToken: () =>
        Promise.reject(new EsiTokenInvalidError("signature", "Cannot verify: bad signature")),
    },
  }, async ({ app, clock }) => {
    const from = (address: string, headers: Record<string, string> = {}) =>
      app.request("/esi/status", { headers: { "X-Forwarded-For": address, ...headers } });
    for (let i = 0; i < 2; i++) await (await from("198.51.100.1")).text(); // remembered

    await t.step("an API key: verified, limited in its own tier", async () => {
      const request = await signRequest(new Request("http://localhost/esi/status"), {
        apiKey: "app",
        apiSecret: SECRET,
        now: clock.now(),
      });
      const before = counts.limit;
      const res = await app.request(request);
      await res.text();
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("ratelimit-limit"), "7777");
      assert.equal(counts.limit, before + 1);
    });

    await t.step("a bearer token on a public route is verified, and refused", async () => {
      const res = await from("198.51.100.1", { Authorization: "Bearer not.a.token" });
      await res.body?.cancel();
      assert.equal(res.status, 401);
    });

    await t.step("an address refused for failed authentication gets no hit", async () => {
      for (let i = 0; i < 25; i++) {
        await (await from("203.0.113.7", { Authorization: "Bearer not.a.token" })).body?.cancel();
      }
      const res = await from("203.0.113.7");
      await res.body?.cancel();
      assert.equal(res.status, 429);
      const other = await from("198.51.100.2");
      await other.body?.cancel();
      assert.equal(other.status, 200);
    });

    await t.step("HEAD goes through the chain", async () => {
      const before = counts.limit + counts.admitNow;
      const res = await app.request("/esi/status", { method: "HEAD" });
      assert.equal(res.status, 200);
      assert.equal(counts.limit + counts.admitNow, before + 1);
    });
  });
});

Deno.test("hit lane: with CORS on, every hit carries the CORS headers", async () => {
  await withSimulator({ env: { CORS_ORIGINS: "https://app.example" } }, async ({ app }) => {
    const ask = () => app.request("/esi/status", { headers: { Origin: "https://app.example" } });
    for (let i = 0; i < 3; i++) {
      const res = await ask();
      await res.text();
      assert.equal(res.headers.get("access-control-allow-origin"), "https://app.example");
    }
  });
});

Deno.test("hit lane: a request is never answered from another request's key", async (t) => {
  await withSimulator({}, async ({ app }) => {
    const ask = async (headers: Record<string, string>) => {
      const res = await app.request("/esi/status", { headers });
      await res.body?.cancel();
      return res.status;
    };
    await t.step("a separator in a header does not spell another key", async () => {
      const odd = { "X-Compatibility-Date": "2025-08-26|de", "Accept-Language": "x" };
      const fresh = await ask(odd);
      assert.equal(fresh, 400);
      const remembered = { "X-Compatibility-Date": "2025-08-26", "Accept-Language": "de|x" };
      for (let i = 0; i < 2; i++) await ask(remembered);
      assert.equal(await ask(odd), fresh);
    });
    await t.step("an empty header is not a missing one", async () => {
      const fresh = await ask({ "X-Compatibility-Date": "" });
      assert.equal(fresh, 400);
      for (let i = 0; i < 2; i++) await ask({});
      assert.equal(await ask({ "X-Compatibility-Date": "" }), fresh);
    });
  });
});
