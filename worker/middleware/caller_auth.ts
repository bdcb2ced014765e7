/**
 * Who is calling: an API key with a valid, fresh, unused signature; a
 * character with a verified EVE access token; or an address. Refusals answer
 * 401 (501 for a token when no verifier is configured) before anything goes
 * upstream.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { getSignedCookie } from "hono/cookie";
import { type Clock, systemClock } from "../../src/clock.ts";
import type { TokenIdentity } from "../../src/sso/token_source.ts";
import type { GatewayConfig } from "../config.ts";
import {
  type Caller,
  fail,
  type GatewayEnv,
  type Logger,
  requestTarget,
  shorten,
} from "../context.ts";
import { hmacKey, SIGNATURE_SCHEME } from "../../src/signing/canonical.ts";
import { verifyRequest } from "../../src/signing/verify.ts";
import type { NonceStore } from "../stores/types.ts";
import {
  reportStoreFailure,
  STORE_TIMEOUT_MS,
  storeUnavailable,
  withDeadline,
} from "../stores/deadline.ts";
import { SESSION_COOKIE } from "../auth/sessions.ts";
import { scrubError } from "../log/scrub.ts";
import type { GatewayAuth } from "../routes/auth.ts";
import type { GatewayMetrics } from "../metrics.ts";

/**
 * Verifies a caller's EVE access token and names its character. Phase 2
 * passes `(jwt) => sso.verifyAccessToken(jwt)` from `EveSso`; it rejects with
 * an error whose `code` is `"ERR_TOKEN_INVALID"` when the token is bad.
 */
export type TokenVerifier = (token: string) => Promise<TokenIdentity>;

/**
 * Finds the caller's address: the runtime's view, before any proxy header,
 * from the request and the runtime's bindings (Hono's `c.env`).
 */
export type ClientAddress = (request: Request, env: unknown) => string | undefined;

/** Options of {@link callerAuth}. */
export interface CallerAuthOptions {
  /** The settings: API keys, whether one is required, tiers, proxy trust, store failure mode. */
  config: Pick<
    GatewayConfig,
    "apiKeys" | "requireApiKey" | "tiers" | "trustProxyHops" | "onStoreError"
  >;
  /** Where used signatures are remembered. */
  nonces: NonceStore;
  /** Verifies bearer tokens; without one, token calls are refused with 501. */
  verifyToken?: TokenVerifier;
  /**
   * The caller's address as the runtime sees it.
   * @default the `remoteAddr` binding Deno's entry passes
   */
  clientAddress?: ClientAddress;
  /** Worker sessions: callers with a session cookie use their stored tokens. */
  auth?: Pick<GatewayAuth, "sessions" | "tokens" | "secret">;
  /** Counts refused credentials and store failures. */
  metrics?: GatewayMetrics;
  /** Where store failures are reported. */
  logger: Logger;
  /**
   * The clock signatures are timed by.
   * @default systemClock
   */
  clock?: Clock;
}

const challenge = { "WWW-Authenticate": SIGNATURE_SCHEME };

/** The address the Deno entry binds: `Deno.serve`'s `info.remoteAddr`. */
export const remoteAddress: ClientAddress = (_request, env) =>
  (env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr?.hostname;

/**
 * Authenticates the caller and sets `c.var.caller`.
 *
 * @param options The settings, the nonce store, the token verifier and the clock.
 * @returns The middleware.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { callerAuth } from "./caller_auth.ts";
 * import { loadConfig } from "../config.ts";
 * import { jsonLogger } from "../context.ts";
 * import { MemoryStore } from "../stores/memory.ts";
 * const config = loadConfig({ ESI_USER_AGENT: "MyApp/1.0" });
 * new Hono().use(callerAuth({ config, nonces: new MemoryStore(), logger: jsonLogger }));
 * ```
 */
export function callerAuth(
  {
    config,
    nonces,
    verifyToken,
    auth,
    metrics,
    clientAddress = remoteAddress,
    logger,
    clock = systemClock,
  }: CallerAuthOptions,
): MiddlewareHandler<GatewayEnv> {
  const keys = new Map<string, Promise<CryptoKey>>();
  const keyFor = (id: string, secret: string) => {
    let key = keys.get(id);
    if (!key) keys.set(id, key = hmacKey(secret));
    return key;
  };

  /** Refuses the caller's credentials: 401, counted by reason, marked for the failure limit. */
  const refuse = (
    c: Context<GatewayEnv>,
    reason: string,
    message: string,
    headers: Record<string, string> = challenge,
  ) => {
    metrics?.authFailures.inc({ reason });
    c.set("authFailure", reason);
    return fail(c, 401, message, headers);
  };

  return async function callerAuth(c, next) {
    let caller: Caller | undefined;

    const keyId = c.req.header("X-Api-Key");
    if (keyId !== undefined) {
      const apiKey = config.apiKeys.get(keyId);
      if (!apiKey) {
        return refuse(
          c,
          "key_unknown",
          `Cannot authenticate: API key "${shorten(keyId)}" is unknown`,
        );
      }
      const { path, query } = requestTarget(c);
      const verified = await verifyRequest(
        {
          method: c.req.method,
          pathAndQuery: path + query,
          body: c.get("body"),
          timestamp: c.req.header("X-Timestamp"),
          nonce: c.req.header("X-Nonce"),
          signature: c.req.header("X-Signature"),
        },
        await keyFor(keyId, apiKey.secret),
        clock.now(),
      );
      if (!verified.ok) return refuse(c, verified.reason, verified.message);
      const nonce = verified.nonce;
      let fresh = true;
      try {
        // Remembered as long as any instance may accept the signature: the window either
        // side of the timestamp plus the clock skew allowed between instances, both sides.
        fresh = await withDeadline(
          nonces.claim(`nonce:${keyId}:${nonce}`, verified.nonceTtlMs),
          "check the signature for replay",
          { ms: STORE_TIMEOUT_MS, clock },
        );
      } catch (error) {
        reportStoreFailure("nonce", error, { logger, metrics, store: nonces.name });
        if (config.onStoreError === "closed") {
          return fail(
            c,
            503,
            "Cannot check the signature for replay now: the store is unavailable",
            { "Retry-After": "1" },
          );
        }
      }
      if (!fresh) return refuse(c, "replay", "Cannot authenticate: the nonce was already used");
      caller = { id: `key:${keyId}`, tier: apiKey.tier, apiKey: keyId };
    } else if (config.requireApiKey) {
      return refuse(
        c,
        "key_missing",
        "Cannot proxy: this gateway needs an API key (X-Api-Key, X-Timestamp and X-Signature)",
      );
    }

    const authorization = c.req.header("Authorization");
    if (authorization !== undefined) {
      const bearer = /^Bearer ([\x21-\x7e]+)$/i.exec(authorization);
      if (!bearer) {
        return refuse(
          c,
          "bearer_malformed",
          "Cannot use the Authorization header: expected `Bearer <EVE access token>`",
          { "WWW-Authenticate": "Bearer" },
        );
      }
      if (!verifyToken) {
        return fail(
          c,
          501,
          "Cannot call with a character's token: this gateway has no token verifier configured",
        );
      }
      let character: TokenIdentity;
      try {
        character = await verifyToken(bearer[1]);
      } catch (error) {
        if ((error as { code?: string })?.code === "ERR_TOKEN_INVALID") {
          // The verifier's message says what failed ("Cannot verify the access token: …").
          return refuse(c, "token_invalid", (error as Error).message, {
            "WWW-Authenticate": 'Bearer error="invalid_token"',
          });
        }
        metrics?.authFailures.inc({ reason: "token_unverifiable" });
        logger({ level: "error", msg: "token verification failed", error: scrubError(error) });
        return fail(c, 503, "Cannot verify the access token now; try again later");
      }
      caller = caller ? { ...caller, character, token: bearer[1] } : {
        id: `char:${character.characterId}`,
        tier: characterTier(config.tiers),
        character,
        token: bearer[1],
      };
    }

    // A session is read from the store only for a call that needs its token: public
    // routes keep working for a logged-in browser when the store is down.
    if (auth && authorization === undefined && needsToken(c)) {
      const session = await getSignedCookie(c, auth.secret, SESSION_COOKIE, "host");
      if (session) {
        let found: Caller | undefined;
        try {
          found = await sessionCaller(auth, session, config);
        } catch (error) {
          const report = { logger, metrics, store: "sessions" };
          return storeUnavailable(c, "session", error, report, "read the session");
        }
        if (!found) {
          return refuse(
            c,
            "session_invalid",
            "Cannot use the session: it has ended; log in again",
            {
              "WWW-Authenticate": "Bearer",
            },
          );
        }
        caller = caller
          ? { ...caller, character: found.character, tokenSource: found.tokenSource }
          : found;
      }
    }

    caller ??= addressOf(c.req.raw, c.env, config.trustProxyHops, clientAddress);
    c.set("caller", caller);
    c.get("log").caller = caller.id;
    await next();
  };
}

/**
 * Sets `c.var.caller` to the caller's address, in the anonymous tier, for
 * routes that take no credentials (`/auth/*`): the rate limit after it
 * counts them as it counts anonymous ESI calls.
 *
 * @param options The proxy trust and the runtime's view of the address.
 * @returns The middleware.
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { addressCaller } from "./caller_auth.ts";
 * new Hono().use("/auth/*", addressCaller({ trustProxyHops: 0 }));
 * ```
 */
export function addressCaller(
  { trustProxyHops, clientAddress = remoteAddress }: {
    trustProxyHops: number;
    clientAddress?: ClientAddress;
  },
): MiddlewareHandler<GatewayEnv> {
  return async function addressCaller(c, next) {
    const caller = addressOf(c.req.raw, c.env, trustProxyHops, clientAddress);
    c.set("caller", caller);
    c.get("log").caller = caller.id;
    await next();
  };
}

/**
 * The anonymous caller at the request's address.
 *
 * @param request The request.
 * @param env The runtime's bindings (Hono's `c.env`).
 * @param hops The trusted proxy hops (`TRUST_PROXY`).
 * @param clientAddress The runtime's view of the address.
 * @returns The caller `ip:<address>` in the anonymous tier.
 * @example
 * ```ts ignore
 * addressOf(c.req.raw, c.env, 0, remoteAddress).id; // "ip:127.0.0.1"
 * ```
 */
export function addressOf(
  request: Request,
  env: unknown,
  hops: number,
  clientAddress: ClientAddress,
): Caller {
  const address = clientIp(request, env, hops, clientAddress) ?? "unknown";
  return { id: `ip:${address}`, tier: "anonymous" };
}

/** Whether the matched ESI route needs a character's token (unknown without a matched route). */
function needsToken(c: Context<GatewayEnv>): boolean {
  const route = c.get("esiRoute");
  return route === undefined || route.operation.scopes.length > 0;
}

/** The tier of a caller known by its character: `character` when configured, else `default`. */
function characterTier(tiers: GatewayConfig["tiers"]): string {
  return Object.hasOwn(tiers, "character") ? "character" : "default";
}

/** The caller behind a session: its character's stored tokens, or `undefined` when it is gone. */
async function sessionCaller(
  auth: Pick<GatewayAuth, "sessions" | "tokens">,
  session: string,
  config: Pick<GatewayConfig, "tiers">,
): Promise<Caller | undefined> {
  let characterId: number | undefined;
  let character: TokenIdentity;
  try {
    characterId = await auth.sessions.find(session);
    if (characterId === undefined) return undefined;
    character = await auth.tokens.identity(characterId);
  } catch (error) {
    if ((error as { code?: string })?.code === "ERR_TOKEN_INVALID") return undefined;
    throw error;
  }
  return {
    id: `char:${characterId}`,
    tier: characterTier(config.tiers),
    character,
    tokenSource: auth.tokens.source(characterId),
  };
}

/**
 * The caller's address: with `hops` trusted proxies in front, the address the
 * outermost trusted one saw (`X-Forwarded-For`, counted from the right); else
 * the runtime's.
 */
function clientIp(
  request: Request,
  env: unknown,
  hops: number,
  clientAddress: ClientAddress,
): string | undefined {
  if (hops > 0) {
    const forwarded = request.headers.get("X-Forwarded-For")?.split(",").map((s) => s.trim())
      .filter(Boolean);
    if (forwarded?.length) return forwarded[Math.max(0, forwarded.length - hops)];
  }
  return clientAddress(request, env);
}
