/**
 * Interoperability with a third-party OAuth 2 server: `oauth2-mock-server`
 * (npm), started on 127.0.0.1, laid out like EVE SSO (same paths, RFC 8414
 * metadata) and made to sign EVE-shaped access tokens through its
 * `beforeTokenSigning` hook, with an RS256 or an ES256 key.
 *
 * The mock signs with the real clock, so these tests use the system clock;
 * nothing here waits for time to pass.
 */

import assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { OAuth2Server } from "oauth2-mock-server";
import { EveSso } from "../../src/sso/eve_sso.ts";
import { EsiSsoError, EsiTokenRevokedError } from "../../src/sso/errors.ts";
import { TokenManager } from "../../src/sso/token_manager.ts";

const PUBLIC_CLIENT = "interop-public-client";
const CONFIDENTIAL_CLIENT = "interop-confidential-client";
const SECRET = "interop-secret-value";
const REDIRECT_URI = "http://127.0.0.1:9/callback";
const CHARACTER_ID = 2112625428;
const SCOPES = ["esi-skills.read_skills.v1", "esi-assets.read_assets.v1"];

interface Mock extends AsyncDisposable {
  server: OAuth2Server;
  origin: string;
  metadataUrl: string;
}

/**
 * Starts the mock with EVE's endpoint paths. `eveIssuer`: sign `iss` as EVE
 * does; otherwise the mock keeps its own URL as issuer.
 */
async function startMock(
  options: { eveIssuer: boolean; scopes?: string | string[]; alg?: "RS256" | "ES256" },
): Promise<Mock> {
  const server = new OAuth2Server(undefined, undefined, {
    endpoints: {
      wellKnownDocument: "/.well-known/oauth-authorization-server",
      authorize: "/v2/oauth/authorize",
      token: "/v2/oauth/token",
      revoke: "/v2/oauth/revoke",
      jwks: "/oauth/jwks",
    },
  });
  await server.issuer.keys.generate(options.alg ?? "RS256");
  await server.start(0, "127.0.0.1");
  // The mock names itself "localhost"; keep every request on 127.0.0.1.
  const origin = `http://127.0.0.1:${server.address().port}`;
  server.issuer.url = origin;

  server.service.on("beforeTokenSigning", (token, req) => {
    const basic = req.headers.authorization?.match(/^Basic (.+)$/)?.[1];
    const clientId = basic ? atob(basic).split(":")[0] : String(req.body.client_id);
    const asked = typeof req.body.scope === "string" ? req.body.scope.split(" ") : undefined;
    const p = token.payload;
    delete p.scope;
    delete p.amr;
    Object.assign(p, {
      scp: asked ?? options.scopes ?? SCOPES,
      jti: crypto.randomUUID(),
      kid: token.header.kid,
      sub: `CHARACTER:EVE:${CHARACTER_ID}`,
      azp: clientId,
      tenant: "tranquility",
      tier: "live",
      region: "world",
      aud: [clientId, "EVE Online"],
      name: "Some Bloke",
      owner: "8PmzCeTKb4VFUDrHLc/AeZXDSWM=",
      ...(options.eveIssuer ? { iss: "https://login.eveonline.com" } : {}),
    });
  });

  return {
    server,
    origin,
    metadataUrl: `${origin}/.well-known/oauth-authorization-server`,
    [Symbol.asyncDispose]: () => server.stop(),
  };
}

/** Runs the browser leg against the mock's auto-approving authorize endpoint. */
async function browse(url: string, state: string): Promise<string> {
  const response = await fetch(url, { redirect: "manual" });
  await response.body?.cancel();
  assert.equal(response.status, 302);
  const back = new URL(response.headers.get("location")!);
  assert.equal(back.origin + back.pathname, REDIRECT_URI);
  assert.equal(back.searchParams.get("state"), state);
  return back.searchParams.get("code")!;
}

for (const alg of ["RS256", "ES256"] as const) {
  Deno.test(`interop: a public client logs in with PKCE, refreshes and verifies ${alg} tokens from oauth2-mock-server`, async () => {
    await using mock = await startMock({ eveIssuer: true, alg });
    const sso = new EveSso({
      clientId: PUBLIC_CLIENT,
      redirectUri: REDIRECT_URI,
      metadataUrl: mock.metadataUrl,
    });
    const metadata = await sso.metadata();
    assert.equal(metadata.tokenEndpoint, `${mock.origin}/v2/oauth/token`);
    assert.ok(metadata.codeChallengeMethods.includes("S256"));

    const { url, state, codeVerifier } = await sso.authorize({ scopes: SCOPES });
    const code = await browse(url, state);
    const tokens = await sso.exchangeCode(code, { codeVerifier });
    assert.equal(decodeProtectedHeader(tokens.accessToken).alg, alg);

    const who = await sso.verifyAccessToken(tokens.accessToken);
    assert.equal(who.characterId, CHARACTER_ID);
    assert.equal(who.clientId, PUBLIC_CLIENT);
    assert.equal(who.issuer, "https://login.eveonline.com");
    assert.deepEqual(who.scopes, SCOPES);

    let refreshToken = tokens.refreshToken;
    for (let i = 0; i < 3; i++) {
      const next = await sso.refresh(refreshToken);
      assert.notEqual(next.refreshToken, refreshToken);
      refreshToken = next.refreshToken;
      assert.equal((await sso.verifyAccessToken(next.accessToken)).characterId, CHARACTER_ID);
    }
    const narrowed = await sso.refresh(refreshToken, { scopes: ["esi-skills.read_skills.v1"] });
    assert.deepEqual((await sso.verifyAccessToken(narrowed.accessToken)).scopes, [
      "esi-skills.read_skills.v1",
    ]);
    await sso.revoke(narrowed.refreshToken);
  });
}

Deno.test("interop: a confidential client authenticates with Basic auth", async () => {
  await using mock = await startMock({ eveIssuer: true, scopes: "esi-skills.read_skills.v1" });
  const sso = new EveSso({
    clientId: CONFIDENTIAL_CLIENT,
    clientSecret: SECRET,
    redirectUri: REDIRECT_URI,
    metadataUrl: mock.metadataUrl,
  });
  const { url, state, codeVerifier } = await sso.authorize({
    scopes: ["esi-skills.read_skills.v1"],
  });
  const tokens = await sso.exchangeCode(await browse(url, state), { codeVerifier });
  assert.deepEqual(decodeJwt(tokens.accessToken).aud, [CONFIDENTIAL_CLIENT, "EVE Online"]);
  const who = await sso.verifyAccessToken(tokens.accessToken);
  assert.equal(who.clientId, CONFIDENTIAL_CLIENT);
  assert.deepEqual(who.scopes, ["esi-skills.read_skills.v1"], "a lone scp string");
  await sso.revoke(tokens.refreshToken);
});

Deno.test("interop: the mock's own issuer is refused by default and accepted when configured", async () => {
  await using mock = await startMock({ eveIssuer: false });
  const configure = (issuers?: string[]) =>
    new EveSso({
      clientId: PUBLIC_CLIENT,
      redirectUri: REDIRECT_URI,
      metadataUrl: mock.metadataUrl,
      issuers,
    });
  const sso = configure();
  const { url, state, codeVerifier } = await sso.authorize({ scopes: SCOPES });
  const tokens = await sso.exchangeCode(await browse(url, state), { codeVerifier });
  await assert.rejects(sso.verifyAccessToken(tokens.accessToken), /issuer "http:\/\/127\.0\.0\.1:/);
  const who = await configure([mock.origin]).verifyAccessToken(tokens.accessToken);
  assert.equal(who.issuer, mock.origin);
});

Deno.test("interop: the mock refuses a wrong PKCE verifier, and its OAuth errors are typed", async () => {
  await using mock = await startMock({ eveIssuer: true });
  const sso = new EveSso({
    clientId: PUBLIC_CLIENT,
    redirectUri: REDIRECT_URI,
    metadataUrl: mock.metadataUrl,
  });
  const { url, state } = await sso.authorize({ scopes: SCOPES });
  const other = await sso.authorize({ scopes: SCOPES });
  await assert.rejects(
    sso.exchangeCode(await browse(url, state), { codeVerifier: other.codeVerifier }),
    (err: unknown) =>
      err instanceof EsiSsoError && err.oauthError === "invalid_request" &&
      /code_verifier provided does not match code_challenge/.test(err.message),
  );
});

Deno.test("interop: a TokenManager over the mock refreshes, and invalid_grant revokes", async () => {
  await using mock = await startMock({ eveIssuer: true });
  const sso = new EveSso({
    clientId: PUBLIC_CLIENT,
    redirectUri: REDIRECT_URI,
    metadataUrl: mock.metadataUrl,
  });
  const manager = new TokenManager({ sso });
  const { url, state, codeVerifier } = await sso.authorize({ scopes: SCOPES });
  const first = await sso.exchangeCode(await browse(url, state), { codeVerifier });
  await manager.add(first);

  let refreshes = 0;
  mock.server.service.on("beforeResponse", (_response, req) => {
    if (req.body.grant_type === "refresh_token") refreshes++;
  });
  const tokens = await Promise.all(
    Array.from({ length: 20 }, () => manager.accessToken(CHARACTER_ID, { forceRefresh: true })),
  );
  assert.equal(new Set(tokens).size, 1);
  assert.equal(refreshes, 1);
  assert.notEqual((await manager.get(CHARACTER_ID))!.refreshToken, first.refreshToken);

  mock.server.service.once("beforeResponse", (response) => {
    response.statusCode = 400;
    response.body = { error: "invalid_grant", error_description: "Token revoked" };
  });
  await manager.delete(CHARACTER_ID);
  await manager.add(first);
  await assert.rejects(
    manager.accessToken(CHARACTER_ID, { forceRefresh: true }),
    (err: unknown) =>
      err instanceof EsiTokenRevokedError && /invalid_grant \(Token revoked\)/.test(err.message),
  );
});
