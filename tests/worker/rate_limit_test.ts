import assert from "node:assert/strict";
import { signRequest } from "../../src/signing/sign.ts";
import type { CallerLimiter } from "../../worker/limiter/types.ts";
import { errorOf, SECRET, withSimulator } from "./helpers.ts";

const from = (hostname: string) => ({ remoteAddr: { hostname } });

Deno.test("rate limit: the limit'th+1 request gets 429 with RateLimit-* and Retry-After", async () => {
  await withSimulator(
    { env: { RATE_LIMIT: "2", RATE_LIMIT_WINDOW: "60 s" } },
    async ({ app, clock, sim }) => {
      const ok1 = await app.request("/esi/status", {}, from("10.0.0.1"));
      assert.equal(ok1.status, 200);
      assert.equal(ok1.headers.get("RateLimit-Limit"), "2");
      assert.equal(ok1.headers.get("RateLimit-Remaining"), "1");
      const reset = Number(ok1.headers.get("RateLimit-Reset"));
      assert.ok(reset > 0 && reset <= 60, String(reset));
      await ok1.body?.cancel();
      const ok2 = await app.request("/esi/status", {}, from("10.0.0.1"));
      assert.equal(ok2.headers.get("RateLimit-Remaining"), "0");
      await ok2.body?.cancel();

      const limited = await app.request("/esi/status", {}, from("10.0.0.1"));
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get("RateLimit-Limit"), "2");
      assert.equal(limited.headers.get("RateLimit-Remaining"), "0");
      assert.equal(limited.headers.get("Retry-After"), limited.headers.get("RateLimit-Reset"));
      assert.match(await errorOf(limited), /limit of 2 requests per window is reached/);
      assert.equal(sim.requests.length, 1); // the second was a cache hit; the third never left

      // Another address has its own allowance.
      const other = await app.request("/esi/status", {}, from("10.0.0.2"));
      assert.equal(other.status, 200);
      await other.body?.cancel();

      // Two windows later the first address may call again.
      await clock.advance(120_000);
      const again = await app.request("/esi/status", {}, from("10.0.0.1"));
      assert.equal(again.status, 200);
      await again.body?.cancel();
    },
  );
});

Deno.test("rate limit: X-Forwarded-For counts only behind a trusted proxy", async (t) => {
  await t.step("not trusted: the connection's address is the caller", async () => {
    await withSimulator({ env: { RATE_LIMIT: "1" } }, async ({ app }) => {
      const a = await app.request(
        "/esi/status",
        { headers: { "X-Forwarded-For": "1.1.1.1" } },
        from("10.0.0.9"),
      );
      await a.body?.cancel();
      const b = await app.request(
        "/esi/status",
        { headers: { "X-Forwarded-For": "2.2.2.2" } },
        from("10.0.0.9"),
      );
      assert.equal(b.status, 429); // a forged header does not buy a new allowance
      await b.body?.cancel();
    });
  });
  await t.step("one trusted hop: the address the proxy saw", async () => {
    await withSimulator({ env: { RATE_LIMIT: "1", TRUST_PROXY: "1" } }, async ({ app, logs }) => {
      const headers = (xff: string) => ({ headers: { "X-Forwarded-For": xff } });
      const a = await app.request("/esi/status", headers("6.6.6.6, 1.1.1.1"), from("10.0.0.9"));
      assert.equal(a.status, 200);
      await a.body?.cancel();
      const b = await app.request("/esi/status", headers("7.7.7.7, 2.2.2.2"), from("10.0.0.9"));
      assert.equal(b.status, 200);
      await b.body?.cancel();
      const c = await app.request("/esi/status", headers("8.8.8.8, 1.1.1.1"), from("10.0.0.9"));
      assert.equal(c.status, 429); // the left part is the client's to forge; the right is the proxy's
      await c.body?.cancel();
      assert.deepEqual(logs.filter((l) => l.msg === "request").map((l) => l.caller), [
        "ip:1.1.1.1",
        "ip:2.2.2.2",
        "ip:1.1.1.1",
      ]);
    });
  });
});

Deno.test("rate limit: API keys are limited by their tier, apart from addresses", async () => {
  await withSimulator({
    env: {
      RATE_LIMIT: "5",
      RATE_LIMIT_TIERS: JSON.stringify({ tiny: { limit: 1, window: "60 s" } }),
      API_KEYS: JSON.stringify({ app: { secret: SECRET, tier: "tiny" } }),
    },
  }, async ({ app, clock }) => {
    const signed = () =>
      signRequest(new Request("http://localhost/esi/status"), {
        apiKey: "app",
        apiSecret: SECRET,
        now: clock.now(),
      });
    const first = await app.request(await signed(), undefined, from("10.0.0.1"));
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("RateLimit-Limit"), "1");
    await first.body?.cancel();
    await clock.advance(1_000); // a new timestamp, so a new signature
    const second = await app.request(await signed(), undefined, from("10.0.0.1"));
    assert.equal(second.status, 429);
    await second.body?.cancel();
    const anonymous = await app.request("/esi/status", {}, from("10.0.0.1"));
    assert.equal(anonymous.status, 200);
    assert.equal(anonymous.headers.get("RateLimit-Limit"), "5");
    await anonymous.body?.cancel();
  });
});

Deno.test("rate limit: a limiter outage fails open or closed as configured", async () => {
  const broken: CallerLimiter = {
    name: "broken",
    limit: () => Promise.reject(new Error("store down")),
  };
  for (const mode of ["open", "closed"] as const) {
    await withSimulator(
      { env: { RATE_LIMIT_ON_STORE_ERROR: mode }, deps: { limiter: broken } },
      async ({ app, logs }) => {
        const res = await app.request("/esi/status");
        assert.equal(res.status, mode === "open" ? 200 : 503, mode);
        if (mode === "closed") assert.equal(res.headers.get("Retry-After"), "1");
        await res.body?.cancel();
        assert.ok(
          logs.some((l) =>
            l.msg === "store failed" && l.purpose === "limit" && l.store === "broken"
          ),
        );
        assert.equal(logs.find((l) => l.msg === "request")?.limiter, `failed-${mode}`);
      },
    );
  }
});

Deno.test("rate limit: the limiter's pending work goes to waitUntil where there is one", async () => {
  const handed: Promise<unknown>[] = [];
  let settled = false;
  const limiter: CallerLimiter = {
    name: "spy",
    limit: () =>
      Promise.resolve({
        success: true,
        limit: 10,
        remaining: 9,
        reset: 0,
        pending: Promise.resolve().then(() => settled = true),
      }),
  };
  await withSimulator({ deps: { limiter } }, async ({ app }) => {
    const ctx = {
      waitUntil: (p: Promise<unknown>) => handed.push(p),
      passThroughOnException() {},
      props: {},
    };
    const res = await app.request("/esi/status", {}, {}, ctx);
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.equal(handed.length, 1);
    await Promise.all(handed);
    assert.equal(settled, true);
    // Without an execution context (Deno), the request still succeeds.
    const plain = await app.request("/esi/status");
    assert.equal(plain.status, 200);
    await plain.body?.cancel();
  });
});
