import assert from "node:assert/strict";
import { errorOf, testGateway } from "./helpers.ts";

Deno.test("refusals: unsafe paths get 400 and nothing goes upstream", async (t) => {
  const { app, upstream } = testGateway();
  const cases: [string, RegExp][] = [
    ["/esi/..%2f", /encoded slash/],
    ["/esi/..%2fstatus", /encoded slash/],
    ["/esi/%2e%2e%2fstatus", /"\." or "\.\." segment|encoded slash/],
    ["/esi/markets/..%5c..%5cstatus/orders", /backslash/],
    ["/esi//evil.com", /empty segment/],
    ["/esi//evil.com/status", /empty segment/],
    ["/esi/http://x", /colon/],
    ["/esi/https:%2f%2fevil.com", /colon|encoded slash/],
    ["/esi/%5cevil.com", /backslash/],
    ["/esi/status%00", /control character/],
    ["/esi/status%0d%0aX-Injected:%201", /control character/],
    ["/esi/markets/%252e%252e/orders", /percent sign/],
    ["/esi/markets/user@evil.com/orders", /@/],
    ["/esi/markets/%zz/orders", /malformed percent-encoding/],
    ["/esi/status//", /empty segment/],
    ["/esi/latest//status", /empty segment/],
  ];
  for (const [path, why] of cases) {
    await t.step(path, async () => {
      const res = await app.request(path);
      assert.equal(res.status, 400, path);
      assert.match(await errorOf(res), why);
    });
  }
  assert.deepEqual(upstream, []);
});

Deno.test("refusals: paths the URL parser normalises never reach ESI", async () => {
  // `new Request()` folds `%2e%2e` and `..` segments and turns `\` into `/`
  // before the app sees them: what is left is not a route. (Through
  // Deno.serve they arrive raw and get 400: see deno_entry_test.ts.)
  const { app, upstream } = testGateway();
  for (
    const path of [
      "/esi/%2e%2e/",
      "/esi/../status",
      "/esi/a/%2e%2e/%2e%2e/status",
      "/esi/status/%2E%2E/x",
      "/esi\\..\\status",
    ]
  ) {
    const res = await app.request(path);
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
  assert.deepEqual(upstream, []);
});

Deno.test("refusals: unknown paths 404, wrong methods 405 with Allow", async (t) => {
  const { app, upstream } = testGateway();
  await t.step("unknown route", async () => {
    const res = await app.request("/esi/no/such/route");
    assert.equal(res.status, 404);
    assert.equal(await errorOf(res), 'Cannot proxy "/no/such/route": ESI has no such route');
  });
  await t.step("old-style versioned path to no route", async () => {
    const res = await app.request("/esi/latest/no/such/route/");
    assert.equal(res.status, 404);
    assert.equal(await errorOf(res), 'Cannot proxy "/no/such/route": ESI has no such route');
  });
  await t.step("the prefix alone", async () => {
    for (const path of ["/esi", "/esi/"]) {
      const res = await app.request(path);
      assert.ok(res.status === 404 || res.status === 400, path);
      await res.body?.cancel();
    }
  });
  await t.step("POST on a GET route", async () => {
    const res = await app.request("/esi/status", { method: "POST", body: "{}" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("Allow"), "GET, HEAD");
    assert.equal(await errorOf(res), 'Cannot POST "/status": the route allows "GET", "HEAD"');
  });
  await t.step("GET on a POST-only route", async () => {
    const res = await app.request("/esi/universe/names");
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("Allow"), "POST");
    await res.body?.cancel();
  });
  await t.step("PATCH on a route with GET, POST, PUT and DELETE", async () => {
    const res = await app.request("/esi/characters/1/contacts", { method: "PATCH" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("Allow"), "GET, POST, PUT, DELETE, HEAD");
    await res.body?.cancel();
  });
  assert.deepEqual(upstream, []);
});

Deno.test("refusals: bad queries and bodies get 400/413/415 before any upstream call", async (t) => {
  const { app, upstream } = testGateway({ env: { MAX_BODY_BYTES: "64" } });
  await t.step("enum violation", async () => {
    const res = await app.request("/esi/markets/10000002/orders?order_type=both");
    assert.equal(res.status, 400);
    assert.equal(
      await errorOf(res),
      'Cannot call "GET /markets/{region_id}/orders": query parameter "order_type" must be one of "buy", "sell", "all", got "both"',
    );
  });
  await t.step("missing required query parameter", async () => {
    const res = await app.request("/esi/markets/10000002/orders");
    assert.equal(res.status, 400);
    assert.match(await errorOf(res), /query parameter "order_type" is missing/);
  });
  await t.step("unknown query parameter", async () => {
    const res = await app.request("/esi/status?source=tranquility");
    assert.equal(res.status, 400);
    assert.match(await errorOf(res), /unknown query parameter "source"/);
  });
  await t.step("path parameter that is not an integer", async () => {
    const res = await app.request("/esi/markets/forge/orders?order_type=all");
    assert.equal(res.status, 400);
    assert.match(await errorOf(res), /path parameter "region_id" must be an integer, got "forge"/);
  });
  await t.step("page below 1", async () => {
    const res = await app.request("/esi/markets/10000002/orders?order_type=all&page=0");
    assert.equal(res.status, 400);
    assert.match(await errorOf(res), /"page" must be at least 1/);
  });
  await t.step("bad compatibility date", async () => {
    const res = await app.request("/esi/status", { headers: { "X-Compatibility-Date": "latest" } });
    assert.equal(res.status, 400);
    assert.match(await errorOf(res), /compatibility date "latest"/);
  });
  await t.step("all=true on a route without X-Pages", async () => {
    const res = await app.request("/esi/status?all=true");
    assert.equal(res.status, 400);
    assert.match(await errorOf(res), /not paged with X-Pages/);
  });
  await t.step("all=true with page", async () => {
    const res = await app.request("/esi/markets/10000002/orders?order_type=all&all=true&page=2");
    assert.equal(res.status, 400);
    await res.body?.cancel();
  });
  await t.step("body too large", async () => {
    const res = await app.request("/esi/universe/names", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Array.from({ length: 40 }, (_, i) => 30000000 + i)),
    });
    assert.equal(res.status, 413);
    await res.body?.cancel();
  });
  await t.step("body that is not JSON", async () => {
    const res = await app.request("/esi/universe/names", {
      method: "POST",
      headers: { "Content-Type": "text/plain" },
      body: "30000142",
    });
    assert.equal(res.status, 415);
    await res.body?.cancel();
  });
  await t.step("malformed JSON", async () => {
    const res = await app.request("/esi/universe/names", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "[30000142,",
    });
    assert.equal(res.status, 400);
    assert.match(await errorOf(res), /not valid JSON/);
  });
  await t.step("a body the spec refuses", async () => {
    const res = await app.request("/esi/universe/names", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "[]",
    });
    assert.equal(res.status, 400);
    assert.match(await errorOf(res), /request body must hold at least 1 item/);
  });
  assert.deepEqual(upstream, []);
});

Deno.test("refusals: token calls", async (t) => {
  await t.step("a route with scopes and no token gets 401", async () => {
    const { app, upstream } = testGateway();
    const res = await app.request("/esi/characters/2112625428/assets");
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("WWW-Authenticate"), "Bearer");
    assert.match(
      await errorOf(res),
      /needs a character's access token .* "esi-assets.read_assets.v1"/,
    );
    assert.deepEqual(upstream, []);
  });
  await t.step("a bearer token without a verifier gets 501", async () => {
    const { app, upstream } = testGateway();
    const res = await app.request("/esi/characters/2112625428/assets", {
      headers: { Authorization: "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig" },
    });
    assert.equal(res.status, 501);
    assert.match(await errorOf(res), /no token verifier configured/);
    assert.deepEqual(upstream, []);
  });
  await t.step("an Authorization that is not Bearer gets 401", async () => {
    const { app } = testGateway();
    const res = await app.request("/esi/status", { headers: { Authorization: "Basic abc" } });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  });
  await t.step("a token the verifier refuses gets 401", async () => {
    const { app, upstream } = testGateway({
      verifyToken: () =>
        Promise.reject(
          Object.assign(new Error('Cannot verify the access token: "exp" has passed'), {
            code: "ERR_TOKEN_INVALID",
          }),
        ),
    });
    const res = await app.request("/esi/characters/2112625428/assets", {
      headers: { Authorization: "Bearer x.y.z" },
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("WWW-Authenticate")!, /invalid_token/);
    assert.match(await errorOf(res), /"exp" has passed/);
    assert.deepEqual(upstream, []);
  });
  await t.step("a verifier that cannot answer gets 503", async () => {
    const { app } = testGateway({
      verifyToken: () => Promise.reject(new Error("JWKS unreachable")),
    });
    const res = await app.request("/esi/status", { headers: { Authorization: "Bearer x.y.z" } });
    assert.equal(res.status, 503);
    await res.body?.cancel();
  });
  await t.step("a token without the route's scope gets 403", async () => {
    const { app, upstream } = testGateway({
      verifyToken: () =>
        Promise.resolve({ characterId: 2112625428, scopes: ["esi-skills.read_skills.v1"] }),
    });
    const res = await app.request("/esi/characters/2112625428/assets", {
      headers: { Authorization: "Bearer x.y.z" },
    });
    assert.equal(res.status, 403);
    assert.match(await errorOf(res), /esi-assets.read_assets.v1/);
    assert.deepEqual(upstream, []);
  });
});
