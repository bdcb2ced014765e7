/**
 * The SSO simulator's token endpoint: the authorization-code grant (single
 * use, PKCE checked) and the refresh grant (rotation, scope narrowing), and
 * the issuing of tokens. Internal to ./sso_simulator.ts.
 *
 * @module
 */

import { authenticateClient } from "./sso_sim_client_auth.ts";
import { ownerHash, s256 } from "./sso_sim_keys.ts";
import type { SsoSimRequest } from "./sso_sim_options.ts";
import { type Grant, json, oauthError, random, type SsoSimState } from "./sso_sim_state.ts";

/** The token endpoint's answer body. */
export interface TokenBody {
  access_token: string;
  expires_in: number;
  token_type: "Bearer";
  refresh_token: string;
}

/** Answers a token request. */
export async function token(
  sim: SsoSimState,
  req: Request,
  form: URLSearchParams,
  record: SsoSimRequest,
): Promise<Response> {
  if (record.contentType?.split(";")[0].trim() !== "application/x-www-form-urlencoded") {
    return oauthError(400, "invalid_request", "The body must be form-encoded");
  }
  const caller = authenticateClient(sim.clients, req, form);
  record.clientId = caller.id;
  record.clientAuth = caller.auth;
  if (caller.error) return caller.error;
  const client = caller.client!;

  switch (form.get("grant_type")) {
    case "authorization_code": {
      const code = form.get("code");
      if (!code) return oauthError(400, "invalid_request", "code is required");
      const entry = sim.codes.get(code);
      sim.codes.delete(code); // Single-use, whatever happens next.
      if (!entry || entry.expiresAt <= sim.clock.now()) {
        return oauthError(400, "invalid_grant", "Authorization code not found or expired");
      }
      if (entry.clientId !== client.clientId) {
        return oauthError(
          400,
          "invalid_grant",
          "Authorization code was issued to another client",
        );
      }
      const redirectUri = form.get("redirect_uri");
      if (redirectUri !== null && redirectUri !== entry.redirectUri) {
        return oauthError(400, "invalid_grant", "redirect_uri does not match");
      }
      if (entry.challenge) {
        const verifier = form.get("code_verifier");
        if (!verifier) return oauthError(400, "invalid_grant", "code_verifier is required");
        if (await s256(verifier) !== entry.challenge) {
          return oauthError(400, "invalid_grant", "code_verifier does not match code_challenge");
        }
      }
      return json(
        200,
        await issue(sim, {
          clientId: client.clientId,
          scopes: entry.scopes,
          character: entry.character,
        }),
        { "cache-control": "no-store" },
      );
    }
    case "refresh_token": {
      const token = form.get("refresh_token");
      if (!token) return oauthError(400, "invalid_request", "refresh_token is required");
      const grant = sim.grants.get(token);
      if (!grant || grant.clientId !== client.clientId) {
        return oauthError(400, "invalid_grant", "Invalid refresh token. Token missing/expired.");
      }
      const asked = (form.get("scope") ?? "").split(" ").filter(Boolean);
      if (asked.some((s) => !grant.scopes.includes(s))) {
        return oauthError(400, "invalid_scope", "The requested scope exceeds the grant");
      }
      if (sim.rotate) sim.grants.delete(token);
      const body = await issue(sim, grant, asked.length ? asked : grant.scopes, token);
      return json(200, body, { "cache-control": "no-store" });
    }
    default:
      return oauthError(400, "unsupported_grant_type", "grant_type is not supported");
  }
}

/** Records a grant under a refresh token (a new one unless it is kept) and mints its access token. */
export async function issue(
  sim: SsoSimState,
  grant: Grant,
  scopes: string[] = grant.scopes,
  previous?: string,
): Promise<TokenBody> {
  const refreshToken = sim.rotate || !previous ? random(24) : previous;
  sim.grants.set(refreshToken, grant);
  const { characterId, name } = grant.character;
  const accessToken = await sim.ring.mint({
    characterId,
    name,
    owner: grant.character.owner ?? await ownerHash(characterId),
    scopes: sim.loneScope && scopes.length === 1 ? scopes[0] : scopes,
    clientId: grant.clientId,
    expiresIn: sim.lifetime,
  });
  return {
    access_token: accessToken,
    expires_in: sim.lifetime - 1,
    token_type: "Bearer",
    refresh_token: refreshToken,
  };
}
