/**
 * The gateway: a Hono app that puts the module behind HTTP. It touches no
 * runtime global; the entries (`worker/deno.ts`, `worker/cloudflare.ts`)
 * build its dependencies and serve it.
 *
 * @module
 */

import { Hono } from "hono";
import { cors } from "hono/cors";
import type { EsiClient } from "../src/client/client.ts";
import { type Clock, systemClock } from "../src/clock.ts";
import type { GatewayConfig } from "./config.ts";
import { fail, type GatewayEnv, jsonLogger, type Logger, requestTarget } from "./context.ts";
import type { CallerLimiter } from "./limiter/types.ts";
import {
  addressCaller,
  callerAuth,
  type ClientAddress,
  type TokenVerifier,
} from "./middleware/caller_auth.ts";
import { esiRoute } from "./middleware/esi_route.ts";
import { authFailureLimit, RefusedAddresses } from "./middleware/auth_failures.ts";
import { front } from "./middleware/front.ts";
import { rateLimit } from "./middleware/rate_limit.ts";
import { requestBody } from "./middleware/request_body.ts";
import { requestDeadline } from "./middleware/deadline.ts";
import { esiProxy } from "./proxy/route.ts";
import { hitLane } from "./proxy/hit_lane.ts";
import { PreparedHits } from "./proxy/prepared_hits.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { authRoutes, type GatewayAuth } from "./routes/auth.ts";
import type { NonceStore } from "./stores/types.ts";
import { scrubError } from "./log/scrub.ts";
import type { ErrorBudgetStore } from "../src/limits/error_limit.ts";
import { dashboard } from "./dashboard/routes.ts";

/** Everything the gateway needs, built by an entry (or a test). */
export interface AppDeps {
  /** The checked settings. */
  config: GatewayConfig;
  /** The client every ESI call goes through (its cache is the shared one). */
  esi: EsiClient;
  /** Where used signatures are remembered. */
  nonces: NonceStore;
  /** Limits the gateway's callers. */
  limiter: CallerLimiter;
  /**
   * Verifies callers' EVE access tokens; without it, calls with a token are
   * refused with 501.
   */
  verifyToken?: TokenVerifier;
  /** EVE SSO login (`/auth/*`) and worker sessions; off without it. */
  auth?: GatewayAuth;
  /**
   * Resolves when the shared store answers (`/readyz`).
   * @default nonces.ping()
   */
  checkStore?: () => Promise<unknown>;
  /**
   * The caller's address as the runtime sees it.
   * @default the `remoteAddr` binding Deno's entry passes
   */
  clientAddress?: ClientAddress;
  /** The gateway's own series (requests, refusals, store errors). */
  gatewayMetrics?: GatewayMetrics;
  /**
   * Renders `/metrics` (Prometheus text).
   * @default gatewayMetrics' registry, when given; else `/metrics` answers 501
   */
  metrics?: () => string | Promise<string>;
  /**
   * Where log records go.
   * @default one JSON line each on standard output
   */
  logger?: Logger;
  /**
   * The clock: signature windows, rate-limit resets, request timing.
   * @default systemClock
   */
  clock?: Clock;
  /** The status page's shared error budget and reserve (the client's own). */
  errorLimit?: { store?: ErrorBudgetStore; reserve?: number };
  /**
   * Answer cache hits from a response prepared once per cached entry, and
   * public requests seen before in the hit lane (see `PreparedHits` and
   * `proxy/hit_lane.ts`); `"per-request"` builds each hit's `Response` anew
   * (workerd binds a `Response` to the request that made it).
   * @default true
   */
  prepareHits?: boolean | "per-request";
}

/** The gateway's ESI routes are served under this prefix. */
export const ESI_PREFIX = "/esi";

/** Headers callers may send cross-origin, and read back, when CORS is on. */
const corsRequestHeaders = [
  "Authorization",
  "Content-Type",
  "If-None-Match",
  "X-Api-Key",
  "X-Nonce",
  "X-Signature",
  "X-Timestamp",
  "X-Compatibility-Date",
  "X-Request-Id",
];
const corsExposedHeaders = [
  "ETag",
  "Expires",
  "Last-Modified",
  "X-Pages",
  "X-Esi-Request-Id",
  "X-Esi-Error-Limit-Remain",
  "X-Esi-Error-Limit-Reset",
  "X-Ratelimit-Group",
  "X-Ratelimit-Limit",
  "X-Ratelimit-Remaining",
  "X-Ratelimit-Used",
  "X-Compatibility-Date",
  "X-Esikit-Cache",
  "X-Request-Id",
  "RateLimit-Limit",
  "RateLimit-Remaining",
  "RateLimit-Reset",
  "Retry-After",
];

/**
 * Builds the gateway.
 *
 * Routes: `GET /healthz`, `GET /readyz`, `GET /metrics` (bearer), and
 * `/esi/<path>` for every operation of the spec (GET and HEAD for reads; POST,
 * PUT and DELETE where the spec has them). Every request gets an
 * `X-Request-Id`, secure default headers and one JSON log line.
 *
 * @param deps The settings, client, stores, limiter, logger and clock.
 * @returns The Hono app.
 * @example
 * ```ts
 * import { createApp } from "./app.ts";
 * import { loadConfig } from "./config.ts";
 * import { embeddedLimiter } from "./limiter/embedded.ts";
 * import { MemoryStore } from "./stores/memory.ts";
 * import { EsiClient } from "../src/client/client.ts";
 *
 * const config = loadConfig({ ESI_USER_AGENT: "MyApp/1.0 (me@example.com)" });
 * const store = new MemoryStore();
 * const app = createApp({
 *   config,
 *   esi: new EsiClient({ userAgent: config.userAgent }),
 *   nonces: store,
 *   limiter: embeddedLimiter({ store, tiers: config.tiers }),
 * });
 * const res = await app.request("/healthz");
 * res.status; // 200
 * ```
 */
export function createApp(deps: AppDeps): Hono<GatewayEnv> {
  const {
    config,
    esi,
    nonces,
    limiter,
    verifyToken,
    auth,
    checkStore = () => nonces.ping(),
    clientAddress,
    gatewayMetrics,
    metrics = gatewayMetrics && (() => gatewayMetrics.registry.toPrometheus()),
    logger = jsonLogger,
    clock = systemClock,
    prepareHits,
    errorLimit,
  } = deps;

  const app = new Hono<GatewayEnv>();
  // Request id, secure headers, one log line: one middleware.
  app.use(front({ logger, metrics: gatewayMetrics, clock }));
  if (config.corsOrigins.length) {
    app.use(cors({
      origin: config.corsOrigins.includes("*") ? "*" : [...config.corsOrigins],
      allowMethods: ["GET", "HEAD", "POST", "PUT", "DELETE"],
      allowHeaders: corsRequestHeaders,
      exposeHeaders: corsExposedHeaders,
      maxAge: 600,
    }));
  }

  app.route("/", healthRoutes({ esi, checkStore, storeName: nonces.name, clock }));
  // The status page reads the registry behind /metrics; a scrape of it takes a reading too.
  const status = gatewayMetrics && config.dashboard !== "off"
    ? dashboard({
      config,
      registry: gatewayMetrics.registry,
      storeName: nonces.name,
      budgetStore: errorLimit?.store,
      reserve: errorLimit?.reserve,
      clock,
    })
    : undefined;
  const render = status && metrics
    ? () => {
      status.tick();
      return metrics();
    }
    : metrics;
  app.route("/", metricsRoutes({ token: config.metricsToken, render }));
  if (status) app.route("/", status.routes);
  const limit = rateLimit({
    limiter,
    onStoreError: config.onStoreError,
    logger,
    metrics: gatewayMetrics,
    clock,
  });
  if (auth) {
    // Each login writes a record to the store: callers are limited by address.
    app.use(
      "/auth/*",
      addressCaller({ trustProxyHops: config.trustProxyHops, clientAddress }),
      limit,
    );
    app.route("/", authRoutes({ auth, logger, metrics: gatewayMetrics, clock }));
  }

  const refused = new RefusedAddresses();
  const hits = prepareHits === false
    ? undefined
    : new PreparedHits({ clock, perRequest: prepareHits === "per-request" });
  app.use(
    `${ESI_PREFIX}/*`,
    esiRoute({ prefix: ESI_PREFIX }),
    requestDeadline({ ms: config.requestDeadlineMs, clock }),
    // Before the body is read and any credential verified.
    authFailureLimit({
      limiter,
      trustProxyHops: config.trustProxyHops,
      clientAddress,
      refused,
      logger,
      metrics: gatewayMetrics,
      clock,
    }),
    requestBody({ maxBytes: config.maxBodyBytes }),
    callerAuth({
      config,
      nonces,
      verifyToken,
      auth,
      metrics: gatewayMetrics,
      clientAddress,
      logger,
      clock,
    }),
    limit,
  );
  app.all(
    `${ESI_PREFIX}/*`,
    esiProxy({
      esi,
      clock,
      hits,
      metrics: gatewayMetrics,
      maxAllPages: config.maxAllPages,
      callerErrorBudget: config.callerErrorBudget,
      logger,
    }),
  );

  app.notFound((c) => fail(c, 404, `Cannot find "${requestTarget(c).path}"`));
  app.onError((error, c) => {
    logger({
      level: "error",
      msg: "unhandled error",
      requestId: c.get("requestId"),
      // A store's error message carries its command (keys and values): never logged raw.
      error: scrubError(error),
      stack: error instanceof Error ? error.stack?.split("\n").slice(1).join("\n") : undefined,
    });
    return fail(c, 500, "The gateway failed to answer; the log has the details");
  });

  // Hits the chain remembered, for callers it would call anonymous, skip it
  // (see proxy/hit_lane.ts). Not with CORS (its headers are the chain's) nor
  // when every caller needs a key.
  if (hits && !config.corsOrigins.length && !config.requireApiKey) {
    const lane = hitLane({
      hits,
      limiter,
      refused,
      trustProxyHops: config.trustProxyHops,
      clientAddress,
      logger,
      metrics: gatewayMetrics,
      clock,
    });
    const chain = app.fetch;
    app.fetch = (request, env, executionCtx) =>
      lane(request, env) ?? chain(request, env, executionCtx);
  }
  return app;
}
