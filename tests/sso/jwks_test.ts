import assert from "node:assert/strict";
import { MemoryCache } from "../../src/cache/memory.ts";
import { EveSso } from "../../src/sso/eve_sso.ts";
import { EsiSsoError, EsiTokenInvalidError } from "../../src/sso/errors.ts";
import { JwksCache } from "../../src/sso/jwks.ts";
import { verifyAccessToken } from "../../src/sso/verify.ts";
import { CHARACTER_ID, PUBLIC_CLIENT, REDIRECT_URI, startSso } from "../support/sso_harness.ts";

const isReason = (reason: string) => (err: unknown) =>
  err instanceof EsiTokenInvalidError && err.reason === reason;

Deno.test("a flood of unknown kids causes at most one JWKS refetch per cooldown", async () => {
  await using rig = await startSso();
  const { sim, sso, clock } = rig;
  await sso.verifyAccessToken(await sim.mintAccessToken({ clientId: PUBLIC_CLIENT }));
  assert.equal(sim.counters.jwksRequests, 1);

  await clock.advance(61_000); // past the 60 s cooldown
  const bogus = (i: number) => sim.mintAccessToken({ clientId: PUBLIC_CLIENT, kid: `bogus-${i}` });
  const parallel = await Promise.all(Array.from({ length: 50 }, (_, i) => bogus(i)));
  await Promise.all(
    parallel.map((jwt) => assert.rejects(sso.verifyAccessToken(jwt), isReason("unknown_key"))),
  );
  for (let i = 50; i < 100; i++) {
    await assert.rejects(sso.verifyAccessToken(await bogus(i)), isReason("unknown_key"));
  }
  assert.equal(sim.counters.jwksRequests, 2, "one refetch for 100 bogus kids");

  await clock.advance(30_000); // still inside the cooldown
  await assert.rejects(sso.verifyAccessToken(await bogus(100)), isReason("unknown_key"));
  assert.equal(sim.counters.jwksRequests, 2);

  await clock.advance(31_000); // the cooldown is over: one more refetch is allowed
  await assert.rejects(sso.verifyAccessToken(await bogus(101)), isReason("unknown_key"));
  assert.equal(sim.counters.jwksRequests, 3);
});

Deno.test("key rotation: a token of a new key verifies after one refetch; the old key's tokens stop", async () => {
  await using rig = await startSso();
  const { sim, sso, clock } = rig;
  const old = await sim.mintAccessToken({ clientId: PUBLIC_CLIENT });
  await sso.verifyAccessToken(old);

  await clock.advance(61_000);
  await sim.rotateKeys();
  for (const alg of ["RS256", "ES256"] as const) {
    const fresh = await sim.mintAccessToken({ clientId: PUBLIC_CLIENT, alg });
    assert.equal((await sso.verifyAccessToken(fresh)).characterId, CHARACTER_ID);
  }
  assert.equal(sim.counters.jwksRequests, 2);
  await assert.rejects(sso.verifyAccessToken(old), isReason("unknown_key"));
  assert.equal(sim.counters.jwksRequests, 2, "no refetch inside the cooldown");
});

Deno.test("a gentle rotation keeps old tokens valid", async () => {
  await using rig = await startSso();
  const { sim, sso, clock } = rig;
  const old = await sim.mintAccessToken({ clientId: PUBLIC_CLIENT });
  await sso.verifyAccessToken(old);
  await clock.advance(61_000);
  await sim.rotateKeys({ keepPrevious: true });
  await sso.verifyAccessToken(await sim.mintAccessToken({ clientId: PUBLIC_CLIENT }));
  assert.equal((await sso.verifyAccessToken(old)).characterId, CHARACTER_ID);
});

Deno.test("a key rotated in right after an ordinary fetch verifies at once", async () => {
  await using rig = await startSso();
  const { sim, sso } = rig;
  await sso.verifyAccessToken(await sim.mintAccessToken({ clientId: PUBLIC_CLIENT }));
  await sim.rotateKeys();
  const fresh = await sim.mintAccessToken({ clientId: PUBLIC_CLIENT });
  assert.equal((await sso.verifyAccessToken(fresh)).characterId, CHARACTER_ID);
  assert.equal(sim.counters.jwksRequests, 2);
});

Deno.test("the unknown-kid cooldown counts from the last unknown-kid refetch, not from ordinary fetches", async () => {
  await using rig = await startSso();
  const { sim, sso, clock } = rig;
  await sso.verifyAccessToken(await sim.mintAccessToken({ clientId: PUBLIC_CLIENT }));
  await clock.advance(20_000);
  await sim.rotateKeys();
  await sso.verifyAccessToken(await sim.mintAccessToken({ clientId: PUBLIC_CLIENT }));
  assert.equal(sim.counters.jwksRequests, 2, "one refetch for the new kid");

  await clock.advance(30_000);
  await sim.rotateKeys(); // a second rotation inside the refetch's cooldown
  const second = await sim.mintAccessToken({ clientId: PUBLIC_CLIENT, expiresIn: 3600 });
  await assert.rejects(sso.verifyAccessToken(second), isReason("unknown_key"));
  assert.equal(sim.counters.jwksRequests, 2, "throttled: 30 s after the unknown-kid refetch");

  // 20 s + 60 s: 80 s after the first fetch, 60 s after the unknown-kid refetch.
  await clock.advance(30_000);
  assert.equal((await sso.verifyAccessToken(second)).characterId, CHARACTER_ID);
  assert.equal(sim.counters.jwksRequests, 3);
});

Deno.test("an aged JWKS refetched on schedule does not hold back a new kid", async () => {
  await using rig = await startSso();
  const { sim, sso, clock } = rig;
  await sso.verifyAccessToken(await sim.mintAccessToken({ clientId: PUBLIC_CLIENT }));
  await clock.advance(601_000);
  await sso.verifyAccessToken(await sim.mintAccessToken({ clientId: PUBLIC_CLIENT }));
  assert.equal(sim.counters.jwksRequests, 2, "the max-age refetch");
  await sim.rotateKeys();
  const fresh = await sim.mintAccessToken({ clientId: PUBLIC_CLIENT });
  assert.equal((await sso.verifyAccessToken(fresh)).characterId, CHARACTER_ID);
  assert.equal(sim.counters.jwksRequests, 3);
});

Deno.test("a cold cache does not fetch twice for an unknown kid", async () => {
  await using rig = await startSso();
  const { sim, sso } = rig;
  const bogus = await sim.mintAccessToken({ clientId: PUBLIC_CLIENT, kid: "bogus" });
  await assert.rejects(sso.verifyAccessToken(bogus), isReason("unknown_key"));
  assert.equal(sim.counters.jwksRequests, 1);
});

Deno.test("the JWKS is shared through a CacheStore: a second isolate does not fetch it", async () => {
  await using rig = await startSso();
  const { sim, clock } = rig;
  const store = new MemoryCache({ clock });
  const isolate = () =>
    new EveSso({
      clientId: PUBLIC_CLIENT,
      redirectUri: REDIRECT_URI,
      metadataUrl: sim.metadataUrl,
      clock,
      jwksCache: store,
    });
  const jwt = await sim.mintAccessToken({ clientId: PUBLIC_CLIENT });
  await isolate().verifyAccessToken(jwt);
  await isolate().verifyAccessToken(jwt);
  await isolate().verifyAccessToken(jwt);
  assert.equal(sim.counters.jwksRequests, 1);
});

Deno.test("a shared JWKS past its max age is fetched again", async () => {
  await using rig = await startSso();
  const { sim, clock } = rig;
  const store = new MemoryCache({ clock });
  const keys = () =>
    new JwksCache({ jwksUri: `${sim.url}/oauth/jwks`, clock, store, maxAgeMs: 600_000 });
  const jwt = await sim.mintAccessToken({ clientId: PUBLIC_CLIENT, expiresIn: 3600 });
  const verify = (cache: JwksCache) =>
    verifyAccessToken(jwt, { clientId: PUBLIC_CLIENT, keys: cache, clock });
  await verify(keys());
  await clock.advance(300_000);
  await verify(keys());
  assert.equal(sim.counters.jwksRequests, 1);
  await clock.advance(301_000);
  await verify(keys());
  assert.equal(sim.counters.jwksRequests, 2);
});

Deno.test("an aged JWKS is refetched, and kept in use while the SSO fails", async () => {
  await using rig = await startSso();
  const { sim, sso, clock } = rig;
  const jwt = () => sim.mintAccessToken({ clientId: PUBLIC_CLIENT });
  await sso.verifyAccessToken(await jwt());
  await clock.advance(601_000);
  sim.fault({ endpoint: "jwks", status: 503 });
  assert.equal((await sso.verifyAccessToken(await jwt())).characterId, CHARACTER_ID);
  assert.equal(sim.counters.jwksRequests, 2);
  await clock.advance(10_000);
  await sso.verifyAccessToken(await jwt());
  assert.equal(sim.counters.jwksRequests, 2, "no retry inside the cooldown");
  await clock.advance(60_000);
  await sso.verifyAccessToken(await jwt());
  assert.equal(sim.counters.jwksRequests, 3);
});

Deno.test("with no JWKS held, a failed fetch is an SSO error (not a token error) and is not kept", async () => {
  await using rig = await startSso();
  const { sim, sso } = rig;
  const jwt = await sim.mintAccessToken({ clientId: PUBLIC_CLIENT });
  sim.fault({ endpoint: "jwks", status: 500 });
  await assert.rejects(sso.verifyAccessToken(jwt), (err: unknown) => {
    assert.ok(err instanceof EsiSsoError);
    assert.equal(err.operation, "jwks");
    assert.equal(err.status, 500);
    return true;
  });
  assert.equal((await sso.verifyAccessToken(jwt)).characterId, CHARACTER_ID);
});

Deno.test("a JWKS that is not a key set is an SSO error", async () => {
  await using rig = await startSso();
  rig.sim.fault({ endpoint: "jwks", body: '{"keys": "nope"}' });
  const jwt = await rig.sim.mintAccessToken({ clientId: PUBLIC_CLIENT });
  await assert.rejects(rig.sso.verifyAccessToken(jwt), /not a JSON Web Key Set/);
});
