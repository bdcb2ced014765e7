/**
 * A simulated EVE SSO for tests: RFC 8414 metadata, an auto-approving
 * authorize endpoint, the token endpoint (authorization-code and refresh
 * grants, PKCE and client authentication checked, single-use 5-minute codes,
 * refresh-token rotation), revocation, and a JWKS with an RS256 and an ES256
 * key that can be rotated. Faults are scriptable, requests are recorded with
 * secrets redacted, and time comes from an injected clock.
 *
 * `fetch` and `handler(req)` are runtime-agnostic; `serve()` from
 * `@esikit/esi/testing/deno` serves it on 127.0.0.1.
 *
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { noListener, type SimListen, type SimServer } from "./sim_server.ts";
import type { JsonWebKeySet } from "../sso/jwks.ts";
import type { TokenResponse } from "../sso/token_endpoint.ts";
import {
  type MintAccessTokenOptions,
  ownerHash,
  s256,
  type SsoSimAlgorithm,
  SsoSimKeyRing,
} from "./sso_sim_keys.ts";

export {
  EVE_RS256_KID,
  type MintAccessTokenOptions,
  type SsoSimKey,
  SsoSimKeyRing,
} from "./sso_sim_keys.ts";
export type { SsoSimAlgorithm } from "./sso_sim_keys.ts";

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

interface Code {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  character: SsoSimCharacter;
  challenge?: string;
  expiresAt: number;
}

interface Grant {
  clientId: string;
  scopes: string[];
  character: SsoSimCharacter;
}

interface Caller {
  client?: SsoSimClient;
  auth: "basic" | "body" | "none";
  id?: string;
  error?: Response;
}

const CODE_LIFETIME_MS = 5 * 60_000;
const IN_PROCESS = "http://sso.simulator";
const SECRET_PARAMS = new Set(["code", "code_verifier", "refresh_token", "token", "client_secret"]);
const PATHS: Record<string, SsoSimEndpoint> = {
  "/.well-known/oauth-authorization-server": "metadata",
  "/v2/oauth/authorize": "authorize",
  "/v2/oauth/token": "token",
  "/v2/oauth/revoke": "revoke",
  "/oauth/jwks": "jwks",
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

function oauthError(status: number, error: string, description: string): Response {
  return json(status, { error, error_description: description });
}

function random(bytes: number): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw));
}

/**
 * A simulated EVE SSO.
 *
 * @example Log in, refresh, and verify against the simulator
 * ```ts
 * import { EveSso } from "@esikit/esi/sso";
 * import { SsoSimulator } from "@esikit/esi/testing";
 * import { serve } from "@esikit/esi/testing/deno";
 *
 * await using sim = await serve(await SsoSimulator.create({
 *   clients: [{ clientId: "app", redirectUris: ["http://127.0.0.1/cb"] }],
 * }));
 * const sso = new EveSso({ clientId: "app", redirectUri: "http://127.0.0.1/cb", metadataUrl: sim.metadataUrl });
 * const login = await sso.authorize({ scopes: ["esi-skills.read_skills.v1"] });
 * const redirect = await fetch(login.url, { redirect: "manual" });
 * const code = new URL(redirect.headers.get("location")!).searchParams.get("code")!;
 * const tokens = await sso.exchangeCode(code, { codeVerifier: login.codeVerifier });
 * (await sso.verifyAccessToken(tokens.accessToken)).characterId; // 2112625428
 * ```
 */
export class SsoSimulator implements AsyncDisposable {
  readonly #clock: Clock;
  readonly #issuer: string;
  readonly #lifetime: number;
  readonly #rotate: boolean;
  readonly #loneScope: boolean;
  readonly #ring: SsoSimKeyRing;
  readonly #clients = new Map<string, SsoSimClient>();
  readonly #codes = new Map<string, Code>();
  readonly #grants = new Map<string, Grant>();
  readonly #queue: SsoSimCharacter[] = [];
  #faults: (SsoSimFault & { left: number })[] = [];
  readonly #port: number;
  readonly #listen?: SimListen;
  #server?: SimServer;

  /** The default character logged in when none is queued. */
  character: SsoSimCharacter;
  /** Every request received, in order, secrets redacted. */
  readonly requests: SsoSimRequest[] = [];
  /** Requests per endpoint. */
  readonly counters: SsoSimCounters = {
    metadataRequests: 0,
    authorizeRequests: 0,
    jwksRequests: 0,
    revokeRequests: 0,
    tokenRequests: 0,
    tokenRequestsByGrant: {},
  };

  private constructor(options: SsoSimulatorOptions, ring: SsoSimKeyRing, clock: Clock) {
    this.#clock = clock;
    this.#issuer = options.issuer ?? "https://login.eveonline.com";
    this.#lifetime = options.accessTokenLifetime ?? 1200;
    this.#rotate = options.rotateRefreshTokens ?? true;
    this.#loneScope = options.loneScopeAsString ?? false;
    this.#ring = ring;
    this.#port = options.port ?? 0;
    this.#listen = options.listen;
    this.character = options.character ?? { characterId: 2112625428, name: "Some Bloke" };
    for (const client of options.clients ?? []) this.registerClient(client);
  }

  /**
   * Creates a simulator: it answers through `fetch` at once, and over HTTP
   * once started (`serve()` from `@esikit/esi/testing/deno`).
   *
   * @param options Clients, character, clock and token behaviour.
   * @returns The simulator.
   */
  static async create(options: SsoSimulatorOptions = {}): Promise<SsoSimulator> {
    const clock = options.clock ?? systemClock;
    const ring = await SsoSimKeyRing.create(clock, options.issuer ?? "https://login.eveonline.com");
    return new SsoSimulator(options, ring, clock);
  }

  /**
   * Serves the simulator on 127.0.0.1 (on a free port unless `port` was
   * given) through a listener: the one given, else the `listen` option.
   *
   * @param listen How to listen on a socket in this runtime.
   * @throws {Error} When it is already serving, or has no listener.
   */
  async start(listen: SimListen | undefined = this.#listen): Promise<void> {
    if (this.#server) throw new Error("Cannot start the SSO simulator: it is already serving");
    if (!listen) throw noListener("SSO simulator");
    this.#server = await listen(this.handler, { hostname: "127.0.0.1", port: this.#port });
  }

  /**
   * The server's origin, `http://127.0.0.1:<port>`.
   *
   * @throws {Error} When the simulator is not serving.
   */
  get url(): string {
    if (!this.#server) throw new Error("Cannot read the SSO simulator's URL: call start() first");
    return this.#server.url;
  }

  /**
   * The metadata document's URL (pass it as `metadataUrl`): on the server
   * when serving, else at `http://sso.simulator`, for {@link SsoSimulator.fetch}.
   */
  get metadataUrl(): string {
    return `${this.#server?.url ?? IN_PROCESS}/.well-known/oauth-authorization-server`;
  }

  /** The `iss` of the tokens. */
  get issuer(): string {
    return this.#issuer;
  }

  /** Stops the server (when started); it can be started again. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    await server?.close();
  }

  /** Stops the server: `await using sim = await serve(await SsoSimulator.create())`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Registers an application.
   *
   * @param client The client id, the secret (confidential) and the callback URLs.
   */
  registerClient(client: SsoSimClient): void {
    this.#clients.set(client.clientId, client);
  }

  /**
   * Makes the next authorization log in as this character.
   *
   * @param character The character.
   */
  queueCharacter(character: SsoSimCharacter): void {
    this.#queue.push(character);
  }

  /**
   * Scripts a fault.
   *
   * @param fault Which endpoint, what to answer, how long to wait, how often.
   */
  fault(fault: SsoSimFault): void {
    this.#faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Drops every scripted fault. */
  clearFaults(): void {
    this.#faults = [];
  }

  /**
   * Revokes every grant of a character: its refresh tokens get `invalid_grant`.
   *
   * @param characterId The character.
   */
  revokeCharacter(characterId: number): void {
    for (const [token, grant] of this.#grants) {
      if (grant.character.characterId === characterId) this.#grants.delete(token);
    }
  }

  /**
   * Whether a refresh token is currently valid.
   *
   * @param refreshToken The refresh token.
   * @returns `true` when a refresh with it would succeed.
   */
  isRefreshTokenValid(refreshToken: string): boolean {
    return this.#grants.has(refreshToken);
  }

  /**
   * Rotates the signing keys: a new RS256 and ES256 pair with new `kid`s.
   *
   * @param options `keepPrevious`: keep publishing the old keys.
   */
  async rotateKeys(options: { keepPrevious?: boolean } = {}): Promise<void> {
    await this.#ring.rotate(options.keepPrevious ?? false);
  }

  /**
   * The published JWKS (with EVE's `"SkipUnresolvedJsonWebKeys": true`).
   *
   * @returns The public keys.
   */
  jwks(): JsonWebKeySet {
    return this.#ring.jwks();
  }

  /**
   * The private key currently signing with an algorithm, for forging tests.
   *
   * @param alg The algorithm.
   * @returns The key and its `kid`.
   */
  signingKey(alg: SsoSimAlgorithm): { kid: string; privateKey: CryptoKey } {
    const { kid, privateKey } = this.#ring.key(alg);
    return { kid, privateKey };
  }

  /**
   * Mints a signed access token with EVE's claims; every claim can be changed.
   *
   * @param options The character, scopes, algorithm, lifetime and overrides.
   * @returns The JWT.
   */
  mintAccessToken(options: MintAccessTokenOptions = {}): Promise<string> {
    return this.#ring.mint(options);
  }

  /**
   * Verifies a token this simulator signed, for the ESI simulator's
   * `verifyToken` option: `undefined` when it is not valid.
   *
   * @param jwt The access token.
   * @returns The character and scopes, or `undefined`.
   */
  readonly verifyToken: (
    jwt: string,
  ) => Promise<{ characterId: number; scopes: string[] } | undefined> = (jwt) =>
    this.#ring.verify(jwt, [this.#issuer]);

  /**
   * Creates a grant directly, as if the character had logged in, and
   * returns its tokens (pass them to `TokenManager.add`).
   *
   * @param options The application, the character and the scopes.
   * @returns The tokens.
   */
  async issueTokens(options: IssueTokensOptions): Promise<TokenResponse> {
    const grant: Grant = {
      clientId: options.clientId,
      scopes: [...(options.scopes ?? [])],
      character: options.character ?? this.character,
    };
    const body = await this.#issue(grant);
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      tokenType: body.token_type,
      expiresIn: body.expires_in,
      expiresAt: this.#clock.now() + body.expires_in * 1000,
    };
  }

  /**
   * The simulator as a `fetch` function, without a socket (EveSso's `fetch`
   * option). Relative URLs are resolved against `http://sso.simulator`.
   *
   * @example
   * ```ts
   * import { EveSso } from "@esikit/esi/sso";
   * import { SsoSimulator } from "@esikit/esi/testing";
   * const sim = await SsoSimulator.create({ clients: [{ clientId: "app", redirectUris: ["http://localhost/cb"] }] });
   * const sso = new EveSso({ clientId: "app", redirectUri: "http://localhost/cb", metadataUrl: sim.metadataUrl, fetch: sim.fetch });
   * ```
   */
  readonly fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
    this.handler(
      input instanceof Request
        ? new Request(input, init)
        : new Request(new URL(input, IN_PROCESS), init),
    );

  /**
   * Answers one request; runtime-agnostic.
   *
   * @param req The request.
   * @returns The answer.
   */
  readonly handler: (req: Request) => Promise<Response> = async (req) => {
    const url = new URL(req.url);
    const endpoint = PATHS[url.pathname];
    const record: SsoSimRequest = {
      at: this.#clock.now(),
      method: req.method,
      path: url.pathname,
      endpoint,
      contentType: req.headers.get("content-type") ?? undefined,
      userAgent: req.headers.get("user-agent") ?? undefined,
      params: {},
      status: 0,
    };
    this.requests.push(record);
    let response: Response;
    try {
      response = await this.#route(req, url, endpoint, record);
    } catch (err) {
      response = oauthError(500, "server_error", `Simulator failure: ${(err as Error).message}`);
    }
    record.status = response.status;
    return response;
  };

  async #route(
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
      this.counters.tokenRequests++;
      this.counters.tokenRequestsByGrant[grant] = (this.counters.tokenRequestsByGrant[grant] ?? 0) +
        1;
    } else {
      this.counters[`${endpoint}Requests`]++;
    }

    const fault = this.#takeFault(endpoint, record.grantType);
    if (fault?.delayMs) await this.#clock.sleep(fault.delayMs);
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
        return json(200, this.#metadata(url.origin));
      case "jwks":
        return json(200, this.#ring.jwks());
      case "authorize":
        return this.#authorize(url.searchParams, record);
      case "token":
        return await this.#token(req, form, record);
      case "revoke":
        return this.#revoke(req, form, record);
    }
  }

  #takeFault(endpoint: SsoSimEndpoint, grantType?: string): SsoSimFault | undefined {
    const fault = this.#faults.find((f) =>
      f.left > 0 && f.endpoint === endpoint && (!f.grantType || f.grantType === grantType)
    );
    if (fault) fault.left--;
    this.#faults = this.#faults.filter((f) => f.left > 0);
    return fault;
  }

  #metadata(origin: string): Record<string, unknown> {
    return {
      issuer: this.#issuer,
      authorization_endpoint: `${origin}/v2/oauth/authorize`,
      token_endpoint: `${origin}/v2/oauth/token`,
      response_types_supported: ["code", "token"],
      jwks_uri: `${origin}/oauth/jwks`,
      revocation_endpoint: `${origin}/v2/oauth/revoke`,
      revocation_endpoint_auth_methods_supported: [
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
      ],
      token_endpoint_auth_methods_supported: [
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
      ],
      token_endpoint_auth_signing_alg_values_supported: ["HS256"],
      code_challenge_methods_supported: ["S256"],
    };
  }

  #authorize(query: URLSearchParams, record: SsoSimRequest): Response {
    const clientId = query.get("client_id") ?? "";
    const redirectUri = query.get("redirect_uri") ?? "";
    record.clientId = clientId;
    const client = this.#clients.get(clientId);
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
    this.#codes.set(code, {
      clientId,
      redirectUri,
      scopes: (query.get("scope") ?? "").split(" ").filter(Boolean),
      character: this.#queue.shift() ?? this.character,
      challenge,
      expiresAt: this.#clock.now() + CODE_LIFETIME_MS,
    });
    back.searchParams.set("code", code);
    back.searchParams.set("state", state);
    return new Response(null, { status: 302, headers: { location: back.href } });
  }

  #caller(req: Request, form: URLSearchParams): Caller {
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
      const client = this.#clients.get(id);
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
    const client = id ? this.#clients.get(id) : undefined;
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

  async #token(req: Request, form: URLSearchParams, record: SsoSimRequest): Promise<Response> {
    if (record.contentType?.split(";")[0].trim() !== "application/x-www-form-urlencoded") {
      return oauthError(400, "invalid_request", "The body must be form-encoded");
    }
    const caller = this.#caller(req, form);
    record.clientId = caller.id;
    record.clientAuth = caller.auth;
    if (caller.error) return caller.error;
    const client = caller.client!;

    switch (form.get("grant_type")) {
      case "authorization_code": {
        const code = form.get("code");
        if (!code) return oauthError(400, "invalid_request", "code is required");
        const entry = this.#codes.get(code);
        this.#codes.delete(code); // Single-use, whatever happens next.
        if (!entry || entry.expiresAt <= this.#clock.now()) {
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
          await this.#issue({
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
        const grant = this.#grants.get(token);
        if (!grant || grant.clientId !== client.clientId) {
          return oauthError(400, "invalid_grant", "Invalid refresh token. Token missing/expired.");
        }
        const asked = (form.get("scope") ?? "").split(" ").filter(Boolean);
        if (asked.some((s) => !grant.scopes.includes(s))) {
          return oauthError(400, "invalid_scope", "The requested scope exceeds the grant");
        }
        if (this.#rotate) this.#grants.delete(token);
        const body = await this.#issue(grant, asked.length ? asked : grant.scopes, token);
        return json(200, body, { "cache-control": "no-store" });
      }
      default:
        return oauthError(400, "unsupported_grant_type", "grant_type is not supported");
    }
  }

  async #issue(
    grant: Grant,
    scopes: string[] = grant.scopes,
    previous?: string,
  ): Promise<
    { access_token: string; expires_in: number; token_type: "Bearer"; refresh_token: string }
  > {
    const refreshToken = this.#rotate || !previous ? random(24) : previous;
    this.#grants.set(refreshToken, grant);
    const { characterId, name } = grant.character;
    const accessToken = await this.#ring.mint({
      characterId,
      name,
      owner: grant.character.owner ?? await ownerHash(characterId),
      scopes: this.#loneScope && scopes.length === 1 ? scopes[0] : scopes,
      clientId: grant.clientId,
      expiresIn: this.#lifetime,
    });
    return {
      access_token: accessToken,
      expires_in: this.#lifetime - 1,
      token_type: "Bearer",
      refresh_token: refreshToken,
    };
  }

  #revoke(req: Request, form: URLSearchParams, record: SsoSimRequest): Response {
    const caller = this.#caller(req, form);
    record.clientId = caller.id;
    record.clientAuth = caller.auth;
    if (caller.error) return caller.error;
    const token = form.get("token") ?? "";
    if (this.#grants.get(token)?.clientId === caller.client!.clientId) this.#grants.delete(token);
    return new Response(null, { status: 200 });
  }
}
