/**
 * The hit lane: a public GET whose answer the proxy remembered (see
 * `PreparedHits`) is answered before the Hono chain, at the cost of sending
 * its headers. Profiled, a hit that walked the chain spent most of its time
 * in the chain itself (eight async steps, each a promise) rather than in its
 * answer; this lane does what those steps would do for such a request, in the
 * same functions they use, and nothing else:
 *
 * - only what the chain already answered: the key is one the proxy remembered
 *   after the route, the path and the query passed its checks;
 * - only a caller without credentials (no `X-Api-Key`, no `Authorization`):
 *   the chain would call it anonymous by its address (`addressOf`) and verify
 *   nothing; a public route never reads a session;
 * - never an address the failed-authentication limit refuses now;
 * - only when the limiter admits at once from room it holds (`admitNow`):
 *   a store round trip, or a refusal, is the chain's to answer;
 * - the request id, the log line and the metrics of `front`
 *   (`requestIdOf`, `logRequest`), the `RateLimit-*` of `rateLimit`
 *   (`rateLimitHeaders`), the 304 of the proxy (`PreparedHits.answer`).
 *
 * Whatever it does not take, the chain answers as before.
 *
 * @module
 */

import { type Clock, systemClock } from "../../src/clock.ts";
import type { Logger } from "../context.ts";
import type { GatewayMetrics } from "../metrics.ts";
import type { CallerLimiter } from "../limiter/types.ts";
import { logRequest } from "../log/request_log.ts";
import type { RefusedAddresses } from "../middleware/auth_failures.ts";
import { addressOf, type ClientAddress, remoteAddress } from "../middleware/caller_auth.ts";
import { requestIdOf } from "../middleware/front.ts";
import { rateLimitHeaders } from "../middleware/rate_limit.ts";
import { hitKey, knownHitFields, type PreparedHits } from "./prepared_hits.ts";
import { rawTarget } from "./safe_path.ts";

/** Options of {@link hitLane}. */
export interface HitLaneOptions {
  /** The proxy's prepared answers (the same instance). */
  hits: PreparedHits;
  /** The callers' limiter (the same one the chain counts with). */
  limiter: CallerLimiter;
  /** The addresses the failed-authentication limit refuses (the same set). */
  refused: RefusedAddresses;
  /** The trusted proxy hops (`TRUST_PROXY`). */
  trustProxyHops: number;
  /**
   * The caller's address as the runtime sees it.
   * @default the `remoteAddr` binding Deno's entry passes
   */
  clientAddress?: ClientAddress;
  /** Where the log line goes. */
  logger: Logger;
  /** Counts the request and the hit. */
  metrics?: GatewayMetrics;
  /**
   * The clock.
   * @default systemClock
   */
  clock?: Clock;
}

/** Answers a request from a prepared hit, or `undefined` for the chain to answer it. */
export type HitLane = (request: Request, env: unknown) => Response | undefined;

/**
 * Builds the hit lane.
 *
 * @param options The prepared answers, the limiter, the refused addresses, the
 *   proxy trust, the logger, metrics and clock.
 * @returns The lane.
 * @example
 * ```ts ignore
 * const lane = hitLane({ hits, limiter, refused, trustProxyHops: 0, logger });
 * const answer = (request: Request, env: unknown) => lane(request, env) ?? app.fetch(request, env);
 * ```
 */
export function hitLane(
  {
    hits,
    limiter,
    refused,
    trustProxyHops,
    clientAddress = remoteAddress,
    logger,
    metrics,
    clock = systemClock,
  }: HitLaneOptions,
): HitLane {
  const logOptions = { logger, metrics, clock };
  return function hitLane(request, env) {
    if (request.method !== "GET") return undefined;
    const headers = request.headers;
    if (headers.has("X-Api-Key") || headers.has("Authorization")) return undefined;
    const target = rawTarget(request.url);
    const date = headers.get("X-Compatibility-Date");
    const known = hits.lookup(hitKey(target, date, headers.get("Accept-Language")));
    if (!known) return undefined;
    const caller = addressOf(request, env, trustProxyHops, clientAddress);
    const started = clock.now();
    if (refused.size && refused.waitFor(caller.id, started) > 0) return undefined;
    const admitted = limiter.admitNow?.(caller.id, caller.tier);
    if (!admitted) return undefined;

    const requestId = requestIdOf(request);
    const limits = rateLimitHeaders(admitted, started);
    const res = hits.answer(known, limits, headers.get("If-None-Match"));
    res.headers.set("X-Request-Id", requestId);
    metrics?.preparedHits.inc({ route: known.route });
    const fields = { caller: caller.id, ...knownHitFields(known) };
    const { path, query } = target;
    const answered = { requestId, method: "GET", path, query, status: res.status, fields };
    logRequest(answered, started, logOptions);
    return res;
  };
}
