/**
 * The SSO simulator's authorize endpoint: it checks the client and the
 * callback, then approves at once and redirects with a single-use code.
 * Internal to ./sso_simulator.ts.
 *
 * @module
 */

import type { SsoSimRequest } from "./sso_sim_options.ts";
import { random, type SsoSimState } from "./sso_sim_state.ts";

const CODE_LIFETIME_MS = 5 * 60_000;

/** Answers an authorize request: a redirect with a code, or with an error. */
export function authorize(
  sim: SsoSimState,
  query: URLSearchParams,
  record: SsoSimRequest,
): Response {
  const clientId = query.get("client_id") ?? "";
  const redirectUri = query.get("redirect_uri") ?? "";
  record.clientId = clientId;
  const client = sim.clients.get(clientId);
  // Without a known client and an exact redirect URI, nothing is redirected.
  if (!client) return new Response("Unknown client_id", { status: 400 });
  if (!client.redirectUris.includes(redirectUri)) {
    return new Response("redirect_uri does not match the registered callback", { status: 400 });
  }
  const back = new URL(redirectUri);
  const state = query.get("state");
  const refuse = (error: string, description: string) => {
    back.searchParams.set("error", error);
    back.searchParams.set("error_description", description);
    if (state) back.searchParams.set("state", state);
    return new Response(null, { status: 302, headers: { location: back.href } });
  };
  if (query.get("response_type") !== "code") {
    return refuse("unsupported_response_type", "response_type must be code");
  }
  if (!state) return refuse("invalid_request", "state is required");
  const challenge = query.get("code_challenge") ?? undefined;
  const method = query.get("code_challenge_method");
  if (challenge && method !== "S256") {
    return refuse("invalid_request", "code_challenge_method must be S256");
  }
  if (!challenge && client.clientSecret === undefined) {
    return refuse("invalid_request", "a public client must send a code_challenge");
  }
  const code = random(16).replace(/[+/=]/g, "");
  sim.codes.set(code, {
    clientId,
    redirectUri,
    scopes: (query.get("scope") ?? "").split(" ").filter(Boolean),
    character: sim.queue.shift() ?? sim.character(),
    challenge,
    expiresAt: sim.clock.now() + CODE_LIFETIME_MS,
  });
  back.searchParams.set("code", code);
  back.searchParams.set("state", state);
  return new Response(null, { status: 302, headers: { location: back.href } });
}
