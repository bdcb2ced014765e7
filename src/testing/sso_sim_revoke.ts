/**
 * The SSO simulator's revoke endpoint: a refresh token of the calling client
 * stops working. Internal to ./sso_simulator.ts.
 *
 * @module
 */

import { authenticateClient } from "./sso_sim_client_auth.ts";
import type { SsoSimRequest } from "./sso_sim_options.ts";
import type { SsoSimState } from "./sso_sim_state.ts";

/** Answers a revoke request; an unknown token is no error. */
export function revoke(
  sim: SsoSimState,
  req: Request,
  form: URLSearchParams,
  record: SsoSimRequest,
): Response {
  const caller = authenticateClient(sim.clients, req, form);
  record.clientId = caller.id;
  record.clientAuth = caller.auth;
  if (caller.error) return caller.error;
  const token = form.get("token") ?? "";
  if (sim.grants.get(token)?.clientId === caller.client!.clientId) sim.grants.delete(token);
  return new Response(null, { status: 200 });
}
