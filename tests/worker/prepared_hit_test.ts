import assert from "node:assert/strict";
import { SECURE_HEADERS } from "../../worker/middleware/secure_headers.ts";
import { MemoryCache } from "../../src/cache/memory.ts";
import type { CacheEntry } from "../../src/cache/store.ts";
import { FakeClock } from "../../src/testing/mod.ts";
import { PreparedHits } from "../../worker/proxy/prepared_hits.ts";
import { withSimulator } from "./helpers.ts";

/** A memory cache that counts its reads: a read means the client was called. */
class CountingCache extends MemoryCache {
  reads = 0;
  override get(key: string): Promise<CacheEntry | undefined> {
    this.reads++;
    return super.get(key);
  }
}

/** Headers that describe one exchange or one request: not expected equal between two answers. */
const perAnswer = /^(x-request-id|ratelimit-remaining|ratelimit-reset|x-esikit-cache|date)$/;
/** What ESI says of one exchange (limits, its cache): never stored, so a hit does not have it. */
const limitHeaders = /^(x-esi-error-limit-|x-ratelimit-|x-esi-cache-status$)/;

function comparable(res: Response): Record<string, string> {
  return Object.fromEntries(
    [...res.headers].filter(([name]) => !perAnswer.test(name) && !limitHeaders.test(name)),
  );
}

Deno.test("secure headers: OWASP's API set on every kind of answer, and nothing for HTML", async () => {
  const owasp = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "strict-transport-security": "max-age=15552000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
  };
  assert.deepEqual(
    Object.fromEntries(SECURE_HEADERS.map(([n, v]) => [n.toLowerCase(), v])),
    owasp,
  );
  await withSimulator({}, async ({ app }) => {
    const answers = [
      await app.request("/healthz"), // prepared
      await app.request("/esi/status"), // miss, built
      await app.request("/esi/status"), // hit through the client, prepared
      await app.request("/esi/status"), // hit seen before, without the client
      await app.request("/esi/nowhere"), // refusal
    ];
    assert.deepEqual(answers.map((r) => r.headers.get("x-esikit-cache")), [
      null,
      "miss",
      "hit",
      "hit",
      null,
    ]);
    for (const res of answers) {
      await res.body?.cancel();
      for (const [name, value] of Object.entries(owasp)) assert.equal(res.headers.get(name), value);
      assert.equal(res.headers.get("x-xss-protection"), null);
      assert.equal(res.headers.get("referrer-policy"), null);
    }
  });
});

Deno.test("prepared hit: same headers as a built one, plus this request's id and limits", async () => {
  const answers: Record<string, Response[]> = {};
  for (const prepareHits of [true, false]) {
    await withSimulator({ deps: { prepareHits } }, async ({ app, logs }) => {
      const miss = await app.request("/esi/status");
      const missBody = await miss.text();
      const first = await app.request("/esi/status", { headers: { "X-Request-Id": "caller-1" } });
      const second = await app.request("/esi/status");
      for (const hit of [first, second]) {
        assert.equal(hit.status, 200);
        assert.equal(hit.headers.get("x-esikit-cache"), "hit");
        assert.equal(await hit.text(), missBody);
        for (const [name, value] of SECURE_HEADERS) assert.equal(hit.headers.get(name), value);
        assert.equal(hit.headers.get("vary"), "Accept-Language, X-Compatibility-Date");
      }
      assert.equal(first.headers.get("x-request-id"), "caller-1");
      assert.match(second.headers.get("x-request-id")!, /^[\w-]{36}$/);
      // Each hit is counted: the remaining count goes down from one answer to the next.
      const remaining = [miss, first, second].map((r) =>
        Number(r.headers.get("ratelimit-remaining"))
      );
      assert.deepEqual(remaining, [remaining[0], remaining[0] - 1, remaining[0] - 2]);
      assert.ok(first.headers.has("ratelimit-limit") && first.headers.has("ratelimit-reset"));
      // The miss differs only in ESI's limit headers, which are not stored.
      assert.deepEqual(comparable(first), comparable(miss));
      const lines = logs.filter((l) => l.msg === "request" && l.path === "/esi/status");
      assert.deepEqual(lines.map((l) => l.cache), ["miss", "hit", "hit"]);
      assert.equal(lines[1].requestId, "caller-1");
      answers[String(prepareHits)] = [first, second];
    });
  }
  // Two simulators: ESI's request ids differ, everything else is the same.
  const across = (res: Response) => {
    const { "x-esi-request-id": _, ...rest } = comparable(res);
    return rest;
  };
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(across(answers["true"][i]), across(answers["false"][i]));
  }
});

Deno.test("prepared hit: If-None-Match, HEAD and a large page", async () => {
  await withSimulator({}, async ({ app }) => {
    const path = "/esi/markets/10000002/orders?order_type=all";
    const miss = await app.request(path);
    const body = await miss.text();
    const hit = await app.request(path);
    assert.equal(hit.headers.get("x-esikit-cache"), "hit");
    assert.equal(await hit.text(), body);
    assert.equal(hit.headers.get("x-pages"), miss.headers.get("x-pages"));

    const etag = hit.headers.get("etag")!;
    const notModified = await app.request(path, { headers: { "If-None-Match": etag } });
    assert.equal(notModified.status, 304);
    assert.equal(await notModified.text(), "");
    const other = await app.request(path, { headers: { "If-None-Match": '"other"' } });
    assert.equal(other.status, 200);
    assert.equal(await other.text(), body);

    const head = await app.request(path, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("etag"), etag);
    assert.equal(await head.text(), "");
  });
});

Deno.test("prepared hit: CORS headers are still added", async () => {
  await withSimulator(
    { env: { CORS_ORIGINS: "https://app.example" } },
    async ({ app }) => {
      const init = { headers: { Origin: "https://app.example", "X-Request-Id": "cors-1" } };
      await (await app.request("/esi/status", init)).body?.cancel();
      const hit = await app.request("/esi/status", init);
      assert.equal(hit.headers.get("x-esikit-cache"), "hit");
      assert.equal(hit.headers.get("access-control-allow-origin"), "https://app.example");
      assert.match(hit.headers.get("vary")!, /X-Compatibility-Date.*Origin/);
      assert.equal(hit.headers.get("x-request-id"), "cors-1");
      assert.ok(hit.headers.has("ratelimit-remaining"));
      assert.equal(hit.headers.get("x-frame-options"), "DENY");
      await hit.body?.cancel();
    },
  );
});

Deno.test("prepared hit: a public request seen before skips the client while its entry is fresh", async () => {
  const clock = new FakeClock();
  const cache = new CountingCache({ clock });
  await withSimulator({ clock, cache }, async ({ app, sim, logs }) => {
    const ask = async (path: string, headers: Record<string, string> = {}) => {
      const res = await app.request(path, { headers });
      const body = await res.text();
      return [res.status, res.headers.get("x-esikit-cache"), body] as const;
    };
    const [, , body] = await ask("/esi/status");
    assert.deepEqual([cache.reads, sim.requests.length], [1, 1]); // miss
    assert.deepEqual(await ask("/esi/status"), [200, "hit", body]);
    assert.equal(cache.reads, 2); // a hit through the client
    assert.deepEqual(await ask("/esi/status"), [200, "hit", body]);
    assert.deepEqual(await ask("/esi/status"), [200, "hit", body]);
    assert.equal(cache.reads, 2); // seen before: answered without the client
    const line = logs.findLast((l) => l.msg === "request")!;
    assert.equal(line.cache, "hit");
    assert.equal(line.attempts, 0);
    assert.equal(typeof line.esiRequestId, "string");

    // The caller's own ETag, or another one: the same entry answers, 304 or 200.
    const etag = (await app.request("/esi/status")).headers.get("etag")!;
    assert.deepEqual(await ask("/esi/status", { "If-None-Match": etag }), [304, "hit", ""]);
    assert.deepEqual(await ask("/esi/status", { "If-None-Match": '"other"' }), [200, "hit", body]);
    assert.equal(cache.reads, 2);
    // Another compatibility date or HEAD: through the client.
    await ask("/esi/status", { "X-Compatibility-Date": "2025-08-26" });
    await (await app.request("/esi/status", { method: "HEAD" })).body?.cancel();
    assert.equal(cache.reads, 4);
    // Another target is checked on its own, every time.
    for (let i = 0; i < 2; i++) {
      assert.equal((await ask("/esi/status?source=tranquility"))[0], 400);
    }

    // Once the entry expires, the client revalidates it with ESI.
    clock.advance(31_000);
    const upstream = sim.requests.length;
    assert.deepEqual((await ask("/esi/status")).slice(0, 1), [200]);
    assert.equal(cache.reads, 5);
    assert.equal(sim.requests.length, upstream + 1);
  });
});

Deno.test("prepared hit: a refused caller gets no remembered answer", async () => {
  await withSimulator({ env: { RATE_LIMIT: "3" } }, async ({ app }) => {
    for (let i = 0; i < 3; i++) await (await app.request("/esi/status")).body?.cancel();
    const refused = await app.request("/esi/status");
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get("x-esikit-cache"), null);
    await refused.body?.cancel();
  });
});

Deno.test("PreparedHits: remembers public requests within its bounds, oldest forgotten first", () => {
  const clock = new FakeClock();
  const hits = new PreparedHits({ clock, maxRequests: 2, maxBytes: 10 });
  const entry = (bytes: number, ttlMs = 60_000): CacheEntry => ({
    status: 200,
    headers: { "content-type": "application/json", etag: '"e"' },
    body: new Uint8Array(bytes),
    storedAt: clock.now(),
    expiresAt: clock.now() + ttlMs,
  });
  const a = hits.prepare(entry(4), false, "/status", "a");
  hits.prepare(entry(4), false, "/status", "b");
  assert.equal(hits.lookup("a"), a);
  hits.prepare(entry(4), false, "/status", "c"); // a third request: "a" goes
  assert.deepEqual(["a", "b", "c"].map((k) => hits.lookup(k) !== undefined), [false, true, true]);
  hits.prepare(entry(8), false, "/status", "d"); // 8 bytes: both others go to stay within 10
  assert.deepEqual(["b", "c", "d"].map((k) => hits.lookup(k) !== undefined), [false, false, true]);
  hits.prepare(entry(11), false, "/status", "e"); // larger than the bound: not remembered
  assert.equal(hits.lookup("e"), undefined);
  hits.prepare(entry(1), true, "/status", "f"); // a character's answer: never remembered by request
  assert.equal(hits.lookup("f"), undefined);
  hits.prepare(entry(1, 1_000), false, "/status", "g");
  clock.advance(1_000);
  assert.equal(hits.lookup("g"), undefined, "forgotten once its entry expires");

  const res = hits.answer(a, { "RateLimit-Remaining": "7" });
  assert.equal(res.headers.get("ratelimit-remaining"), "7");
  assert.equal(res.headers.get("x-esikit-cache"), "hit");
  assert.equal(a.headers["ratelimit-remaining"], undefined, "the prepared answer is untouched");
  assert.equal(a.base?.headers.get("ratelimit-remaining"), null);
});

Deno.test("PreparedHits: per request, each answer is a new Response built from the bytes", async () => {
  const hits = new PreparedHits({ perRequest: true });
  const entry: CacheEntry = {
    status: 200,
    headers: { "content-type": "application/json" },
    body: new TextEncoder().encode('{"players":1}'),
    storedAt: 0,
    expiresAt: Date.now() + 60_000,
  };
  const prepared = hits.prepare(entry, false, "/status", "k");
  assert.equal(prepared.base, undefined, "no Response is kept to clone");
  const one = hits.answer(prepared, { "RateLimit-Remaining": "1" });
  const two = hits.answer(hits.lookup("k")!, undefined);
  assert.notEqual(one, two);
  assert.deepEqual(await one.json(), { players: 1 });
  assert.deepEqual(await two.json(), { players: 1 });
  assert.equal(two.headers.get("ratelimit-remaining"), null);
});
