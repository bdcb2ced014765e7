/**
 * The SSO's token and revocation endpoints: form-encoded requests, client
 * authentication (HTTP Basic for confidential clients, `client_id` in the body
 * for public ones), answers validated, OAuth errors typed, secrets redacted.
 *
 * @module
 */

import { EsiSsoError, type SsoOperation } from "./errors.ts";
import { parseJsonObject, type SsoAnswer, type SsoHttp, ssoRequest } from "./request.ts";

/**
 * A token endpoint's answer, validated.
 *
 * @example
 * ```ts
 * import type { TokenResponse } from "@esikit/esi/sso";
 *
 * const tokens: TokenResponse = {
 *   accessToken: "eyJ...",
 *   refreshToken: "yK3ULrhjQUSK6vLrsuKvYw==",
 *   tokenType: "Bearer",
 *   expiresIn: 1199,
 *   expiresAt: Date.now() + 1_199_000,
 * };
 * ```
 */
export interface TokenResponse {
  /** The access token: a JWT, to verify before trusting its claims. */
  accessToken: string;
  /** The refresh token; it may rotate on each refresh, so always keep the latest. */
  refreshToken: string;
  /** `"Bearer"`. */
  tokenType: string;
  /** The access token's lifetime as the SSO stated it, in seconds (about 1199). */
  expiresIn: number;
  /** When the access token expires by `expires_in`, in epoch milliseconds of the injected clock. */
  expiresAt: number;
}

/** The registered application, as the token endpoint authenticates it. */
export interface SsoClientCredentials {
  /** The application's client id. */
  clientId: string;
  /** The secret of a confidential client; absent for a public (PKCE-only) client. */
  clientSecret?: string;
}

/** One call to the token endpoint. */
export interface TokenRequest {
  /** Which call it is, for messages. */
  operation: "exchange" | "refresh";
  /** The grant's form fields (`grant_type`, `code`, …), without client authentication. */
  form: Record<string, string>;
  /** The refresh token to keep when the answer carries none (refresh only). */
  keepRefreshToken?: string;
  /** Gives up the call. */
  signal?: AbortSignal;
}

// The form fields whose values must never show up in an error.
const secretFields = ["code", "code_verifier", "refresh_token", "token"];

const jwtLike = /eyJ[\w-]*\.[\w-]*\.[\w-]*/g;

/**
 * Replaces every secret, and anything shaped like a JWT, in a text the SSO
 * sent back.
 *
 * @param text The text (an OAuth `error_description`).
 * @param secrets The secrets of the request: client secret, code, verifier, tokens.
 * @returns The text, with `[redacted]` in their place.
 * @example
 * ```ts ignore
 * redact('Grant "abc123" not found', ["abc123"]); // 'Grant "[redacted]" not found'
 * ```
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text.replace(jwtLike, "[redacted]");
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}

function basic(credentials: SsoClientCredentials): string {
  const bytes = new TextEncoder().encode(`${credentials.clientId}:${credentials.clientSecret}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

function authenticate(
  credentials: SsoClientCredentials,
  form: Record<string, string>,
): { body: URLSearchParams; headers: Record<string, string> } {
  const body = new URLSearchParams(form);
  if (credentials.clientSecret !== undefined) {
    return { body, headers: { authorization: basic(credentials) } };
  }
  body.set("client_id", credentials.clientId);
  return { body, headers: {} };
}

const verbs: Record<SsoOperation, string> = {
  metadata: "fetch the SSO metadata",
  jwks: "fetch the SSO's JWKS",
  exchange: "exchange the authorization code",
  refresh: "refresh the token",
  revoke: "revoke the token",
};

/**
 * Builds the error for a token or revocation endpoint's refusal.
 *
 * @param operation The call that failed.
 * @param answer The SSO's answer.
 * @param secrets The request's secrets, redacted from the description.
 * @returns The typed error, carrying the OAuth `error` code when there is one.
 * @example
 * ```ts ignore
 * throw oauthFailure("refresh", answer, [refreshToken]);
 * ```
 */
export function oauthFailure(
  operation: SsoOperation,
  answer: SsoAnswer,
  secrets: readonly (string | undefined)[],
): EsiSsoError {
  const doc = parseJsonObject(answer.text);
  const error = typeof doc?.error === "string" ? redact(doc.error, secrets).slice(0, 100) : "";
  const rawDescription = doc?.error_description;
  const description = typeof rawDescription === "string" && rawDescription
    ? redact(rawDescription, secrets).slice(0, 300)
    : undefined;
  const what = error
    ? `${error}${description ? ` (${description})` : ""}`
    : `the SSO answered ${answer.status}`;
  return new EsiSsoError(`Cannot ${verbs[operation]}: ${what}`, {
    operation,
    status: answer.status,
    oauthError: error || undefined,
    oauthErrorDescription: description,
  });
}

function malformed(operation: SsoOperation, status: number, why: string): EsiSsoError {
  return new EsiSsoError(`Cannot ${verbs[operation]}: the SSO's answer ${why}`, {
    operation,
    status,
  });
}

/**
 * Posts a grant to the token endpoint and validates the answer.
 *
 * @param http How to reach the SSO.
 * @param endpoint The token endpoint.
 * @param credentials The application.
 * @param request The grant.
 * @param now Reads the current time, in epoch milliseconds.
 * @returns The tokens.
 * @throws {EsiSsoError} An OAuth error, or an answer that is not a token response.
 * @example
 * ```ts ignore
 * const tokens = await requestToken(http, metadata.tokenEndpoint, { clientId }, {
 *   operation: "refresh",
 *   form: { grant_type: "refresh_token", refresh_token: refreshToken },
 * }, Date.now);
 * ```
 */
export async function requestToken(
  http: SsoHttp,
  endpoint: string,
  credentials: SsoClientCredentials,
  request: TokenRequest,
  now: () => number,
): Promise<TokenResponse> {
  const { operation, form } = request;
  const { body, headers } = authenticate(credentials, form);
  const answer = await ssoRequest(http, endpoint, {
    method: "POST",
    headers,
    body,
    signal: request.signal,
  });
  const secrets = [credentials.clientSecret, ...secretFields.map((name) => form[name])];
  if (answer.status < 200 || answer.status > 299) throw oauthFailure(operation, answer, secrets);

  const doc = parseJsonObject(answer.text);
  if (!doc) throw malformed(operation, answer.status, "is not a JSON object");
  const { access_token, refresh_token, token_type } = doc;
  const expiresIn = typeof doc.expires_in === "string" ? Number(doc.expires_in) : doc.expires_in;
  if (typeof access_token !== "string" || !access_token) {
    throw malformed(operation, answer.status, 'lacks "access_token"');
  }
  if (typeof token_type !== "string" || token_type.toLowerCase() !== "bearer") {
    throw malformed(operation, answer.status, 'has no "token_type" of "Bearer"');
  }
  if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw malformed(operation, answer.status, 'lacks a positive "expires_in"');
  }
  const refreshToken = typeof refresh_token === "string" && refresh_token
    ? refresh_token
    : request.keepRefreshToken;
  if (!refreshToken) throw malformed(operation, answer.status, 'lacks "refresh_token"');
  return {
    accessToken: access_token,
    refreshToken,
    tokenType: "Bearer",
    expiresIn,
    expiresAt: now() + expiresIn * 1000,
  };
}

/**
 * Revokes a refresh token at the revocation endpoint (RFC 7009).
 *
 * @param http How to reach the SSO.
 * @param endpoint The revocation endpoint.
 * @param credentials The application.
 * @param refreshToken The refresh token to revoke.
 * @param signal Gives up the call.
 * @throws {EsiSsoError} The SSO refused.
 * @example
 * ```ts ignore
 * await revokeToken(http, metadata.revocationEndpoint, { clientId, clientSecret }, refreshToken);
 * ```
 */
export async function revokeToken(
  http: SsoHttp,
  endpoint: string,
  credentials: SsoClientCredentials,
  refreshToken: string,
  signal?: AbortSignal,
): Promise<void> {
  const form = { token_type_hint: "refresh_token", token: refreshToken };
  const { body, headers } = authenticate(credentials, form);
  const answer = await ssoRequest(http, endpoint, { method: "POST", headers, body, signal });
  if (answer.status < 200 || answer.status > 299) {
    throw oauthFailure("revoke", answer, [credentials.clientSecret, refreshToken]);
  }
}
