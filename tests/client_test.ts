import assert from "node:assert/strict";
import {
  EsiAbortError,
  EsiClient,
  EsiClientError,
  EsiNetworkError,
  EsiRequestError,
  EsiResponseError,
  EsiServerError,
  EsiTimeoutError,
  type ResponseEvent,
  type RetryEvent,
  VERSION,
} from "../mod.ts";
import { withEsi } from "./support/esi.ts";
import { FakeClock } from "../src/testing/mod.ts";

Deno.test("a call sends ESI's headers and reports what it got in meta", () =>
  withEsi(async ({ sim, esi }) => {
    const res = await esi.request("GET", "/status");
    assert.equal(typeof res.data.players, "number");
    assert.equal(res.status, 200);
    const sent = sim.requests[0].headers;
    assert.equal(sent["user-agent"], `esikit-tests/1.0 (dev@example.com) esikit/${VERSION}`);
    assert.equal(sent["x-compatibility-date"], "2026-07-17");
    assert.equal(sent["accept-language"], "en");
    assert.equal(sent["x-tenant"], "tranquility");
    assert.equal(res.meta.cache, "miss");
    assert.equal(res.meta.attempts, 1);
    assert.equal(res.meta.route, "/status");
    assert.equal(res.meta.compatibilityDate, "2026-07-17");
    assert.match(res.meta.etag ?? "", /^"/);
    assert.ok(res.meta.expires instanceof Date);
    assert.ok(res.meta.requestId);
    assert.deepEqual(res.meta.errorLimit, { remain: 100, reset: res.meta.errorLimit?.reset });
  }));

Deno.test("extra headers cannot be those the client sets and keys its cache by", () =>
  withEsi(async ({ sim, esi }) => {
    const refused =
      /Cannot send header "Accept-Language" as an extra header: the client sets it from the "language" option or withLanguage\(\)/;
    await assert.rejects(
      esi.request("GET", "/universe/types/{type_id}", {
        path: { type_id: 34 },
        headers: { "Accept-Language": "de" },
      }),
      (err: unknown) => err instanceof EsiRequestError && refused.test(err.message),
    );
    assert.throws(() => esi.withHeaders({ "x-tenant": "singularity" }), /"tenant" option/);
    assert.throws(
      () => new EsiClient({ userAgent: "t/1", headers: { Authorization: "Bearer x" } }),
      /"token" option/,
    );
    assert.equal(sim.requests.length, 0, "nothing was sent");
    // A hook cannot add one either: the call goes out, keyed and sent as the client says.
    const traced = new EsiClient({
      userAgent: "t/1",
      baseUrl: sim.url,
      hooks: {
        request: [(e) => {
          e.setHeader?.("Authorization", "Bearer someone-else");
          e.setHeader?.("X-Trace", "1");
        }],
      },
    });
    await traced.get("/status");
    assert.equal(sim.requests[0].headers["authorization"], undefined);
    assert.equal(sim.requests[0].headers["x-trace"], "1");
  }));

Deno.test("a concrete path is matched to its route: checked, limited and labelled as the template", () =>
  withEsi(async ({ sim, esi }) => {
    const res = await esi.requestUntyped("GET", "/markets/10000002/orders", {
      query: { order_type: "all" },
    });
    assert.equal(res.meta.route, "/markets/{region_id}/orders");
    assert.equal(res.meta.rateLimit?.group, "market-order");
    assert.equal(sim.requests[0].path, "/markets/10000002/orders");
    // The route's checks apply as they do to the template.
    await assert.rejects(
      esi.requestUntyped("GET", "/markets/10000002/orders"),
      /"order_type" is missing/,
    );
    await assert.rejects(
      esi.requestUntyped("GET", "/markets/abc/orders", {
        query: { order_type: "all" },
      }),
      /region_id/,
    );
    await assert.rejects(esi.requestUntyped("DELETE", "/status"), /the route only allows "GET"/);
    assert.equal(sim.requests.length, 1);
  }));

Deno.test("raw bytes are the caller's own: changing them leaves the cache as it was", () =>
  withEsi(async ({ sim, esi }) => {
    const first = await esi.requestUntyped<Uint8Array>("GET", "/status", { raw: "bytes" });
    const original = first.data.slice();
    first.data.fill(0x20);
    const again = await esi.requestUntyped<Uint8Array>("GET", "/status", { raw: "bytes" });
    assert.equal(again.meta.cache, "hit");
    assert.deepEqual(again.data, original);
    assert.equal(sim.requests.length, 1);
  }));

Deno.test("a query in the path is refused, its secrets redacted", () =>
  withEsi(async ({ sim, esi }) => {
    await assert.rejects(
      esi.requestUntyped("GET", "/latest/characters/1/wallet/?token=SECRET"),
      (err: unknown) => {
        assert.ok(err instanceof EsiRequestError);
        assert.equal(
          err.message,
          'Cannot GET "/latest/characters/1/wallet/?token=<redacted>": give the query as "query", not in the path',
        );
        return true;
      },
    );
    assert.equal(sim.requests.length, 0);
  }));

Deno.test("many(): concurrency Infinity runs every call at once; NaN is refused", () =>
  withEsi(async ({ sim, esi }) => {
    const calls = Array.from({ length: 5 }, () => ({ route: "/status" }));
    const results = await esi.many(calls, { concurrency: Infinity });
    assert.ok(results.every((r) => r.ok));
    assert.equal(sim.requests.length, 1, "coalesced into one upstream call");
    await assert.rejects(esi.many(calls, { concurrency: NaN }), RangeError);
  }));

Deno.test("a fresh entry is served from the cache without a request", () =>
  withEsi(async ({ sim, esi }) => {
    await esi.get("/status");
    const again = await esi.request("GET", "/status");
    assert.equal(again.meta.cache, "hit");
    assert.equal(again.meta.attempts, 0);
    assert.equal(sim.requests.length, 1);
  }));

Deno.test("304 reuses the stored body and takes the new Expires", () =>
  withEsi(async ({ sim, esi, clock }) => {
    const first = await esi.request("GET", "/status");
    await clock.setTime(first.meta.expires!.getTime() + 1);
    const second = await esi.request("GET", "/status");
    assert.equal(second.meta.cache, "revalidated");
    assert.deepEqual(second.data, first.data);
    assert.equal(sim.requests[1].headers["if-none-match"], first.meta.etag);
    assert.equal(sim.requests[1].status, 304);
    assert.ok(second.meta.expires!.getTime() > first.meta.expires!.getTime());
    assert.equal(second.meta.rateLimit?.group, "status"); // the 304's own limit headers
    assert.ok(second.meta.errorLimit);
    const third = await esi.request("GET", "/status");
    assert.equal(third.meta.cache, "hit");
    assert.equal(sim.requests.length, 2);
  }));

Deno.test("a 304's Age counts against its max-age, as a 200's does", async () => {
  const clock = new FakeClock();
  const answers = [
    () =>
      new Response('{"players":1}', {
        headers: {
          "content-type": "application/json",
          etag: '"v1"',
          "cache-control": "max-age=60",
        },
      }),
    () =>
      new Response(null, {
        status: 304,
        headers: { etag: '"v1"', "cache-control": "public, max-age=300", age: "290" },
      }),
  ];
  const esi = new EsiClient({
    userAgent: "t/1",
    clock,
    retry: 0,
    fetch: () => Promise.resolve(answers.shift()!()),
  });
  await esi.requestUntyped("GET", "/status");
  await clock.advance(61_000);
  const revalidated = await esi.requestUntyped("GET", "/status");
  assert.equal(revalidated.meta.cache, "revalidated");
  assert.equal(revalidated.meta.expires!.getTime(), clock.now() + 10_000);
});

Deno.test("no-store answers are not stored", () =>
  withEsi(async ({ sim, esi }) => {
    sim.route("GET /status", { body: { players: 1 }, headers: { "cache-control": "no-store" } });
    await esi.get("/status");
    await esi.get("/status");
    assert.equal(sim.requests.length, 2);
  }));

Deno.test("stale-if-error serves the stored entry when ESI fails, as meta.cache stale", () =>
  withEsi(async ({ sim, esi, clock }) => {
    sim.route("GET /status", {
      body: { players: 7 },
      headers: { "cache-control": "public, max-age=30, stale-if-error=600" },
    });
    const first = await esi.request("GET", "/status");
    await clock.setTime(first.meta.expires!.getTime() + 1);
    sim.fault("GET /status", { statuses: [503, 503, 503, 503] });
    const res = await esi.withRetry({ limit: 3, backoffMs: 0 }).request("GET", "/status");
    assert.equal(res.meta.cache, "stale");
    assert.deepEqual(res.data, { players: 7 });
  }));

Deno.test("concurrent identical calls share one upstream request", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /status", { latencyMs: 50 });
    const calls = Array.from({ length: 10 }, () => esi.request("GET", "/status"));
    await sim.waitForRequests(1);
    const { clock } = { clock: esi.clock as import("../src/testing/mod.ts").FakeClock };
    await clock.advance(50);
    const results = await Promise.all(calls);
    assert.equal(sim.requests.length, 1);
    assert.ok(results.every((r) => r.data.players === results[0].data.players));
  }));

Deno.test("502/503/504 are retried with backoff, Retry-After honoured", () =>
  withEsi(async ({ sim, esi }) => {
    const retries: RetryEvent[] = [];
    sim.fault("GET /status", { statuses: [503, 502], retryAfter: 2 });
    const client = new EsiClient({
      userAgent: "t",
      baseUrl: sim.url,
      clock: esi.clock,
      timeoutMs: 0,
      hooks: { retry: [(e) => void retries.push(e)] },
    });
    const res = await client.request("GET", "/status");
    assert.equal(res.status, 200);
    assert.equal(res.meta.attempts, 3);
    assert.deepEqual(retries.map((r) => [r.reason, r.delayMs]), [["503", 2000], ["502", 2000]]);
  }, { autoAdvance: true }));

Deno.test("4xx are never retried and become typed errors with ESI's message", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /status", { statuses: [404] });
    await assert.rejects(esi.get("/status"), (err: unknown) => {
      assert.ok(err instanceof EsiClientError);
      assert.equal(err.code, "ERR_NOT_FOUND");
      assert.equal(err.status, 404);
      assert.equal(err.esiMessage, "Not found");
      assert.ok(err.requestId);
      assert.match(
        err.message,
        /^Cannot GET "http:\/\/127\.0\.0\.1:\d+\/status": ESI answered 404: Not found/,
      );
      return true;
    });
    assert.equal(sim.requests.length, 1);
  }));

Deno.test("the error hook says how many tries a failure took", () =>
  withEsi(async ({ sim }) => {
    const attempts: number[] = [];
    const esi = new EsiClient({
      userAgent: "t",
      baseUrl: sim.url,
      retry: { limit: 2, backoffMs: 0 },
      hooks: { error: [(e) => void attempts.push(e.attempt)] },
    });
    sim.fault("GET /status", { statuses: [503], times: Infinity });
    await assert.rejects(esi.get("/status"), EsiServerError);
    sim.clearFaults();
    sim.fault("GET /status", { dropConnection: true });
    await assert.rejects(esi.get("/status"), EsiNetworkError);
    assert.deepEqual(attempts, [3, 3]);
  }));

Deno.test("throwOnError: false returns the error answer", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /status", { statuses: [404] });
    const res = await esi.request("GET", "/status", { throwOnError: false });
    assert.equal(res.status, 404);
    assert.deepEqual(res.data, { error: "Not found" });
  }));

Deno.test("POST is not retried on 503 unless the policy says so", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("POST /universe/names", { statuses: [503] });
    await assert.rejects(esi.post("/universe/names", { body: [30000142] }), EsiServerError);
    assert.equal(sim.requests.length, 1);
    sim.fault("POST /universe/names", { statuses: [503] });
    const names = await esi.withRetry({ methods: ["POST"], backoffMs: 0 }).post("/universe/names", {
      body: [30000142],
    });
    assert.ok(Array.isArray(names));
  }));

Deno.test("a hung request times out, is retried, then fails with EsiTimeoutError", () =>
  withEsi(async ({ sim, esi, clock }) => {
    sim.fault("GET /status", { hang: true });
    const call = esi.withTimeout(5_000).withRetry({ limit: 1, backoffMs: 0 }).get("/status");
    await sim.waitForRequests(1);
    await clock.advance(5_000);
    await sim.waitForRequests(2);
    await clock.advance(5_000);
    await assert.rejects(call, (err: unknown) => {
      assert.ok(err instanceof EsiTimeoutError);
      assert.equal(err.timeoutMs, 5_000);
      return true;
    });
    assert.equal(sim.requests.length, 2);
  }));

Deno.test("the caller's signal aborts the call", () =>
  withEsi(async ({ sim, esi }) => {
    sim.fault("GET /status", { hang: true });
    const controller = new AbortController();
    const call = esi.get("/status", { signal: controller.signal });
    await sim.waitForRequests(1);
    controller.abort(new Error("user left"));
    await assert.rejects(call, EsiAbortError);
  }));

Deno.test("broken bodies: malformed JSON, truncation and a dropped connection", async (t) => {
  await t.step(
    "malformed JSON is an EsiResponseError, after the retries",
    () =>
      withEsi(async ({ sim, esi }) => {
        sim.fault("GET /status", { malformedJson: true });
        await assert.rejects(esi.withRetry({ backoffMs: 0 }).get("/status"), (err: unknown) => {
          assert.ok(err instanceof EsiResponseError);
          assert.match(err.message, /the body is not valid JSON/);
          return true;
        });
      }),
  );
  await t.step(
    "a body cut short of its Content-Length is a network failure, retried",
    () =>
      withEsi(async ({ sim, esi }) => {
        sim.fault("GET /status", { truncatedJson: "content-length", times: 1 });
        const res = await esi.withRetry({ backoffMs: 0 }).request("GET", "/status");
        assert.equal(res.meta.attempts, 2);
      }),
  );
  await t.step(
    "a dropped connection fails after the retries",
    () =>
      withEsi(async ({ sim, esi }) => {
        sim.fault("GET /status", { dropConnection: true });
        await assert.rejects(
          esi.withRetry({ limit: 1, backoffMs: 0 }).get("/status"),
          EsiNetworkError,
        );
        assert.equal(sim.requests.length, 2);
      }),
  );
});

Deno.test("bad input is refused with a clear error and nothing is sent", async (t) => {
  await withEsi(async ({ sim, esi }) => {
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        "missing path parameter",
        // @ts-expect-error: region_id is required
        () => esi.get("/markets/{region_id}/orders", { path: {}, query: { order_type: "all" } }),
        /region_id/,
      ],
      [
        "wrong enum value",
        () =>
          esi.get("/markets/{region_id}/orders", {
            path: { region_id: 10000002 },
            // @ts-expect-error: not an order type
            query: { order_type: "both" },
          }),
        /"order_type" must be one of "buy", "sell", "all", got "both"/,
      ],
      [
        "non-finite number",
        () =>
          esi.get("/markets/{region_id}/orders", {
            path: { region_id: NaN },
            query: { order_type: "all" },
          }),
        /region_id/,
      ],
      [
        "unknown query parameter",
        () => esi.requestUntyped("GET", "/status", { query: { pgae: 2 } }),
        /pgae/,
      ],
      [
        "invalid header value",
        () => esi.get("/status", { headers: { "X-Evil": "a\r\nb: c" } }),
        /header "X-Evil"/,
      ],
      [
        "method the route does not have",
        () => esi.requestUntyped("POST", "/status"),
        /only allows "GET"/,
      ],
      [
        "token route without a token",
        () => esi.get("/characters/{character_id}/assets", { path: { character_id: 1 } }),
        /needs an access token with scope "esi-assets.read_assets.v1"/,
      ],
      [
        "bad compatibility date",
        () => Promise.resolve().then(() => esi.withCompatibilityDate("17/07/2026")),
        /YYYY-MM-DD/,
      ],
    ];
    for (const [name, call, message] of cases) {
      await t.step(name, async () => {
        await assert.rejects(call(), (err: unknown) => {
          assert.ok(err instanceof EsiRequestError, String(err));
          assert.match(err.message, message);
          return true;
        });
      });
    }
    assert.equal(sim.requests.length, 0);
  });
});

Deno.test("derived clients share the cache and never change their parent", () =>
  withEsi(async ({ sim, esi }) => {
    const pinned = esi.withCompatibilityDate("2025-01-01").withHeaders({ "X-Trace": "1" });
    assert.equal(esi.compatibilityDate, "2026-07-17");
    assert.equal(pinned.compatibilityDate, "2025-01-01");
    await esi.get("/status");
    await esi.withTimeout(1_000).withRetry(0).get("/status"); // same key: a hit
    assert.equal(sim.requests.length, 1);
    await pinned.get("/status"); // another compatibility date: another key
    assert.equal(sim.requests.length, 2);
    assert.equal(sim.requests[1].headers["x-trace"], "1");
    assert.equal(sim.requests[1].headers["x-compatibility-date"], "2025-01-01");
  }));

Deno.test("withLanguage asks ESI in another language and caches apart", () =>
  withEsi(async ({ sim, esi }) => {
    await esi.get("/status");
    await esi.withLanguage("de").get("/status");
    assert.deepEqual(sim.requests.map((r) => r.headers["accept-language"]), ["en", "de"]);
    // @ts-expect-error: not one of ESI's languages
    assert.throws(() => esi.withLanguage("xx"), /Cannot use language "xx"/);
  }));

Deno.test("hooks see every call, and a hook that throws breaks nothing", () =>
  withEsi(async ({ sim }) => {
    const responses: ResponseEvent[] = [];
    const esi = new EsiClient({
      userAgent: "t",
      baseUrl: sim.url,
      hooks: {
        request: [() => {
          throw new Error("bad hook");
        }],
        response: [
          (e) => void responses.push(e),
          () => Promise.reject(new Error("bad async hook")),
        ],
      },
    });
    await esi.get("/markets/{region_id}/orders", {
      path: { region_id: 10000002 },
      query: { order_type: "all", page: 1 },
    });
    await esi.get("/markets/{region_id}/orders", {
      path: { region_id: 10000002 },
      query: { order_type: "all", page: 1 },
    });
    assert.deepEqual(responses.map((e) => [e.route, e.status, e.cache]), [
      ["/markets/{region_id}/orders", 200, "miss"],
      ["/markets/{region_id}/orders", 200, "hit"],
    ]);
    assert.ok(responses[0].errorLimit);
    assert.equal(responses[0].rateLimit?.group, "market-order");
  }));

Deno.test("without a userAgent the client warns once and still works", () =>
  withEsi(async ({ sim }) => {
    const warned: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warned.push(args);
    try {
      await new EsiClient({ baseUrl: sim.url }).get("/status");
      new EsiClient({ baseUrl: sim.url });
    } finally {
      console.warn = warn;
    }
    // Once per process; no other test of this file creates a client without a userAgent.
    assert.equal(warned.length, 1);
    assert.match(String((warned[0] as unknown[])[0]), /^esikit: no userAgent given/);
    assert.match(sim.requests[0].headers["user-agent"], /^esikit\//);
  }));

Deno.test("raw returns the body undecoded", () =>
  withEsi(async ({ esi }) => {
    const text = await esi.requestUntyped<string>("GET", "/status", { raw: "text" });
    assert.equal(typeof text.data, "string");
    assert.equal(typeof JSON.parse(text.data).players, "number");
    const bytes = await esi.requestUntyped<Uint8Array>("GET", "/status", { raw: "bytes" });
    assert.ok(bytes.data instanceof Uint8Array);
  }));

Deno.test("HEAD returns headers and meta without a body", () =>
  withEsi(async ({ esi }) => {
    const res = await esi.head("/markets/{region_id}/orders", {
      path: { region_id: 10000002 },
      query: { order_type: "all" },
    });
    assert.equal(res.data, undefined);
    assert.ok((res.meta.pages ?? 0) >= 1);
  }));
