/**
 * Hostile access tokens, forged the ways attackers try: unsigned, HMAC-signed
 * with the RSA public key, altered after signing, signed by a foreign key.
 *
 * @module
 */

import {
  base64url,
  decodeJwt,
  exportSPKI,
  generateKeyPair,
  importJWK,
  SignJWT,
  UnsecuredJWT,
} from "jose";
import type { SsoSimulator } from "../../src/testing/sso_simulator.ts";
import { PUBLIC_CLIENT } from "./sso_harness.ts";

async function claims(sim: SsoSimulator): Promise<Record<string, unknown>> {
  return decodeJwt(await sim.mintAccessToken({ clientId: PUBLIC_CLIENT })) as Record<
    string,
    unknown
  >;
}

/** `alg: none`, no signature. */
export async function unsignedToken(sim: SsoSimulator): Promise<string> {
  return new UnsecuredJWT(await claims(sim)).encode();
}

/** HS256 with the SSO's RSA public key (PEM) as the HMAC secret: the classic confusion attack. */
export async function hmacWithPublicKey(sim: SsoSimulator): Promise<string> {
  const rsa = sim.jwks().keys.find((k) => k.kty === "RSA")!;
  const publicKey = await importJWK({ ...rsa, ext: true }, "RS256");
  const pem = await exportSPKI(publicKey as CryptoKey);
  return await new SignJWT(await claims(sim))
    .setProtectedHeader({ alg: "HS256", kid: rsa.kid, typ: "JWT" })
    .sign(new TextEncoder().encode(pem));
}

/** A genuine token whose payload was changed after signing. */
export function alterPayload(jwt: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = jwt.split(".");
  const decoded = JSON.parse(new TextDecoder().decode(base64url.decode(payload)));
  const altered = base64url.encode(JSON.stringify({ ...decoded, ...changes }));
  return `${header}.${altered}.${signature}`;
}

/** Signed by a key the SSO never published, under the SSO's own RS256 `kid`. */
export async function foreignKeyToken(sim: SsoSimulator): Promise<string> {
  const { privateKey } = await generateKeyPair("RS256");
  const { kid } = sim.signingKey("RS256");
  return await new SignJWT(await claims(sim))
    .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
    .sign(privateKey);
}

/** Genuinely signed by the SSO's RS256 key, with critical header parameters the verifier does not know. */
export async function criticalHeaderToken(
  sim: SsoSimulator,
  crit: string[] = ["exp-ext"],
): Promise<string> {
  const { kid, privateKey } = sim.signingKey("RS256");
  const extensions = Object.fromEntries(crit.map((name) => [name, true]));
  return await new SignJWT(await claims(sim))
    .setProtectedHeader({ alg: "RS256", kid, typ: "JWT", crit, ...extensions })
    .sign(privateKey, { crit: extensions });
}
