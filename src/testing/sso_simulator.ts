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
  type SsoSimAlgorithm,
  SsoSimKeyRing,
} from "./sso_sim_keys.ts";
import { handleSso } from "./sso_sim_handle.ts";
import type {
  IssueTokensOptions,
  SsoSimCharacter,
  SsoSimClient,
  SsoSimCounters,
  SsoSimFault,
  SsoSimRequest,
  SsoSimulatorOptions,
} from "./sso_sim_options.ts";
import type { Grant, SsoSimState } from "./sso_sim_state.ts";
import { issue } from "./sso_sim_token.ts";

export {
  EVE_RS256_KID,
  type MintAccessTokenOptions,
  type SsoSimKey,
  SsoSimKeyRing,
} from "./sso_sim_keys.ts";
export type { SsoSimAlgorithm } from "./sso_sim_keys.ts";
export type {
  IssueTokensOptions,
  SsoSimCharacter,
  SsoSimClient,
  SsoSimCounters,
  SsoSimEndpoint,
  SsoSimFault,
  SsoSimRequest,
  SsoSimulatorOptions,
} from "./sso_sim_options.ts";

const IN_PROCESS = "http://sso.simulator";

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
  readonly #state: SsoSimState;
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
    this.#state = {
      clock,
      issuer: options.issuer ?? "https://login.eveonline.com",
      lifetime: options.accessTokenLifetime ?? 1200,
      rotate: options.rotateRefreshTokens ?? true,
      loneScope: options.loneScopeAsString ?? false,
      ring,
      clients: new Map(),
      codes: new Map(),
      grants: new Map(),
      queue: [],
      faults: [],
      requests: this.requests,
      counters: this.counters,
      character: () => this.character,
    };
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
    return this.#state.issuer;
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
    this.#state.clients.set(client.clientId, client);
  }

  /**
   * Makes the next authorization log in as this character.
   *
   * @param character The character.
   */
  queueCharacter(character: SsoSimCharacter): void {
    this.#state.queue.push(character);
  }

  /**
   * Scripts a fault.
   *
   * @param fault Which endpoint, what to answer, how long to wait, how often.
   */
  fault(fault: SsoSimFault): void {
    this.#state.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Drops every scripted fault. */
  clearFaults(): void {
    this.#state.faults = [];
  }

  /**
   * Revokes every grant of a character: its refresh tokens get `invalid_grant`.
   *
   * @param characterId The character.
   */
  revokeCharacter(characterId: number): void {
    const grants = this.#state.grants;
    for (const [token, grant] of grants) {
      if (grant.character.characterId === characterId) grants.delete(token);
    }
  }

  /**
   * Whether a refresh token is currently valid.
   *
   * @param refreshToken The refresh token.
   * @returns `true` when a refresh with it would succeed.
   */
  isRefreshTokenValid(refreshToken: string): boolean {
    return this.#state.grants.has(refreshToken);
  }

  /**
   * Rotates the signing keys: a new RS256 and ES256 pair with new `kid`s.
   *
   * @param options `keepPrevious`: keep publishing the old keys.
   */
  async rotateKeys(options: { keepPrevious?: boolean } = {}): Promise<void> {
    await this.#state.ring.rotate(options.keepPrevious ?? false);
  }

  /**
   * The published JWKS (with EVE's `"SkipUnresolvedJsonWebKeys": true`).
   *
   * @returns The public keys.
   */
  jwks(): JsonWebKeySet {
    return this.#state.ring.jwks();
  }

  /**
   * The private key currently signing with an algorithm, for forging tests.
   *
   * @param alg The algorithm.
   * @returns The key and its `kid`.
   */
  signingKey(alg: SsoSimAlgorithm): { kid: string; privateKey: CryptoKey } {
    const { kid, privateKey } = this.#state.ring.key(alg);
    return { kid, privateKey };
  }

  /**
   * Mints a signed access token with EVE's claims; every claim can be changed.
   *
   * @param options The character, scopes, algorithm, lifetime and overrides.
   * @returns The JWT.
   */
  mintAccessToken(options: MintAccessTokenOptions = {}): Promise<string> {
    return this.#state.ring.mint(options);
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
    this.#state.ring.verify(jwt, [this.#state.issuer]);

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
    const body = await issue(this.#state, grant);
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      tokenType: body.token_type,
      expiresIn: body.expires_in,
      expiresAt: this.#state.clock.now() + body.expires_in * 1000,
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
  readonly handler: (req: Request) => Promise<Response> = (req) => handleSso(this.#state, req);
}
