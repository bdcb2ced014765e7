/**
 * EVE SSO: login with PKCE, code exchange, refresh, revocation, access-token
 * verification against the SSO's JWKS, and a token manager that keeps each
 * character's tokens valid.
 *
 * @module
 */

export * from "./errors.ts";
export * from "./eve_sso.ts";
export * from "./encrypted_token_store.ts";
export { ACCESS_TOKEN_ALGORITHMS, JwksCache, localKeyResolver } from "./jwks.ts";
export type { JsonWebKeySet, JwksCacheOptions, JwksKeyResolver, KeySelector } from "./jwks.ts";
export { EVE_SSO_METADATA_URL } from "./metadata.ts";
export type { SsoMetadata } from "./metadata.ts";
export { createPkcePair, pkceChallenge, randomToken } from "./pkce.ts";
export type { PkcePair } from "./pkce.ts";
export type { SsoClientCredentials, TokenResponse } from "./token_endpoint.ts";
export * from "./token_manager.ts";
export type { AccessTokenSource, TokenIdentity } from "./token_source.ts";
export * from "./token_store.ts";
export * from "./verify.ts";
// Types the SSO's own signatures name, so this entry point documents them whole.
export type { CacheEntry, CacheStore } from "../cache/store.ts";
export type { Clock } from "../clock.ts";
export { EsiError, type EsiErrorCode } from "../errors/base.ts";
export type { Hook, TokenRefreshEvent } from "../observe/hooks.ts";
