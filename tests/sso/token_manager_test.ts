import assert from "node:assert/strict";
import type { TokenRefreshEvent } from "../../src/observe/hooks.ts";
import { EncryptedTokenStore } from "../../src/sso/encrypted_token_store.ts";
import { EsiSsoError, EsiTokenInvalidError, EsiTokenRevokedError } from "../../src/sso/errors.ts";
import { TokenManager, type TokenManagerOptions } from "../../src/sso/token_manager.ts";
import { MemoryTokenStore } from "../../src/sso/token_store.ts";
import {
  CHARACTER_ID,
  login,
  PUBLIC_CLIENT,
  type SsoRig,
  startSso,
} from "../support/sso_harness.ts";
import { until } from "../support/until.ts";

const SCOPES = ["esi-skills.read_skills.v1", "esi-assets.read_assets.v1"];

async function managed(rig: SsoRig, options: Partial<TokenManagerOptions> = {}) {
  const events: TokenRefreshEvent[] = [];
  const store = new MemoryTokenStore();
  const manager = new TokenManager({
    sso: rig.sso,
    clock: rig.clock,
    store,
    onTokenRefresh: [(e) => void events.push(e)],
    ...options,
  });
  const first = await rig.sim.issueTokens({ clientId: PUBLIC_CLIENT, scopes: SCOPES });
  await manager.add(first);
  return { manager, events, store, first };
}

Deno.test("100 parallel callers of an expiring token cause exactly one refresh request", async () => {
  await using rig = await startSso();
  const { manager, events, store, first } = await managed(rig);
  await rig.clock.advance(1_150_000); // 49 s before expiry: inside the 60 s margin

  const source = manager.source(CHARACTER_ID);
  const tokens = await Promise.all(Array.from({ length: 100 }, () => source.accessToken()));

  assert.equal(rig.sim.counters.tokenRequestsByGrant.refresh_token, 1);
  assert.equal(new Set(tokens).size, 1);
  assert.notEqual(tokens[0], first.accessToken);
  assert.deepEqual(events, [{ characterId: CHARACTER_ID, outcome: "success" }]);

  const stored = (await store.get(CHARACTER_ID))!;
  assert.equal(stored.accessToken, tokens[0]);
  assert.notEqual(stored.refreshToken, first.refreshToken, "the rotated refresh token is stored");
  assert.equal(rig.sim.isRefreshTokenValid(stored.refreshToken), true);
  assert.equal(rig.sim.isRefreshTokenValid(first.refreshToken), false);
  assert.equal(stored.expiresAt, rig.clock.now() + 1_199_000);
  assert.deepEqual(stored.scopes, SCOPES);

  assert.equal(await source.accessToken(), tokens[0]);
  assert.equal(rig.sim.counters.tokenRequestsByGrant.refresh_token, 1);
});

Deno.test("100 parallel callers share one slow refresh too", async () => {
  await using rig = await startSso();
  const { manager } = await managed(rig);
  await rig.clock.advance(1_190_000);
  rig.sim.fault({ endpoint: "token", grantType: "refresh_token", delayMs: 2_000 });
  const all = Promise.all(Array.from({ length: 100 }, () => manager.accessToken(CHARACTER_ID)));
  await until(() => rig.sim.counters.tokenRequests > 0 && rig.clock.pending === 2);
  await rig.clock.advance(2_000);
  assert.equal(new Set(await all).size, 1);
  assert.equal(rig.sim.counters.tokenRequestsByGrant.refresh_token, 1);
});

Deno.test("a token far from expiry is handed out without asking the SSO", async () => {
  await using rig = await startSso();
  const { manager, first } = await managed(rig);
  await rig.clock.advance(1_000_000);
  assert.equal(await manager.accessToken(CHARACTER_ID), first.accessToken);
  assert.equal(rig.sim.counters.tokenRequests, 0);
});

Deno.test("the refresh margin is configurable", async () => {
  await using rig = await startSso();
  const { manager, first } = await managed(rig, { refreshBeforeExpiryMs: 300_000 });
  await rig.clock.advance(1_000_000);
  assert.notEqual(await manager.accessToken(CHARACTER_ID), first.accessToken);
});

Deno.test("invalid_grant marks the character revoked; later calls fail fast without the SSO", async () => {
  await using rig = await startSso();
  const { manager, events, store } = await managed(rig);
  rig.sim.revokeCharacter(CHARACTER_ID);
  await rig.clock.advance(1_200_000);

  await assert.rejects(manager.accessToken(CHARACTER_ID), (err: unknown) => {
    assert.ok(err instanceof EsiTokenRevokedError);
    assert.equal(err.code, "ERR_TOKEN_REVOKED");
    assert.equal(err.characterId, CHARACTER_ID);
    assert.equal(
      err.message,
      `Cannot refresh token for character "${CHARACTER_ID}": invalid_grant (Invalid refresh token. Token missing/expired.); the character must log in again`,
    );
    assert.ok(err.cause instanceof EsiSsoError);
    return true;
  });
  assert.deepEqual(events, [{ characterId: CHARACTER_ID, outcome: "revoked" }]);
  assert.equal((await store.get(CHARACTER_ID))!.revoked, true);
  const requests = rig.sim.counters.tokenRequests;

  for (let i = 0; i < 5; i++) {
    await assert.rejects(manager.accessToken(CHARACTER_ID), EsiTokenRevokedError);
  }
  await assert.rejects(manager.identity(CHARACTER_ID), EsiTokenRevokedError);
  await assert.rejects(
    manager.accessToken(CHARACTER_ID, { forceRefresh: true }),
    EsiTokenRevokedError,
  );
  assert.equal(rig.sim.counters.tokenRequests, requests, "no SSO call after the revocation");
  assert.equal(events.length, 1);
});

Deno.test("a new login replaces a revoked record", async () => {
  await using rig = await startSso();
  const { manager } = await managed(rig);
  rig.sim.revokeCharacter(CHARACTER_ID);
  await rig.clock.advance(1_200_000);
  await assert.rejects(manager.accessToken(CHARACTER_ID), EsiTokenRevokedError);
  const { code, codeVerifier } = await login(rig.sso, SCOPES);
  const who = await manager.add(await rig.sso.exchangeCode(code, { codeVerifier }));
  assert.equal(who.characterId, CHARACTER_ID);
  assert.ok(await manager.accessToken(CHARACTER_ID));
});

Deno.test("a failed refresh is reported, keeps the grant, and is retried on the next call", async () => {
  await using rig = await startSso();
  const { manager, events, store } = await managed(rig);
  await rig.clock.advance(1_180_000);
  rig.sim.fault({ endpoint: "token", status: 502 });
  await assert.rejects(manager.accessToken(CHARACTER_ID), (err: unknown) => {
    assert.ok(err instanceof EsiSsoError);
    assert.equal(err.status, 502);
    assert.equal(
      err.message,
      `Cannot refresh token for character "${CHARACTER_ID}": the SSO answered 502`,
    );
    return true;
  });
  assert.deepEqual(events, [{ characterId: CHARACTER_ID, outcome: "failure" }]);
  assert.equal((await store.get(CHARACTER_ID))!.revoked, undefined);
  assert.ok(await manager.accessToken(CHARACTER_ID));
  assert.deepEqual(events.map((e) => e.outcome), ["failure", "success"]);
});

Deno.test("forceRefresh refreshes a valid token once, however many callers force it", async () => {
  await using rig = await startSso();
  const { manager, first } = await managed(rig);
  const source = manager.source(CHARACTER_ID);
  const forced = await Promise.all(
    Array.from({ length: 10 }, () => source.accessToken({ forceRefresh: true })),
  );
  assert.equal(new Set(forced).size, 1);
  assert.notEqual(forced[0], first.accessToken);
  assert.equal(rig.sim.counters.tokenRequestsByGrant.refresh_token, 1);

  // A late 401 of the same wave: the refresh that just happened answers it.
  await rig.clock.advance(1_000);
  assert.equal(await source.accessToken({ forceRefresh: true }), forced[0]);
  assert.equal(rig.sim.counters.tokenRequestsByGrant.refresh_token, 1);

  await rig.clock.advance(10_000);
  assert.notEqual(await source.accessToken({ forceRefresh: true }), forced[0]);
  assert.equal(rig.sim.counters.tokenRequestsByGrant.refresh_token, 2);
});

Deno.test("a caller that gives up does not cancel the shared refresh", async () => {
  await using rig = await startSso();
  const { manager } = await managed(rig);
  await rig.clock.advance(1_190_000);
  rig.sim.fault({ endpoint: "token", delayMs: 1_000 });
  const controller = new AbortController();
  const impatient = manager.accessToken(CHARACTER_ID, { signal: controller.signal });
  const patient = manager.accessToken(CHARACTER_ID);
  await until(() => rig.sim.counters.tokenRequests > 0 && rig.clock.pending === 2);
  controller.abort(new Error("client went away"));
  await assert.rejects(impatient, /client went away/);
  await rig.clock.advance(1_000);
  assert.ok(await patient);
  assert.equal(rig.sim.counters.tokenRequestsByGrant.refresh_token, 1);
});

Deno.test("identity comes from the verified claims", async () => {
  await using rig = await startSso();
  const { manager } = await managed(rig);
  assert.deepEqual(await manager.source(CHARACTER_ID).identity(), {
    characterId: CHARACTER_ID,
    scopes: SCOPES,
  });
});

Deno.test("an unknown character: a clear error, no SSO call", async () => {
  await using rig = await startSso();
  const manager = new TokenManager({ sso: rig.sso, clock: rig.clock });
  for (const call of [() => manager.accessToken(1), () => manager.identity(1)]) {
    await assert.rejects(call(), (err: unknown) => {
      assert.ok(err instanceof EsiTokenInvalidError);
      assert.equal(err.reason, "missing");
      assert.equal(
        err.message,
        'Cannot get a token for character "1": none is stored; the character must log in',
      );
      return true;
    });
  }
  assert.equal(rig.sim.requests.length, 0);
});

Deno.test("add verifies before storing: a hostile token stores nothing", async () => {
  await using rig = await startSso();
  const manager = new TokenManager({ sso: rig.sso, clock: rig.clock });
  const tokens = await rig.sim.issueTokens({ clientId: PUBLIC_CLIENT });
  const forged = await rig.sim.mintAccessToken({ clientId: "another-app" });
  await assert.rejects(manager.add({ ...tokens, accessToken: forged }), EsiTokenInvalidError);
  assert.equal(await manager.get(CHARACTER_ID), undefined);
});

Deno.test("a refreshed token for another character is refused, and the rotated refresh token kept", async () => {
  await using rig = await startSso();
  const events: TokenRefreshEvent[] = [];
  let issued = "";
  const manager = new TokenManager({
    clock: rig.clock,
    onTokenRefresh: [(e) => void events.push(e)],
    sso: {
      refresh: async () => {
        issued = `rotated-${crypto.randomUUID()}`;
        return {
          accessToken: await rig.sim.mintAccessToken({
            clientId: PUBLIC_CLIENT,
            characterId: 90000001,
          }),
          refreshToken: issued,
          tokenType: "Bearer",
          expiresIn: 1199,
          expiresAt: rig.clock.now() + 1_199_000,
        };
      },
      verifyAccessToken: (jwt) => rig.sso.verifyAccessToken(jwt),
      revoke: () => Promise.resolve(),
    },
  });
  await manager.add(await rig.sim.issueTokens({ clientId: PUBLIC_CLIENT }));
  await assert.rejects(
    manager.accessToken(CHARACTER_ID, { forceRefresh: true }),
    (err: unknown) =>
      err instanceof EsiTokenInvalidError && err.reason === "subject" &&
      err.message.includes('is for character "90000001"'),
  );
  assert.equal((await manager.get(CHARACTER_ID))!.refreshToken, issued);
  assert.deepEqual(events, [{ characterId: CHARACTER_ID, outcome: "failure" }]);
});

Deno.test("revoke revokes at the SSO and forgets the character", async () => {
  await using rig = await startSso();
  const { manager, first } = await managed(rig);
  await manager.revoke(CHARACTER_ID);
  assert.equal(rig.sim.counters.revokeRequests, 1);
  assert.equal(rig.sim.isRefreshTokenValid(first.refreshToken), false);
  assert.equal(await manager.get(CHARACTER_ID), undefined);
});

Deno.test("the manager works over an encrypted store", async () => {
  await using rig = await startSso();
  const store = new EncryptedTokenStore({ key: crypto.getRandomValues(new Uint8Array(32)) });
  const { manager } = await managed(rig, { store });
  await rig.clock.advance(1_190_000);
  const token = await manager.accessToken(CHARACTER_ID);
  assert.equal((await store.get(CHARACTER_ID))!.accessToken, token);
  assert.equal(rig.sim.counters.tokenRequestsByGrant.refresh_token, 1);
});

Deno.test("a refresh beaten by another process sharing the store takes its result, not a revocation", async () => {
  await using rig = await startSso();
  const { manager: first, store, events } = await managed(rig);
  const second = new TokenManager({ sso: rig.sso, clock: rig.clock, store });
  await rig.clock.advance(1_190_000);

  rig.sim.fault({ endpoint: "token", delayMs: 1_000 }); // the first process's refresh is slow
  const slow = first.accessToken(CHARACTER_ID);
  await until(() => rig.sim.counters.tokenRequests === 1 && rig.clock.pending === 2);
  const fast = await second.accessToken(CHARACTER_ID); // rotates the refresh token first
  await rig.clock.advance(1_000); // the slow refresh now meets a spent token: invalid_grant

  assert.equal(await slow, fast);
  assert.equal((await store.get(CHARACTER_ID))!.revoked, undefined);
  assert.equal(rig.sim.isRefreshTokenValid((await store.get(CHARACTER_ID))!.refreshToken), true);
  assert.deepEqual(events, []);
});

Deno.test("a refresh beaten by another process is not a revocation when the SSO does not rotate", async () => {
  await using rig = await startSso({ simulator: { rotateRefreshTokens: false } });
  const { manager: first, store, events } = await managed(rig);
  const second = new TokenManager({ sso: rig.sso, clock: rig.clock, store });
  await rig.clock.advance(1_190_000);

  // The first process's refresh is slow and then refused; the second's goes through meanwhile.
  rig.sim.fault({
    endpoint: "token",
    grantType: "refresh_token",
    oauthError: "invalid_grant",
    delayMs: 1_000,
  });
  const slow = first.accessToken(CHARACTER_ID);
  await until(() => rig.sim.counters.tokenRequests === 1 && rig.clock.pending === 2);
  const fast = await second.accessToken(CHARACTER_ID);
  await rig.clock.advance(1_000);

  assert.equal(await slow, fast);
  const stored = (await store.get(CHARACTER_ID))!;
  assert.equal(stored.revoked, undefined);
  assert.equal(stored.accessToken, fast);
  assert.equal(await second.accessToken(CHARACTER_ID), fast);
  assert.deepEqual(events, []);
});
