import assert from "node:assert/strict";
import {
  EsiClient,
  EsiClientError,
  EsiScopeError,
  type RequestEvent,
  type ResponseEvent,
} from "../mod.ts";
import { EveSso } from "../src/sso/eve_sso.ts";
import { TokenManager } from "../src/sso/token_manager.ts";
import { EsiSimulator, FakeClock, SsoSimulator } from "../src/testing/mod.ts";
import { serve } from "../src/testing/deno.ts";

const clientId = "esikit-app";
const redirectUri = "http://127.0.0.1/callback";
const assetsScope = "esi-assets.read_assets.v1";
const alice = { characterId: 2112625428, name: "Alice" };
const bob = { characterId: 95465499, name: "Bob" };

async function withWorld(
  test: (w: {
    esi: EsiClient;
    esiSim: EsiSimulator;
    sso: SsoSimulator;
    tokens: TokenManager;
    clock: FakeClock;
    events: { request: RequestEvent[]; response: ResponseEvent[] };
  }) => Promise<void>,
): Promise<void> {
  const clock = new FakeClock();
  const sso = await serve(
    await SsoSimulator.create({
      clients: [{ clientId, redirectUris: [redirectUri] }],
      clock,
    }),
  );
  const esiSim = new EsiSimulator({ clock, verifyToken: sso.verifyToken });
  await serve(esiSim);
  try {
    const eve = new EveSso({
      clientId,
      redirectUri,
      metadataUrl: sso.metadataUrl,
      clock,
      timeoutMs: 0,
    });
    const tokens = new TokenManager({ sso: eve, clock });
    const events = { request: [] as RequestEvent[], response: [] as ResponseEvent[] };
    const esi = new EsiClient({
      userAgent: "esikit-tests/1.0",
      baseUrl: esiSim.url,
      clock,
      hooks: {
        request: [(e) => void events.request.push(e)],
        response: [(e) => void events.response.push(e)],
      },
    });
    await test({ esi, esiSim, sso, tokens, clock, events });
  } finally {
    await esiSim.close();
    await sso.close();
  }
}

Deno.test("one character's cached data is never served to another", () =>
  withWorld(async ({ esi, esiSim, sso }) => {
    const aliceToken =
      (await sso.issueTokens({ clientId, character: alice, scopes: [assetsScope] }))
        .accessToken;
    const bobToken = (await sso.issueTokens({ clientId, character: bob, scopes: [assetsScope] }))
      .accessToken;
    const path = { character_id: alice.characterId };
    const mine = await esi.withToken(aliceToken).request(
      "GET",
      "/characters/{character_id}/assets",
      {
        path,
      },
    );
    assert.equal(mine.status, 200);
    // Bob asks for the same URL: not a cache hit, ESI decides (and refuses).
    await assert.rejects(
      esi.withToken(bobToken).get("/characters/{character_id}/assets", { path }),
      (err: unknown) => err instanceof EsiClientError && err.status === 403,
    );
    assert.equal(esiSim.requests.length, 2);
    // Alice again: a hit.
    const again = await esi.withToken(aliceToken).request(
      "GET",
      "/characters/{character_id}/assets",
      {
        path,
      },
    );
    assert.equal(again.meta.cache, "hit");
  }));

Deno.test("a token lacking the route's scope is refused before anything is sent", () =>
  withWorld(async ({ esi, esiSim, sso }) => {
    const token = (await sso.issueTokens({
      clientId,
      character: alice,
      scopes: ["esi-skills.read_skills.v1"],
    })).accessToken;
    await assert.rejects(
      esi.withToken(token).get("/characters/{character_id}/assets", {
        path: { character_id: alice.characterId },
      }),
      (err: unknown) => {
        assert.ok(err instanceof EsiScopeError);
        assert.deepEqual(err.missing, [assetsScope]);
        assert.match(err.message, /lacks scope "esi-assets\.read_assets\.v1"/);
        return true;
      },
    );
    assert.equal(esiSim.requests.length, 0);
  }));

Deno.test("public routes are called without the token, so their entries are shared", () =>
  withWorld(async ({ esi, esiSim, sso }) => {
    const token = (await sso.issueTokens({ clientId, character: alice, scopes: [assetsScope] }))
      .accessToken;
    await esi.withToken(token).get("/status");
    assert.equal(esiSim.requests[0].headers.authorization, undefined);
    assert.equal((await esi.request("GET", "/status")).meta.cache, "hit");
  }));

Deno.test("a 401 makes the token source refresh once and the call retry once", () =>
  withWorld(async ({ esi, esiSim, sso, tokens, clock, events }) => {
    await tokens.add(await sso.issueTokens({ clientId, character: alice, scopes: [assetsScope] }));
    const me = esi.withToken(tokens.source(alice.characterId));
    // The SSO rotates its keys: ESI refuses the current token, which still looks valid locally.
    await sso.rotateKeys({ keepPrevious: false });
    await clock.advance(61_000); // past the JWKS refetch cooldown, well inside the token's life
    const res = await me.request("GET", "/characters/{character_id}/assets", {
      path: { character_id: alice.characterId },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(esiSim.requests.map((r) => r.status), [401, 200]);
    assert.equal(sso.counters.tokenRequestsByGrant.refresh_token, 1);
    // No token in any hook payload.
    const payloads = JSON.stringify([events.request, events.response]);
    assert.doesNotMatch(payloads, /eyJ/);
  }));
