/**
 * esikit — the ESI client for Deno and the edge.
 *
 * Typed access to every operation of EVE Online's ESI, with HTTP caching and
 * ETag revalidation, coalescing of identical calls, timeouts, retries of
 * transient failures, typed errors, and a pipeline that reports what it did
 * in `meta` and through hooks. Built on web standards only: it runs unchanged
 * on Deno, Deno Deploy, Cloudflare Workers and browsers.
 *
 * @example A cached, retried, typed call
 * ```ts
 * import { EsiClient, EsiHttpError } from "@esikit/esi";
 *
 * const esi = new EsiClient({ userAgent: "MyApp/1.0 (me@example.com)" });
 * try {
 *   const res = await esi.request("GET", "/status");
 *   console.log(res.data, res.meta.cache, res.meta.expires);
 * } catch (err) {
 *   if (err instanceof EsiHttpError) console.error(err.status, err.requestId);
 *   else throw err;
 * }
 * ```
 *
 * @module
 */

export {
  type BulkCall,
  type BulkOptions,
  type CallOptions,
  type CursorRecord,
  type EsiCallArgs,
  type EsiCallOptions,
  type EsiClientOptions,
  type EsiLanguage,
  type EsiResponse,
  type RecordOf,
  type RequestOptions,
  type TokenInput,
} from "./src/client/options.ts";
export { EsiClient } from "./src/client/client.ts";
export * from "./src/typed.ts";
export * from "./src/errors.ts";
export { type Clock, systemClock } from "./src/clock.ts";
export { VERSION } from "./src/version.ts";

export type { CacheEntry, CacheStore } from "./src/cache/store.ts";
export { MemoryCache, type MemoryCacheOptions } from "./src/cache/memory.ts";
export { cacheKey, type KeyContext } from "./src/cache/key.ts";
export { WebCache, type WebCacheOptions } from "./src/cache/web_cache.ts";
export { TieredCache, type TieredCacheOptions } from "./src/cache/tiered.ts";
export { type DecodedEntry, decodeEntry, encodeEntry } from "./src/cache/codec.ts";
export type { StoreHooks } from "./src/cache/guard.ts";
export { type Freshness, parseCacheControl, readFreshness } from "./src/cache/freshness.ts";

export { authorizeCall, type AuthSubject, type CallAuth } from "./src/http/auth.ts";
export { Flights } from "./src/http/flights.ts";
export { matchRoute, type RouteMatch, type RouteMethodMismatch } from "./src/http/match.ts";
export { coerceQuery } from "./src/http/query.ts";
export { assertValidHeaders } from "./src/http/headers.ts";
export {
  type ErrorLimitInfo,
  type EsiMeta,
  type RateLimitInfo,
  readErrorLimit,
  readMeta,
  readRateLimit,
} from "./src/http/meta.ts";
export { resolveOperation } from "./src/http/operation.ts";
export {
  findOperation,
  findOperationById,
  missingScopes,
  validateParams,
} from "./src/http/validate.ts";
export {
  backoffDelay,
  defaultRetryPolicy,
  parseRetryAfter,
  resolveRetryPolicy,
  type RetryPolicy,
} from "./src/http/retry.ts";
export { type Deadline, startDeadline } from "./src/http/timeout.ts";
export {
  buildQuery,
  fillPath,
  type PathValue,
  type QueryValue,
  redactUrl,
} from "./src/http/url.ts";

export { ConcurrencyGate, type Release } from "./src/limits/concurrency.ts";
export {
  type ErrorBudget,
  type ErrorBudgetStore,
  ErrorLimitGuard,
  type ErrorLimitOptions,
  mergeBudgets,
} from "./src/limits/error_limit.ts";
export {
  type BucketOptions,
  type BucketSize,
  parseRateLimit,
  RateLimitBucket,
  reservedCost,
  tokenCost,
} from "./src/limits/rate_limit.ts";
export {
  type LimitPolicy,
  Limits,
  type LimitsOptions,
  type LimitSubject,
  type Permit,
  type Throttle,
} from "./src/limits/limits.ts";
export { CircuitBreaker, type CircuitOptions, type CircuitState } from "./src/limits/circuit.ts";
export {
  allPagesOf,
  type EsiPage,
  type PageFetcher,
  pagesOf,
  type PagesOptions,
} from "./src/paginate/x_pages.ts";
export {
  type CursorFetcher,
  type CursorOptions,
  type CursorState,
  type CursorSync,
  syncCursor,
} from "./src/paginate/cursor.ts";
export { type FromIdFetcher, type FromIdOptions, walkFromId } from "./src/paginate/from_id.ts";
export { settleAll, type Settled, type SettleOptions } from "./src/bulk.ts";

export * from "./src/digest.ts";
export * from "./src/gateway/signing.ts";
export * from "./src/observe/hooks.ts";
export * from "./src/observe/metrics.ts";
export * from "./src/observe/progress.ts";
export * from "./src/sso/mod.ts";

export * from "./src/operation_meta.ts";
export {
  type EsiOperationId,
  type OperationKey,
  type OperationKeysById,
  operationKeysById,
  operations,
  specCompatibilityDate,
} from "./src/spec/operations.gen.ts";
export * from "./src/spec/scopes.gen.ts";
