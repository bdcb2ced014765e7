/**
 * How the SSO simulator answers one request: it records it (secrets
 * redacted), counts it, applies a scripted fault, then hands it to its
 * endpoint. Internal to ./sso_simulator.ts.
 *
 * @module
 */

import { authorize } from "./sso_sim_authorize.ts";
import { jwks, metadata } from "./sso_sim_discovery.ts";
import type { SsoSimEndpoint, SsoSimFault, SsoSimRequest } from "./sso_sim_options.ts";
import { revoke } from "./sso_sim_revoke.ts";
import { oauthError, type SsoSimState } from "./sso_sim_state.ts";
import { token } from "./sso_sim_token.ts";

const SECRET_PARAMS = new Set(["code", "code_verifier", "refresh_token", "token", "client_secret"]);
const PATHS: Record<string, SsoSimEndpoint> = {
  "/.well-known/oauth-authorization-server": "metadata",
  "/v2/oauth/authorize": "authorize",
  "/v2/oauth/token": "token",
  "/v2/oauth/revoke": "revoke",
  "/oauth/jwks": "jwks",
};

/** Answers one request, runtime-agnostic. */
export async function handleSso(sim: SsoSimState, req: Request): Promise<Response> {
  const url = new URL(req.url);
  const endpoint = PATHS[url.pathname];
  const record: SsoSimRequest = {
    at: sim.clock.now(),
    method: req.method,
    path: url.pathname,
    endpoint,
    contentType: req.headers.get("content-type") ?? undefined,
    userAgent: req.headers.get("user-agent") ?? undefined,
    params: {},
    status: 0,
  };
  sim.requests.push(record);
  let response: Response;
  try {
    response = await route(sim, req, url, endpoint, record);
  } catch (err) {
    response = oauthError(500, "server_error", `Simulator failure: ${(err as Error).message}`);
  }
  record.status = response.status;
  return response;
}

async function route(
  sim: SsoSimState,
  req: Request,
  url: URL,
  endpoint: SsoSimEndpoint | undefined,
  record: SsoSimRequest,
): Promise<Response> {
  if (!endpoint) return new Response("Not found", { status: 404 });
  const expected = endpoint === "token" || endpoint === "revoke" ? "POST" : "GET";
  if (req.method !== expected) return new Response("Method not allowed", { status: 405 });

  let form = new URLSearchParams();
  if (expected === "POST") {
    const text = await req.text();
    if ((record.contentType ?? "").split(";")[0].trim() === "application/x-www-form-urlencoded") {
      form = new URLSearchParams(text);
    }
  }
  const params = expected === "POST" ? form : url.searchParams;
  for (const [name, value] of params) {
    record.params[name] = SECRET_PARAMS.has(name) ? "[redacted]" : value;
  }
  if (endpoint === "token") {
    record.grantType = form.get("grant_type") ?? undefined;
    const grant = record.grantType ?? "";
    sim.counters.tokenRequests++;
    sim.counters.tokenRequestsByGrant[grant] = (sim.counters.tokenRequestsByGrant[grant] ?? 0) +
      1;
  } else {
    sim.counters[`${endpoint}Requests`]++;
  }

  const fault = takeFault(sim, endpoint, record.grantType);
  if (fault?.delayMs) await sim.clock.sleep(fault.delayMs);
  if (fault && (fault.status || fault.oauthError || fault.body !== undefined)) {
    if (fault.oauthError) {
      return oauthError(fault.status ?? 400, fault.oauthError, fault.description ?? "");
    }
    if (fault.body !== undefined) {
      return new Response(fault.body, {
        status: fault.status ?? 200,
        headers: { "content-type": "application/json" },
      });
    }
    return new Response("<html><body>Service Unavailable</body></html>", {
      status: fault.status,
      headers: { "content-type": "text/html" },
    });
  }

  switch (endpoint) {
    case "metadata":
      return metadata(sim, url.origin);
    case "jwks":
      return jwks(sim);
    case "authorize":
      return authorize(sim, url.searchParams, record);
    case "token":
      return await token(sim, req, form, record);
    case "revoke":
      return revoke(sim, req, form, record);
  }
}

function takeFault(
  sim: SsoSimState,
  endpoint: SsoSimEndpoint,
  grantType?: string,
): SsoSimFault | undefined {
  const fault = sim.faults.find((f) =>
    f.left > 0 && f.endpoint === endpoint && (!f.grantType || f.grantType === grantType)
  );
  if (fault) fault.left--;
  sim.faults = sim.faults.filter((f) => f.left > 0);
  return fault;
}
