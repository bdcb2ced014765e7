/**
 * The SSO simulator's discovery endpoints: the RFC 8414 metadata document
 * and the JWKS. Internal to ./sso_simulator.ts.
 *
 * @module
 */

import { json, type SsoSimState } from "./sso_sim_state.ts";

/** The metadata document, its endpoints on the origin it was asked on. */
export function metadata(sim: SsoSimState, origin: string): Response {
  return json(200, {
    issuer: sim.issuer,
    authorization_endpoint: `${origin}/v2/oauth/authorize`,
    token_endpoint: `${origin}/v2/oauth/token`,
    response_types_supported: ["code", "token"],
    jwks_uri: `${origin}/oauth/jwks`,
    revocation_endpoint: `${origin}/v2/oauth/revoke`,
    revocation_endpoint_auth_methods_supported: [
      "client_secret_basic",
      "client_secret_post",
      "client_secret_jwt",
    ],
    token_endpoint_auth_methods_supported: [
      "client_secret_basic",
      "client_secret_post",
      "client_secret_jwt",
    ],
    token_endpoint_auth_signing_alg_values_supported: ["HS256"],
    code_challenge_methods_supported: ["S256"],
  });
}

/** The published keys. */
export function jwks(sim: SsoSimState): Response {
  return json(200, sim.ring.jwks());
}
