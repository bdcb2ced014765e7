/**
 * {@link EveSso}: one registered application's side of EVE SSO — the login
 * URL (PKCE), the code exchange, refresh, revocation and access-token
 * verification, with endpoints read from the SSO's metadata.
 *
 * @module
 */

import type { CacheStore } from "../cache/store.ts";
import { type Clock, systemClock } from "../clock.ts";
import { EsiSsoError } from "./errors.ts";
import { JwksCache } from "./jwks.ts";
import { EVE_SSO_METADATA_URL, type SsoMetadata, SsoMetadataLoader } from "./metadata.ts";
import { createPkcePair, randomToken } from "./pkce.ts";
import { type SsoHttp, ssoHttp } from "./request.ts";
import { requestToken, revokeToken, type TokenResponse } from "./token_endpoint.ts";
import {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  EVE_ISSUERS,
  type VerifiedAccessToken,
  verifyAccessToken,
} from "./verify.ts";

/** Options of an {@link EveSso}. */
export interface EveSsoOptions {
  /** The application's client id (from developers.eveonline.com). */
  clientId: string;
  /**
   * The application's secret. Leave it out for a public client (a browser or
   * mobile app): it then authenticates with PKCE alone.
   */
  clientSecret?: string;
  /** The callback URL registered for the application; must match exactly. */
  redirectUri: string;
  /**
   * The fetch to use.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * The SSO's RFC 8414 metadata document.
   * @default "https://login.eveonline.com/.well-known/oauth-authorization-server"
   */
  metadataUrl?: string;
  /**
   * The clock for token expiry, JWKS ages and timeouts.
   * @default systemClock
   */
  clock?: Clock;
  /** Where to share the SSO's JWKS between isolates (any {@link CacheStore}). */
  jwksCache?: CacheStore;
  /** The `User-Agent` sent to the SSO, e.g. `"MyApp/1.0 (me@example.com)"`. */
  userAgent?: string;
  /**
   * Accepted `iss` values of access tokens. Change it only to talk to another
   * SSO (a test server that cannot sign as EVE).
   * @default EVE_ISSUERS
   */
  issuers?: readonly string[];
  /**
   * Leeway on the tokens' `exp` and `nbf`, in seconds.
   * @default 5
   */
  clockToleranceSeconds?: number;
  /**
   * How long one SSO call may take, in milliseconds (0: no limit).
   * @default 10_000
   */
  timeoutMs?: number;
  /**
   * The least time between two JWKS fetches caused by unknown keys, in milliseconds.
   * @default 60_000
   */
  jwksCooldownMs?: number;
  /**
   * How long a fetched JWKS is used before it is fetched again, in milliseconds.
   * @default 600_000
   */
  jwksMaxAgeMs?: number;
}

/** Options of {@link EveSso.authorize}. */
export interface AuthorizeOptions {
  /** The scopes to ask for, e.g. `["esi-skills.read_skills.v1"]`; may be empty. */
  scopes: readonly string[];
  /**
   * The `state` to send back to your callback.
   * @default 32 random bytes from Web Crypto, base64url
   */
  state?: string;
  /**
   * Use PKCE (S256). Public clients always do; a confidential client may turn it off.
   * @default true
   */
  pkce?: boolean;
}

/** The login URL and what to keep until the callback. */
export interface AuthorizeResult {
  /** Send the player's browser here. */
  url: string;
  /** Compare with the callback's `state` before exchanging the code. */
  state: string;
  /** Pass to {@link EveSso.exchangeCode}; keep it server-side or in session storage. */
  codeVerifier?: string;
}

/** Options of {@link EveSso.exchangeCode}. */
export interface ExchangeCodeOptions {
  /** The verifier from {@link EveSso.authorize} (required when PKCE was used). */
  codeVerifier?: string;
  /** Gives up the call. */
  signal?: AbortSignal;
}

/** Options of {@link EveSso.refresh}. */
export interface RefreshOptions {
  /** Ask for a subset of the granted scopes. */
  scopes?: readonly string[];
  /** Gives up the call. */
  signal?: AbortSignal;
}

/**
 * A registered application's client of EVE SSO.
 *
 * @example Login with PKCE, then verification
 * ```ts
 * import { EveSso } from "@esikit/esi/sso";
 *
 * const sso = new EveSso({
 *   clientId: "my-client-id",
 *   redirectUri: "https://app.example.com/callback",
 * });
 * const { url, state, codeVerifier } = await sso.authorize({
 *   scopes: ["esi-skills.read_skills.v1"],
 * });
 * // Redirect to `url`; keep `state` and `codeVerifier`. In the callback:
 * // const tokens = await sso.exchangeCode(code, { codeVerifier });
 * // const who = await sso.verifyAccessToken(tokens.accessToken);
 * ```
 */
export class EveSso {
  /** The application's client id. */
  readonly clientId: string;
  /** The registered callback URL. */
  readonly redirectUri: string;
  readonly #secret?: string;
  readonly #clock: Clock;
  readonly #metadata: SsoMetadataLoader;
  readonly #http: SsoHttp;
  readonly #keys: JwksCache;
  readonly #issuers: readonly string[];
  readonly #tolerance: number;

  /**
   * Creates the client; nothing is fetched until it is needed.
   *
   * @param options The application and how to reach the SSO.
   */
  constructor(options: EveSsoOptions) {
    this.clientId = options.clientId;
    this.redirectUri = options.redirectUri;
    this.#secret = options.clientSecret;
    this.#clock = options.clock ?? systemClock;
    this.#http = ssoHttp(options, this.#clock);
    this.#metadata = new SsoMetadataLoader(
      options.metadataUrl ?? EVE_SSO_METADATA_URL,
      this.#http,
    );
    this.#keys = new JwksCache({
      jwksUri: async () => (await this.#metadata.get()).jwksUri,
      fetch: this.#http.fetch,
      clock: this.#clock,
      timeoutMs: this.#http.timeoutMs,
      userAgent: options.userAgent,
      store: options.jwksCache,
      cooldownMs: options.jwksCooldownMs,
      maxAgeMs: options.jwksMaxAgeMs,
    });
    this.#issuers = options.issuers ?? EVE_ISSUERS;
    this.#tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  }

  /** Whether this is a public client (no secret: PKCE only). */
  get isPublic(): boolean {
    return this.#secret === undefined;
  }

  /** The SSO's JWKS, cached: for {@link verifyAccessToken} elsewhere. */
  get keys(): JwksCache {
    return this.#keys;
  }

  /**
   * The SSO's metadata, fetched once and kept.
   *
   * @param options `signal`: gives up waiting.
   * @returns The metadata.
   * @throws {EsiSsoError} It cannot be fetched or read.
   * @example
   * ```ts
   * import { EveSso } from "@esikit/esi/sso";
   * const sso = new EveSso({ clientId: "id", redirectUri: "https://app.example.com/cb" });
   * await sso.metadata().then((m) => m.tokenEndpoint, () => "offline");
   * ```
   */
  metadata(options: { signal?: AbortSignal } = {}): Promise<SsoMetadata> {
    return this.#metadata.get(options.signal);
  }

  /**
   * Builds the login URL: `response_type=code`, the client id, the redirect
   * URI, the scopes, a random `state` and (by default) a PKCE challenge.
   *
   * @param options The scopes, an optional `state`, and whether to use PKCE.
   * @returns The URL, the `state` and the PKCE verifier to keep.
   * @throws {EsiSsoError} The metadata cannot be fetched.
   * @example
   * ```ts
   * import { EveSso } from "@esikit/esi/sso";
   * const sso = new EveSso({ clientId: "id", redirectUri: "https://app.example.com/cb" });
   * const login = await sso.authorize({ scopes: ["esi-assets.read_assets.v1"] }).catch(() => undefined);
   * ```
   */
  async authorize(options: AuthorizeOptions): Promise<AuthorizeResult> {
    const pkce = options.pkce ?? true;
    if (!pkce && this.isPublic) {
      throw new TypeError("Cannot build the login URL: a public client must use PKCE");
    }
    const metadata = await this.#metadata.get();
    const state = options.state ?? randomToken(32);
    const url = new URL(metadata.authorizationEndpoint);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", this.clientId);
    url.searchParams.set("redirect_uri", this.redirectUri);
    url.searchParams.set("scope", options.scopes.join(" "));
    url.searchParams.set("state", state);
    if (!pkce) return { url: url.href, state };
    const { verifier, challenge } = await createPkcePair();
    url.searchParams.set("code_challenge", challenge);
    url.searchParams.set("code_challenge_method", "S256");
    return { url: url.href, state, codeVerifier: verifier };
  }

  /**
   * Exchanges the authorization code of the callback for tokens.
   *
   * @param code The callback's `code` (single-use, valid 5 minutes).
   * @param options `codeVerifier` from {@link EveSso.authorize}; `signal`.
   * @returns The tokens; verify the access token (or hand them to a `TokenManager`).
   * @throws {EsiSsoError} The SSO refused (`oauthError`, e.g. `"invalid_grant"` for a spent code).
   * @example
   * ```ts
   * import { EveSso } from "@esikit/esi/sso";
   * const sso = new EveSso({ clientId: "id", redirectUri: "https://app.example.com/cb" });
   * await sso.exchangeCode("code-from-callback", { codeVerifier: "kept-verifier" }).catch((e) => e.code);
   * ```
   */
  async exchangeCode(code: string, options: ExchangeCodeOptions = {}): Promise<TokenResponse> {
    if (this.isPublic && !options.codeVerifier) {
      throw new TypeError(
        "Cannot exchange the authorization code: a public client must send the code verifier",
      );
    }
    const metadata = await this.#metadata.get(options.signal);
    const form: Record<string, string> = { grant_type: "authorization_code", code };
    if (options.codeVerifier) form.code_verifier = options.codeVerifier;
    return requestToken(this.#http, metadata.tokenEndpoint, this.#credentials(), {
      operation: "exchange",
      form,
      signal: options.signal,
    }, () => this.#clock.now());
  }

  /**
   * Trades a refresh token for a new access token (and, often, a new refresh
   * token: always keep the returned one).
   *
   * @param refreshToken The current refresh token.
   * @param options `scopes`: ask for a subset; `signal`.
   * @returns The tokens.
   * @throws {EsiSsoError} The SSO refused; `oauthError === "invalid_grant"` means the grant is gone.
   * @example
   * ```ts
   * import { EveSso } from "@esikit/esi/sso";
   * const sso = new EveSso({ clientId: "id", redirectUri: "https://app.example.com/cb" });
   * await sso.refresh("stored-refresh-token").catch((e) => e.oauthError);
   * ```
   */
  async refresh(refreshToken: string, options: RefreshOptions = {}): Promise<TokenResponse> {
    const metadata = await this.#metadata.get(options.signal);
    const form: Record<string, string> = {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
    };
    if (options.scopes) form.scope = options.scopes.join(" ");
    return requestToken(this.#http, metadata.tokenEndpoint, this.#credentials(), {
      operation: "refresh",
      form,
      keepRefreshToken: refreshToken,
      signal: options.signal,
    }, () => this.#clock.now());
  }

  /**
   * Revokes a refresh token (the SSO answers 200 even for unknown tokens).
   *
   * @param refreshToken The refresh token to revoke.
   * @param options `signal`: gives up the call.
   * @throws {EsiSsoError} The SSO refused, or has no revocation endpoint.
   * @example
   * ```ts
   * import { EveSso } from "@esikit/esi/sso";
   * const sso = new EveSso({ clientId: "id", redirectUri: "https://app.example.com/cb" });
   * await sso.revoke("stored-refresh-token").catch((e) => e.code);
   * ```
   */
  async revoke(refreshToken: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const metadata = await this.#metadata.get(options.signal);
    if (!metadata.revocationEndpoint) {
      throw new EsiSsoError(
        "Cannot revoke the token: the SSO's metadata has no revocation endpoint",
        {
          operation: "revoke",
        },
      );
    }
    await revokeToken(
      this.#http,
      metadata.revocationEndpoint,
      this.#credentials(),
      refreshToken,
      options.signal,
    );
  }

  /**
   * Verifies an access token against the SSO's JWKS and EVE's claim rules,
   * with this application's client id and the injected clock.
   *
   * @param jwt The access token.
   * @returns The verified character, scopes and times.
   * @throws {EsiTokenInvalidError} The token is refused; `reason` says why.
   * @throws {EsiSsoError} The metadata or the JWKS cannot be fetched.
   * @example
   * ```ts
   * import { EveSso } from "@esikit/esi/sso";
   * const sso = new EveSso({ clientId: "id", redirectUri: "https://app.example.com/cb" });
   * await sso.verifyAccessToken("eyJ...").catch((e) => e.code);
   * ```
   */
  verifyAccessToken(jwt: string): Promise<VerifiedAccessToken> {
    return verifyAccessToken(jwt, {
      clientId: this.clientId,
      keys: this.#keys,
      issuers: this.#issuers,
      clockToleranceSeconds: this.#tolerance,
      clock: this.#clock,
    });
  }

  #credentials(): { clientId: string; clientSecret?: string } {
    return { clientId: this.clientId, clientSecret: this.#secret };
  }
}
