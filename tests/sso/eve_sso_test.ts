import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import { EsiAbortError, EsiTimeoutError } from "../../src/errors.ts";
import { EveSso } from "../../src/sso/eve_sso.ts";
import { FakeClock } from "../../src/testing/fake_clock.ts";
import { SsoSimulator } from "../../src/testing/sso_simulator.ts";
import { EsiSsoError } from "../../src/sso/errors.ts";
import { createPkcePair, pkceChallenge } from "../../src/sso/pkce.ts";
import {
  CHARACTER_ID,
  CLIENT_SECRET,
  CONFIDENTIAL_CLIENT,
  login,
  PUBLIC_CLIENT,
  REDIRECT_URI,
  startSso,
} from "../support/sso_harness.ts";
import { until } from "../support/until.ts";

function ssoError(oauthError: string | undefined, extra: (err: EsiSsoError) => void = () => {}) {
  return (err: unknown) => {
    assert.ok(err instanceof EsiSsoError, `expected EsiSsoError, got ${err}`);
    assert.equal(err.code, "ERR_SSO");
    assert.equal(err.oauthError, oauthError, err.message);
    extra(err);
    return true;
  };
}

Deno.test("metadata is fetched once, shared by concurrent first calls, and a failure is not kept", async () => {
  await using rig = await startSso();
  const { sim, sso } = rig;
  sim.fault({ endpoint: "metadata", status: 503 });
  await assert.rejects(sso.metadata(), ssoError(undefined, (e) => assert.equal(e.status, 503)));
  const all = await Promise.all(Array.from({ length: 20 }, () => sso.metadata()));
  assert.equal(sim.counters.metadataRequests, 2);
  assert.equal(all[0].tokenEndpoint, `${sim.url}/v2/oauth/token`);
  assert.equal(all[0].jwksUri, `${sim.url}/oauth/jwks`);
  assert.equal(all[0].revocationEndpoint, `${sim.url}/v2/oauth/revoke`);
  assert.deepEqual(all[0].codeChallengeMethods, ["S256"]);
  assert.equal(all[0].issuer, "https://login.eveonline.com");
  await sso.metadata();
  assert.equal(sim.counters.metadataRequests, 2);
});

Deno.test("unusable metadata is a clear SSO error", async (t) => {
  await using rig = await startSso();
  await t.step("not JSON", async () => {
    rig.sim.fault({ endpoint: "metadata", body: "{oops" });
    await assert.rejects(rig.sso.metadata(), /the body is not a JSON object/);
  });
  await t.step("an endpoint missing", async () => {
    rig.sim.fault({
      endpoint: "metadata",
      body: '{"issuer":"x","authorization_endpoint":"http://a"}',
    });
    await assert.rejects(rig.sso.metadata(), /"token_endpoint" is missing or not a URL/);
  });
});

Deno.test("PKCE follows RFC 7636: the appendix B vector, and fresh 32-byte verifiers", async () => {
  assert.equal(
    await pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  );
  const a = await createPkcePair();
  const b = await createPkcePair();
  assert.match(a.verifier, /^[A-Za-z0-9_-]{43}$/);
  assert.match(a.challenge, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a.verifier, b.verifier);
  assert.equal(a.challenge, await pkceChallenge(a.verifier));
});

Deno.test("authorize builds EVE's login URL with state and an S256 challenge", async (t) => {
  await using rig = await startSso();
  const { sim, sso } = rig;

  await t.step("every parameter, exactly", async () => {
    const scopes = ["esi-skills.read_skills.v1", "esi-assets.read_assets.v1"];
    const { url, state, codeVerifier } = await sso.authorize({ scopes });
    const u = new URL(url);
    assert.equal(u.origin + u.pathname, `${sim.url}/v2/oauth/authorize`);
    const q = Object.fromEntries(u.searchParams);
    assert.deepEqual(Object.keys(q).sort(), [
      "client_id",
      "code_challenge",
      "code_challenge_method",
      "redirect_uri",
      "response_type",
      "scope",
      "state",
    ]);
    assert.equal(q.response_type, "code");
    assert.equal(q.client_id, PUBLIC_CLIENT);
    assert.equal(q.redirect_uri, REDIRECT_URI);
    assert.equal(q.scope, "esi-skills.read_skills.v1 esi-assets.read_assets.v1");
    assert.equal(q.state, state);
    assert.match(state, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(q.code_challenge_method, "S256");
    assert.equal(q.code_challenge, await pkceChallenge(codeVerifier!));
    assert.ok(!url.includes(codeVerifier!), "the verifier never leaves the client");
  });

  await t.step("state and verifier are fresh each time; a given state is kept", async () => {
    const a = await sso.authorize({ scopes: [] });
    const b = await sso.authorize({ scopes: [], state: "my-state" });
    assert.notEqual(a.state, b.state);
    assert.notEqual(a.codeVerifier, b.codeVerifier);
    assert.equal(b.state, "my-state");
  });

  await t.step("a public client cannot turn PKCE off", async () => {
    await assert.rejects(sso.authorize({ scopes: [], pkce: false }), TypeError);
  });
});

Deno.test("a confidential client may log in without PKCE", async () => {
  await using rig = await startSso({ confidential: true });
  const { url, codeVerifier } = await rig.sso.authorize({ scopes: [], pkce: false });
  assert.equal(codeVerifier, undefined);
  assert.equal(new URL(url).searchParams.has("code_challenge"), false);
  const callback = await login(rig.sso, [], { pkce: false });
  const tokens = await rig.sso.exchangeCode(callback.code);
  assert.equal((await rig.sso.verifyAccessToken(tokens.accessToken)).characterId, CHARACTER_ID);
});

Deno.test("a public client exchanges the code with client_id and code_verifier in the body", async () => {
  await using rig = await startSso();
  const { sim, sso, clock } = rig;
  const { code, codeVerifier } = await login(sso, ["esi-skills.read_skills.v1"]);
  const tokens = await sso.exchangeCode(code, { codeVerifier });
  assert.equal(tokens.tokenType, "Bearer");
  assert.equal(tokens.expiresIn, 1199);
  assert.equal(tokens.expiresAt, clock.now() + 1_199_000);
  assert.ok(tokens.refreshToken);
  const who = await sso.verifyAccessToken(tokens.accessToken);
  assert.equal(who.characterId, CHARACTER_ID);
  assert.deepEqual(who.scopes, ["esi-skills.read_skills.v1"]);

  const request = sim.requests.find((r) => r.grantType === "authorization_code")!;
  assert.equal(request.contentType, "application/x-www-form-urlencoded");
  assert.equal(request.clientAuth, "body");
  assert.deepEqual(request.params, {
    grant_type: "authorization_code",
    code: "[redacted]",
    code_verifier: "[redacted]",
    client_id: PUBLIC_CLIENT,
  });
});

Deno.test("a confidential client exchanges the code with Basic auth", async () => {
  await using rig = await startSso({ confidential: true });
  const { sim, sso } = rig;
  sim.queueCharacter({ characterId: 90000001, name: "Alt Character" });
  const { code, codeVerifier } = await login(sso, []);
  const tokens = await sso.exchangeCode(code, { codeVerifier });
  const who = await sso.verifyAccessToken(tokens.accessToken);
  assert.equal(who.characterId, 90000001);
  assert.equal(who.name, "Alt Character");
  assert.deepEqual(who.scopes, []);
  const request = sim.requests.find((r) => r.grantType === "authorization_code")!;
  assert.equal(request.clientAuth, "basic");
  assert.equal(request.clientId, CONFIDENTIAL_CLIENT);
  assert.equal("client_id" in request.params, false);
});

Deno.test("codes are single-use, live 5 minutes, and need the right verifier", async (t) => {
  await using rig = await startSso();
  const { sso, clock } = rig;

  await t.step("a spent code: invalid_grant, the code not in the message", async () => {
    const { code, codeVerifier } = await login(sso);
    await sso.exchangeCode(code, { codeVerifier });
    await assert.rejects(
      sso.exchangeCode(code, { codeVerifier }),
      ssoError("invalid_grant", (e) => {
        assert.equal(e.operation, "exchange");
        assert.equal(e.status, 400);
        assert.match(e.message, /^Cannot exchange the authorization code: invalid_grant \(/);
        assert.ok(!e.message.includes(code));
      }),
    );
  });

  await t.step("an expired code", async () => {
    const { code, codeVerifier } = await login(sso);
    await clock.advance(5 * 60_000 + 1);
    await assert.rejects(sso.exchangeCode(code, { codeVerifier }), ssoError("invalid_grant"));
  });

  await t.step("another verifier", async () => {
    const { code } = await login(sso);
    const other = (await createPkcePair()).verifier;
    await assert.rejects(
      sso.exchangeCode(code, { codeVerifier: other }),
      ssoError("invalid_grant"),
    );
  });

  await t.step("a public client must send a verifier", async () => {
    await assert.rejects(sso.exchangeCode("whatever"), TypeError);
  });
});

Deno.test("refresh rotates the refresh token; the old one stops working", async () => {
  await using rig = await startSso();
  const { sim, sso, clock } = rig;
  const { code, codeVerifier } = await login(sso, [
    "esi-skills.read_skills.v1",
    "esi-assets.read_assets.v1",
  ]);
  const first = await sso.exchangeCode(code, { codeVerifier });
  await clock.advance(1_000_000);
  const second = await sso.refresh(first.refreshToken);
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.notEqual(second.accessToken, first.accessToken);
  assert.equal(second.expiresAt, clock.now() + 1_199_000);
  assert.equal(sim.isRefreshTokenValid(first.refreshToken), false);
  const request = sim.requests.findLast((r) => r.grantType === "refresh_token")!;
  assert.deepEqual(request.params, {
    grant_type: "refresh_token",
    refresh_token: "[redacted]",
    client_id: PUBLIC_CLIENT,
  });

  await assert.rejects(
    sso.refresh(first.refreshToken),
    ssoError("invalid_grant", (e) => {
      assert.equal(e.operation, "refresh");
      assert.ok(!e.message.includes(first.refreshToken));
    }),
  );
  const third = await sso.refresh(second.refreshToken);
  assert.equal((await sso.verifyAccessToken(third.accessToken)).characterId, CHARACTER_ID);
});

Deno.test("refresh may ask for a subset of the scopes, not more", async () => {
  await using rig = await startSso({ confidential: true });
  const { sso } = rig;
  const { code, codeVerifier } = await login(sso, [
    "esi-skills.read_skills.v1",
    "esi-assets.read_assets.v1",
  ]);
  const tokens = await sso.exchangeCode(code, { codeVerifier });
  const narrowed = await sso.refresh(tokens.refreshToken, {
    scopes: ["esi-skills.read_skills.v1"],
  });
  assert.deepEqual(decodeJwt(narrowed.accessToken).scp, ["esi-skills.read_skills.v1"]);
  await assert.rejects(
    sso.refresh(narrowed.refreshToken, { scopes: ["esi-wallet.read_character_wallet.v1"] }),
    ssoError("invalid_scope"),
  );
});

Deno.test("revoke: Basic auth for confidential clients, 200 for unknown tokens, the grant gone", async () => {
  await using rig = await startSso({ confidential: true });
  const { sim, sso } = rig;
  const { code, codeVerifier } = await login(sso);
  const tokens = await sso.exchangeCode(code, { codeVerifier });
  await sso.revoke(tokens.refreshToken);
  const request = sim.requests.findLast((r) => r.endpoint === "revoke")!;
  assert.equal(request.clientAuth, "basic");
  assert.deepEqual(request.params, { token_type_hint: "refresh_token", token: "[redacted]" });
  await assert.rejects(sso.refresh(tokens.refreshToken), ssoError("invalid_grant"));
  await sso.revoke("never-issued-token");
  assert.equal(sim.counters.revokeRequests, 2);
});

Deno.test("a public client revokes with client_id in the body", async () => {
  await using rig = await startSso();
  const tokens = await rig.sim.issueTokens({ clientId: PUBLIC_CLIENT });
  await rig.sso.revoke(tokens.refreshToken);
  const request = rig.sim.requests.findLast((r) => r.endpoint === "revoke")!;
  assert.equal(request.clientAuth, "body");
  assert.equal(request.params.client_id, PUBLIC_CLIENT);
  assert.equal(rig.sim.isRefreshTokenValid(tokens.refreshToken), false);
});

Deno.test("SSO failures are typed and never leak a secret", async (t) => {
  await using rig = await startSso({ confidential: true });
  const { sim, sso } = rig;
  const tokens = await sim.issueTokens({ clientId: CONFIDENTIAL_CLIENT });

  await t.step("a wrong client secret: invalid_client, the secret not in the message", async () => {
    const wrong = "wrong-secret-value";
    const bad = new EveSso({
      clientId: CONFIDENTIAL_CLIENT,
      clientSecret: wrong,
      redirectUri: REDIRECT_URI,
      metadataUrl: sim.metadataUrl,
      clock: rig.clock,
    });
    await assert.rejects(
      bad.refresh(tokens.refreshToken),
      ssoError("invalid_client", (e) => {
        assert.equal(e.status, 401);
        assert.ok(!e.message.includes(wrong) && !e.message.includes(CLIENT_SECRET));
      }),
    );
  });

  await t.step("a 5xx with an HTML body", async () => {
    sim.fault({ endpoint: "token", status: 503 });
    await assert.rejects(
      sso.refresh(tokens.refreshToken),
      ssoError(undefined, (e) => {
        assert.equal(e.status, 503);
        assert.equal(e.message, "Cannot refresh the token: the SSO answered 503");
      }),
    );
  });

  await t.step("a scripted invalid_grant echoing the token: redacted", async () => {
    sim.fault({
      endpoint: "token",
      oauthError: "invalid_grant",
      description: `Refresh token ${tokens.refreshToken} is invalid`,
    });
    await assert.rejects(
      sso.refresh(tokens.refreshToken),
      ssoError("invalid_grant", (e) => {
        assert.equal(
          e.message,
          "Cannot refresh the token: invalid_grant (Refresh token [redacted] is invalid)",
        );
        assert.equal(e.oauthErrorDescription, "Refresh token [redacted] is invalid");
      }),
    );
  });

  await t.step("malformed JSON with 200", async () => {
    sim.fault({ endpoint: "token", body: '{"access_token": "x", ' });
    await assert.rejects(sso.refresh(tokens.refreshToken), /the SSO's answer is not a JSON object/);
  });

  const answers: [string, string, RegExp][] = [
    [
      "no access_token",
      '{"token_type":"Bearer","expires_in":1199,"refresh_token":"r"}',
      /lacks "access_token"/,
    ],
    [
      "no expires_in",
      '{"access_token":"a","token_type":"Bearer","refresh_token":"r"}',
      /lacks a positive "expires_in"/,
    ],
    [
      "a token_type other than Bearer",
      '{"access_token":"a","token_type":"MAC","expires_in":1,"refresh_token":"r"}',
      /"token_type" of "Bearer"/,
    ],
  ];
  for (const [name, body, message] of answers) {
    await t.step(`an answer with ${name}`, async () => {
      sim.fault({ endpoint: "token", body });
      await assert.rejects(sso.refresh(tokens.refreshToken), message);
    });
  }

  await t.step("a code exchange answered without refresh_token", async () => {
    sim.fault({
      endpoint: "token",
      body: '{"access_token":"a","token_type":"Bearer","expires_in":1199}',
    });
    await assert.rejects(sso.exchangeCode("code"), /lacks "refresh_token"/);
  });

  await t.step("a refresh answered without refresh_token keeps the old one", async () => {
    sim.fault({
      endpoint: "token",
      body: '{"access_token":"a","token_type":"bearer","expires_in":1199}',
    });
    const answer = await sso.refresh("kept-refresh-token");
    assert.equal(answer.refreshToken, "kept-refresh-token");
  });
});

Deno.test("a slow SSO times out on the injected clock", async () => {
  await using rig = await startSso({ sso: { timeoutMs: 10_000 } });
  const { sim, sso, clock } = rig;
  const tokens = await sim.issueTokens({ clientId: PUBLIC_CLIENT });
  await sso.metadata();
  sim.fault({ endpoint: "token", delayMs: 30_000 });
  const pending = sso.refresh(tokens.refreshToken);
  const rejected = assert.rejects(pending, (err: unknown) => {
    assert.ok(err instanceof EsiTimeoutError);
    assert.equal(err.timeoutMs, 10_000);
    return true;
  });
  await until(() => clock.pending === 2); // the client's timeout and the simulator's delay
  await clock.advance(10_000);
  await rejected;
  await clock.advance(20_000); // let the simulator's handler finish
});

Deno.test("a slow answer inside the timeout is waited for", async () => {
  await using rig = await startSso({ sso: { timeoutMs: 10_000 } });
  const { sim, sso, clock } = rig;
  const tokens = await sim.issueTokens({ clientId: PUBLIC_CLIENT });
  await sso.metadata();
  sim.fault({ endpoint: "token", delayMs: 5_000 });
  const pending = sso.refresh(tokens.refreshToken);
  await until(() => clock.pending === 2); // the client's timeout and the simulator's delay
  await clock.advance(5_000);
  assert.ok((await pending).accessToken);
});

Deno.test("timeoutMs 0 sets no timer at all", async () => {
  await using rig = await startSso({ sso: { timeoutMs: 0 } });
  const tokens = await rig.sim.issueTokens({ clientId: PUBLIC_CLIENT });
  assert.ok((await rig.sso.refresh(tokens.refreshToken)).accessToken);
  assert.equal(rig.clock.sleeps.length, 0);
});

Deno.test("an aborted call rejects with EsiAbortError", async () => {
  await using rig = await startSso();
  await rig.sso.metadata();
  const controller = new AbortController();
  controller.abort(new Error("user left"));
  await assert.rejects(
    rig.sso.refresh("x", { signal: controller.signal }),
    (err: unknown) => err instanceof EsiAbortError,
  );
});

Deno.test("the User-Agent is sent on every SSO call", async () => {
  await using rig = await startSso({ sso: { userAgent: "MyApp/1.0 (me@example.com)" } });
  const tokens = await rig.sim.issueTokens({ clientId: PUBLIC_CLIENT });
  await rig.sso.verifyAccessToken((await rig.sso.refresh(tokens.refreshToken)).accessToken);
  assert.ok(rig.sim.requests.length >= 3);
  for (const r of rig.sim.requests) assert.equal(r.userAgent, "MyApp/1.0 (me@example.com)");
});

Deno.test("the simulator's authorize refuses unknown clients, foreign callbacks, and missing state", async () => {
  await using rig = await startSso();
  const base = `${rig.sim.url}/v2/oauth/authorize`;
  const go = async (q: Record<string, string>) => {
    const res = await fetch(`${base}?${new URLSearchParams(q)}`, { redirect: "manual" });
    await res.body?.cancel();
    return res;
  };
  const good = {
    response_type: "code",
    client_id: PUBLIC_CLIENT,
    redirect_uri: REDIRECT_URI,
    scope: "",
    state: "s",
    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    code_challenge_method: "S256",
  };
  assert.equal((await go({ ...good, client_id: "nobody" })).status, 400);
  assert.equal((await go({ ...good, redirect_uri: `${REDIRECT_URI}/x` })).status, 400);
  const noState = await go({ ...good, state: "" });
  assert.equal(
    new URL(noState.headers.get("location")!).searchParams.get("error"),
    "invalid_request",
  );
  const token = await go({ ...good, response_type: "token" });
  assert.equal(
    new URL(token.headers.get("location")!).searchParams.get("error"),
    "unsupported_response_type",
  );
  const { code_challenge: _, ...noPkce } = good;
  const plain = await go(noPkce);
  assert.equal(
    new URL(plain.headers.get("location")!).searchParams.get("error"),
    "invalid_request",
  );
});

Deno.test("the simulator's verifyToken accepts its tokens and refuses others", async () => {
  await using rig = await startSso();
  const jwt = await rig.sim.mintAccessToken({ scopes: ["esi-skills.read_skills.v1"] });
  assert.deepEqual(await rig.sim.verifyToken(jwt), {
    characterId: CHARACTER_ID,
    scopes: ["esi-skills.read_skills.v1"],
  });
  assert.equal(await rig.sim.verifyToken(jwt.slice(0, -4) + "AAAA"), undefined);
  await rig.clock.advance(1_201_000);
  assert.equal(await rig.sim.verifyToken(jwt), undefined);
});

Deno.test("the simulator's handler answers without a server, through an injected fetch", async () => {
  const clock = new FakeClock();
  const sim = await SsoSimulator.create({
    clock,
    clients: [{ clientId: PUBLIC_CLIENT, redirectUris: [REDIRECT_URI] }],
  });
  const sso = new EveSso({
    clientId: PUBLIC_CLIENT,
    redirectUri: REDIRECT_URI,
    metadataUrl: "https://sso.invalid/.well-known/oauth-authorization-server",
    clock,
    fetch: (input, init) => sim.handler(new Request(input, init)),
  });
  const tokens = await sim.issueTokens({
    clientId: PUBLIC_CLIENT,
    scopes: ["esi-skills.read_skills.v1"],
  });
  const next = await sso.refresh(tokens.refreshToken);
  const who = await sso.verifyAccessToken(next.accessToken);
  assert.deepEqual(who.scopes, ["esi-skills.read_skills.v1"]);
  assert.equal((await sso.metadata()).tokenEndpoint, "https://sso.invalid/v2/oauth/token");
  assert.equal(sim.counters.jwksRequests, 1);
});
