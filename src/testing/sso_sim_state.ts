/**
 * What the SSO simulator's endpoints share: the registered clients, the
 * pending codes, the live grants, the queued characters, the faults and the
 * records. Internal to ./sso_simulator.ts.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { SsoSimKeyRing } from "./sso_sim_keys.ts";
import type {
  SsoSimCharacter,
  SsoSimClient,
  SsoSimCounters,
  SsoSimFault,
  SsoSimRequest,
} from "./sso_sim_options.ts";

/** An authorization code waiting to be exchanged. */
export interface Code {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  character: SsoSimCharacter;
  challenge?: string;
  expiresAt: number;
}

/** What a refresh token grants. */
export interface Grant {
  clientId: string;
  scopes: string[];
  character: SsoSimCharacter;
}

/** The simulator's state, read and changed by its endpoints and its scripting methods. */
export interface SsoSimState {
  readonly clock: Clock;
  readonly issuer: string;
  /** Access-token lifetime, in seconds. */
  readonly lifetime: number;
  readonly rotate: boolean;
  readonly loneScope: boolean;
  readonly ring: SsoSimKeyRing;
  readonly clients: Map<string, SsoSimClient>;
  readonly codes: Map<string, Code>;
  /** Grants by refresh token. */
  readonly grants: Map<string, Grant>;
  readonly queue: SsoSimCharacter[];
  faults: (SsoSimFault & { left: number })[];
  readonly requests: SsoSimRequest[];
  readonly counters: SsoSimCounters;
  /** The character logged in when none is queued (settable on the simulator). */
  character(): SsoSimCharacter;
}

/** Random bytes in base64: codes and refresh tokens. */
export function random(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw));
}

/** A JSON answer. */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** An OAuth error answer. */
export function oauthError(status: number, error: string, description: string): Response {
  return json(status, { error, error_description: description });
}
