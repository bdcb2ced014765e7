import assert from "node:assert/strict";
import { EsiSimulator, FakeClock, SsoSimulator } from "../../src/testing/mod.ts";
import { serve } from "../../src/testing/deno.ts";
import { loadConfig } from "../../worker/config.ts";
import type { LogRecord } from "../../worker/context.ts";
import { createGateway, type Gateway } from "../../worker/gateway.ts";
import { CHARACTER_ID, PUBLIC_CLIENT } from "../support/sso_harness.ts";
import {
  alterPayload,
  foreignKeyToken,
  hmacWithPublicKey,
  unsignedToken,
} from "../support/sso_tokens.ts";

const CALLBACK = "https://gw.example/auth/callback";
const SESSION_SECRET = "session-secret-session-secret-0123456789";
const TOKEN_KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
const SKILLS = `/esi/characters/${CHARACTER_ID}/skills`;
const SCOPE = "esi-skills.read_skills.v1";

interface Rig {
  gw: Gateway;
  esi: EsiSimulator;
  sso: SsoSimulator;
  clock: FakeClock;
  logs: LogRecord[];
}

async function withRig(env: Record<string, string>, fn: (rig: Rig) => Promise<void>) {
  const clock = new FakeClock();
  const sso = await serve(
    await SsoSimulator.create({
      clock,
      clients: [{ clientId: PUBLIC_CLIENT, redirectUris: [CALLBACK] }],
    }),
  );
  const esi = new EsiSimulator({ clock, verifyToken: sso.verifyToken });
  await serve(esi);
  const logs: LogRecord[] = [];
  try {
    const config = loadConfig({
      ESI_USER_AGENT: "esikit-tests/1.0 (tests@example.com)",
      ESI_BASE_URL: esi.url,
      EVE_CLIENT_ID: PUBLIC_CLIENT,
      EVE_CALLBACK_URL: CALLBACK,
      EVE_SSO_METADATA_URL: sso.metadataUrl,
      ...env,
    });
    const gw = createGateway({ config, clock, logger: (r) => logs.push(r) });
    await fn({ gw, esi, sso, clock, logs });
  } finally {
    await esi.close();
    await sso.close();
  }
}

const loginEnv = {
  SESSION_SECRET,
  TOKEN_ENCRYPTION_KEY: TOKEN_KEY,
  AUTH_RETURN_ORIGINS: "https://app.example",
};

/** The `name=value` pairs of a response's Set-Cookie headers that set (not clear) a cookie. */
function cookiesOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(";").map((s) => s.trim());
    const eq = pair.indexOf("=");
    if (attrs.some((a) => /^max-age=0$/i.test(a))) continue;
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

function cookieHeader(cookies: Record<string, string>): string {
  return Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join("; ");
}

/** `/auth/login`, then the SSO's authorize as a browser follows it: the callback URL and the login cookie. */
async function startLogin(
  rig: Rig,
  query = `scopes=${SCOPE}&return_to=${encodeURIComponent("https://app.example/done?x=1")}`,
) {
  const res = await rig.gw.app.request(`/auth/login?${query}`);
  assert.equal(res.status, 302);
  const cookies = cookiesOf(res);
  const authorize = new URL(res.headers.get("location")!);
  assert.equal(authorize.origin, rig.sso.url);
  assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
  const back = await fetch(authorize, { redirect: "manual" });
  await back.body?.cancel();
  assert.equal(back.status, 302);
  const callback = new URL(back.headers.get("location")!);
  assert.equal(callback.origin + callback.pathname, CALLBACK);
  return {
    callback: `/auth/callback${callback.search}`,
    cookies,
    setCookie: res.headers.getSetCookie(),
  };
}

Deno.test("sso: callers' bearer tokens are verified against the SSO before any upstream call", async (t) => {
  await withRig({}, async (rig) => {
    const { gw, esi, sso } = rig;
    const call = (token: string) =>
      gw.app.request(SKILLS, { headers: { Authorization: `Bearer ${token}` } });

    await t.step("a genuine token reaches ESI", async () => {
      const token = await sso.mintAccessToken({ clientId: PUBLIC_CLIENT, scopes: [SCOPE] });
      const res = await call(token);
      assert.equal(res.status, 200, await res.clone().text());
      await res.body?.cancel();
      assert.equal(esi.requests.length, 1);
    });

    const hostile: [string, () => Promise<string>][] = [
      ["unsigned (alg none)", () => unsignedToken(sso)],
      ["HS256 keyed with the RSA public key", () => hmacWithPublicKey(sso)],
      ["signed by a foreign key under the SSO's kid", () => foreignKeyToken(sso)],
      [
        "altered after signing",
        async () =>
          alterPayload(await sso.mintAccessToken({ clientId: PUBLIC_CLIENT, scopes: [SCOPE] }), {
            sub: "CHARACTER:EVE:1",
          }),
      ],
      ["expired", () => sso.mintAccessToken({ clientId: PUBLIC_CLIENT, expiresIn: -600 })],
      ["for another application", () => sso.mintAccessToken({ clientId: "someone-else" })],
      [
        "from another issuer",
        () => sso.mintAccessToken({ clientId: PUBLIC_CLIENT, issuer: "https://evil.example" }),
      ],
      ["not a JWT", () => Promise.resolve("not-a-jwt")],
    ];
    for (const [name, make] of hostile) {
      await t.step(`refused with 401: ${name}`, async () => {
        const before = esi.requests.length;
        const token = await make();
        const res = await call(token);
        assert.equal(res.status, 401);
        assert.match(res.headers.get("www-authenticate") ?? "", /invalid_token/);
        const body = await res.text();
        assert.ok(!body.includes(token), "the token is not echoed");
        assert.equal(esi.requests.length, before, "nothing went upstream");
      });
    }
    assert.ok(!JSON.stringify(rig.logs).includes("eyJ"), "no token in the logs");
  });
});

Deno.test("sso: a bearer token whose azp is another application is refused, naming azp", async () => {
  await withRig({}, async ({ gw, esi, sso }) => {
    // Our client id is in aud, so only the azp check can tell it was issued to someone else.
    const token = await sso.mintAccessToken({
      clientId: PUBLIC_CLIENT,
      scopes: [SCOPE],
      claims: { azp: "someone-else" },
    });
    const res = await gw.app.request(SKILLS, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /invalid_token/);
    const body = await res.text();
    assert.match(JSON.parse(body).error, /"azp" "someone-else" is not the client id/);
    assert.ok(!body.includes(token), "the token is not echoed");
    assert.equal(esi.requests.length, 0, "nothing went upstream");
  });
});

Deno.test("sso: login, callback, a call with the session, logout", async () => {
  await withRig(loginEnv, async (rig) => {
    const { gw, esi, sso } = rig;
    const { callback, cookies, setCookie } = await startLogin(rig);
    const login = setCookie.find((c) => c.startsWith("__Host-esikit_login="))!;
    assert.match(login, /HttpOnly/i);
    assert.match(login, /Secure/i);
    assert.match(login, /SameSite=Lax/i);

    const done = await gw.app.request(callback, { headers: { Cookie: cookieHeader(cookies) } });
    assert.equal(done.status, 302, await done.clone().text());
    assert.equal(done.headers.get("location"), "https://app.example/done?x=1");
    const session = done.headers.getSetCookie().find((c) =>
      c.startsWith("__Host-esikit_session=")
    )!;
    assert.ok(session);
    for (const attribute of [/HttpOnly/i, /Secure/i, /SameSite=Lax/i, /Path=\//]) {
      assert.match(session, attribute);
    }
    const sessionCookie = cookieHeader({
      "__Host-esikit_session": cookiesOf(done)["__Host-esikit_session"],
    });

    // The tokens are stored sealed: "v1." and base64url, where no JWT (dot-separated parts) fits.
    // (Not "has no `eyJ`": random base64url holds those three letters one time in a hundred.)
    const stored = await gw.deps.auth!.values.get(`token:${CHARACTER_ID}`);
    assert.match(stored ?? "", /^v1\.[\w-]+$/);

    const res = await gw.app.request(SKILLS, { headers: { Cookie: sessionCookie } });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
    assert.equal(esi.requests.length, 1);
    assert.match(esi.requests[0].path, /skills$/);

    // After the access token expires, the next call refreshes it.
    rig.clock.advance(25 * 60_000);
    const later = await gw.app.request(SKILLS, { headers: { Cookie: sessionCookie } });
    assert.equal(later.status, 200, await later.clone().text());
    await later.body?.cancel();
    assert.equal(sso.counters.tokenRequestsByGrant.refresh_token, 1);

    const out = await gw.app.request("/auth/logout", {
      method: "POST",
      headers: { Cookie: sessionCookie },
    });
    assert.equal(out.status, 200);
    assert.deepEqual(await out.json(), { ended: "all", characterId: CHARACTER_ID });
    assert.equal(sso.counters.revokeRequests, 1);
    assert.equal(await gw.deps.auth!.values.get(`token:${CHARACTER_ID}`), undefined);
    const after = await gw.app.request(SKILLS, { headers: { Cookie: sessionCookie } });
    assert.equal(after.status, 401);
    await after.body?.cancel();
    // A public route does not read the session at all.
    const status = await gw.app.request("/esi/status", { headers: { Cookie: sessionCookie } });
    assert.equal(status.status, 200);
    await status.body?.cancel();

    const logs = JSON.stringify(rig.logs);
    const code = new URL(callback, "https://gw.example").searchParams.get("code")!;
    for (const secret of [code, SESSION_SECRET, cookiesOf(done)["__Host-esikit_session"], "eyJ"]) {
      assert.ok(!logs.includes(secret), "no code, token, cookie or secret in the logs");
    }
  });
});

Deno.test("sso: logout ends every session of the character, wherever it was started", async (t) => {
  await withRig({ ...loginEnv, SESSION_TTL: "1 d" }, async (rig) => {
    const { gw } = rig;
    const logIn = async () => {
      const { callback, cookies } = await startLogin(rig);
      const done = await gw.app.request(callback, { headers: { Cookie: cookieHeader(cookies) } });
      assert.equal(done.status, 302, await done.clone().text());
      return cookieHeader({ "__Host-esikit_session": cookiesOf(done)["__Host-esikit_session"] });
    };
    const call = async (cookie: string) => {
      const res = await gw.app.request(SKILLS, { headers: { Cookie: cookie } });
      await res.body?.cancel();
      return res.status;
    };
    const logOut = (cookie: string, query = "") =>
      gw.app.request(`/auth/logout${query}`, { method: "POST", headers: { Cookie: cookie } });

    await t.step("scope=session ends this browser's session only", async () => {
      const here = await logIn();
      const there = await logIn();
      const out = await logOut(here, "?scope=session");
      assert.equal(out.status, 200);
      assert.deepEqual(await out.json(), { ended: "session", characterId: CHARACTER_ID });
      assert.deepEqual([await call(here), await call(there)], [401, 200]);
      assert.equal(rig.sso.counters.revokeRequests, 0, "the tokens are kept for the others");
    });

    await t.step("by default every session ends, and stays ended after a new login", async () => {
      const mine = await logIn();
      const stolen = await logIn(); // a copied cookie, in another browser
      assert.deepEqual([await call(mine), await call(stolen)], [200, 200]);
      const out = await logOut(mine);
      assert.equal(out.status, 200);
      assert.deepEqual(await out.json(), { ended: "all", characterId: CHARACTER_ID });
      assert.equal(await call(stolen), 401);
      const again = await logIn();
      assert.deepEqual([await call(again), await call(stolen), await call(mine)], [200, 401, 401]);
    });

    await t.step("the stored tokens expire with the sessions", async () => {
      await logIn();
      const key = `token:${CHARACTER_ID}`;
      assert.ok(await gw.deps.auth!.values.get(key));
      await rig.clock.advance(86_400_000 + 1);
      assert.equal(await gw.deps.auth!.values.get(key), undefined);
    });
  });
});

Deno.test("sso: login routes are rate limited by address", async () => {
  await withRig({ ...loginEnv, RATE_LIMIT: "2" }, async ({ gw }) => {
    const login = () => gw.app.request(`/auth/login?scopes=${SCOPE}`);
    const statuses: (number | string | null)[][] = [];
    for (let i = 0; i < 3; i++) {
      const res = await login();
      await res.body?.cancel();
      statuses.push([res.status, res.headers.get("RateLimit-Remaining")]);
    }
    assert.deepEqual(statuses, [[302, "1"], [302, "0"], [429, "0"]]);
  });
});

Deno.test("sso: a replayed, forged, expired or unbound state is refused", async (t) => {
  await withRig(loginEnv, async (rig) => {
    const { gw } = rig;
    await t.step("replayed", async () => {
      const { callback, cookies } = await startLogin(rig);
      const first = await gw.app.request(callback, { headers: { Cookie: cookieHeader(cookies) } });
      assert.equal(first.status, 302);
      const again = await gw.app.request(callback, { headers: { Cookie: cookieHeader(cookies) } });
      assert.equal(again.status, 400);
      assert.match((await again.json()).error, /already used/);
    });
    await t.step("forged: another nonce, or an altered signature", async () => {
      const { callback, cookies } = await startLogin(rig);
      const url = new URL(callback, "https://gw.example");
      const [nonce, expiry, signature] = url.searchParams.get("state")!.split(".");
      // The first character: a base64url string's last one may hold padding bits only.
      const flip = (s: string) => (s.startsWith("A") ? "B" : "A") + s.slice(1);
      for (
        const state of [
          `${flip(nonce)}.${expiry}.${signature}`,
          `${nonce}.${expiry}.${flip(signature)}`,
          `${nonce}.zzzzzzzz.${signature}`,
          "garbage",
        ]
      ) {
        url.searchParams.set("state", state);
        const res = await gw.app.request(url.pathname + url.search, {
          headers: { Cookie: cookieHeader(cookies) },
        });
        assert.equal(res.status, 400);
        assert.match((await res.json()).error, /state is invalid/);
      }
    });
    await t.step("expired", async () => {
      const { callback, cookies } = await startLogin(rig);
      rig.clock.advance(11 * 60_000);
      const res = await gw.app.request(callback, { headers: { Cookie: cookieHeader(cookies) } });
      assert.equal(res.status, 400);
      await res.body?.cancel();
    });
    await t.step("finished in a browser that did not start it", async () => {
      const { callback } = await startLogin(rig);
      const res = await gw.app.request(callback);
      assert.equal(res.status, 400);
      assert.match((await res.json()).error, /another browser/);
    });
  });
});

Deno.test("sso: return_to goes only to allowed origins", async (t) => {
  await withRig(loginEnv, async (rig) => {
    const refused = [
      "//evil.com",
      "///evil.com",
      "https://evil.com",
      "https://app.example.evil.com/",
      "https://app.example@evil.com/",
      "https://app.example:443@evil.com/",
      "http://app.example/",
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "data:text/html,hi",
      "/\\evil.com",
      "https:\\\\evil.com",
      "https://app.example\\@evil.com",
      "\thttps://evil.com",
      "https://app.example%2f@evil.com",
      "https://evil.com%2f@app.example",
      "/relative",
      "",
    ];
    for (const returnTo of refused) {
      await t.step(`refused: ${JSON.stringify(returnTo)}`, async () => {
        const res = await rig.gw.app.request(
          `/auth/login?scopes=${SCOPE}&return_to=${encodeURIComponent(returnTo)}`,
        );
        assert.equal(res.status, 400);
        assert.equal(res.headers.get("location"), null);
        await res.body?.cancel();
      });
    }
    await t.step("accepted: a path on the allowed origin, and the default", async () => {
      await startLogin(rig, `return_to=${encodeURIComponent("https://app.example/a/b#c")}`);
      await startLogin(rig, "");
    });
    await t.step("an unknown scope is refused", async () => {
      const res = await rig.gw.app.request("/auth/login?scopes=esi-nothing.v1");
      assert.equal(res.status, 400);
      await res.body?.cancel();
    });
  });
});

Deno.test("sso: settings are checked together, secrets never shown", async () => {
  const { ConfigError } = await import("../../worker/config.ts");
  const base = { ESI_USER_AGENT: "esikit-tests/1.0" };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
      return [];
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
  };
  assert.deepEqual(problems({ EVE_CLIENT_ID: "id" }), [
    "EVE_CALLBACK_URL is missing (EVE_CLIENT_ID is set)",
  ]);
  assert.deepEqual(problems({ SESSION_SECRET: "x".repeat(40) }), [
    "SESSION_SECRET is set but EVE_CLIENT_ID is missing",
  ]);
  const bad = problems({
    EVE_CLIENT_ID: "id",
    EVE_CALLBACK_URL: CALLBACK,
    SESSION_SECRET: "short-secret-value",
    TOKEN_ENCRYPTION_KEY: "c2hvcnQ=",
    AUTH_RETURN_ORIGINS: "https://app.example/path",
  });
  assert.equal(bad.length, 3);
  assert.ok(!bad.join(" ").includes("short-secret-value"));
  assert.ok(!bad.join(" ").includes("c2hvcnQ="));
  const config = loadConfig({
    ...base,
    EVE_CLIENT_ID: "id",
    EVE_CALLBACK_URL: CALLBACK,
    ...loginEnv,
  });
  assert.deepEqual(config.sso?.login?.returnOrigins, ["https://app.example"]);
});
