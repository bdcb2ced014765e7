import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { EsiTokenInvalidError, type TokenInvalidReason } from "../../src/sso/errors.ts";
import { verifyAccessToken } from "../../src/sso/verify.ts";
import type { MintAccessTokenOptions } from "../../src/testing/sso_simulator.ts";
import { CHARACTER_ID, PUBLIC_CLIENT, startSso } from "../support/sso_harness.ts";
import {
  alterPayload,
  criticalHeaderToken,
  foreignKeyToken,
  hmacWithPublicKey,
  unsignedToken,
} from "../support/sso_tokens.ts";

function refusedWith(reason: TokenInvalidReason, jwt: string) {
  return (err: unknown) => {
    assert.ok(err instanceof EsiTokenInvalidError, `expected EsiTokenInvalidError, got ${err}`);
    assert.equal(err.code, "ERR_TOKEN_INVALID");
    assert.equal(err.reason, reason, err.message);
    assert.match(err.message, /^Cannot verify the access token: /);
    assert.ok(!err.message.includes(jwt), "the message must not hold the token");
    return true;
  };
}

Deno.test("every hostile access token is refused, each with its own reason", async (t) => {
  await using rig = await startSso();
  const { sim, sso, clock } = rig;
  const mint = (o: MintAccessTokenOptions = {}) =>
    sim.mintAccessToken({ clientId: PUBLIC_CLIENT, ...o });
  const rsaKid = sim.signingKey("RS256").kid;
  const ecKid = sim.signingKey("ES256").kid;
  const now = Math.floor(clock.now() / 1000);

  const table: [string, () => Promise<string>, TokenInvalidReason][] = [
    ["alg none", () => unsignedToken(sim), "algorithm"],
    [
      "HS256 signed with the RSA public key as the secret",
      () => hmacWithPublicKey(sim),
      "algorithm",
    ],
    ["a wrong issuer", () => mint({ issuer: "https://login.evil.example" }), "issuer"],
    [
      "an issuer that only looks like EVE's",
      () => mint({ issuer: "https://login.eveonline.com/" }),
      "issuer",
    ],
    ['aud without "EVE Online"', () => mint({ audience: [PUBLIC_CLIENT] }), "audience"],
    [
      "aud without the client id",
      () => mint({ audience: ["other-app", "EVE Online"] }),
      "audience",
    ],
    ["aud as the client id alone (a string)", () => mint({ audience: PUBLIC_CLIENT }), "audience"],
    ["expired", () => mint({ expiresIn: -60 }), "expired"],
    ["nbf in the future", () => mint({ claims: { nbf: now + 3600 } }), "not_yet_valid"],
    [
      "payload altered after signing",
      async () => alterPayload(await mint(), { sub: "CHARACTER:EVE:90000001" }),
      "signature",
    ],
    [
      "scopes added after signing",
      async () => alterPayload(await mint(), { scp: ["esi-wallet.read_character_wallet.v1"] }),
      "signature",
    ],
    ["an unknown kid", () => mint({ kid: "no-such-key" }), "unknown_key"],
    ["ES256 under the RSA key's kid", () => mint({ alg: "ES256", kid: rsaKid }), "key_mismatch"],
    ["RS256 under the EC key's kid", () => mint({ alg: "RS256", kid: ecKid }), "key_mismatch"],
    ["a malformed sub", () => mint({ subject: "CHARACTER:EVE:12ab" }), "subject"],
    ["a sub of another kind", () => mint({ subject: "CORPORATION:EVE:98000001" }), "subject"],
    ["a sub with a zero id", () => mint({ subject: "CHARACTER:EVE:0" }), "subject"],
    ["signed by a key not in the JWKS", () => foreignKeyToken(sim), "signature"],
    ["no exp", () => mint({ claims: { exp: undefined } }), "claims"],
    ["no name", () => mint({ claims: { name: undefined } }), "claims"],
    ["scp of the wrong type", () => mint({ claims: { scp: 42 } }), "claims"],
    ["not a JWT at all", () => Promise.resolve("not-a-jwt"), "malformed"],
    ["a JWT whose payload is not JSON", async () => {
      const [h, , s] = (await mint()).split(".");
      return `${h}.bm90IGpzb24.${s}`;
    }, "signature"],
  ];

  for (const [name, make, reason] of table) {
    await t.step(`${name}: ${reason}`, async () => {
      const jwt = await make();
      await assert.rejects(sso.verifyAccessToken(jwt), refusedWith(reason, jwt));
    });
  }
});

Deno.test("valid access tokens are accepted: RS256, ES256, both issuers, scp as array or string", async (t) => {
  await using rig = await startSso();
  const { sim, sso, clock } = rig;
  const mint = (o: MintAccessTokenOptions = {}) =>
    sim.mintAccessToken({ clientId: PUBLIC_CLIENT, ...o });

  await t.step("RS256 with EVE's claims, read whole", async () => {
    const jwt = await mint({
      scopes: ["esi-skills.read_skills.v1", "esi-assets.read_assets.v1"],
      name: "Some Bloke",
      owner: "8PmzCeTKb4VFUDrHLc/AeZXDSWM=",
    });
    const iat = Math.floor(clock.now() / 1000);
    const who = await sso.verifyAccessToken(jwt);
    assert.equal(who.characterId, CHARACTER_ID);
    assert.equal(who.name, "Some Bloke");
    assert.equal(who.owner, "8PmzCeTKb4VFUDrHLc/AeZXDSWM=");
    assert.deepEqual(who.scopes, ["esi-skills.read_skills.v1", "esi-assets.read_assets.v1"]);
    assert.equal(who.clientId, PUBLIC_CLIENT);
    assert.equal(who.issuedAt, iat * 1000);
    assert.equal(who.expiresAt, (iat + 1200) * 1000);
    assert.equal(who.issuer, "https://login.eveonline.com");
    assert.equal(who.tenant, "tranquility");
    assert.equal(who.tier, "live");
    assert.equal(who.region, "world");
    assert.equal(typeof who.tokenId, "string");
    assert.equal(who.claims.kid, "JWT-Signature-Key");
  });

  await t.step("ES256", async () => {
    const who = await sso.verifyAccessToken(await mint({ alg: "ES256" }));
    assert.equal(who.characterId, CHARACTER_ID);
  });

  await t.step('the bare issuer "login.eveonline.com"', async () => {
    const who = await sso.verifyAccessToken(await mint({ issuer: "login.eveonline.com" }));
    assert.equal(who.issuer, "login.eveonline.com");
  });

  await t.step("scp as a lone string becomes a one-element array", async () => {
    const who = await sso.verifyAccessToken(await mint({ scopes: "esi-skills.read_skills.v1" }));
    assert.deepEqual(who.scopes, ["esi-skills.read_skills.v1"]);
  });

  await t.step("no scp at all means no scopes", async () => {
    const who = await sso.verifyAccessToken(await mint({ claims: { scp: undefined } }));
    assert.deepEqual(who.scopes, []);
  });

  await t.step("aud in the other order", async () => {
    const who = await sso.verifyAccessToken(
      await mint({ audience: ["EVE Online", PUBLIC_CLIENT] }),
    );
    assert.equal(who.characterId, CHARACTER_ID);
  });

  await t.step("a nbf in the past", async () => {
    const nbf = Math.floor(clock.now() / 1000) - 10;
    assert.equal(
      (await sso.verifyAccessToken(await mint({ claims: { nbf } }))).characterId,
      CHARACTER_ID,
    );
  });
});

Deno.test("exp is checked on the injected clock with a 5 s leeway", async () => {
  await using rig = await startSso();
  const { sim, sso, clock } = rig;
  const jwt = await sim.mintAccessToken({ clientId: PUBLIC_CLIENT, expiresIn: 10 });
  await clock.advance(14_000); // 4 s past exp: inside the leeway
  assert.equal((await sso.verifyAccessToken(jwt)).characterId, CHARACTER_ID);
  await clock.advance(2_000); // 6 s past exp
  await assert.rejects(sso.verifyAccessToken(jwt), refusedWith("expired", jwt));
});

Deno.test("the leeway is configurable", async () => {
  await using rig = await startSso({ sso: { clockToleranceSeconds: 0 } });
  const jwt = await rig.sim.mintAccessToken({ clientId: PUBLIC_CLIENT, expiresIn: 10 });
  await rig.clock.advance(11_000);
  await assert.rejects(rig.sso.verifyAccessToken(jwt), refusedWith("expired", jwt));
});

Deno.test("accepted issuers are configurable (for SSOs that cannot sign as EVE)", async () => {
  await using rig = await startSso({ sso: { issuers: ["http://127.0.0.1:1"] } });
  const mint = (issuer: string) => rig.sim.mintAccessToken({ clientId: PUBLIC_CLIENT, issuer });
  assert.equal(
    (await rig.sso.verifyAccessToken(await mint("http://127.0.0.1:1"))).characterId,
    CHARACTER_ID,
  );
  const eve = await mint("https://login.eveonline.com");
  await assert.rejects(rig.sso.verifyAccessToken(eve), refusedWith("issuer", eve));
});

Deno.test("verifyAccessToken works standalone with a key set, ignoring its non-key member", async () => {
  await using rig = await startSso();
  const jwks = rig.sim.jwks();
  assert.equal(jwks.SkipUnresolvedJsonWebKeys, true);
  const jwt = await rig.sim.mintAccessToken({ clientId: PUBLIC_CLIENT, alg: "ES256" });
  const who = await verifyAccessToken(jwt, {
    clientId: PUBLIC_CLIENT,
    keys: jwks,
    clock: rig.clock,
  });
  assert.equal(who.characterId, CHARACTER_ID);
  await assert.rejects(
    verifyAccessToken(jwt, { clientId: "another-app", keys: jwks, clock: rig.clock }),
    refusedWith("audience", jwt),
  );
});

Deno.test("two keys under one kid (mid-rotation): the one that verifies wins", async () => {
  await using rig = await startSso();
  const real = rig.sim.jwks().keys.find((k) => k.kty === "RSA")!;
  const { publicKey } = await generateKeyPair("RS256");
  const impostor = { ...(await exportJWK(publicKey)), kid: real.kid, alg: "RS256", use: "sig" };
  const jwks = { keys: [impostor, real] };
  const jwt = await rig.sim.mintAccessToken({ clientId: PUBLIC_CLIENT });
  const who = await verifyAccessToken(jwt, {
    clientId: PUBLIC_CLIENT,
    keys: jwks,
    clock: rig.clock,
  });
  assert.equal(who.characterId, CHARACTER_ID);
});

Deno.test("a token signed by a key the set only holds for another algorithm is refused", async () => {
  await using rig = await startSso();
  const { publicKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  const jwt = await new SignJWT({ sub: `CHARACTER:EVE:${CHARACTER_ID}` })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .sign((await generateKeyPair("RS256")).privateKey);
  await assert.rejects(
    verifyAccessToken(jwt, { clientId: PUBLIC_CLIENT, keys: { keys: [jwk] }, clock: rig.clock }),
    refusedWith("key_mismatch", jwt),
  );
});

Deno.test("azp, when present, must be the client id", async (t) => {
  await using rig = await startSso();
  const { sim, sso } = rig;
  await t.step("azp of another application is refused, naming the claim", async () => {
    const jwt = await sim.mintAccessToken({
      clientId: PUBLIC_CLIENT,
      claims: { azp: "other-app" },
    });
    await assert.rejects(sso.verifyAccessToken(jwt), (err: unknown) => {
      refusedWith("audience", jwt)(err);
      assert.match((err as Error).message, /"azp" "other-app" is not the client id/);
      return true;
    });
  });
  await t.step("no azp: the client id in aud is enough", async () => {
    const jwt = await sim.mintAccessToken({ clientId: PUBLIC_CLIENT, claims: { azp: undefined } });
    assert.equal((await sso.verifyAccessToken(jwt)).clientId, PUBLIC_CLIENT);
  });
});

Deno.test("an iat in the future beyond the leeway is refused; inside it, accepted", async () => {
  await using rig = await startSso();
  const { sim, sso, clock } = rig;
  const now = Math.floor(clock.now() / 1000);
  const mint = (iat: number) => sim.mintAccessToken({ clientId: PUBLIC_CLIENT, claims: { iat } });
  const ahead = await mint(now + 3600);
  await assert.rejects(sso.verifyAccessToken(ahead), (err: unknown) => {
    refusedWith("not_yet_valid", ahead)(err);
    assert.match((err as Error).message, /"iat"/);
    return true;
  });
  const skewed = await mint(now + 4); // the default leeway is 5 s
  assert.equal((await sso.verifyAccessToken(skewed)).characterId, CHARACTER_ID);
  await assert.rejects(sso.verifyAccessToken(await mint(now + 6)), /"iat"/);
});

Deno.test("an unknown critical header is refused as such, not as an algorithm", async (t) => {
  await using rig = await startSso();
  const { sim, sso } = rig;
  for (const crit of [["exp-ext"], ["b64", "urn:example:policy"]]) {
    await t.step(crit.join(", "), async () => {
      const jwt = await criticalHeaderToken(sim, crit);
      await assert.rejects(sso.verifyAccessToken(jwt), (err: unknown) => {
        refusedWith("critical_header", jwt)(err);
        assert.match(
          (err as Error).message,
          /critical header parameter "(exp-ext|urn:example:policy)"/,
        );
        assert.doesNotMatch((err as Error).message, /algorithm/);
        return true;
      });
    });
  }
});
