import assert from "node:assert/strict";
import { until } from "../support/until.ts";
import { EsiClient } from "../../src/client/client.ts";
import {
  canonicalString,
  hmacKey,
  NONCE_PATTERN,
  SIGNATURE_WINDOW_MS,
} from "../../src/signing/canonical.ts";
import { signRequest } from "../../src/signing/sign.ts";
import { verifySignature } from "../../src/signing/verify.ts";
import { sha256Hex } from "../../src/digest.ts";
import { errorOf, SECRET, testGateway } from "./helpers.ts";
import { FakeClock } from "../../src/testing/fake_clock.ts";
import { MemoryStore } from "../../worker/stores/memory.ts";

const keys = JSON.stringify({ app: { secret: SECRET } });

Deno.test("signing: signRequest keeps the body and signs its hash with a fresh nonce", async () => {
  const body = JSON.stringify([30000142]);
  const sign = () =>
    signRequest(
      new Request("http://127.0.0.1:8787/esi/universe/names?x=%20y", { method: "POST", body }),
      { apiKey: "app", apiSecret: SECRET, now: 1_784_289_600_500 },
    );
  const request = await sign();
  assert.equal(request.headers.get("X-Api-Key"), "app");
  assert.equal(request.headers.get("X-Timestamp"), "1784289600");
  const nonce = request.headers.get("X-Nonce")!;
  assert.match(nonce, NONCE_PATTERN);
  assert.notEqual((await sign()).headers.get("X-Nonce"), nonce);
  assert.equal(await request.text(), body);
  const canonical = canonicalString({
    method: "POST",
    pathAndQuery: "/esi/universe/names?x=%20y",
    timestamp: "1784289600",
    nonce,
    bodySha256: await sha256Hex(new TextEncoder().encode(body)),
  });
  const bodyHash = await sha256Hex(new TextEncoder().encode(body));
  assert.equal(
    canonical,
    `ESIKIT-HMAC-SHA256\nPOST\n/esi/universe/names?x=%20y\n1784289600\n${nonce}\n${bodyHash}`,
  );
  assert.equal(
    await verifySignature(await hmacKey(SECRET), canonical, request.headers.get("X-Signature")!),
    true,
  );
});

Deno.test("API keys: refusals", async (t) => {
  const { app, clock, upstream } = testGateway({ env: { API_KEYS: keys } });
  const signed = async (path: string, init: RequestInit = {}, now = clock.now()) =>
    await signRequest(new Request(`http://localhost${path}`, init), {
      apiKey: "app",
      apiSecret: SECRET,
      now,
    });

  await t.step("unknown key", async () => {
    const res = await app.request("/esi/status", {
      headers: { "X-Api-Key": "nobody", "X-Timestamp": "1", "X-Signature": "00" },
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("WWW-Authenticate"), "ESIKIT-HMAC-SHA256");
    assert.equal(await errorOf(res), 'Cannot authenticate: API key "nobody" is unknown');
  });
  await t.step("missing signature", async () => {
    const request = await signed("/esi/status");
    request.headers.delete("X-Signature");
    const res = await app.request(request);
    assert.equal(res.status, 401);
    assert.equal(await errorOf(res), "Cannot authenticate: X-Signature is missing");
  });
  await t.step("missing or malformed timestamp", async () => {
    for (const value of [undefined, "soon", "-5", "1.5"]) {
      const request = await signed("/esi/status");
      if (value === undefined) request.headers.delete("X-Timestamp");
      else request.headers.set("X-Timestamp", value);
      const res = await app.request(request);
      assert.equal(res.status, 401);
      assert.match(await errorOf(res), /X-Timestamp is missing or not Unix time/);
    }
  });
  await t.step("missing or malformed nonce", async () => {
    for (const value of [undefined, "short", "x".repeat(65), "has spaces in it!!"]) {
      const request = await signed("/esi/status");
      if (value === undefined) request.headers.delete("X-Nonce");
      else request.headers.set("X-Nonce", value);
      const res = await app.request(request);
      assert.equal(res.status, 401);
      assert.match(await errorOf(res), /X-Nonce is missing or not 16 to 64 characters/);
    }
  });
  await t.step("a nonce other than the signed one", async () => {
    const request = await signed("/esi/status");
    request.headers.set("X-Nonce", "A".repeat(16));
    const res = await app.request(request);
    assert.equal(res.status, 401);
    assert.equal(await errorOf(res), "Cannot authenticate: the signature does not match");
  });
  await t.step("bad signature", async () => {
    const request = await signed("/esi/status");
    const sig = request.headers.get("X-Signature")!;
    request.headers.set("X-Signature", (sig[0] === "0" ? "1" : "0") + sig.slice(1));
    const res = await app.request(request);
    assert.equal(res.status, 401);
    assert.equal(await errorOf(res), "Cannot authenticate: the signature does not match");
  });
  await t.step("signature for another path, method, query or body", async () => {
    const original = await signed("/esi/status");
    const headers = Object.fromEntries(
      ["X-Api-Key", "X-Timestamp", "X-Nonce", "X-Signature"].map((h) => [
        h,
        original.headers.get(h)!,
      ]),
    );
    for (
      const [path, init] of [
        ["/esi/status?x=1", {}],
        ["/esi/alliances", {}],
        ["/esi/status", { method: "HEAD" }],
      ] as [string, RequestInit][]
    ) {
      const res = await app.request(path, { ...init, headers });
      assert.equal(res.status, 401, path);
      await res.body?.cancel();
    }
    const post = await signed("/esi/universe/names", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "[30000142]",
    });
    const res = await app.request("/esi/universe/names", {
      method: "POST",
      headers: { ...Object.fromEntries(post.headers), "Content-Type": "application/json" },
      body: "[30000143]",
    });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  });
  await t.step("timestamp more than 5 minutes old or ahead", async () => {
    for (const skew of [-301_000, 301_000]) {
      const res = await app.request(await signed("/esi/status", {}, clock.now() + skew));
      assert.equal(res.status, 401);
      assert.match(await errorOf(res), /more than 5 minutes from the gateway's clock/);
    }
  });
  await t.step("a replayed signature", async () => {
    const request = await signed("/esi/status");
    const first = await app.request(request.clone());
    assert.notEqual(first.status, 401); // accepted (ESI itself is unreachable here)
    await first.body?.cancel();
    const again = await app.request(request);
    assert.equal(again.status, 401);
    assert.equal(await errorOf(again), "Cannot authenticate: the nonce was already used");
  });
  assert.equal(upstream.length, 1); // only the accepted one went on
});

Deno.test("API keys: a signature accepted by one instance is not replayed at another whose clock is behind", async () => {
  // One shared nonce store on its own clock; instance A's clock runs 50 s ahead of it, B's 50 s
  // behind (inside the skew allowed between instances). A accepts a signature dated at the far
  // end of its window; B still accepts that timestamp for ten minutes and 100 s of store time.
  const storeClock = new FakeClock();
  const nonces = new MemoryStore({ clock: storeClock });
  const a = testGateway({
    env: { API_KEYS: keys },
    clock: new FakeClock({ start: storeClock.now() + 50_000 }),
    deps: { nonces },
  });
  const b = testGateway({
    env: { API_KEYS: keys },
    clock: new FakeClock({ start: storeClock.now() - 50_000 }),
    deps: { nonces },
  });
  const request = await signRequest(new Request("http://localhost/esi/status"), {
    apiKey: "app",
    apiSecret: SECRET,
    now: a.clock.now() + SIGNATURE_WINDOW_MS,
  });
  const first = await a.app.request(request.clone());
  assert.notEqual(first.status, 401, await first.clone().text());
  await first.body?.cancel();
  // Just before B stops accepting the timestamp (10 min + 100 s of store time later).
  const later = 2 * SIGNATURE_WINDOW_MS + 99_000;
  for (const clock of [storeClock, a.clock, b.clock]) await clock.advance(later);
  const replay = await b.app.request(request);
  assert.equal(replay.status, 401);
  assert.equal(await errorOf(replay), "Cannot authenticate: the nonce was already used");
  assert.equal(b.upstream.length, 0);
});

Deno.test("API keys: REQUIRE_API_KEY refuses anonymous callers", async () => {
  const { app, upstream } = testGateway({ env: { API_KEYS: keys, REQUIRE_API_KEY: "true" } });
  const res = await app.request("/esi/status");
  assert.equal(res.status, 401);
  assert.match(await errorOf(res), /needs an API key/);
  assert.deepEqual(upstream, []);
  const health = await app.request("/healthz");
  assert.equal(health.status, 200); // only /esi is gated
  await health.body?.cancel();
});

Deno.test("API keys: a nonce store outage fails open or closed as configured", async () => {
  const broken = {
    name: "broken",
    claim: () => Promise.reject(new Error("store down")),
    ping: () => Promise.reject(new Error("store down")),
  };
  for (const mode of ["open", "closed"] as const) {
    const { app, clock, logs } = testGateway({
      env: { API_KEYS: keys, RATE_LIMIT_ON_STORE_ERROR: mode },
      deps: { nonces: broken },
    });
    const request = await signRequest(new Request("http://localhost/esi/status"), {
      apiKey: "app",
      apiSecret: SECRET,
      now: clock.now(),
    });
    const res = await app.request(request);
    assert.equal(res.status, mode === "open" ? 502 : 503, mode); // open: on to (unreachable) ESI
    await res.body?.cancel();
    assert.ok(logs.some((l) => l.msg === "store failed" && l.purpose === "nonce"));
  }
});

Deno.test("API keys: a nonce store that hangs is an outage after 1 s", async () => {
  const hanging = {
    name: "hanging",
    claim: () => new Promise<boolean>(() => {}),
    ping: () => Promise.resolve(),
  };
  const { app, clock, logs } = testGateway({
    env: { API_KEYS: keys, RATE_LIMIT_ON_STORE_ERROR: "closed" },
    deps: { nonces: hanging },
  });
  const request = await signRequest(new Request("http://localhost/esi/status"), {
    apiKey: "app",
    apiSecret: SECRET,
    now: clock.now(),
  });
  const answer = app.request(request);
  // Let the signature check reach the store, then let the deadline pass. The
  // store's deadline is the one wait: the request's is armed only when read.
  await until(() => clock.pending > 0, "the signature check to reach the store");
  await clock.advance(1_000);
  const res = await answer;
  assert.equal(res.status, 503);
  assert.match(await errorOf(res), /replay/);
  const failure = logs.find((l) => l.msg === "store failed" && l.purpose === "nonce");
  assert.match(String(failure?.error), /did not answer within 1000 ms/);
});

Deno.test("API keys: EsiClient({ baseUrl, apiKey, apiSecret }) calls through the gateway", async () => {
  const { withSimulator } = await import("./helpers.ts");
  await withSimulator({
    env: { API_KEYS: keys, REQUIRE_API_KEY: "true" },
  }, async ({ app, sim, clock }) => {
    const client = new EsiClient({
      baseUrl: "http://gateway.test/esi",
      userAgent: "gateway-caller/1.0",
      apiKey: "app",
      apiSecret: SECRET,
      clock,
      retry: 0,
      cache: false,
      fetch: (input, init) =>
        Promise.resolve(app.request(input instanceof Request ? input : String(input), init)),
    });
    const status = await client.get("/status");
    assert.equal(typeof status.players, "number");
    const names = await client.post("/universe/names", { body: [30000142] });
    assert.deepEqual(names, [{ category: "solar_system", id: 30000142, name: "Jita" }]);
    const orders = await client.requestUntyped("GET", "/markets/{region_id}/orders", {
      path: { region_id: 10000002 },
      query: { order_type: "all", type_id: 34 },
    });
    assert.equal(orders.status, 200);
    assert.deepEqual(sim.requests.map((r) => r.path), [
      "/status",
      "/universe/names",
      "/markets/10000002/orders",
    ]);
    // The caller's own product token stays with the gateway; ESI sees the gateway's.
    assert.match(sim.requests[0].headers["user-agent"], /^esikit-tests\/1\.0/);
  });
});
