import assert from "node:assert/strict";
import {
  canonicalString,
  hmacKey,
  sha256Hex,
  sign,
  signRequest,
  verify,
} from "../../worker/signing.ts";
import { errorOf, SECRET, testGateway } from "./helpers.ts";

const keys = JSON.stringify({ app: { secret: SECRET } });
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Deno.test("signing: the canonical string and a known HMAC", async () => {
  const canonical = canonicalString({
    method: "get",
    pathAndQuery: "/esi/markets/10000002/orders?order_type=all",
    timestamp: "1784289600",
    bodySha256: await sha256Hex(new Uint8Array()),
  });
  assert.equal(
    canonical,
    "ESIKIT-HMAC-SHA256\nGET\n/esi/markets/10000002/orders?order_type=all\n1784289600\n" +
      EMPTY_SHA256,
  );
  const key = await hmacKey(SECRET);
  const signature = await sign(key, canonical);
  // Computed independently: printf '%s' "$canonical" | openssl dgst -sha256 -hmac "$SECRET"
  const expected = await crypto.subtle.sign(
    "HMAC",
    await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(SECRET),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    ),
    new TextEncoder().encode(canonical),
  );
  assert.equal(
    signature,
    Array.from(new Uint8Array(expected), (b) => b.toString(16).padStart(2, "0")).join(""),
  );
  assert.equal(await verify(key, canonical, signature), true);
  assert.equal(await verify(key, canonical, signature.toUpperCase()), true);
  assert.equal(await verify(key, `${canonical} `, signature), false);
  assert.equal(await verify(key, canonical, signature.slice(2)), false);
  assert.equal(await verify(key, canonical, "zz" + signature.slice(2)), false);
});

Deno.test("signing: signRequest keeps the body and signs its hash", async () => {
  const body = JSON.stringify([30000142]);
  const request = await signRequest(
    new Request("http://127.0.0.1:8787/esi/universe/names?x=%20y", { method: "POST", body }),
    { apiKey: "app", apiSecret: SECRET, now: 1_784_289_600_500 },
  );
  assert.equal(request.headers.get("X-Api-Key"), "app");
  assert.equal(request.headers.get("X-Timestamp"), "1784289600");
  assert.equal(await request.text(), body);
  const canonical = canonicalString({
    method: "POST",
    pathAndQuery: "/esi/universe/names?x=%20y",
    timestamp: "1784289600",
    bodySha256: await sha256Hex(new TextEncoder().encode(body)),
  });
  assert.equal(
    await verify(await hmacKey(SECRET), canonical, request.headers.get("X-Signature")!),
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
    assert.equal(await errorOf(res), "Cannot authenticate: the API key is unknown");
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
      ["X-Api-Key", "X-Timestamp", "X-Signature"].map((h) => [h, original.headers.get(h)!]),
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
    assert.equal(await errorOf(again), "Cannot authenticate: the signature was already used");
  });
  assert.equal(upstream.length, 1); // only the accepted one went on
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
    assert.ok(logs.some((l) => l.msg === "nonce store failed"));
  }
});
