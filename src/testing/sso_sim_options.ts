/**
 * The public shapes of the SSO simulator: its options, characters, clients,
 * faults, the record of a request and the counters. Part of ./sso_simulator.ts.
 *
 * @module
 */

import type { Clock } from "../clock.ts";
import type { SimListen } from "./sim_server.ts";

/** A character the simulated SSO logs in as. */
export interface SsoSimCharacter {
  /** The character id. */
  characterId: number;
  /** The character's name. */
  name: string;
  /** The owner hash. @default a hash of the character id */
  owner?: string;
}

/** An application registered with the simulated SSO. */
export interface SsoSimClient {
  /** The client id. */
  clientId: string;
  /** The secret of a confidential client; absent for a public one. */
  clientSecret?: string;
  /** The registered callback URLs; `redirect_uri` must match one exactly. */
  redirectUris: readonly string[];
}

/** Options of an {@link SsoSimulator}. */
export interface SsoSimulatorOptions {
  /** The registered applications. @default [] */
  clients?: readonly SsoSimClient[];
  /**
   * Who logs in when no character is queued.
   * @default { characterId: 2112625428, name: "Some Bloke" }
   */
  character?: SsoSimCharacter;
  /**
   * The clock for token times, code lifetimes and delays.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * `iss` of the tokens and `issuer` of the metadata.
   * @default "https://login.eveonline.com"
   */
  issuer?: string;
  /**
   * Access-token lifetime in seconds (`expires_in` is one less, as EVE's 1199).
   * @default 1200
   */
  accessTokenLifetime?: number;
  /**
   * Issue a new refresh token on every refresh (the old one stops working).
   * @default true
   */
  rotateRefreshTokens?: boolean;
  /**
   * Send `scp` as a lone string when exactly one scope was granted.
   * @default false
   */
  loneScopeAsString?: boolean;
  /** The port `start()` listens on. @default 0 (any free port) */
  port?: number;
  /** How `start()` listens when it is given no listener; the Deno adapter's `serve()` passes one. */
  listen?: SimListen;
}

/** An endpoint of the simulated SSO. */
export type SsoSimEndpoint = "metadata" | "authorize" | "token" | "revoke" | "jwks";

/**
 * A scripted fault: the next matching request(s) wait, then answer with an
 * error status, an OAuth error or a raw body instead of the real answer. With
 * only `delayMs`, the real answer follows the wait.
 */
export interface SsoSimFault {
  /** The endpoint it hits. */
  endpoint: SsoSimEndpoint;
  /** For the token endpoint: only this grant type. */
  grantType?: "authorization_code" | "refresh_token";
  /** The status to answer. @default 400 with `oauthError`, 200 with `body`, else 500 */
  status?: number;
  /** An OAuth error code to answer, e.g. `"invalid_grant"`. */
  oauthError?: string;
  /** The OAuth `error_description`. */
  description?: string;
  /** A raw body to answer (e.g. malformed JSON). */
  body?: string;
  /** Wait this long on the clock before answering, in milliseconds. */
  delayMs?: number;
  /** How many requests it hits. @default 1 */
  times?: number;
}

/** A request the simulator received, secrets redacted. */
export interface SsoSimRequest {
  /** When it arrived, by the simulator's clock. */
  at: number;
  /** The HTTP method. */
  method: string;
  /** The path. */
  path: string;
  /** The endpoint, when the path is one. */
  endpoint?: SsoSimEndpoint;
  /** The `grant_type` of a token request. */
  grantType?: string;
  /** The client id, from Basic auth or the body. */
  clientId?: string;
  /** `"basic"`, `"body"` or `"none"`: how the client identified itself. */
  clientAuth?: "basic" | "body" | "none";
  /** The request's `Content-Type`. */
  contentType?: string;
  /** The form fields (or query for authorize), secrets as `"[redacted]"`. */
  params: Record<string, string>;
  /** The `User-Agent`. */
  userAgent?: string;
  /** The status answered. */
  status: number;
}

/** How many requests each endpoint received. */
export interface SsoSimCounters {
  /** Metadata requests. */
  metadataRequests: number;
  /** Authorize requests. */
  authorizeRequests: number;
  /** JWKS requests. */
  jwksRequests: number;
  /** Revoke requests. */
  revokeRequests: number;
  /** Token requests, every grant. */
  tokenRequests: number;
  /** Token requests per `grant_type`. */
  tokenRequestsByGrant: Record<string, number>;
}

/** Options of {@link SsoSimulator.issueTokens}. */
export interface IssueTokensOptions {
  /** The application. */
  clientId: string;
  /** The character. @default the simulator's default character */
  character?: SsoSimCharacter;
  /** The granted scopes. @default [] */
  scopes?: readonly string[];
}
