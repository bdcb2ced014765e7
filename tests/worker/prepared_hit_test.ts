import assert from "node:assert/strict";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { SECURE_HEADERS } from "../../worker/middleware/secure_headers.ts";
import { withSimulator } from "./helpers.ts";

/** A response's headers, lower-case names, sorted. */
function headersOf(res: Response): Record<string, string> {
  return Object.fromEntries(res.headers);
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

Deno.test("secure headers: the gateway's set is hono's secureHeaders() defaults", async () => {
  const app = new Hono();
  app.use(secureHeaders());
  app.get("/", (c) => c.body(null, 204));
  const res = await app.request("/");
  const expected = headersOf(res);
  const ours = Object.fromEntries(SECURE_HEADERS.map(([n, v]) => [n.toLowerCase(), v]));
  assert.deepEqual(ours, expected);
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
        assert.equal(hit.headers.get("vary"), "X-Compatibility-Date");
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
      assert.equal(hit.headers.get("x-frame-options"), "SAMEORIGIN");
      await hit.body?.cancel();
    },
  );
});
