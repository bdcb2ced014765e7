/**
 * Wiring shared by the entries: from checked settings and what the runtime
 * offers (Deno KV, a cache store) to the app's dependencies. Upstash when it
 * is configured; else Deno KV when the runtime has it; else memory.
 *
 * @module
 */

import { Redis } from "@upstash/redis";
import type { Hono } from "hono";
import { EsiClient } from "../src/client.ts";
import { MemoryCache } from "../src/cache/memory.ts";
import { UpstashCache } from "../src/cache/upstash.ts";
import type { CacheStore } from "../src/cache/store.ts";
import { type Clock, systemClock } from "../src/clock.ts";
import { type AppDeps, createApp } from "./app.ts";
import type { GatewayConfig } from "./config.ts";
import { type GatewayEnv, jsonLogger, type Logger } from "./context.ts";
import { embeddedLimiter, upstashLimiter } from "./limiter.ts";
import type { ClientAddress, TokenVerifier } from "./middleware/caller_auth.ts";
import { DenoKvStore, type KvLike, MemoryStore, UpstashNonceStore } from "./stores.ts";

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
  /** Verifies callers' EVE access tokens (phase 2: `EveSso.verifyAccessToken`). */
  verifyToken?: TokenVerifier;
  /** The caller's address as the runtime sees it. */
  clientAddress?: ClientAddress;
  /** Renders `/metrics`. */
  metrics?: () => string | Promise<string>;
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
  const cache = options.cache ??
    (config.upstash
      ? new UpstashCache({ url: config.upstash.url, token: config.upstash.token, clock })
      : new MemoryCache());
  const esi = new EsiClient({
    baseUrl: config.esiBaseUrl,
    userAgent: config.userAgent,
    compatibilityDate: config.compatibilityDate,
    timeoutMs: config.esiTimeoutMs,
    cache,
    fetch,
    clock,
    // A gateway answers at once with Retry-After rather than hold its callers while ESI's limits refill.
    limits: { policy: "throw" },
  });

  let deps: AppDeps;
  if (config.upstash) {
    const redis = new Redis({
      url: config.upstash.url,
      token: config.upstash.token,
      // A store outage must degrade quickly, not stall every request in retries.
      retry: { retries: 1, backoff: () => 50 },
      enableTelemetry: false,
    });
    deps = {
      config,
      esi,
      nonces: new UpstashNonceStore({ redis }),
      limiter: upstashLimiter({ redis, tiers: config.tiers }),
    };
  } else {
    const store = kv ? new DenoKvStore({ kv, clock }) : new MemoryStore({ clock });
    deps = {
      config,
      esi,
      nonces: store,
      limiter: embeddedLimiter({ store, tiers: config.tiers, clock }),
    };
  }
  deps = {
    ...deps,
    verifyToken: options.verifyToken,
    clientAddress: options.clientAddress,
    metrics: options.metrics,
    logger,
    clock,
  };
  return { app: createApp(deps), deps };
}
