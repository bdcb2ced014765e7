import assert from "node:assert/strict";
import { base64url, UnsecuredJWT } from "jose";
import {
  EsiSimError,
  EsiSimulator,
  type EsiSimulatorOptions,
  FakeClock,
} from "../../src/testing/mod.ts";
import { serve as serveOnDeno } from "../../src/testing/deno.ts";
import { SsoSimulator } from "../../src/testing/sso_simulator.ts";

const START = Date.UTC(2026, 6, 17, 12);
const CHAR = 2112625428;
const ASSETS = "esi-assets.read_assets.v1";
const PROJECTS = "esi-corporations.read_projects.v1";
const WALLET = "esi-wallet.read_character_wallet.v1";

/** A started simulator on a fake clock, stopped when the test ends. */
async function serve(
  options: EsiSimulatorOptions = {},
): Promise<{ sim: EsiSimulator; clock: FakeClock } & AsyncDisposable> {
  const clock = (options.clock as FakeClock | undefined) ?? new FakeClock({ start: START });
  const sim = new EsiSimulator({ ...options, clock });
  await serveOnDeno(sim);
  return { sim, clock, [Symbol.asyncDispose]: () => sim.close() };
}

/** An unsigned access token as EVE's SSO shapes its claims. */
function token(
  clock: FakeClock,
  scopes: string[],
  characterId = CHAR,
  lifetimeS = 1200,
): string {
  return new UnsecuredJWT({
    sub: `CHARACTER:EVE:${characterId}`,
    scp: scopes,
    name: "Some Bloke",
    exp: Math.floor(clock.now() / 1000) + lifetimeS,
  }).encode();
}

async function get(
  sim: EsiSimulator,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ res: Response; text: string; json: unknown }> {
  const res = await fetch(`${sim.url}${path}`, {
    headers: { "x-compatibility-date": "2026-07-17", ...headers },
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { res, text, json };
}

const h = (res: Response, name: string): string | null => res.headers.get(name);
const ticks = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};

Deno.test("every answer carries ESI's cache, id, date, language and limit headers", async () => {
  await using s = await serve();
  const { sim } = s;
  const first = await get(sim, "/status", { "accept-language": "de-DE,de;q=0.9" });
  assert.equal(first.res.status, 200);
  assert.equal(typeof (first.json as { players: number }).players, "number");
  assert.equal(h(first.res, "date"), "Fri, 17 Jul 2026 12:00:00 GMT");
  assert.equal(h(first.res, "expires"), "Fri, 17 Jul 2026 12:00:30 GMT");
  assert.equal(h(first.res, "cache-control"), "public, max-age=30");
  assert.equal(h(first.res, "last-modified"), "Fri, 17 Jul 2026 12:00:00 GMT");
  assert.match(h(first.res, "etag")!, /^"[0-9a-f]{32}"$/);
  assert.match(h(first.res, "x-esi-request-id")!, /^[0-9a-f-]{36}$/);
  assert.equal(h(first.res, "content-language"), "de");
  assert.equal(h(first.res, "x-esi-cache-status"), "MISS");
  assert.equal(h(first.res, "x-esi-error-limit-remain"), "100");
  assert.equal(h(first.res, "x-esi-error-limit-reset"), "60");
  assert.equal(h(first.res, "x-ratelimit-group"), "status");
  assert.equal(h(first.res, "x-ratelimit-limit"), "600/15m");
  assert.equal(h(first.res, "x-ratelimit-remaining"), "598");
  assert.equal(h(first.res, "x-ratelimit-used"), "2");

  await s.clock.advance(10_000);
  const second = await get(sim, "/status", { "accept-language": "tlh" });
  assert.equal(h(second.res, "x-esi-cache-status"), "HIT");
  assert.equal(h(second.res, "age"), "10");
  assert.equal(h(second.res, "expires"), h(first.res, "expires"));
  assert.equal(h(second.res, "etag"), h(first.res, "etag"));
  assert.equal(h(second.res, "content-language"), "en");
  assert.notEqual(h(second.res, "x-esi-request-id"), h(first.res, "x-esi-request-id"));
  assert.equal(h(second.res, "x-ratelimit-remaining"), "596");
});

Deno.test("If-None-Match is answered 304 without a body and with a fresh Expires", async () => {
  await using s = await serve();
  const { sim, clock } = s;
  const first = await get(sim, "/status");
  const etag = h(first.res, "etag")!;
  await clock.advance(45_000);
  const revalidated = await get(sim, "/status", { "if-none-match": etag });
  assert.equal(revalidated.res.status, 304);
  assert.equal(revalidated.text, "");
  assert.equal(h(revalidated.res, "etag"), etag);
  assert.equal(h(revalidated.res, "expires"), "Fri, 17 Jul 2026 12:01:15 GMT");
  assert.equal(h(revalidated.res, "x-ratelimit-used"), "1");
  const weak = await get(sim, "/status", { "if-none-match": `"other", W/${etag}` });
  assert.equal(weak.res.status, 304);
  const changed = await get(sim, "/status", { "if-none-match": '"stale"' });
  assert.equal(changed.res.status, 200);
  assert.equal(sim.stats.status304, 2);
});

Deno.test("X-Pages: each page has the count and one Last-Modified; out of range is a 404", async () => {
  await using s = await serve({ data: { marketPages: 3, ordersPerPage: 10 } });
  const { sim } = s;
  const ids = new Set<number>();
  const modified = new Set<string | null>();
  for (let page = 1; page <= 3; page++) {
    const { res, json } = await get(sim, `/markets/10000002/orders?page=${page}`);
    assert.equal(res.status, 200);
    assert.equal(h(res, "x-pages"), "3");
    modified.add(h(res, "last-modified"));
    for (const order of json as { order_id: number }[]) ids.add(order.order_id);
  }
  assert.equal(ids.size, 30);
  assert.equal(modified.size, 1);
  const beyond = await get(sim, "/markets/10000002/orders?page=4");
  assert.equal(beyond.res.status, 404);
  assert.deepEqual(beyond.json, { error: "Requested page does not exist!" });
  const zero = await get(sim, "/markets/10000002/orders?page=0");
  assert.equal(zero.res.status, 400);
  const noPage = await get(sim, "/markets/10000002/orders");
  assert.equal((noPage.json as unknown[]).length, 10);
});

Deno.test("scripted pages are served, and setPages makes a new version", async () => {
  await using s = await serve();
  const { sim, clock } = s;
  sim.route("GET /markets/{region_id}/orders", { pages: [[{ order_id: 1 }], [{ order_id: 2 }]] });
  const before = await get(sim, "/markets/10000002/orders?page=2");
  assert.deepEqual(before.json, [{ order_id: 2 }]);
  assert.equal(h(before.res, "x-pages"), "2");
  await clock.advance(5_000);
  sim.setPages("GET /markets/{region_id}/orders", [[{ order_id: 3 }]]);
  const after = await get(sim, "/markets/10000002/orders?page=1");
  assert.deepEqual(after.json, [{ order_id: 3 }]);
  assert.equal(h(after.res, "x-pages"), "1");
  assert.equal(h(after.res, "last-modified"), "Fri, 17 Jul 2026 12:00:05 GMT");
  assert.notEqual(h(after.res, "etag"), h(before.res, "etag"));
});

Deno.test("bump gives a built-in route new data, a new ETag and a later Last-Modified", async () => {
  await using s = await serve();
  const { sim } = s;
  const v1 = await get(sim, "/status");
  sim.bump("GET /status");
  const v2 = await get(sim, "/status");
  assert.notDeepEqual(v2.json, v1.json);
  assert.notEqual(h(v2.res, "etag"), h(v1.res, "etag"));
  // The same second of fake time, still a strictly later Last-Modified.
  assert.equal(h(v2.res, "last-modified"), "Fri, 17 Jul 2026 12:00:01 GMT");
});

Deno.test("the error limit counts down, answers 420 everywhere once spent, and resets", async () => {
  await using s = await serve({ errorLimit: 5 });
  const { sim, clock } = s;
  const remains: (string | null)[] = [];
  for (let i = 0; i < 5; i++) {
    const { res, json } = await get(sim, "/no/such/route");
    assert.equal(res.status, 404);
    assert.deepEqual(json, { error: "Not found" });
    remains.push(h(res, "x-esi-error-limit-remain"));
  }
  assert.deepEqual(remains, ["4", "3", "2", "1", "0"]);
  await clock.advance(15_000);
  const limited = await get(sim, "/status");
  assert.equal(limited.res.status, 420);
  assert.match((limited.json as { error: string }).error, /exceeded the error limit/);
  assert.equal(h(limited.res, "x-esi-error-limit-remain"), "0");
  assert.equal(h(limited.res, "x-esi-error-limit-reset"), "45");
  assert.equal(h(limited.res, "x-ratelimit-group"), null);
  assert.equal((await get(sim, "/markets/10000002/orders")).res.status, 420);
  assert.equal(sim.stats.status420, 2);
  assert.equal(sim.stats.errors, 7);
  await clock.advance(45_000);
  const reset = await get(sim, "/status");
  assert.equal(reset.res.status, 200);
  assert.equal(h(reset.res, "x-esi-error-limit-remain"), "5");
  assert.equal(h(reset.res, "x-esi-error-limit-reset"), "60");
});

Deno.test("a spent group answers 429 with the Retry-After at which tokens free up", async () => {
  await using s = await serve({ rateLimits: { status: { maxTokens: 6, windowMs: 60_000 } } });
  const { sim, clock } = s;
  for (const [i, remaining] of ["4", "2", "0"].entries()) {
    const { res } = await get(sim, "/status");
    assert.equal(res.status, 200, `call ${i}`);
    assert.equal(h(res, "x-ratelimit-limit"), "6/1m");
    assert.equal(h(res, "x-ratelimit-remaining"), remaining);
    await clock.advance(10_000);
  }
  // t = 30 s: the first 2 tokens come back at t = 60 s.
  const limited = await get(sim, "/status");
  assert.equal(limited.res.status, 429);
  assert.equal(h(limited.res, "retry-after"), "30");
  assert.equal(h(limited.res, "x-ratelimit-remaining"), "0");
  assert.equal(h(limited.res, "x-ratelimit-used"), "0");
  assert.equal(h(limited.res, "x-esi-error-limit-remain"), "99");
  assert.equal(sim.stats.status429, 1);
  assert.deepEqual(sim.bucket("status"), { limit: "6/1m", used: 6, remaining: 0 });
  await clock.advance(30_000);
  assert.equal((await get(sim, "/status")).res.status, 200);
});

Deno.test("token calls spend the character's bucket, other calls the client's", async () => {
  await using s = await serve();
  const { sim, clock } = s;
  const auth = { authorization: `Bearer ${token(clock, [ASSETS])}` };
  assert.equal((await get(sim, `/characters/${CHAR}/assets`, auth)).res.status, 200);
  assert.equal((await get(sim, "/status", auth)).res.status, 200);
  assert.equal((await get(sim, "/status")).res.status, 200);
  assert.equal(sim.bucket("char-asset", CHAR).used, 2);
  assert.equal(sim.bucket("char-asset").used, 0);
  assert.equal(sim.bucket("status", CHAR).used, 2);
  assert.equal(sim.bucket("status").used, 2);
  assert.equal(sim.bucket("char-asset", CHAR).limit, "1800/15m");
});

Deno.test("bearer routes: 401 without or with an expired token, 403 on scope or character", async () => {
  await using s = await serve();
  const { sim, clock } = s;
  const path = `/characters/${CHAR}/assets`;
  const none = await get(sim, path);
  assert.equal(none.res.status, 401);
  assert.deepEqual(none.json, { error: "authorization not provided" });
  const garbage = await get(sim, path, { authorization: "Bearer not-a-jwt" });
  assert.equal(garbage.res.status, 401);
  const expired = token(clock, [ASSETS], CHAR, 60);
  await clock.advance(60_000);
  const late = await get(sim, path, { authorization: `Bearer ${expired}` });
  assert.equal(late.res.status, 401);
  assert.deepEqual(late.json, { error: "token is expired" });
  const scopeless = await get(sim, path, { authorization: `Bearer ${token(clock, [WALLET])}` });
  assert.equal(scopeless.res.status, 403);
  assert.match((scopeless.json as { error: string }).error, /esi-assets\.read_assets\.v1/);
  const other = await get(sim, `/characters/90000001/assets`, {
    authorization: `Bearer ${token(clock, [ASSETS])}`,
  });
  assert.equal(other.res.status, 403);
  const ok = await get(sim, `${path}?page=2`, {
    authorization: `Bearer ${token(clock, [ASSETS])}`,
  });
  assert.equal(ok.res.status, 200);
  assert.equal(h(ok.res, "x-pages"), "2");
  assert.equal((ok.json as unknown[]).length, 1000);
  assert.equal(sim.stats.errors, 5);
});

Deno.test("verifyToken decides which tokens are genuine", async () => {
  const verified: string[] = [];
  await using s = await serve({
    verifyToken: (jwt) => {
      verified.push(jwt);
      return Promise.resolve(
        jwt.endsWith(".") ? undefined : { characterId: CHAR, scopes: [ASSETS] },
      );
    },
  });
  const { sim, clock } = s;
  const unsigned = token(clock, [ASSETS]);
  const refused = await get(sim, `/characters/${CHAR}/assets`, {
    authorization: `Bearer ${unsigned}`,
  });
  assert.equal(refused.res.status, 401);
  assert.deepEqual(refused.json, { error: "invalid token" });
  const signed = await get(sim, `/characters/${CHAR}/assets`, {
    authorization: `Bearer ${unsigned}signature`,
  });
  assert.equal(signed.res.status, 200);
  assert.equal(verified.length, 2);
});

Deno.test("the SSO simulator's verifyToken plugs in: genuine tokens pass, altered ones do not", async () => {
  const clock = new FakeClock({ start: START });
  const sso = await SsoSimulator.create({ clock });
  await using s = await serve({ clock, verifyToken: sso.verifyToken });
  const jwt = await sso.mintAccessToken({ characterId: CHAR, scopes: [ASSETS] });
  const path = `/characters/${CHAR}/assets`;
  assert.equal((await get(s.sim, path, { authorization: `Bearer ${jwt}` })).res.status, 200);
  const [header, payload, signature] = jwt.split(".");
  const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload)));
  const altered = base64url.encode(JSON.stringify({ ...claims, scp: [ASSETS, WALLET] }));
  const forged = `${header}.${altered}.${signature}`;
  assert.equal((await get(s.sim, path, { authorization: `Bearer ${forged}` })).res.status, 401);
});

Deno.test("requests are recorded with their route, query, time and status, the token redacted", async () => {
  await using s = await serve();
  const { sim, clock } = s;
  const jwt = token(clock, [ASSETS]);
  await get(sim, `/characters/${CHAR}/assets?page=1`, { authorization: `Bearer ${jwt}` });
  await clock.advance(1_000);
  await get(sim, "/nowhere");
  assert.equal(sim.requests.length, 2);
  const [assets, nowhere] = sim.requests;
  assert.equal(assets.method, "GET");
  assert.equal(assets.path, `/characters/${CHAR}/assets`);
  assert.equal(assets.route, "GET /characters/{character_id}/assets");
  assert.deepEqual(assets.query, { page: "1" });
  assert.equal(assets.headers.authorization, "Bearer <redacted>");
  assert.equal(assets.headers["x-compatibility-date"], "2026-07-17");
  assert.ok(!JSON.stringify(sim.requests).includes(jwt));
  assert.equal(assets.at, START);
  assert.equal(assets.status, 200);
  assert.equal(nowhere.route, null);
  assert.equal(nowhere.at, START + 1_000);
  assert.equal(nowhere.status, 404);
});

Deno.test("the compatibility date is echoed, resolved to a published one, or refused", async () => {
  await using s = await serve({ compatibilityDates: ["2020-01-01", "2025-08-26", "2026-07-17"] });
  const { sim } = s;
  const date = async (value?: string, query = "") => {
    const res = await fetch(`${sim.url}/status${query}`, {
      headers: value === undefined ? {} : { "x-compatibility-date": value },
    });
    await res.body?.cancel();
    return [res.status, h(res, "x-compatibility-date")];
  };
  assert.deepEqual(await date(), [200, "2020-01-01"]);
  assert.deepEqual(await date("2026-07-17"), [200, "2026-07-17"]);
  assert.deepEqual(await date("2026-01-01"), [200, "2025-08-26"]);
  assert.deepEqual(await date("2099-12-31"), [200, "2026-07-17"]);
  assert.deepEqual(await date(undefined, "?compatibility_date=2025-09-01"), [200, "2025-08-26"]);
  assert.deepEqual((await date("2019-12-31"))[0], 400);
  assert.deepEqual((await date("2026-02-30"))[0], 400);
  assert.deepEqual((await date("yesterday"))[0], 400);
});

Deno.test("a status sequence is answered in turn, with Retry-After, then the route recovers", async () => {
  await using s = await serve();
  const { sim } = s;
  sim.fault("GET /status", { statuses: [503, 502, 200], retryAfter: 2 });
  const answers = [];
  for (let i = 0; i < 4; i++) {
    const { res, json } = await get(sim, "/status");
    answers.push([res.status, h(res, "retry-after")]);
    if (res.status >= 500) {
      assert.ok(typeof (json as { error: string }).error === "string");
      assert.equal(h(res, "x-ratelimit-used"), "0");
    }
  }
  assert.deepEqual(answers, [[503, "2"], [502, "2"], [200, null], [200, null]]);
  assert.equal(sim.stats.errors, 2);
});

Deno.test("faulted 429 and 520 carry no rate-limit headers unless asked, and count as errors", async () => {
  await using s = await serve();
  const { sim } = s;
  sim.fault("GET /status", { statuses: [429, 520] });
  for (const [status, remain] of [[429, "99"], [520, "98"]] as const) {
    const { res } = await get(sim, "/status");
    assert.equal(res.status, status);
    assert.equal(h(res, "x-ratelimit-group"), null);
    assert.equal(h(res, "x-ratelimit-remaining"), null);
    assert.equal(h(res, "x-esi-error-limit-remain"), remain);
  }
  const normal = await get(sim, "/status");
  assert.equal(normal.res.status, 200);
  assert.equal(h(normal.res, "x-ratelimit-group"), "status");
  sim.fault("GET /status", { statuses: [429], retryAfter: 2, rateLimitHeaders: true });
  const group = await get(sim, "/status");
  assert.equal(group.res.status, 429);
  assert.equal(h(group.res, "retry-after"), "2");
  assert.equal(h(group.res, "x-ratelimit-group"), "status");
  assert.equal(h(group.res, "x-ratelimit-used"), "0");
  assert.equal(h(group.res, "x-ratelimit-remaining"), "598");
});

Deno.test("a fault can target pages and repeat without end", async () => {
  await using s = await serve({ data: { marketPages: 3, ordersPerPage: 2 } });
  const { sim } = s;
  sim.fault("GET /markets/{region_id}/orders", { page: 2, statuses: [503], times: Infinity });
  const statuses = [];
  for (const page of [1, 2, 3, 2, 2]) {
    statuses.push((await get(sim, `/markets/10000002/orders?page=${page}`)).res.status);
  }
  assert.deepEqual(statuses, [200, 503, 200, 503, 503]);
  sim.clearFaults("GET /markets/{region_id}/orders");
  assert.equal((await get(sim, "/markets/10000002/orders?page=2")).res.status, 200);
});

Deno.test("latency is spent on the simulator's clock", async () => {
  await using s = await serve({ latencyMs: 50 });
  const { sim, clock } = s;
  sim.fault("GET /status", { latencyMs: 950, times: 1 });
  let settled = false;
  const pending = get(sim, "/status").then((r) => {
    settled = true;
    return r;
  });
  await sim.waitForRequests(1);
  await ticks();
  assert.equal(settled, false);
  assert.equal(clock.pending, 1);
  await clock.advance(999);
  await ticks();
  assert.equal(settled, false);
  await clock.advance(1);
  const { res } = await pending;
  assert.equal(res.status, 200);
  assert.equal(h(res, "date"), "Fri, 17 Jul 2026 12:00:01 GMT");
  assert.equal(sim.requests[0].at, START);
});

Deno.test("a hang answers nothing until the client aborts, and close() still returns", async () => {
  await using s = await serve();
  const { sim } = s;
  sim.fault("GET /status", { hang: true });
  const controller = new AbortController();
  const aborted = fetch(`${sim.url}/status`, { signal: controller.signal });
  const left = fetch(`${sim.url}/status`);
  await sim.waitForRequests(2);
  await ticks();
  assert.equal(sim.stats.inFlight, 2);
  controller.abort();
  await assert.rejects(aborted, { name: "AbortError" });
  await sim.close();
  // The one still hanging is released when the simulator stops.
  const res = await left;
  assert.equal(res.status, 503);
  await res.body?.cancel();
  assert.equal(sim.stats.inFlight, 0);
  assert.equal(sim.stats.responses, 0);
});

Deno.test("in handler mode a hang ends with the request's abort", async () => {
  const sim = new EsiSimulator({ clock: new FakeClock() });
  sim.fault("GET /status", { hang: true });
  const controller = new AbortController();
  const pending = sim.fetch("/status", { signal: controller.signal });
  await sim.waitForRequests(1);
  controller.abort(new DOMException("gave up", "AbortError"));
  await assert.rejects(pending, { name: "AbortError", message: "gave up" });
  await sim.close();
});

Deno.test("malformed JSON is a well-framed 200 that does not parse", async () => {
  await using s = await serve();
  const { sim } = s;
  sim.fault("GET /status", { malformedJson: true, times: 1 });
  const res = await fetch(`${sim.url}/status`);
  assert.equal(res.status, 200);
  await assert.rejects(res.json(), SyntaxError);
  assert.equal((await get(sim, "/status")).res.status, 200);
});

Deno.test("truncated JSON: cut mid-way, or shorter than its Content-Length", async () => {
  await using s = await serve();
  const { sim } = s;
  const whole = Number(h((await get(sim, "/status")).res, "content-length"));
  sim.fault("GET /status", { truncatedJson: true, times: 1 });
  const cut = await fetch(`${sim.url}/status`);
  assert.equal(Number(h(cut, "content-length")), Math.floor(whole / 2));
  await assert.rejects(cut.json(), SyntaxError);
  sim.fault("GET /status", { truncatedJson: "content-length", times: 1 });
  const short = await fetch(`${sim.url}/status`);
  assert.equal(short.status, 200);
  assert.equal(Number(h(short, "content-length")), whole);
  await assert.rejects(short.text(), TypeError);
});

Deno.test("a dropped connection fails the body after the headers", async () => {
  await using s = await serve();
  const { sim } = s;
  sim.fault("GET /status", { dropConnection: true, times: 2 });
  const res = await fetch(`${sim.url}/status`);
  assert.equal(res.status, 200);
  await assert.rejects(res.text(), TypeError);
  const handled = await sim.handler(new Request("http://x/status"));
  assert.equal(handled.status, 200);
  await assert.rejects(handled.text(), TypeError);
  assert.equal((await get(sim, "/status")).res.status, 200);
});

Deno.test("the cache turns over after page 1: later pages have a new Last-Modified", async () => {
  await using s = await serve({ data: { marketPages: 2, ordersPerPage: 3 } });
  const { sim } = s;
  sim.fault("GET /markets/{region_id}/orders", { turnoverAfterPage: 1, turnovers: 2 });
  const walk = async () => {
    const pages = [];
    for (const page of [1, 2]) pages.push(await get(sim, `/markets/10000002/orders?page=${page}`));
    return pages.map((p) => [h(p.res, "last-modified"), (p.json as { price: number }[])[0].price]);
  };
  const [a1, a2] = await walk();
  assert.notEqual(a1[0], a2[0]);
  const [b1, b2] = await walk();
  assert.notEqual(b1[0], b2[0]);
  assert.equal(b1[0], a2[0]);
  const [c1, c2] = await walk();
  assert.equal(c1[0], c2[0]);
  assert.equal(c1[0], b2[0]);
  assert.notEqual(a1[1], c1[1]);
});

Deno.test("under concurrent turnovers every page pairs its body with its own version's dates", async () => {
  const sim = new EsiSimulator({ clock: new FakeClock({ start: START }) });
  const key = "GET /markets/{region_id}/orders";
  sim.route(key, { pages: (ctx) => Array.from({ length: 3 }, () => [{ v: ctx.version }]) });
  sim.fault(key, { turnoverAfterPage: 1, turnovers: 20 });
  const versionsByDate = new Map<string, Set<number>>();
  // Workers without a barrier: a new version opens while older calls still wait for bodies.
  await Promise.all([[1, 2, 3], [2, 3, 1], [3, 1, 2]].map(async (order) => {
    for (let round = 0; round < 10; round++) {
      for (const page of order) {
        const res = await sim.fetch(`/markets/10000002/orders?page=${page}`);
        const [{ v }] = await res.json();
        const date = h(res, "last-modified")!;
        versionsByDate.set(date, (versionsByDate.get(date) ?? new Set()).add(v));
      }
    }
  }));
  assert.ok(versionsByDate.size > 1);
  for (const versions of versionsByDate.values()) assert.equal(versions.size, 1);
});

Deno.test("a cursor route walks back with before and forward with after", async () => {
  await using s = await serve();
  const { sim, clock } = s;
  const auth = { authorization: `Bearer ${token(clock, [PROJECTS])}` };
  const path = "/corporations/98000001/projects";
  type Page = { projects: { name: string }[]; cursor: { before: string; after: string } };
  const first = (await get(sim, path, auth)).json as Page;
  assert.deepEqual(first.projects.map((p) => p.name).slice(0, 1), ["Project 16"]);
  const seen = first.projects.map((p) => p.name);
  let before = first.cursor.before;
  const sizes = [];
  for (;;) {
    const page = (await get(sim, `${path}?before=${encodeURIComponent(before)}`, auth))
      .json as Page;
    sizes.push(page.projects.length);
    if (!page.projects.length) break;
    seen.unshift(...page.projects.map((p) => p.name));
    before = page.cursor.before;
  }
  assert.deepEqual(sizes, [10, 5, 0]);
  assert.equal(new Set(seen).size, 25);
  assert.equal(seen[0], "Project 1");

  const records = Array.from({ length: 25 }, (_, i) => ({ name: `P${i}` }));
  sim.route("GET /corporations/{corporation_id}/projects", { records });
  const after = ((await get(sim, `${path}?limit=100`, auth)).json as Page).cursor.after;
  sim.route("GET /corporations/{corporation_id}/projects", {
    records: [...records, { name: "new 1" }, { name: "new 2" }],
  });
  const fresh = (await get(sim, `${path}?after=${encodeURIComponent(after)}`, auth)).json as Page;
  assert.deepEqual(fresh.projects, [{ name: "new 1" }, { name: "new 2" }]);
  const end = (await get(sim, `${path}?after=${encodeURIComponent(fresh.cursor.after)}`, auth))
    .json as Page;
  assert.deepEqual(end.projects, []);
  assert.equal((await get(sim, `${path}?before=x&after=y`, auth)).res.status, 400);
});

Deno.test("wallet transactions walk by from_id until only that record returns", async () => {
  await using s = await serve();
  const { sim, clock } = s;
  const auth = { authorization: `Bearer ${token(clock, [WALLET])}` };
  const path = `/characters/${CHAR}/wallet/transactions`;
  type Tx = { transaction_id: number };
  const ids = new Set<number>();
  const sizes = [];
  let query = "";
  for (;;) {
    const page = (await get(sim, `${path}${query}`, auth)).json as Tx[];
    sizes.push(page.length);
    page.forEach((t) => ids.add(t.transaction_id));
    if (page.length <= 1) break;
    query = `?from_id=${page.at(-1)!.transaction_id}`;
  }
  assert.deepEqual(sizes, [50, 50, 22, 1]);
  assert.equal(ids.size, 120);
});

Deno.test("POST /universe/names resolves ids; bad bodies are refused", async () => {
  await using s = await serve();
  const { sim } = s;
  const post = async (body: string) => {
    const res = await fetch(`${sim.url}/universe/names`, { method: "POST", body });
    return [res.status, await res.json()];
  };
  assert.deepEqual(await post("[30000142, 34]"), [200, [
    { category: "solar_system", id: 30000142, name: "Jita" },
    { category: "inventory_type", id: 34, name: "Tritanium" },
  ]]);
  assert.deepEqual(await post("[-1]"), [404, {
    error: "Ensure all IDs are valid before resolving.",
  }]);
  assert.equal((await post("[]"))[0], 400);
  assert.equal((await post("{not json"))[0], 400);
});

Deno.test("unscripted routes answer generated data, HEAD has no body, unknown paths 404, wrong methods 405", async () => {
  await using s = await serve();
  const { sim } = s;
  const alliance = await get(sim, "/alliances/99000001");
  assert.equal(alliance.res.status, 200);
  assert.equal(typeof (alliance.json as { name: string }).name, "string");
  const paged = await get(sim, "/contracts/public/10000002");
  assert.ok(Array.isArray(paged.json) && paged.json.length > 0);
  assert.equal(h(paged.res, "x-pages"), "1");
  const legacy = await get(sim, "/latest/alliances/99000001/");
  assert.equal(sim.requests.at(-1)!.route, "GET /alliances/{alliance_id}");
  assert.equal(h(legacy.res, "x-esi-cache-status"), "HIT");
  const head = await fetch(`${sim.url}/status`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  assert.match(h(head, "etag")!, /^"/);
  const wrong = await fetch(`${sim.url}/status`, { method: "DELETE" });
  assert.equal(wrong.status, 405);
  assert.equal(h(wrong, "allow"), "GET");
  await wrong.body?.cancel();
  assert.equal((await get(sim, "/characters/not/a/route")).res.status, 404);
});

Deno.test("a route script's function gets the call and can answer an ESI error", async () => {
  await using s = await serve();
  const { sim } = s;
  sim.route("GET /universe/types/{type_id}", {
    body: (ctx) => {
      if (ctx.params.type_id === "0") throw new EsiSimError(404, "Type not found");
      return { type_id: Number(ctx.params.type_id), version: ctx.version, now: ctx.now };
    },
    headers: { "X-Custom": "yes", "Cache-Control": "no-store" },
  });
  const found = await get(sim, "/universe/types/34");
  assert.deepEqual(found.json, { type_id: 34, version: 2, now: START });
  assert.equal(h(found.res, "x-custom"), "yes");
  assert.equal(h(found.res, "cache-control"), "no-store");
  const missing = await get(sim, "/universe/types/0");
  assert.equal(missing.res.status, 404);
  assert.deepEqual(missing.json, { error: "Type not found" });
  assert.throws(() => sim.route("GET /nope" as "GET /status", {}), TypeError);
});

Deno.test("the handler answers in-process, and reset() clears records, counters and faults", async () => {
  const sim = new EsiSimulator({ clock: new FakeClock() });
  sim.fault("*", { statuses: [503] });
  const failed = await sim.fetch("/status");
  assert.equal(failed.status, 503);
  await failed.body?.cancel();
  assert.equal(sim.requests.length, 1);
  sim.reset();
  assert.equal(sim.requests.length, 0);
  assert.equal(sim.stats.requests, 0);
  const ok = await sim.handler(new Request("http://esi.test/status"));
  assert.equal(ok.status, 200);
  assert.equal(typeof (await ok.json()).players, "number");
  assert.equal(sim.stats.responses, 1);
  assert.throws(() => sim.url, /start\(\)/);
});
