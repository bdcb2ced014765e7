/**
 * How the SSO simulator authenticates a client at the token and revoke
 * endpoints: Basic auth for a confidential client, `client_id` in the body
 * for a public one. Internal to ./sso_simulator.ts.
 *
 * @module
 */

import type { SsoSimClient } from "./sso_sim_options.ts";
import { oauthError } from "./sso_sim_state.ts";

/** Who called, how they identified themselves, and the error when they failed. */
export interface Caller {
  client?: SsoSimClient;
  auth: "basic" | "body" | "none";
  id?: string;
  error?: Response;
}

/** Identifies and authenticates the client of a token or revoke request. */
export function authenticateClient(
  clients: ReadonlyMap<string, SsoSimClient>,
  req: Request,
  form: URLSearchParams,
): Caller {
  const header = req.headers.get("authorization");
  if (header?.startsWith("Basic ")) {
    let id = "";
    let secret = "";
    try {
      const decoded = atob(header.slice(6).trim());
      const colon = decoded.indexOf(":");
      id = decoded.slice(0, colon);
      secret = decoded.slice(colon + 1);
    } catch {
      // Reported as invalid_client below.
    }
    const client = clients.get(id);
    if (!client || client.clientSecret === undefined || client.clientSecret !== secret) {
      return {
        auth: "basic",
        id,
        error: oauthError(401, "invalid_client", "Client authentication failed"),
      };
    }
    return { client, auth: "basic", id };
  }
  const id = form.get("client_id") ?? undefined;
  const client = id ? clients.get(id) : undefined;
  if (!client) {
    return {
      auth: id ? "body" : "none",
      id,
      error: oauthError(401, "invalid_client", "Unknown client"),
    };
  }
  if (client.clientSecret !== undefined) {
    return {
      auth: "body",
      id,
      error: oauthError(401, "invalid_client", "A confidential client must use Basic auth"),
    };
  }
  return { client, auth: "body", id };
}
