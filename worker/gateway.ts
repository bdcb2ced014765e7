/**
 * Wiring shared by the entries: from checked settings and what the runtime
 * offers (Deno KV, a cache store) to the app's dependencies. Upstash when it
 * is configured; else Deno KV when the runtime has it; else memory.
 *
 * @module
 */

import { Redis } from "@upstash/redis";
import type { Hono } from "hono";
import { EsiClient } from "../src/client/client.ts";
import { MemoryCache } from "../src/cache/memory.ts";
import { UpstashCache } from "../src/cache/upstash.ts";
import type { CacheStore } from "../src/cache/store.ts";
import { type Clock, systemClock } from "../src/clock.ts";
import { type AppDeps, createApp } from "./app.ts";
import type { GatewayConfig } from "./config.ts";
import { type GatewayEnv, jsonLogger, type Logger } from "./context.ts";
import { EsiMetrics } from "../src/observe/esi_metrics.ts";
import { MetricsRegistry } from "../src/observe/registry.ts";
import { GatewayMetrics } from "./metrics.ts";
import type { ErrorBudgetStore, ErrorLimitOptions } from "../src/limits/error_limit.ts";
import { DenoKvBudgetStore } from "../src/limits/budget_deno_kv.ts";
import { UpstashBudgetStore } from "../src/limits/budget_upstash.ts";
import type { CallerLimiter } from "./limiter/types.ts";
import { embeddedLimiter } from "./limiter/embedded.ts";
import { upstashLimiter } from "./limiter/upstash.ts";
import type { ClientAddress, TokenVerifier } from "./middleware/caller_auth.ts";
import { EveSso } from "../src/sso/eve_sso.ts";
import { EncryptedTokenStore } from "../src/sso/encrypted_token_store.ts";
import { TokenManager } from "../src/sso/token_manager.ts";
import { Sessions } from "./auth/sessions.ts";
import type { GatewayAuth } from "./routes/auth.ts";
import type { KvLike, NonceStore, ValueStore } from "./stores/types.ts";
import { MemoryStore } from "./stores/memory.ts";
import { DenoKvStore } from "./stores/deno_kv.ts";
import { UpstashNonceStore, UpstashValueStore } from "./stores/upstash.ts";

/** What the runtime offers the gateway. */
export interface GatewayOptions {
  /** The checked settings. */
  config: GatewayConfig;
  /** An opened Deno KV, for the embedded store (used when Upstash is not configured). */
  kv?: KvLike;
  /**
   * The response cache.
   * @default an UpstashCache when Upstash is configured, else a MemoryCache
   */
  cache?: CacheStore;
  /**
   * The `fetch` ESI is reached with.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /**
   * Verifies callers' EVE access tokens.
   * @default `EveSso.verifyAccessToken` when EVE SSO is configured
   */
  verifyToken?: TokenVerifier;
  /** The caller's address as the runtime sees it. */
  clientAddress?: ClientAddress;
  /** The error-limit guard's reserve and store sync interval (the store is the shared one). */
  errorLimit?: Omit<ErrorLimitOptions, "store">;
  /**
   * Where the client's and the gateway's series are kept (`/metrics`).
   * @default a new MetricsRegistry
   */
  registry?: MetricsRegistry;
  /**
   * Where log records go.
   * @default one JSON line each on standard output
   */
  logger?: Logger;
  /**
   * The clock.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Answer cache hits from a response prepared once per cached entry;
   * `"per-request"` builds each hit's `Response` anew (workerd).
   * @default true
   */
  prepareHits?: boolean | "per-request";
}

/** The gateway, built: its app and what it was built from. */
export interface Gateway {
  /** The Hono app. */
  app: Hono<GatewayEnv>;
  /** Its dependencies. */
  deps: AppDeps;
}

/**
 * Builds the gateway's dependencies and app.
 *
 * @param options The settings and what the runtime offers.
 * @returns The app and its dependencies.
 * @example
 * ```ts
 * import { createGateway } from "./gateway.ts";
 * import { loadConfig } from "./config.ts";
 * const { app } = createGateway({ config: loadConfig({ ESI_USER_AGENT: "MyApp/1.0" }) });
 * (await app.request("/healthz")).status; // 200
 * ```
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, kv, fetch, clock = systemClock, logger = jsonLogger } = options;
  const registry = options.registry ?? new MetricsRegistry();
  const esiMetrics = new EsiMetrics({ registry });
  const gatewayMetrics = new GatewayMetrics({ registry });
  const hooks = esiMetrics.hooks();
  const cache = options.cache ??
    (config.upstash
      ? new UpstashCache({ url: config.upstash.url, token: config.upstash.token, clock, hooks })
      : new MemoryCache());

  let nonces: NonceStore;
  let values: ValueStore;
  let limiter: CallerLimiter;
  let budget: ErrorBudgetStore | undefined;
  if (config.upstash) {
    const redis = new Redis({
      url: config.upstash.url,
      token: config.upstash.token,
      // A store outage must degrade quickly, not stall every request in retries.
      retry: { retries: 1, backoff: () => 50 },
      enableTelemetry: false,
    });
    // Values are strings and must come back as strings, not parsed as JSON.
    const raw = new Redis({
      url: config.upstash.url,
      token: config.upstash.token,
      retry: { retries: 1, backoff: () => 50 },
      enableTelemetry: false,
      automaticDeserialization: false,
    });
    nonces = new UpstashNonceStore({ redis, clock });
    values = new UpstashValueStore({ redis: raw, clock });
    limiter = upstashLimiter({ redis, tiers: config.tiers, clock });
    budget = new UpstashBudgetStore({ redis: raw, clock });
  } else {
    const store = kv ? new DenoKvStore({ kv, clock }) : new MemoryStore({ clock });
    nonces = store;
    values = store;
    limiter = embeddedLimiter({ store, tiers: config.tiers, clock });
    // Without a shared store (memory) the process's own view is the only one.
    if (kv) budget = new DenoKvBudgetStore({ kv, clock });
  }

  const esi = new EsiClient({
    baseUrl: config.esiBaseUrl,
    userAgent: config.userAgent,
    compatibilityDate: config.compatibilityDate,
    timeoutMs: config.esiTimeoutMs,
    cache,
    fetch,
    clock,
    hooks,
    // A gateway answers at once with Retry-After rather than hold its callers while ESI's limits refill.
    // ESI's error budget is per address: every instance behind one spends one budget.
    limits: { policy: "throw", errorLimit: { ...options.errorLimit, store: budget } },
    // The gateway only passes raw bytes on: a copy of each body would be garbage.
    shareRawBytes: true,
  });

  let verifyToken = options.verifyToken;
  let auth: GatewayAuth | undefined;
  if (config.sso) {
    const sso = new EveSso({
      clientId: config.sso.clientId,
      clientSecret: config.sso.clientSecret,
      redirectUri: config.sso.callbackUrl,
      metadataUrl: config.sso.metadataUrl,
      userAgent: config.userAgent,
      // Every isolate verifies against one JWKS, fetched once.
      jwksCache: cache,
      clock,
    });
    verifyToken ??= async (jwt) => {
      const { characterId, scopes } = await sso.verifyAccessToken(jwt);
      return { characterId, scopes };
    };
    const login = config.sso.login;
    if (login) {
      const store = new EncryptedTokenStore({
        key: login.tokenKey,
        backend: {
          get: (key) => values.get(key),
          // A character's tokens outlive its newest session by nothing.
          set: (key, value) => values.set(key, value, login.sessionTtlMs),
          delete: (key) => values.delete(key),
        },
        prefix: "token:",
      });
      auth = {
        sso,
        tokens: new TokenManager({ sso, store, clock, onTokenRefresh: hooks.tokenRefresh }),
        sessions: new Sessions({ store: values, ttlMs: login.sessionTtlMs }),
        values,
        secret: login.sessionSecret,
        returnOrigins: login.returnOrigins,
      };
    }
  }

  const deps: AppDeps = {
    config,
    esi,
    nonces,
    limiter,
    verifyToken,
    auth,
    clientAddress: options.clientAddress,
    gatewayMetrics,
    logger,
    clock,
    prepareHits: options.prepareHits,
    errorLimit: { store: budget, reserve: options.errorLimit?.reserve },
  };
  return { app: createApp(deps), deps };
}
